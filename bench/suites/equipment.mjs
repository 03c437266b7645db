// Equipment bulk upload on the local stack. Goals (issue 9; the seed's FastAPI answered 137 items
// in under 3 s and had their QR codes 10 to 30 s later):
// - a 137-row upload answered in under 0.5 s, all 137 PNGs in Storage within 5 s;
// - 1 000 and 10 000-row uploads each answered in under 15 s, with the peak memory of the process
//   that runs the `api` code (it should not grow with the file).
// The 137-row upload goes through the stack's functions host (which also runs the QR trigger).
// The larger ones go to the `api` app alone in its own process (bench/lib/functions-server.mjs,
// the body buffered into rawBody as Cloud Functions does), so that its memory is its own; their
// QR triggers still run in the stack's process, at the same time, on the same 2 cores.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median, medianMs, round } from '../lib/measure.mjs';
import { pointSdksAt, startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const PROJECT = 'demo-qr-assets';
const BUCKET = `${PROJECT}.appspot.com`;
// The API's own list (built by `npm run bench`'s build step).
const { CATEGORIES } = require('../../functions/lib/src/domain/equipment.js');
const LOCATIONS = ['Wood Shop', 'tool crib', 'Main Workshop', ''];

function inventoryCsv(rows) {
  const lines = ['Name,Category,Serial Number,Brand,Model,Location,Notes'];
  for (let i = 0; i < rows; i++) {
    const category = CATEGORIES[i % CATEGORIES.length];
    lines.push(
      `${category.toLowerCase()} item ${i},${category},SN-${100000 + i},Brand ${i % 7},Model ${i % 13},` +
        `${LOCATIONS[i % LOCATIONS.length]},"Bought in ${2000 + (i % 25)}, shelf ${i % 40}"`,
    );
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

async function startFunctionsProcess(stack) {
  const server = path.join(here, '..', 'lib', 'functions-server.mjs');
  const child = spawn(process.execPath, ['--expose-gc', server], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: {
      ...process.env,
      FIRESTORE_EMULATOR_HOST: stack.firestore,
      FIREBASE_AUTH_EMULATOR_HOST: stack.auth,
      FIREBASE_STORAGE_EMULATOR_HOST: stack.storage,
      GCLOUD_PROJECT: PROJECT,
      FIREBASE_CONFIG: JSON.stringify({ projectId: PROJECT, storageBucket: BUCKET }),
      METADATA_SERVER_DETECTION: 'none',
    },
  });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise((resolve) => waiting.push(resolve));
  const address = (await nextLine()).split(' ')[1];
  const ask = async (word) => {
    child.stdin.write(`${word}\n`);
    return Number((await nextLine()).split(' ')[1]);
  };
  return {
    url: `http://${address}`,
    peakRss: () => ask('peak'),
    rss: () => ask('rss'),
    liveHeap: () => ask('heap'),
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', resolve);
        child.stdin.end();
      }),
  };
}

