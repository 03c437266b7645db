// Label PDFs and tag pools.
//   - 1 000 labels on Avery L7651 (16 pages) with vector QR codes, as POST /labels draws them:
//     time, bytes and the peak RSS of a process that does only that; next to the same labels
//     with each QR code placed as a 300 dpi PNG image in the same library (pdfkit), the raster
//     way, in a process of its own.
//   - A 10 000-tag pool through the API and its trigger on the local stack: seconds from the 202
//     until `ready`, next to writing the same number of documents (a tag and its scan token
//     each) with BulkWriter on the same stack.
// Run alone: `npm run bench -- labels`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from '../lib/measure.mjs';
import { pointSdksAt, startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const here = fileURLToPath(import.meta.url);
const lib = path.resolve(path.dirname(here), '..', '..', 'functions', 'lib', 'src');
const PROJECT = 'demo-qr-assets';
const LABELS = 1000;
const TEMPLATE = 'avery-l7651';
const POOL = 10_000;

const url = (i) => `https://assets.example.com/s/${String(i).padStart(22, 'A')}`;
const lines = (i) => [
  { text: `Camera body number ${i} with a long name`, bold: true },
  { text: `CAMERA_${i.toString(16).padStart(6, '0')}`, bold: false, keepWhole: true },
];

/** Child process: writes the PDF one way to a file, prints {ms, bytes, maxRssMb} as JSON. */
async function child(mode, file) {
  const PDFDocument = require('pdfkit');
  const { writeLabelsPdf, layoutAt, drawText } = require(path.join(lib, 'domain/labels/pdf.js'));
  const { fitQr } = require(path.join(lib, 'domain/labels/layout.js'));
  const { builtInTemplate } = require(path.join(lib, 'domain/labels/templates.js'));
  const { renderPng } = require(path.join(lib, 'domain/qr/index.js'));
  const t = builtInTemplate(TEMPLATE);
  const qr = fitQr(t, url(0));
  const out = fs.createWriteStream(file);
  const sink = {
    write: (c) => out.write(c),
    drained: () =>
      out.writableNeedDrain ? new Promise((r) => out.once('drain', r)) : Promise.resolve(),
    end: () => out.end(),
  };
  const closed = new Promise((r) => out.on('close', r));
  const start = process.hrtime.bigint();
  if (mode === 'vector') {
    const labels = Array.from({ length: LABELS }, (_, i) => ({ qrText: url(i), lines: lines(i) }));
    await writeLabelsPdf(
      t,
      labels,
      { startPosition: 1, offsetMm: { x: 0, y: 0 }, qr, title: 'bench' },
      sink,
    );
  } else {
    // The raster way: the same layout, the code as a PNG at 300 dpi placed as an image.
    const pt = (mm) => (mm * 72) / 25.4;
    const doc = new PDFDocument({ autoFirstPage: false, compress: true });
    doc.on('data', (c) => sink.write(c));
    const ended = new Promise((r) => doc.on('end', r));
    let page = -1;
    for (let i = 0; i < LABELS; i++) {
      const placed = layoutAt(
        t,
        i,
        { qrText: url(i), lines: lines(i) },
        { startPosition: 1, offsetMm: { x: 0, y: 0 }, qr },
      );
      if (placed.page > page) {
        if (out.writableNeedDrain) await new Promise((r) => out.once('drain', r));
        doc.addPage({ size: [pt(t.page.widthMm), pt(t.page.heightMm)], margin: 0 });
        page = placed.page;
      }
      const { x, y, moduleMm, matrix } = placed.layout.qr;
      const sideMm = moduleMm * matrix.size;
      const px = Math.round((sideMm / 25.4) * 300);
      const png = renderPng(url(i), { size: px, margin: 0, errorCorrection: qr.errorCorrection });
      doc.image(png, pt(x), pt(y), { width: pt(sideMm), height: pt(sideMm) });
      // The text exactly as the writer draws it (embedded fonts): only the code differs.
      drawText(doc, placed.layout);
    }
    doc.end();
    await ended;
    sink.end();
  }
  await closed;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const bytes = fs.statSync(file).size;
  console.log(JSON.stringify({ ms, bytes, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

function runChild(mode) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-labels-')), `${mode}.pdf`);
  const r = spawnSync(process.execPath, [here, 'child', mode, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`labels ${mode}: ${r.stderr}`);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function poolRows() {
  const stack = await startStackProcess();
  pointSdksAt(stack, PROJECT);
  const { signInAs } = require('../../emulator/lib/src/index.js');
  const { initializeApp, deleteApp } = require('firebase-admin/app');
  const { getFirestore } = require('firebase-admin/firestore');
  const app = initializeApp({ projectId: PROJECT }, `bench-labels-${Date.now()}`);
  const base = `http://${stack.functions}/${PROJECT}/us-central1/api`;
  try {
    const user = await signInAs(stack.auth, PROJECT, 'bench-labels@example.com');
    const orgId = `bench-labels-${Date.now()}`;
    const call = async (method, p, body) => {
      const res = await fetch(`${base}${p}`, {
        method,
        headers: { authorization: `Bearer ${user.idToken}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = await res.json();
      if (res.status >= 300) throw new Error(`${p}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    await call('POST', '/v1/orgs', { orgId, name: 'Bench labels' });
    const start = Date.now();
    const { poolId } = await call('POST', `/v1/orgs/${orgId}/tag-pools`, { count: POOL });
    for (;;) {
      const pool = await call('GET', `/v1/orgs/${orgId}/tag-pools/${poolId}`);
      if (pool.status === 'ready') break;
      if (pool.status === 'failed') throw new Error(`pool failed: ${pool.error}`);
      if (Date.now() - start > 600_000) throw new Error('pool not ready within 10 minutes');
      await new Promise((r) => setTimeout(r, 100));
    }
    const poolSeconds = (Date.now() - start) / 1000;
    // Anchor: the same number of documents, written without transactions or code checks.
    const db = getFirestore(app);
    const writer = db.bulkWriter({ throttling: false });
    const anchorStart = Date.now();
    for (let i = 0; i < POOL; i++) {
      void writer.set(db.doc(`organizations/${orgId}/benchTags/t${i}`), {
        code: `T${i}`,
        seq: i,
        assetId: null,
      });
      void writer.set(db.doc(`benchTokens/${orgId}-${i}`), { orgId, kind: 'tag', id: `t${i}` });
    }
    await writer.close();
    const anchorSeconds = (Date.now() - anchorStart) / 1000;
    return [
      {
        name: `tag pool of ${POOL}: 202 until ready (trigger, transactions of 240)`,
        unit: 's',
        value: round(poolSeconds, 2),
        anchor: `${2 * POOL} plain writes with BulkWriter, same stack`,
        anchorValue: round(anchorSeconds, 2),
      },
      {
        name: 'local stack peak RSS after the pool',
        unit: 'MB',
        value: round((await stack.peakRss()) / 1e6, 0),
      },
    ];
  } finally {
    await deleteApp(app);
    await stack.stop();
  }
}

export async function run() {
  const vector = runChild('vector');
  const raster = runChild('raster');
  const anchor = `same ${LABELS} labels, QR as 300 dpi PNG images (pdfkit)`;
  return [
    {
      name: `${LABELS} labels on ${TEMPLATE}, vector QR: time`,
      unit: 'ms',
      value: round(vector.ms, 0),
      anchor,
      anchorValue: round(raster.ms, 0),
    },
    {
      name: `${LABELS} labels on ${TEMPLATE}, vector QR: PDF size`,
      unit: 'bytes',
      value: vector.bytes,
      anchor,
      anchorValue: raster.bytes,
    },
    {
      name: `${LABELS} labels on ${TEMPLATE}, vector QR: peak RSS of the process`,
      unit: 'MB',
      value: round(vector.maxRssMb, 0),
      anchor,
      anchorValue: round(raster.maxRssMb, 0),
    },
    ...(await poolRows()),
  ];
}

if (process.argv[2] === 'child') {
  await child(process.argv[3], process.argv[4]);
}
