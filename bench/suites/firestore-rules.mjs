// What security rules cost a client: the Firestore client SDK (`firebase`) against our emulator,
// one ruleset, three callers in the same run:
//   - rules off: the admin token (`Bearer owner`), which skips rules entirely (the anchor)
//   - a rule that only checks request.auth
//   - a rule that does one get() of a membership document
// for a document get (through Listen, as the Node SDK reads) and a 20-write writeBatch (through
// the Write stream).
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const lib = path.join(here, '..', '..', 'emulator', 'lib', 'src');

const GETS = 1000;
const BATCHES = 500;
const WARMUP = 20;

const RULES = `rules_version = '2';
service cloud.firestore {
  match /databases/{db}/documents {
    match /auth-only/{d} {
      allow read, write: if request.auth != null;
    }
    match /one-get/{d} {
      allow read, write: if get(/databases/$(db)/documents/members/$(request.auth.uid)).data.active == true;
    }
  }
}
`;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Median milliseconds of each variant, measured in turns (a, b, c, a, b, c, …) so that warm-up,
 * garbage collection and other load on the machine fall on every variant alike.
 */
async function interleavedMedians(variants, runs) {
  for (let i = 0; i < WARMUP; i++) for (const fn of variants) await fn(-1 - i);
  const times = variants.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [v, fn] of variants.entries()) {
      const start = process.hrtime.bigint();
      await fn(i);
      times[v].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return times.map((t) => Math.round(median(t) * 100) / 100);
}

export async function run() {
  const { FirestoreEmulator } = require(path.join(lib, 'firestore', 'server.js'));
  const { initializeApp, deleteApp } = require('firebase/app');
  const fs = require('firebase/firestore');
  const emulator = new FirestoreEmulator({ projectId: 'demo-bench-rules', log: () => {} });
  emulator.rules.load(RULES, 'bench.rules');
  const port = await emulator.listen('127.0.0.1', 0);
  const apps = [];
  const client = (token) => {
    const app = initializeApp({ projectId: 'demo-bench-rules' }, `bench-rules-${apps.length}`);
    apps.push(app);
    const db = fs.getFirestore(app);
    fs.connectFirestoreEmulator(db, '127.0.0.1', port, { mockUserToken: token });
    return db;
  };
  try {
    const admin = client('owner');
    const user = client({ sub: 'u1', user_id: 'u1' });
    await fs.runTransaction(admin, async (t) => {
      t.set(fs.doc(admin, 'members/u1'), { active: true });
      for (const c of ['auth-only', 'one-get']) t.set(fs.doc(admin, `${c}/d`), { n: 1 });
    });
    const get = (db, coll) => () => fs.getDoc(fs.doc(db, `${coll}/d`));
    const batch20 = (db, coll) => (i) => {
      const batch = fs.writeBatch(db);
      for (let k = 0; k < 20; k++) batch.set(fs.doc(db, `${coll}/b${i}-${k}`), { k });
      return batch.commit();
    };

    const [getOff, getAuth, getOneGet] = await interleavedMedians(
      [get(admin, 'auth-only'), get(user, 'auth-only'), get(user, 'one-get')],
      GETS,
    );
    const [batchOff, batchAuth, batchOneGet] = await interleavedMedians(
      [batch20(admin, 'auth-only'), batch20(user, 'auth-only'), batch20(user, 'one-get')],
      BATCHES,
    );
    const getAnchor = 'same get, rules off (admin token)';
    const batchAnchor = 'same batch, rules off (admin token)';
    return [
      { name: 'rules: client SDK get, rules off', unit: 'ms', value: getOff },
      {
        name: 'rules: client SDK get, request.auth rule',
        unit: 'ms',
        value: getAuth,
        anchor: getAnchor,
        anchorValue: getOff,
      },
      {
        name: 'rules: client SDK get, one get() rule',
        unit: 'ms',
        value: getOneGet,
        anchor: getAnchor,
        anchorValue: getOff,
      },
      { name: 'rules: client SDK 20-write batch, rules off', unit: 'ms', value: batchOff },
      {
        name: 'rules: client SDK 20-write batch, request.auth rule',
        unit: 'ms',
        value: batchAuth,
        anchor: batchAnchor,
        anchorValue: batchOff,
      },
      {
        name: 'rules: client SDK 20-write batch, one get() rule',
        unit: 'ms',
        value: batchOneGet,
        anchor: batchAnchor,
        anchorValue: batchOff,
      },
    ];
  } finally {
    for (const app of apps) await deleteApp(app);
    await emulator.close();
  }
}
