// The scan ledger and audits (issue 22). The ledger part runs on the local stack (Firestore and
// the functions host with its triggers); the audit part on an in-process Firestore of the stack
// without the functions host (its 20 000 seeded items would otherwise each run the QR trigger
// in that one process, which is not what is measured):
// - 1 000 scan events written by 4 concurrent client SDK apps (signed in as members, under the
//   project's firestore.rules): time until the trigger has written every result, next to 1 000
//   plain document creates by the same 4 clients (rules off, no trigger) in the same run;
// - one bulk request of 500 events through the ledger core (the route's data layer);
// - an audit of 20 000 expected items: the snapshot (createAudit, what POST .../audits runs) next
//   to a BulkWriter write of the same 20 000 documents, and the completion (completeAudit with
//   20 000 found items: 20 000 lastAuditedAt writes) next to a BulkWriter update of the same
//   20 000 items. The 20 000 scans are written as found directly (their cost is the bulk row).
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from '../lib/measure.mjs';
import { startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROJECT = 'demo-qr-assets';
const EVENTS = 1000;
const CLIENTS = 4;
const AUDIT_ITEMS = 20_000;

const elapsed = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function run() {
  const rows = [];
  await auditPart(rows);
  await ledgerPart(rows);
  return rows;
}

function seedWriter(db, orgId, codeKey, ids) {
  const writer = db.bulkWriter({ throttling: false });
  for (const id of ids) {
    void writer.set(db.doc(`organizations/${orgId}/equipment/${id}`), {
      name: id,
      category: 'CAMERA',
      locationId: 'hall',
    });
    void writer.set(db.doc(`organizations/${orgId}/tags/${codeKey(`B-${id}`)}`), {
      code: `B-${id}`,
      kind: 'imported',
      assetId: id,
    });
  }
  return writer.close();
}

async function orgSetup(db, orgId, uids) {
  const setup = db.batch();
  setup.set(db.doc(`organizations/${orgId}`), { name: 'Bench audits', timeZone: 'UTC' });
  // No QR renders for the bench's items: the QR trigger refuses items past the item quota.
  setup.set(db.doc(`quotaOverrides/${orgId}`), { items: 0 });
  setup.set(db.doc(`organizations/${orgId}/locations/hall`), { name: 'Hall', nameKey: 'hall' });
  for (const uid of uids) {
    setup.set(db.doc(`organizations/${orgId}/members/${uid}`), { uid, role: 'viewer' });
  }
  await setup.commit();
}

async function auditPart(rows) {
  const { FirestoreEmulator } = require('../../emulator/lib/src/firestore/server.js');
  const server = new FirestoreEmulator({ projectId: PROJECT, log: () => {} });
  const port = await server.listen('127.0.0.1', 0);
  Object.assign(process.env, {
    FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port}`,
    GCLOUD_PROJECT: PROJECT,
    METADATA_SERVER_DETECTION: 'none',
  });
  const lib = '../../functions/lib/src';
  const { db } = require(`${lib}/data/firebase.js`);
  const { equipmentRef, auditItemsRef, auditCountersRef } = require(`${lib}/data/paths.js`);
  const { codeKey } = require(`${lib}/domain/tagCodes.js`);
  const { createAudit, completeAudit } = require(`${lib}/data/audits.js`);
  const { applyBulk } = require(`${lib}/data/ledgerBulk.js`);
  const { validateBulkEvents } = require(`${lib}/domain/scanEvents.js`);
  const { Timestamp, FieldValue } = require('firebase-admin/firestore');
  try {
    const orgId = `bench-audits-${Date.now()}`;
    await orgSetup(db(), orgId, []);
    const itemIds = Array.from(
      { length: AUDIT_ITEMS },
      (_, i) => `it-${String(i).padStart(5, '0')}`,
    );
    await seedWriter(db(), orgId, codeKey, itemIds);

    // ---- one bulk request of 500 ----
    const bulk = validateBulkEvents({
      events: Array.from({ length: 500 }, (_, i) => ({
        scanId: `bulk-${i}`,
        type: 'seen',
        code: `B-${itemIds[i]}`,
        scannedAt: new Date().toISOString(),
      })),
    });
    let t = process.hrtime.bigint();
    const answered = await applyBulk(orgId, bulk.value.entries, 'bench', () => true);
    const bulkMs = elapsed(t);
    if (answered.some((r) => r.status !== 'applied')) throw new Error('a bulk event was refused');
    rows.push({
      name: 'ledger: one bulk request of 500 seen events (POST .../scan-events core, no trigger host)',
      unit: 'ms',
      value: round(bulkMs, 0),
    });

    // ---- an audit of 20 000 ----
    t = process.hrtime.bigint();
    const audit = await createAudit(orgId, { name: 'Bench', locationId: 'hall' }, 'bench');
    const snapshotMs = elapsed(t);
    if (audit.expected !== AUDIT_ITEMS) throw new Error(`expected ${audit.expected}`);
    t = process.hrtime.bigint();
    let writer = db().bulkWriter({ throttling: false });
    for (const id of itemIds) {
      void writer.set(db().doc(`bench-plain/${orgId}/snapshot/${id}`), {
        assetId: id,
        name: id,
        category: 'CAMERA',
        locationId: 'hall',
        expected: true,
        state: 'missing',
      });
    }
    await writer.close();
    const plainSnapshotMs = elapsed(t);
    rows.push({
      name: `audit: snapshot of ${AUDIT_ITEMS} expected items (POST .../audits core)`,
      unit: 'ms',
      value: round(snapshotMs, 0),
      anchor: `BulkWriter write of ${AUDIT_ITEMS} documents`,
      anchorValue: round(plainSnapshotMs, 0),
    });

    // Every item found (as 20 000 scans would leave it), counted in one shard.
    writer = db().bulkWriter({ throttling: false });
    const at = Timestamp.now();
    for (const id of itemIds) {
      void writer.update(auditItemsRef(orgId, audit.auditId).doc(id), {
        state: 'found',
        scannedBy: 'bench',
        scannedAt: at,
      });
    }
    void writer.set(auditCountersRef(orgId, audit.auditId).doc('0'), {
      found: FieldValue.increment(AUDIT_ITEMS),
    });
    await writer.close();
    t = process.hrtime.bigint();
    const done = await completeAudit(
      orgId,
      audit.auditId,
      { moveUnexpectedHere: false, markMissing: false },
      'bench',
    );
    const completeMs = elapsed(t);
    if (done.completion.lastAudited !== AUDIT_ITEMS) throw new Error('not all audited');
    t = process.hrtime.bigint();
    writer = db().bulkWriter({ throttling: false });
    for (const id of itemIds) void writer.update(equipmentRef(orgId).doc(id), { touchedAt: at });
    await writer.close();
    const plainUpdateMs = elapsed(t);
    rows.push({
      name: `audit: complete with ${AUDIT_ITEMS} found (lastAuditedAt on each)`,
      unit: 'ms',
      value: round(completeMs, 0),
      anchor: `BulkWriter update of the same ${AUDIT_ITEMS} items`,
      anchorValue: round(plainUpdateMs, 0),
    });
  } finally {
    await db().terminate();
    await server.close?.();
  }
}

async function ledgerPart(rows) {
  const stack = await startStackProcess();
  const [host, port] = [
    stack.firestore.slice(0, stack.firestore.lastIndexOf(':')),
    Number(stack.firestore.slice(stack.firestore.lastIndexOf(':') + 1)),
  ];
  process.env.FIRESTORE_EMULATOR_HOST = stack.firestore;
  const { initializeApp } = require('firebase-admin/app');
  const { getFirestore } = require('firebase-admin/firestore');
  const db = getFirestore(initializeApp({ projectId: PROJECT }, `bench-ledger-${Date.now()}`));
  const { codeKey } = require('../../functions/lib/src/domain/tagCodes.js');
  const { initializeTestEnvironment } = require(
    require.resolve('@firebase/rules-unit-testing', { paths: [path.join(root, 'functions')] }),
  );
  const firebase = require(
    require.resolve('firebase/compat/app', { paths: [path.join(root, 'functions')] }),
  ).default;
  const env = await initializeTestEnvironment({
    projectId: PROJECT,
    firestore: { host, port, rules: fs.readFileSync(path.join(root, 'firestore.rules'), 'utf8') },
  });
  try {
    const orgId = `bench-ledger-${Date.now()}`;
    const uids = Array.from({ length: CLIENTS }, (_, k) => `bench-scanner-${k}`);
    await orgSetup(db, orgId, uids);
    const itemIds = Array.from({ length: EVENTS }, (_, i) => `it-${String(i).padStart(5, '0')}`);
    await seedWriter(db, orgId, codeKey, itemIds);
    const scanEvents = db.collection(`organizations/${orgId}/scanEvents`);
    const applied = scanEvents.where('result.status', 'in', ['applied', 'refused', 'duplicate']);
    const clients = uids.map((uid) => env.authenticatedContext(uid).firestore());
    const event = (k, code) => ({
      type: 'seen',
      code,
      scannedAt: firebase.firestore.Timestamp.now(),
      by: uids[k % CLIENTS],
      createdAt: firebase.firestore.FieldValue.serverTimestamp(),
    });
    // Warm each app (connection, rules) and the trigger.
    await Promise.all(
      clients.map((c, k) =>
        c.doc(`organizations/${orgId}/scanEvents/warm-${k}`).set(event(k, 'B-warm')),
      ),
    );
    while ((await applied.count().get()).data().count < CLIENTS) await sleep(50);

    let plain = NaN;
    await env.withSecurityRulesDisabled(async (ctx) => {
      const apps = Array.from({ length: CLIENTS }, () => ctx.firestore());
      await apps[0].doc('bench-plain/warm').set({ x: 1 });
      const start = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: EVENTS }, (_, i) =>
          apps[i % CLIENTS].doc(`bench-plain/${orgId}-${i}`).set({ i, at: Date.now() }),
        ),
      );
      plain = elapsed(start);
    });
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: EVENTS }, (_, i) =>
        clients[i % CLIENTS]
          .doc(`organizations/${orgId}/scanEvents/ev-${i}`)
          .set(event(i, `B-${itemIds[i]}`)),
      ),
    );
    const acknowledged = elapsed(start);
    while ((await applied.count().get()).data().count < EVENTS + CLIENTS) await sleep(50);
    const allApplied = elapsed(start);
    const refused = (await scanEvents.where('result.status', '==', 'refused').count().get()).data()
      .count;
    if (refused !== CLIENTS) throw new Error(`${refused - CLIENTS} events refused`);
    rows.push({
      name: `ledger: ${EVENTS} scan events by ${CLIENTS} client apps, until all applied`,
      unit: 'ms',
      value: round(allApplied, 0),
      anchor: `${EVENTS} plain creates by the same ${CLIENTS} apps`,
      anchorValue: round(plain, 0),
    });
    rows.push({
      name: `ledger: the same ${EVENTS} scan events, until the server acknowledged every write`,
      unit: 'ms',
      value: round(acknowledged, 0),
      anchor: `${EVENTS} plain creates by the same ${CLIENTS} apps`,
      anchorValue: round(plain, 0),
    });
  } finally {
    await env.cleanup();
    await stack.stop();
  }
}
