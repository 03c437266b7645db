// The Firestore REST transport (emulator/src/firestore/transports/rest/) next to gRPC, against
// one in-process Firestore server, same run:
//   - one document read: plain fetch GET .../documents/c/d, and `firebase/firestore/lite`
//     getDoc (the web SDK's REST client), vs firebase-admin get() over gRPC
//   - one document write: plain fetch POST .../documents:commit, and lite setDoc, vs
//     firebase-admin set() over gRPC
// Median of ROUNDS awaited calls each, after a warm-up. `npm run bench -- firestore-rest`.
import { createRequire } from 'node:module';
import { medianMs as timed } from '../lib/measure.mjs';

const require = createRequire(import.meta.url);
const ROUNDS = 300;

/** Median ms of `fn(i)` with a fresh i each call (each write its own document). */
let calls = 0;
const medianMs = (runs, fn) => timed(() => fn(calls++), { runs, warmup: 20 });
const PROJECT = 'demo-bench-rest';

export async function run() {
  const { FirestoreEmulator } = require('../../emulator/lib/src/firestore/server.js');
  const server = new FirestoreEmulator({ projectId: PROJECT });
  const port = await server.listen('127.0.0.1', 0);
  process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
  process.env.METADATA_SERVER_DETECTION = 'none';
  const admin = require('firebase-admin/app');
  const { getFirestore } = require('firebase-admin/firestore');
  const client = require('firebase/app');
  const lite = require('firebase/firestore/lite');
  const adminApp = admin.initializeApp({ projectId: PROJECT }, `bench-rest-${Date.now()}`);
  const adminDb = getFirestore(adminApp);
  const liteApp = client.initializeApp({ projectId: PROJECT }, `bench-rest-${Date.now()}`);
  const liteDb = lite.getFirestore(liteApp);
  lite.connectFirestoreEmulator(liteDb, '127.0.0.1', port);
  const base = `http://127.0.0.1:${port}/v1/projects/${PROJECT}/databases/(default)/documents`;
  const headers = { authorization: 'Bearer owner', 'content-type': 'application/json' };
  const data = (i) => ({ i, name: `item ${i}`, tags: ['a', 'b'], active: i % 2 === 0 });
  const fields = (i) => ({
    i: { integerValue: String(i) },
    name: { stringValue: `item ${i}` },
    tags: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } },
    active: { booleanValue: i % 2 === 0 },
  });
  const rows = [];
  try {
    await adminDb.doc('c/read').set(data(0));
    // Warm every client (connections, channels) before timing.
    await adminDb.doc('c/read').get();
    await lite.getDoc(lite.doc(liteDb, 'c/read'));
    await (await fetch(`${base}/c/read`, { headers })).text();

    const grpcGet = await medianMs(ROUNDS, () => adminDb.doc('c/read').get());
    const restGet = await medianMs(ROUNDS, async () => {
      const res = await fetch(`${base}/c/read`, { headers });
      await res.json();
    });
    const liteGet = await medianMs(ROUNDS, () => lite.getDoc(lite.doc(liteDb, 'c/read')));
    const grpcSet = await medianMs(ROUNDS, (i) => adminDb.doc(`g/d${i}`).set(data(i)));
    const restSet = await medianMs(ROUNDS, async (i) => {
      const res = await fetch(`${base}:commit`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          writes: [
            {
              update: {
                name: `projects/${PROJECT}/databases/(default)/documents/r/d${i}`,
                fields: fields(i),
              },
            },
          ],
        }),
      });
      await res.json();
    });
    const liteSet = await medianMs(ROUNDS, (i) =>
      lite.setDoc(lite.doc(liteDb, `l/d${i}`), data(i)),
    );
    const anchorGet = 'firebase-admin get() over gRPC';
    const anchorSet = 'firebase-admin set() over gRPC';
    rows.push(
      {
        name: 'Firestore REST: fetch GET document, median',
        unit: 'ms',
        value: restGet,
        anchor: anchorGet,
        anchorValue: grpcGet,
      },
      {
        name: 'Firestore REST: firestore/lite getDoc, median',
        unit: 'ms',
        value: liteGet,
        anchor: anchorGet,
        anchorValue: grpcGet,
      },
      {
        name: 'Firestore REST: fetch POST :commit (one write), median',
        unit: 'ms',
        value: restSet,
        anchor: anchorSet,
        anchorValue: grpcSet,
      },
      {
        name: 'Firestore REST: firestore/lite setDoc, median',
        unit: 'ms',
        value: liteSet,
        anchor: anchorSet,
        anchorValue: grpcSet,
      },
    );
  } finally {
    await lite.terminate(liteDb);
    await client.deleteApp(liteApp);
    await admin.deleteApp(adminApp);
    await server.close();
    delete process.env.FIRESTORE_EMULATOR_HOST;
  }
  return rows;
}
