// How many image downloads a 200-row upload starts at once. 200 equipment items are written at
// once (one BulkWriter, the writes a 200-row CSV upload makes) with URLs on a local image server
// that answers each request after 1 s and counts the requests in flight. Before image imports
// went onto a task queue, the trigger imported at once and the local stack (which ignores
// `concurrency` and `maxInstances`) started all of them together; now the trigger enqueues and
// the queue's maxConcurrentDispatches (IMAGE_IMPORT_MAX_DISPATCHES, default 20) bounds them.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from '../lib/measure.mjs';
import { pointSdksAt, startStackProcess } from '../lib/stack-client.mjs';
import { listenOnAllowedPort } from './image-import.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROJECT = 'demo-qr-assets';
const ITEMS = 200;
const ANSWER_AFTER_MS = 1000;

export async function run() {
  const sharp = require(require.resolve('sharp', { paths: [path.join(root, 'functions')] }));
  const png = await sharp({
    create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 80, b: 40 } },
  })
    .png()
    .toBuffer();
  let inFlight = 0;
  let peak = 0;
  let requests = 0;
  const { server, origin } = await listenOnAllowedPort((_req, res) => {
    requests++;
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
      res.end(png, () => inFlight--);
    }, ANSWER_AFTER_MS);
  });
  const stack = await startStackProcess();
  pointSdksAt(stack, PROJECT);
  const { initializeApp, deleteApp } = require('firebase-admin/app');
  const { getFirestore } = require('firebase-admin/firestore');
  const app = initializeApp({ projectId: PROJECT }, `bench-image-queue-${Date.now()}`);
  const db = getFirestore(app);
  const equipment = db.collection(`organizations/bench-image-queue-${Date.now()}/equipment`);
  try {
    const ids = Array.from({ length: ITEMS }, (_, i) => `CAMERA_q${String(i).padStart(3, '0')}`);
    const start = process.hrtime.bigint();
    const writer = db.bulkWriter();
    for (const id of ids) {
      void writer.set(equipment.doc(id), {
        name: id,
        category: 'CAMERA',
        imageUrl: `${origin}/${id}.png`,
      });
    }
    await writer.close();
    for (;;) {
      const snaps = await db.getAll(...ids.map((id) => equipment.doc(id)));
      const statuses = snaps.map((s) => s.get('image.status'));
      if (statuses.every((s) => s === 'ready' || s === 'failed')) {
        const failed = statuses.filter((s) => s !== 'ready').length;
        if (failed) throw new Error(`${failed} of ${ITEMS} imports failed`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const allMs = Number(process.hrtime.bigint() - start) / 1e6;
    return [
      {
        name: `${ITEMS}-row upload: image downloads in flight at once (peak)`,
        unit: 'requests',
        value: peak,
        anchor: 'rows in the upload',
        anchorValue: ITEMS,
      },
      {
        name: `${ITEMS}-row upload: all images ready (server answers after ${ANSWER_AFTER_MS} ms)`,
        unit: 'ms',
        value: round(allMs, 0),
        anchor: 'downloads made',
        anchorValue: requests,
      },
    ];
  } finally {
    await deleteApp(app);
    await stack.stop();
    await new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    });
  }
}
