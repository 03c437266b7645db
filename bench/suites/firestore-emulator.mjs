// The local Firestore emulator under the loads issue 3 names, each next to an anchor measured in
// the same run against the same server: the cheapest SDK way to do the same amount of work.
//   - 10 000 documents through BulkWriter   vs  the same documents as 20 batches of 500
//   - 1 000 single-document transactions      vs  1 000 plain get + set pairs (no transaction)
//   - a page walk over 10 000 documents       vs  one get() of the whole collection
// The whole local stack runs in a child process, so its peak memory is its own.
import { createRequire } from 'node:module';
import { round } from '../lib/measure.mjs';
import { startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const DOCS = 10_000;
const TRANSACTIONS = 1_000;
const PAGE = 500;

async function seconds(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return round(Number(process.hrtime.bigint() - start) / 1e9, 2);
}

const docData = (i) => ({
  i,
  group: i % 7,
  name: `item ${i}`,
  tags: ['a', 'b'],
  active: i % 2 === 0,
});

export async function run() {
  const server = await startStackProcess();
  process.env.FIRESTORE_EMULATOR_HOST = server.firestore;
  process.env.METADATA_SERVER_DETECTION = 'none';
  const { initializeApp, deleteApp } = require('firebase-admin/app');
  const { getFirestore } = require('firebase-admin/firestore');
  const app = initializeApp({ projectId: 'demo-bench' }, `bench-${Date.now()}`);
  const db = getFirestore(app);
  const rows = [];
  try {
    // BulkWriter's own rate limiter starts at 500 writes/s and ramps up slowly; it models
    // production quotas, not the server, so it is turned off to measure the emulator.
    const bulk = await seconds(async () => {
      const writer = db.bulkWriter({ throttling: false });
      for (let i = 0; i < DOCS; i++) writer.set(db.doc(`bulk/d${i}`), docData(i));
      await writer.close();
    });
    const batches = await seconds(async () => {
      for (let start = 0; start < DOCS; start += 500) {
        const batch = db.batch();
        for (let i = start; i < start + 500; i++) batch.set(db.doc(`batched/d${i}`), docData(i));
        await batch.commit();
      }
    });
    rows.push({
      name: `Firestore emulator: ${DOCS} docs via BulkWriter (throttling off)`,
      unit: 's',
      value: bulk,
      anchor: `${DOCS / 500} batch commits of 500`,
      anchorValue: batches,
    });

    const counter = db.doc('counters/tx');
    await counter.set({ n: 0 });
    const tx = await seconds(async () => {
      for (let i = 0; i < TRANSACTIONS; i++) {
        await db.runTransaction(async (t) => {
          const snap = await t.get(counter);
          t.update(counter, { n: snap.get('n') + 1 });
        });
      }
    });
    const plain = db.doc('counters/plain');
    await plain.set({ n: 0 });
    const noTx = await seconds(async () => {
      for (let i = 0; i < TRANSACTIONS; i++) {
        const snap = await plain.get();
        await plain.set({ n: snap.get('n') + 1 });
      }
    });
    const final = (await counter.get()).get('n');
    if (final !== TRANSACTIONS) throw new Error(`counter ended at ${final}, not ${TRANSACTIONS}`);
    rows.push({
      name: `Firestore emulator: ${TRANSACTIONS} sequential single-doc transactions`,
      unit: 's',
      value: tx,
      anchor: `${TRANSACTIONS} plain get + set pairs`,
      anchorValue: noTx,
    });

    let seen = 0;
    const walk = await seconds(async () => {
      let query = db.collection('bulk').orderBy('i').limit(PAGE);
      for (;;) {
        const page = await query.get();
        seen += page.size;
        if (page.size < PAGE) break;
        query = db
          .collection('bulk')
          .orderBy('i')
          .startAfter(page.docs[page.size - 1])
          .limit(PAGE);
      }
    });
    if (seen !== DOCS) throw new Error(`page walk saw ${seen} docs, not ${DOCS}`);
    const whole = await seconds(() => db.collection('bulk').get());
    rows.push({
      name: `Firestore emulator: page walk over ${DOCS} docs, pages of ${PAGE} (startAfter)`,
      unit: 's',
      value: walk,
      anchor: 'one get() of all docs',
      anchorValue: whole,
    });

    rows.push({
      name: 'local stack (all emulators + functions): peak RSS during the runs above',
      unit: 'MiB',
      value: round((await server.peakRss()) / 2 ** 20, 1),
    });
    return rows;
  } finally {
    await deleteApp(app);
    await server.stop();
    delete process.env.FIRESTORE_EMULATOR_HOST;
  }
}
