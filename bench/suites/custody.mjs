// The equipment room (issue 20), on the local stack, through the data layer the routes call
// (functions/lib/src/data: code resolution, checkOut, createBooking, availableItems):
// - a check-out of 100 items by codes (one batched read of the codes, one transaction over the
//   items and their booking-index documents), median, next to a plain transaction that reads
//   and updates the same 100 items in the same run;
// - 20 concurrent bookings of one item, overlapping windows (1 wins) and disjoint ones (all
//   win): total time and transaction tries (attempts of the transaction function);
// - availability of one category of 1 000 items over a month with 5 000 bookings: median.
import { createRequire } from 'node:module';
import { median, round } from '../lib/measure.mjs';
import { pointSdksAt, startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const PROJECT = 'demo-qr-assets';
const H = 3_600_000;

const elapsed = (start) => Number(process.hrtime.bigint() - start) / 1e6;

export async function run() {
  const stack = await startStackProcess();
  pointSdksAt(stack, PROJECT);
  const lib = '../../functions/lib/src';
  const { db } = require(`${lib}/data/firebase.js`);
  const { equipmentRef, tagsRef, bookingsRef, bookingIndexRef } = require(`${lib}/data/paths.js`);
  const { codeKey } = require(`${lib}/domain/tagCodes.js`);
  const { resolveItemCodes } = require(`${lib}/data/custodyCodes.js`);
  const { checkOut, checkIn } = require(`${lib}/data/custody.js`);
  const { createBooking } = require(`${lib}/data/bookings.js`);
  const { availableItems } = require(`${lib}/data/availability.js`);
  const { Timestamp } = require('firebase-admin/firestore');
  const rows = [];
  try {
    const orgId = `bench-custody-${Date.now()}`;
    await db().doc(`organizations/${orgId}`).set({ name: 'Bench room', timeZone: 'Europe/Berlin' });

    // 100 items with an imported code each.
    const ids = Array.from({ length: 100 }, (_, i) => `kit-${String(i).padStart(3, '0')}`);
    const codes = ids.map((id) => `BC-${id}`);
    let writer = db().bulkWriter();
    ids.forEach((id, i) => {
      void writer.set(equipmentRef(orgId).doc(id), { name: id, category: 'CAMERA' });
      void writer.set(tagsRef(orgId).doc(codeKey(codes[i])), {
        code: codes[i],
        kind: 'imported',
        assetId: id,
      });
    });
    await writer.close();

    const runs = 15;
    const checkoutMs = [];
    const plainMs = [];
    for (let i = 0; i < runs + 2; i++) {
      let start = process.hrtime.bigint();
      const resolved = await resolveItemCodes(orgId, codes);
      const out = await checkOut({
        orgId,
        assetIds: resolved.items.map((x) => x.assetId),
        custodian: { name: 'Bench crew' },
        by: 'bench',
      });
      const took = elapsed(start);
      if (out.assetIds.length !== 100) throw new Error(`checked out ${out.assetIds.length}`);
      await checkIn({ orgId, assetIds: ids, by: 'bench' });
      start = process.hrtime.bigint();
      const refs = ids.map((id) => equipmentRef(orgId).doc(id));
      await db().runTransaction(async (tx) => {
        await tx.getAll(...refs);
        for (const ref of refs) tx.update(ref, { touchedAt: Timestamp.now() });
      });
      const plain = elapsed(start);
      if (i >= 2) {
        checkoutMs.push(took);
        plainMs.push(plain);
      }
    }
    rows.push({
      name: 'custody: check-out of 100 items by codes (median)',
      unit: 'ms',
      value: round(median(checkoutMs)),
      anchor: 'plain transaction reading and updating the same 100 items',
      anchorValue: round(median(plainMs)),
    });

    // Tries: every attempt of a transaction function, counted by wrapping runTransaction.
    let tries = 0;
    const firestore = db();
    const original = firestore.runTransaction.bind(firestore);
    firestore.runTransaction = (fn, options) =>
      original((tx) => {
        tries++;
        return fn(tx);
      }, options);
    for (const kind of ['overlapping', 'disjoint']) {
      const item = `solo-${kind}`;
      await equipmentRef(orgId).doc(item).set({ name: item, category: 'CAMERA' });
      tries = 0;
      const base = Date.now() + 24 * H;
      const start = process.hrtime.bigint();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          createBooking(
            orgId,
            {
              assetIds: [item],
              from: kind === 'disjoint' ? base + i * 2 * H : base + i * 60_000,
              to: kind === 'disjoint' ? base + (i * 2 + 1) * H : base + 5 * H + i * 60_000,
              custodian: { name: `crew ${i}` },
            },
            'bench',
          ),
        ),
      );
      const total = elapsed(start);
      const won = outcomes.filter((o) => o.status === 'fulfilled').length;
      const expected = kind === 'disjoint' ? 20 : 1;
      if (won !== expected) throw new Error(`${kind}: ${won} bookings won, expected ${expected}`);
      rows.push({
        name: `custody: 20 concurrent ${kind} bookings of one item (${won} won), total`,
        unit: 'ms',
        value: round(total),
      });
      rows.push({
        name: `custody: 20 concurrent ${kind} bookings of one item, transaction tries`,
        unit: 'tries',
        value: tries,
      });
    }
    firestore.runTransaction = original;

    // 1 000 LIGHTING items (and 1 000 of another category), 5 000 bookings over the month: five
    // holds on each LIGHTING item's index document, one in three inside the asked window.
    const monthStart = Date.UTC(2027, 5, 1);
    writer = db().bulkWriter();
    for (let i = 0; i < 1000; i++) {
      const id = `light-${String(i).padStart(4, '0')}`;
      void writer.set(equipmentRef(orgId).doc(id), { name: id, category: 'LIGHTING' });
      void writer.set(equipmentRef(orgId).doc(`mic-${i}`), { name: `mic ${i}`, category: 'AUDIO' });
      const holds = {};
      for (let k = 0; k < 5; k++) {
        const bookingId = `b-${i}-${k}`;
        const from = monthStart + ((i * 5 + k) % 30) * 24 * H;
        const hold = {
          from: Timestamp.fromMillis(from),
          to: Timestamp.fromMillis(from + 20 * H),
          custodianKey: 'name:x',
        };
        holds[bookingId] = hold;
        void writer.set(bookingsRef(orgId).doc(bookingId), {
          bookingId,
          status: 'reserved',
          assetIds: [id],
          ...hold,
        });
      }
      void writer.set(bookingIndexRef(orgId, id), { holds });
    }
    await writer.close();
    const window = { from: monthStart + 10 * 24 * H, to: monthStart + 11 * 24 * H };
    const times = [];
    let free = 0;
    for (let i = 0; i < 12; i++) {
      const start = process.hrtime.bigint();
      const page = await availableItems(orgId, window, { category: 'LIGHTING' }, 1000);
      if (i >= 2) times.push(elapsed(start));
      free = page.items.length;
    }
    rows.push({
      name: `custody: availability of 1 000 LIGHTING items over a day of a month with 5 000 bookings (${free} free), median`,
      unit: 'ms',
      value: round(median(times)),
    });
    const month = { from: monthStart, to: monthStart + 30 * 24 * H };
    const monthTimes = [];
    for (let i = 0; i < 7; i++) {
      const start = process.hrtime.bigint();
      await availableItems(orgId, month, { category: 'LIGHTING' }, 1000);
      if (i >= 2) monthTimes.push(elapsed(start));
    }
    rows.push({
      name: 'custody: availability of 1 000 LIGHTING items over the whole month, median',
      unit: 'ms',
      value: round(median(monthTimes)),
    });
  } finally {
    await stack.stop();
  }
  return rows;
}
