// The QR renderer (functions/src/domain/qr) next to two anchors measured in the same run:
//   - segno, the Python library a seed system used (../shared/anchors/segno-bench.py, needs
//     Debian's python3-segno), for PNG and SVG speed and PNG bytes;
//   - qrcode's own toBuffer (PNG through pngjs, RGBA) and toString (SVG), same text and options.
// Issue 8's goals, as ratios (ours / anchor): PNG at 300 px <= 0.125 of segno's time and <= 0.1
// of toBuffer's; at 2000 px <= 0.25 of segno's; PNG bytes <= 1.3 of segno's.
// segno scales by whole modules only, so its image is the largest whole-module size not above
// the requested one (a few pixels smaller); ours is exactly the requested size.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { medianMs, round } from '../lib/measure.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const SEGNO_SCRIPT = path.resolve(repoRoot, '..', 'shared', 'anchors', 'segno-bench.py');
// The anchor script names Debian's interpreter: python3-segno installs into its dist-packages,
// which another python3 earlier on PATH (pyenv, a venv) would not see.
const PYTHON = '/usr/bin/python3';

// A tracked code's URL: what most of our images encode.
const TEXT = 'https://qr.example.com/s/AbCdEfGhIjKlMnOpQrStUv';
const MARGIN = 4;
const PNG_CASES = [
  { size: 300, ecc: 'M' },
  { size: 300, ecc: 'H' },
  { size: 2000, ecc: 'M' },
  { size: 2000, ecc: 'H' },
];
const SVG_CASES = [
  { size: 300, ecc: 'M' },
  { size: 300, ecc: 'H' },
];

/** Median ms over `runs` calls, after a warm-up of an eighth of them (at least 3). */
const medianOf = (fn, runs) => medianMs(fn, { runs, warmup: Math.max(3, runs >> 3) });

/** segno's numbers for every case, or null (with the reason on stderr) when it cannot run. */
function runSegno(cases) {
  if (!fs.existsSync(SEGNO_SCRIPT)) {
    console.error(`qr-render: segno anchor rows skipped: ${SEGNO_SCRIPT} not found`);
    return null;
  }
  const probe = spawnSync(PYTHON, ['-c', 'import segno'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    console.error(
      'qr-render: segno anchor rows skipped: segno is not installed for /usr/bin/python3; ' +
        'install it with `apt-get update && apt-get install -y python3-segno`',
    );
    return null;
  }
  const result = spawnSync(PYTHON, [SEGNO_SCRIPT, '--runs', '100'], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 16 * 2 ** 20,
  });
  if (result.status !== 0) {
    console.error(`qr-render: segno anchor rows skipped: the script failed:\n${result.stderr}`);
    return null;
  }
  return JSON.parse(result.stdout);
}

export async function run() {
  const QRCode = require('qrcode');
  const qr = require('../../functions/lib/src/domain/qr/index.js');
  const rows = [];

  const segnoCases = [
    ...PNG_CASES.map((c) => ({ data: TEXT, size: c.size, ecc: c.ecc, format: 'png' })),
    ...SVG_CASES.map((c) => ({ data: TEXT, size: c.size, ecc: c.ecc, format: 'svg' })),
  ];
  const segno = runSegno(segnoCases);
  const segnoFor = (format, c) =>
    segno?.find(
      (r) => r.case.format === format && r.case.size === c.size && r.case.ecc === c.ecc,
    ) ?? null;

  for (const c of PNG_CASES) {
    const options = { size: c.size, errorCorrection: c.ecc, margin: MARGIN };
    const label = `qr PNG ${c.size}px ${c.ecc}`;
    const png = qr.renderPng(TEXT, options);
    const ours = await medianOf(() => qr.renderPng(TEXT, options), c.size > 1000 ? 200 : 500);
    const qrcodeOptions = { width: c.size, margin: MARGIN, errorCorrectionLevel: c.ecc };
    // toBuffer takes about 250 ms at 2000 px: fewer runs there.
    const toBuffer = await medianOf(
      () => QRCode.toBuffer(TEXT, qrcodeOptions),
      c.size > 1000 ? 15 : 100,
    );
    const theirs = await QRCode.toBuffer(TEXT, qrcodeOptions);
    const s = segnoFor('png', c);
    const speedGoal = c.size > 1000 ? 0.25 : 0.125;
    if (s) {
      rows.push({
        name: `${label}, median`,
        unit: 'ms',
        value: ours,
        anchor: `segno PNG ${s.px}px (goal ratio <= ${speedGoal})`,
        anchorValue: round(s.median_ms),
      });
    }
    rows.push({
      name: `${label}, median`,
      unit: 'ms',
      value: ours,
      anchor: `qrcode toBuffer${c.size > 1000 ? '' : ' (goal ratio <= 0.1)'}`,
      anchorValue: toBuffer,
    });
    if (s) {
      rows.push({
        name: `${label}, bytes`,
        unit: 'bytes',
        value: png.length,
        anchor: `segno PNG ${s.px}px (goal ratio <= 1.3)`,
        anchorValue: s.bytes,
      });
    }
    rows.push({
      name: `${label}, bytes`,
      unit: 'bytes',
      value: png.length,
      anchor: 'qrcode toBuffer',
      anchorValue: theirs.length,
    });
  }

  for (const c of SVG_CASES) {
    const options = { size: c.size, errorCorrection: c.ecc, margin: MARGIN };
    const label = `qr SVG ${c.size}px ${c.ecc}`;
    const svg = qr.renderSvg(TEXT, options);
    const ours = await medianOf(() => qr.renderSvg(TEXT, options), 500);
    const qrcodeOptions = {
      type: 'svg',
      width: c.size,
      margin: MARGIN,
      errorCorrectionLevel: c.ecc,
    };
    const toString = await medianOf(() => QRCode.toString(TEXT, qrcodeOptions), 500);
    const theirs = await QRCode.toString(TEXT, qrcodeOptions);
    const s = segnoFor('svg', c);
    if (s) {
      rows.push({
        name: `${label}, median`,
        unit: 'ms',
        value: ours,
        anchor: 'segno SVG',
        anchorValue: round(s.median_ms),
      });
    }
    rows.push({
      name: `${label}, median`,
      unit: 'ms',
      value: ours,
      anchor: 'qrcode toString svg',
      anchorValue: toString,
    });
    if (s) {
      rows.push({
        name: `${label}, bytes`,
        unit: 'bytes',
        value: Buffer.byteLength(svg),
        anchor: 'segno SVG',
        anchorValue: s.bytes,
      });
    }
    rows.push({
      name: `${label}, bytes`,
      unit: 'bytes',
      value: Buffer.byteLength(svg),
      anchor: 'qrcode toString svg',
      anchorValue: Buffer.byteLength(theirs),
    });
  }
  return rows;
}
