// The client SDK's writes (`firebase/firestore` in Node: the Write stream) next to the same writes
// through firebase-admin (the Commit RPC), against one in-process Firestore server, same run:
//   - median latency of one awaited setDoc           vs  one awaited admin set()
//   - median latency of one awaited 20-write batch   vs  one awaited admin batch of 20
// Self-contained (no bench/lib helpers) so it runs on its own: `npm run bench -- write-stream`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ROUNDS = 300;
const BATCH = 20;

async function medianMs(n, fn) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await fn(i);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)] * 1000) / 1000;
}

export async function run() {
  const { FirestoreEmulator } = require('../../emulator/lib/src/firestore/server.js');
  const server = new FirestoreEmulator({ projectId: 'demo-bench' });
  const port = await server.listen('127.0.0.1', 0);
  process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
  process.env.METADATA_SERVER_DETECTION = 'none';
  const admin = require('firebase-admin/app');
  const { getFirestore: getAdminFirestore } = require('firebase-admin/firestore');
  const client = require('firebase/app');
  const sdk = require('firebase/firestore');
  const adminApp = admin.initializeApp({ projectId: 'demo-bench' }, `bench-ws-${Date.now()}`);
  const adminDb = getAdminFirestore(adminApp);
  const clientApp = client.initializeApp({ projectId: 'demo-bench' }, `bench-ws-${Date.now()}`);
  const db = sdk.getFirestore(clientApp);
  sdk.connectFirestoreEmulator(db, '127.0.0.1', port);
  const rows = [];
  try {
    // Warm both channels (connection, stream handshake) before timing.
    await sdk.setDoc(sdk.doc(db, 'warm/client'), { x: 1 });
    await adminDb.doc('warm/admin').set({ x: 1 });

    const data = (i) => ({ i, name: `item ${i}`, tags: ['a', 'b'], active: i % 2 === 0 });
    const streamSet = await medianMs(ROUNDS, (i) => sdk.setDoc(sdk.doc(db, `c/d${i}`), data(i)));
    const commitSet = await medianMs(ROUNDS, (i) => adminDb.doc(`a/d${i}`).set(data(i)));
    rows.push({
      name: 'Firestore emulator: client SDK setDoc (Write stream), median',
      unit: 'ms',
      value: streamSet,
      anchor: 'firebase-admin set() (Commit RPC)',
      anchorValue: commitSet,
    });

    const streamBatch = await medianMs(ROUNDS / 5, (r) => {
      const b = sdk.writeBatch(db);
      for (let i = 0; i < BATCH; i++) b.set(sdk.doc(db, `cb/r${r}-${i}`), data(i));
      return b.commit();
    });
    const commitBatch = await medianMs(ROUNDS / 5, (r) => {
      const b = adminDb.batch();
      for (let i = 0; i < BATCH; i++) b.set(adminDb.doc(`ab/r${r}-${i}`), data(i));
      return b.commit();
    });
    rows.push({
      name: `Firestore emulator: client SDK writeBatch of ${BATCH} (Write stream), median`,
      unit: 'ms',
      value: streamBatch,
      anchor: `firebase-admin batch of ${BATCH} (Commit RPC)`,
      anchorValue: commitBatch,
    });
  } finally {
    await sdk.terminate(db);
    await client.deleteApp(clientApp);
    await admin.deleteApp(adminApp);
    await server.close();
    delete process.env.FIRESTORE_EMULATOR_HOST;
  }
  return rows;
}
