// Equipment image imports in bulk: 100 items written at once with URLs of 1 MB JPEGs from a
// local image server, through the local stack's equipmentImageSync trigger. Measures the time
// until all 100 are ready and the stack process's peak memory, next to one item imported alone
// and the stack's peak before the bulk, in the same run.
//
// The image server listens on one of the loopback ports functions/.env.local allows
// (IMAGE_IMPORT_ALLOWED_HOSTS): the functions host reads that file, so it is the way to tell the
// stack which local server it may fetch from.
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from '../lib/measure.mjs';
import { pointSdksAt, startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROJECT = 'demo-qr-assets';
const ITEMS = 100;

function allowedPorts() {
  const text = fs.readFileSync(path.join(root, 'functions', '.env.local'), 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('IMAGE_IMPORT_ALLOWED_HOSTS='));
  return (line ?? '')
    .slice(line.indexOf('=') + 1)
    .split(/[\s,]+/)
    .filter((entry) => entry.startsWith('127.0.0.1:'))
    .map((entry) => Number(entry.split(':')[1]));
}

export async function listenOnAllowedPort(handler) {
  for (const port of allowedPorts()) {
    const server = http.createServer(handler);
    try {
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      return { server, origin: `http://127.0.0.1:${port}` };
    } catch {
      // taken by another run; try the next one
    }
  }
  throw new Error('no port of IMAGE_IMPORT_ALLOWED_HOSTS in functions/.env.local is free');
}

/**
 * A photo-like JPEG of about 1 MB (2400 x 1600, 3.8 megapixels, as a phone photo saved at
 * moderate quality): colour gradients with grain, so that it compresses like real detail does.
 */
async function oneMegabyteJpeg(sharp) {
  const [width, height, grain] = [2400, 1600, 32];
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 1;
  const clamp = (v) => Math.max(0, Math.min(255, v));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const noise = ((seed >>> 16) % grain) - grain / 2;
      const i = (y * width + x) * 3;
      pixels[i] = clamp((x * 255) / width + noise);
      pixels[i + 1] = clamp((y * 255) / height + noise);
      pixels[i + 2] = clamp(128 + 64 * Math.sin(x / 40) * Math.cos(y / 50) + noise);
    }
  }
  const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
  return { jpeg, size: `${width}x${height}` };
}

export async function run() {
  const sharp = require(require.resolve('sharp', { paths: [path.join(root, 'functions')] }));
  const { jpeg, size } = await oneMegabyteJpeg(sharp);
  const { server, origin } = await listenOnAllowedPort((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length });
    res.end(jpeg);
  });
  const stack = await startStackProcess();
  pointSdksAt(stack, PROJECT);
  const { initializeApp, deleteApp } = require('firebase-admin/app');
  const { getFirestore } = require('firebase-admin/firestore');
  const app = initializeApp({ projectId: PROJECT }, `bench-images-${Date.now()}`);
  const db = getFirestore(app);
  const orgId = `bench-images-${Date.now()}`;
  const equipment = db.collection(`organizations/${orgId}/equipment`);

  const statuses = async (ids) => {
    const snaps = await db.getAll(...ids.map((id) => equipment.doc(id)));
    return snaps.map((s) => s.get('image.status'));
  };
  const untilSettled = async (ids) => {
    for (;;) {
      const got = await statuses(ids);
      if (got.every((s) => s === 'ready' || s === 'failed')) return got;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  try {
    // One alone, the anchor (it also warms up sharp and the trigger).
    const single = async (name) => {
      const start = process.hrtime.bigint();
      await equipment
        .doc(name)
        .set({ name, category: 'CAMERA', imageUrl: `${origin}/${name}.jpg` });
      const [status] = await untilSettled([name]);
      if (status !== 'ready') throw new Error(`${name}: ${status}`);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    await single('warmup');
    const alone = await single('alone');
    const peakBefore = await stack.peakRss();

    const ids = Array.from(
      { length: ITEMS },
      (_, i) => `CAMERA_bench${String(i).padStart(3, '0')}`,
    );
    const start = process.hrtime.bigint();
    const writer = db.bulkWriter();
    for (const id of ids) {
      void writer.set(equipment.doc(id), {
        name: id,
        category: 'CAMERA',
        imageUrl: `${origin}/${id}.jpg`,
      });
    }
    await writer.close();
    const result = await untilSettled(ids);
    const allMs = Number(process.hrtime.bigint() - start) / 1e6;
    const failed = result.filter((s) => s !== 'ready').length;
    if (failed) throw new Error(`${failed} of ${ITEMS} imports failed`);
    const peakAfter = await stack.peakRss();
    const mb = (bytes) => round(bytes / 2 ** 20, 0);
    return [
      {
        name: `${ITEMS} items with ${round(jpeg.length / 2 ** 20, 2)} MB JPEG URLs (${size}): all ready`,
        unit: 'ms',
        value: round(allMs, 0),
        anchor: `${ITEMS} x one item alone, same run`,
        anchorValue: round(alone * ITEMS, 0),
      },
      {
        name: 'one item alone: write to ready',
        unit: 'ms',
        value: round(alone, 0),
      },
      {
        name: `stack process peak RSS after the ${ITEMS} imports`,
        unit: 'MB',
        value: mb(peakAfter),
        anchor: 'peak RSS before them (stack started, 2 imports done)',
        anchorValue: mb(peakBefore),
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
