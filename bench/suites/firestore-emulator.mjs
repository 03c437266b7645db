// The local Firestore emulator under the loads issue 3 names, each next to an anchor measured in
// the same run against the same server: the cheapest SDK way to do the same amount of work.
//   - 10 000 documents through BulkWriter   vs  the same documents as 20 batches of 500
//   - 1 000 single-document transactions      vs  1 000 plain get + set pairs (no transaction)
//   - a page walk over 10 000 documents       vs  one get() of the whole collection
//   - median RunQuery latency, index checks on vs the same query with checks off (issue 12)
//   - one batch of 5 000 writes                vs  the same documents as 10 batches of 500
// The whole local stack runs in a child process, so its peak memory is its own.
import { createRequire } from 'node:module';
import { median, round } from '../lib/measure.mjs';
import { startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const DOCS = 10_000;
const TRANSACTIONS = 1_000;
const PAGE = 500;
const BIG_BATCH = 5_000;

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

    // The index check on the query path: the same served query (equality + orderBy on another
    // field, with its composite index declared for this database) with checks on, and with
    // checks off for the database. Same server, same data; blocks of runs alternate between
    // the two so that drift (GC after the writes above, other load) hits both alike.
    const indexConfig = `http://${server.firestore}/emulator/v1/projects/demo-bench/databases/(default)/indexConfig`;
    const put = async (body) => {
      const res = await fetch(indexConfig, { method: 'PUT', body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`PUT indexConfig: ${res.status} ${await res.text()}`);
    };
    const declared = {
      indexes: [
        {
          collectionGroup: 'bulk',
          queryScope: 'COLLECTION',
          fields: [
            { fieldPath: 'group', order: 'ASCENDING' },
            { fieldPath: 'i', order: 'DESCENDING' },
          ],
        },
      ],
    };
    const indexed = db.collection('bulk').where('group', '==', 3).orderBy('i', 'desc').limit(20);
    const on = [];
    const off = [];
    const timeRuns = async (into, runs) => {
      for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        await indexed.get();
        into.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    };
    await put(declared);
    await timeRuns([], 30); // warm-up
    for (let block = 0; block < 6; block++) {
      await put(declared);
      await timeRuns(on, 50);
      await put({ checks: false });
      await timeRuns(off, 50);
    }
    const checksOn = round(median(on));
    const checksOff = round(median(off));
    rows.push({
      name: 'Firestore emulator: RunQuery median latency (==, orderBy, limit 20 of 10 000), index checks on',
      unit: 'ms',
      value: checksOn,
      anchor: 'the same query with index checks off',
      anchorValue: checksOff,
    });

    // Two passes in opposite order, so that neither side always runs first (JIT, GC after the
    // work above); each value is the mean of its two runs.
    const oneBatch = (pass) =>
      seconds(async () => {
        const batch = db.batch();
        for (let i = 0; i < BIG_BATCH; i++) batch.set(db.doc(`big${pass}/d${i}`), docData(i));
        await batch.commit();
      });
    const tenBatches = (pass) =>
      seconds(async () => {
        for (let start = 0; start < BIG_BATCH; start += 500) {
          const batch = db.batch();
          for (let i = start; i < start + 500; i++) {
            batch.set(db.doc(`small${pass}/d${i}`), docData(i));
          }
          await batch.commit();
        }
      });
    const big0 = await oneBatch(0);
    const small0 = await tenBatches(0);
    const small1 = await tenBatches(1);
    const big1 = await oneBatch(1);
    const bigBatch = round((big0 + big1) / 2, 2);
    const smallBatches = round((small0 + small1) / 2, 2);
    rows.push({
      name: `Firestore emulator: one batch commit of ${BIG_BATCH} writes`,
      unit: 's',
      value: bigBatch,
      anchor: `${BIG_BATCH / 500} batch commits of 500`,
      anchorValue: smallBatches,
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
