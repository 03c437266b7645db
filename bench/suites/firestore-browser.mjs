// The Firebase JS SDK in a real headless Chromium (the tests' harness: @sparticuz/chromium,
// a page bundled from the `firebase` package) against one in-process Firestore server, next to
// the Node client SDK (`firebase/firestore` in Node: gRPC) in the same run:
//   - median of one awaited getDocFromServer: browser over WebChannel (Listen) vs Node over gRPC
//   - median of one awaited setDoc: browser over WebChannel (Write) vs Node over gRPC
//   - median of one awaited getDoc / setDoc with firebase/firestore/lite in the browser (REST)
// Times are taken inside the page (performance.now) and in Node (hrtime) around the same calls.
// `npm run bench -- firestore-browser`.
import { createRequire } from 'node:module';
import { medianMs } from '../lib/measure.mjs';

const require = createRequire(import.meta.url);
const ROUNDS = 200;

/** Runs in the page: medians of `rounds` getDoc and setDoc calls with the given SDK. */
async function pageMedians(kind, port, rounds) {
  const g = globalThis;
  const fb = g.fb;
  const median = async (fn) => {
    const times = [];
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      await fn(i);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return Math.round(times[Math.floor(times.length / 2)] * 1000) / 1000;
  };
  const app = fb.initializeApp({ projectId: 'demo-bench', apiKey: 'k' }, `bench-${kind}`);
  const sdk = kind === 'lite' ? fb.lite : fb.firestore;
  const db = sdk.getFirestore(app);
  sdk.connectFirestoreEmulator(db, '127.0.0.1', port);
  const get = kind === 'lite' ? sdk.getDoc : sdk.getDocFromServer;
  await sdk.setDoc(sdk.doc(db, `b-${kind}/warm`), { x: 1 });
  await get(sdk.doc(db, `b-${kind}/warm`));
  const data = (i) => ({ i, name: `item ${i}`, tags: ['a', 'b'], active: i % 2 === 0 });
  const set = await median((i) => sdk.setDoc(sdk.doc(db, `b-${kind}/d${i}`), data(i)));
  const read = await median((i) => get(sdk.doc(db, `b-${kind}/d${i}`)));
  if (kind !== 'lite') await sdk.terminate(db);
  await fb.deleteApp(app);
  return { set, read };
}

export async function run() {
  const { FirestoreEmulator } = require('../../emulator/lib/src/firestore/server.js');
  const harness = require('../../emulator/lib/test/browser/harness.js');
  const server = new FirestoreEmulator({ projectId: 'demo-bench', log: () => undefined });
  const port = await server.listen('127.0.0.1', 0);
  const client = require('firebase/app');
  const sdk = require('firebase/firestore');
  const clientApp = client.initializeApp({ projectId: 'demo-bench' }, `bench-fb-${Date.now()}`);
  const db = sdk.getFirestore(clientApp);
  sdk.connectFirestoreEmulator(db, '127.0.0.1', port);
  const served = await harness.servePage(
    await harness.bundlePage('bench-page.mjs'),
    'Firestore browser bench',
  );
  const browser = await harness.launchBrowser();
  const rows = [];
  try {
    const page = await browser.newPage();
    await page.goto(served.url);
    await page.waitForFunction(() => globalThis.pageReady === true);

    await sdk.setDoc(sdk.doc(db, 'n/warm'), { x: 1 });
    await sdk.getDocFromServer(sdk.doc(db, 'n/warm'));
    const data = (i) => ({ i, name: `item ${i}`, tags: ['a', 'b'], active: i % 2 === 0 });
    let w = 0;
    let r = 0;
    const runs = { runs: ROUNDS, warmup: 0 };
    const nodeSet = await medianMs(() => sdk.setDoc(sdk.doc(db, `n/d${w}`), data(w++)), runs);
    const nodeGet = await medianMs(() => sdk.getDocFromServer(sdk.doc(db, `n/d${r++}`)), runs);

    const wc = await page.evaluate(pageMedians, 'firestore', port, ROUNDS);
    rows.push(
      {
        name: 'Firestore: browser SDK getDocFromServer (WebChannel Listen), median',
        unit: 'ms',
        value: wc.read,
        anchor: 'Node client SDK getDocFromServer (gRPC Listen)',
        anchorValue: nodeGet,
      },
      {
        name: 'Firestore: browser SDK setDoc (WebChannel Write), median',
        unit: 'ms',
        value: wc.set,
        anchor: 'Node client SDK setDoc (gRPC Write stream)',
        anchorValue: nodeSet,
      },
    );
    const lite = await page.evaluate(pageMedians, 'lite', port, ROUNDS);
    rows.push(
      {
        name: 'Firestore: browser firebase/firestore/lite getDoc (REST batchGet), median',
        unit: 'ms',
        value: lite.read,
        anchor: 'Node client SDK getDocFromServer (gRPC Listen)',
        anchorValue: nodeGet,
      },
      {
        name: 'Firestore: browser firebase/firestore/lite setDoc (REST commit), median',
        unit: 'ms',
        value: lite.set,
        anchor: 'Node client SDK setDoc (gRPC Write stream)',
        anchorValue: nodeSet,
      },
    );
  } finally {
    await browser.close();
    await served.close();
    await sdk.terminate(db);
    await client.deleteApp(clientApp);
    await server.close();
  }
  return rows;
}
