// Stock on the local stack (issue 21).
// 1. 1 000 `used` movements spread over 10 items, 50 in flight at a time, each the API's own
//    transaction (data/stockMovements.ts: read the item, write quantityOnHand, create the
//    movement): total time and aborted tries (attempts beyond the first), next to 1 000 plain
//    FieldValue.increment updates of 10 documents at the same concurrency in the same run. The
//    low-stock trigger runs on the stack for every movement meanwhile, as in production.
// 2. The lead-time schedule (data/leadTimes.ts runLeadTimes) over 10 000 item-suppliers of which
//    1 000 had a receipt since the last run: time, and documents read (the local Firestore's read
//    counter of every item-supplier and reorder): it must read about 1 000, not 10 000.
import { createRequire } from 'node:module';
import { round } from '../lib/measure.mjs';
import { pointSdksAt, startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const PROJECT = 'demo-qr-assets';
const ITEMS = 10;
const MOVEMENTS = 1000;
const IN_FLIGHT = 50;
const ITEM_SUPPLIERS = 10_000;
const CHANGED = 1000;
const DAY = 86_400_000;

/** Runs `count` tasks with at most `limit` at once. */
async function pool(count, limit, task) {
  let next = 0;
  const workers = Array.from({ length: limit }, async () => {
    while (next < count) await task(next++);
  });
  await Promise.all(workers);
}

async function reads(firestoreHost, paths) {
  let total = 0;
  await pool(paths.length, 50, async (i) => {
    const name = `projects/${PROJECT}/databases/(default)/documents/${paths[i]}`;
    const res = await fetch(`http://${firestoreHost}/emulator/v1/${name}:reads`);
    total += (await res.json()).reads;
  });
  return total;
}

export async function run() {
  const stack = await startStackProcess();
  pointSdksAt(stack, PROJECT);
  const { db } = require('../../functions/lib/src/data/firebase.js');
  const {
    readActiveItem,
    writeMovement,
    CONTENDED,
  } = require('../../functions/lib/src/data/stockMovements.js');
  const { runLeadTimes } = require('../../functions/lib/src/data/leadTimes.js');
  const { FieldValue, Timestamp } = require('firebase-admin/firestore');
  const rows = [];
  try {
    // --- 1. contended movements -------------------------------------------------------------
    const orgId = 'bench-stock';
    const items = db().collection(`organizations/${orgId}/stockItems`);
    const counters = db().collection(`organizations/${orgId}/benchCounters`);
    const setup = db().batch();
    for (let i = 0; i < ITEMS; i++) {
      setup.set(items.doc(`SKU-${i}`), {
        name: `item ${i}`,
        quantityOnHand: MOVEMENTS,
        movementCount: 0,
        active: true,
      });
      setup.set(counters.doc(`C-${i}`), { value: MOVEMENTS });
    }
    await setup.commit();
    let attempts = 0;
    const started = process.hrtime.bigint();
    await pool(MOVEMENTS, IN_FLIGHT, async (n) => {
      const sku = `SKU-${n % ITEMS}`;
      await db().runTransaction(async (tx) => {
        attempts++;
        const item = await readActiveItem(tx, orgId, sku);
        writeMovement(
          tx,
          orgId,
          sku,
          item,
          { reason: 'used', delta: -1 },
          'bench',
          Timestamp.now(),
        );
      }, CONTENDED);
    });
    const movementMs = Number(process.hrtime.bigint() - started) / 1e6;
    const plainStarted = process.hrtime.bigint();
    await pool(MOVEMENTS, IN_FLIGHT, async (n) => {
      await counters.doc(`C-${n % ITEMS}`).update({ value: FieldValue.increment(-1) });
    });
    const plainMs = Number(process.hrtime.bigint() - plainStarted) / 1e6;
    // Lost updates would show here: every item must be at exactly 900, with 100 movements.
    for (let i = 0; i < ITEMS; i++) {
      const snap = await items.doc(`SKU-${i}`).get();
      if (snap.get('quantityOnHand') !== MOVEMENTS - MOVEMENTS / ITEMS) {
        throw new Error(`SKU-${i} holds ${snap.get('quantityOnHand')}: an update was lost`);
      }
    }
    rows.push({
      name: `stock: ${MOVEMENTS} used movements over ${ITEMS} items, ${IN_FLIGHT} in flight`,
      unit: 'ms',
      value: round(movementMs, 0),
      anchor: `${MOVEMENTS} plain increments over ${ITEMS} documents, ${IN_FLIGHT} in flight`,
      anchorValue: round(plainMs, 0),
    });
    rows.push({
      name: 'stock: aborted tries of those movements (attempts beyond the first)',
      unit: 'tries',
      value: attempts - MOVEMENTS,
    });

    // --- 2. the lead-time schedule -------------------------------------------------------------
    const now = Date.now();
    await db()
      .doc('scheduleState/leadTimes')
      .set({ mark: Timestamp.fromMillis(now - DAY) });
    const writer = db().bulkWriter();
    const paths = [];
    const reorderPaths = [];
    for (let i = 0; i < ITEM_SUPPLIERS; i++) {
      const org = `bench-lt-${i % 10}`;
      const sku = `SKU-${Math.floor(i / 10)}`;
      const supplierId = `sup-${i % 7}`;
      const changed = i % (ITEM_SUPPLIERS / CHANGED) === 0;
      const path = `organizations/${org}/stockItems/${sku}/suppliers/${supplierId}`;
      paths.push(path);
      writer.set(db().doc(path), {
        orgId: org,
        sku,
        supplierId,
        receiptMarkedAt: Timestamp.fromMillis(changed ? now - 60_000 : now - 2 * DAY - i),
      });
      if (changed) {
        const reorder = `organizations/${org}/reorders/r-${i}`;
        reorderPaths.push(reorder);
        writer.set(db().doc(reorder), {
          sku,
          supplierId,
          status: 'received',
          orderedAt: Timestamp.fromMillis(now - 9 * DAY),
          firstReceivedAt: Timestamp.fromMillis(now - 9 * DAY + (2 + (i % 5)) * DAY),
        });
      }
    }
    await writer.close();
    const runStarted = process.hrtime.bigint();
    const result = await runLeadTimes({ receipts: 10, now: new Date(now) });
    const runMs = Number(process.hrtime.bigint() - runStarted) / 1e6;
    if (result.visited !== CHANGED)
      throw new Error(`the schedule visited ${result.visited}, not ${CHANGED}`);
    const itemSupplierReads = await reads(stack.firestore, paths);
    const reorderReads = await reads(stack.firestore, reorderPaths);
    rows.push({
      name: `stock: lead-time schedule over ${ITEM_SUPPLIERS} item-suppliers, ${CHANGED} changed`,
      unit: 'ms',
      value: round(runMs, 0),
    });
    rows.push({
      name: 'stock: item-supplier documents the schedule read',
      unit: 'documents',
      value: itemSupplierReads,
      anchor: 'item-suppliers in all',
      anchorValue: ITEM_SUPPLIERS,
    });
    rows.push({
      name: 'stock: reorder documents the schedule read (its receipts)',
      unit: 'documents',
      value: reorderReads,
    });
  } finally {
    await stack.stop();
  }
  return rows;
}