export async function run() {
  const stack = await startStackProcess();
  pointSdksAt(stack, PROJECT);
  const functionsProcess = await startFunctionsProcess(stack);
  const { signInAs } = require('../../emulator/lib/src/index.js');
  const { initializeApp, deleteApp } = require('firebase-admin/app');
  const { getFirestore } = require('firebase-admin/firestore');
  const { getStorage } = require('firebase-admin/storage');
  const app = initializeApp(
    { projectId: PROJECT, storageBucket: BUCKET },
    `bench-eq-${Date.now()}`,
  );
  const db = getFirestore(app);
  const bucket = getStorage(app).bucket();
  const hostApi = `http://${stack.functions}/${PROJECT}/us-central1/api`;

  try {
    const user = await signInAs(stack.auth, PROJECT, 'bench-equipment@example.com');
    const auth = { authorization: `Bearer ${user.idToken}` };
    const newOrg = async (label) => {
      const orgId = `bench-${label}-${Date.now()}`;
      const res = await fetch(`${hostApi}/v1/orgs`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ orgId, name: `Bench ${label}` }),
      });
      if (res.status !== 201) throw new Error(`org: ${res.status} ${await res.text()}`);
      // Wait for the default locations, which the CSV names.
      for (;;) {
        if ((await db.doc(`organizations/${orgId}`).get()).get('defaultLocationsAddedAt')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      return orgId;
    };
    const uploadTo = async (base, orgId, csv) => {
      const form = new FormData();
      form.append('file', new Blob([csv], { type: 'text/csv' }), 'inventory.csv');
      const started = performance.now();
      const res = await fetch(`${base}/v1/orgs/${orgId}/equipment/bulk-upload`, {
        method: 'POST',
        headers: auth,
        body: form,
      });
      const body = await res.json();
      const ms = performance.now() - started;
      if (res.status !== 200 || body.failed.length > 0) {
        throw new Error(`upload: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      }
      return { ms, started, body };
    };
    const countWith = async (orgId, status) =>
      (
        await db
          .collection(`organizations/${orgId}/equipment`)
          .where('qrStatus', '==', status)
          .count()
          .get()
      ).data().count;
    // Until no item's code is pending any more (ready, or failed after its last attempt).
    const waitSettled = async (orgId, count, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [ready, failed] = await Promise.all([
          countWith(orgId, 'ready'),
          countWith(orgId, 'failed'),
        ]);
        if (ready + failed >= count || Date.now() > deadline) {
          if (failed > 0) {
            const sample = await db
              .collection(`organizations/${orgId}/equipment`)
              .where('qrStatus', '==', 'failed')
              .limit(1)
              .get();
            console.error(`${orgId}: ${failed} failed, e.g. ${sample.docs[0]?.get('qrCodeError')}`);
          }
          return { at: performance.now(), ready, failed, settled: ready + failed >= count };
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const waitAllReady = async (orgId, count, timeoutMs) => {
      const result = await waitSettled(orgId, count, timeoutMs);
      if (result.ready !== count) {
        throw new Error(`${orgId}: ${result.ready} of ${count} QR codes ready`);
      }
      return result.at;
    };

    // Anchor: one JSON create through the same host, same run.
    const anchorOrg = await newOrg('anchor');
    const createOne = await medianMs(
      async () => {
        const res = await fetch(`${hostApi}/v1/orgs/${anchorOrg}/equipment`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Anchor item', category: 'OTHER' }),
        });
        await res.arrayBuffer();
        if (res.status !== 201) throw new Error(`create: ${res.status}`);
      },
      { runs: 30, warmup: 5 },
    );
    await waitAllReady(anchorOrg, 35, 60_000);

    // The seed's 137 rows through the functions host, until every PNG is in Storage; five
    // times (a fresh organisation each), medians, since a 2-core machine shared with other work
    // makes one sample noisy.
    const seedReplies = [];
    const seedReady = [];
    for (let run = 0; run < 5; run++) {
      const seedOrg = await newOrg(`seed${run}`);
      const seed = await uploadTo(hostApi, seedOrg, inventoryCsv(137));
      const allReady = await waitAllReady(seedOrg, 137, 60_000);
      const [files] = await bucket.getFiles({ prefix: `organizations/${seedOrg}/equipment/` });
      if (files.filter((f) => f.name.endsWith('/qr.png')).length !== 137) {
        throw new Error(`expected 137 PNGs in Storage, found ${files.length}`);
      }
      seedReplies.push(seed.ms);
      seedReady.push(allReady - seed.started);
    }

    // 1 000 and 10 000 rows to the api app in its own process.
    const idleRss = await functionsProcess.rss();
    const idleHeap = await functionsProcess.liveHeap();
    const stackBefore = await stack.peakRss();
    const rows = [];
    for (const count of [1000, 10000]) {
      const orgId = await newOrg(`rows${count}`);
      const csv = inventoryCsv(count);
      const result = await uploadTo(functionsProcess.url, orgId, csv);
      if (result.body.created !== count) throw new Error(`created ${result.body.created}`);
      const peak = await functionsProcess.peakRss();
      const heap = await functionsProcess.liveHeap();
      const stackPeak = await stack.peakRss();
      // Every trigger of the upload runs in the stack's process at once; wait until they have
      // all finished (or failed for good) before the next upload, and say how it went.
      const settled = await waitSettled(orgId, count, 300_000);
      rows.push(
        {
          name: `upload ${count} rows (${round(csv.length / 2 ** 20, 2)} MB) answered`,
          unit: 'ms',
          value: round(result.ms, 0),
          anchor: 'POST one item (JSON), median',
          anchorValue: createOne,
        },
        {
          name: `upload ${count} rows: api process peak RSS (lifetime, after this upload)`,
          unit: 'MB',
          value: round(peak / 2 ** 20, 1),
          anchor: 'api process RSS, idle after warm-up',
          anchorValue: round(idleRss / 2 ** 20, 1),
        },
        {
          name: `upload ${count} rows: api process peak live heap (after GC, sampled every 250 ms)`,
          unit: 'MB',
          value: round(heap / 2 ** 20, 1),
          anchor: 'api process live heap, idle after warm-up',
          anchorValue: round(idleHeap / 2 ** 20, 1),
        },
        {
          name: `upload ${count} rows: local stack process peak RSS (emulators, host, triggers)`,
          unit: 'MB',
          value: round(stackPeak / 2 ** 20, 1),
          anchor: 'stack process peak RSS before the 1 000-row upload',
          anchorValue: round(stackBefore / 2 ** 20, 1),
        },
        {
          name:
            `upload ${count} rows: QR triggers ${settled.settled ? 'settled' : 'NOT settled'}` +
            ` (${settled.ready} ready, ${settled.failed} failed), from request start`,
          unit: 'ms',
          value: round(settled.at - result.started, 0),
          anchor: 'the same upload, answered',
          anchorValue: round(result.ms, 0),
        },
      );
    }

    return [
      {
        name: 'upload 137 rows (the seed) answered, via functions host, median of 5',
        unit: 'ms',
        value: round(median(seedReplies), 1),
        anchor: 'POST one item (JSON), median',
        anchorValue: createOne,
      },
      {
        name: 'upload 137 rows: all 137 QR PNGs in Storage (from request start), median of 5',
        unit: 'ms',
        value: round(median(seedReady), 0),
        anchor: 'the same uploads answered, median',
        anchorValue: round(median(seedReplies), 1),
      },
      ...rows,
    ];
  } finally {
    await deleteApp(app);
    await functionsProcess.stop();
    await stack.stop();
  }
}
