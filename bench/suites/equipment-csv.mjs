// Reading an equipment CSV upload (functions/src/domain/csv) next to bare csv-parse over the
// same bytes: the ratio is the cost of what we add (encoding decision, line numbers, formula
// undo, validation of every field). Also the live heap while 50 000 rows stream through, next to
// the file's size: it should stay flat, far below the file.
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const require = createRequire(import.meta.url);
const ROWS = 50_000;
const RUNS = 3;
const CHUNK = 64 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

function fileChunks() {
  let text = 'name,category,serialNumber,brand,model,location,notes\r\n';
  for (let i = 0; i < ROWS; i++) {
    text += `Item ${i},camera,SN${i},Brand ${i % 13},Model ${i},Room ${i % 9},"notes for, item ${i} – ok"\r\n`;
  }
  const bytes = Buffer.from(text, 'utf8');
  const chunks = [];
  for (let at = 0; at < bytes.length; at += CHUNK) chunks.push(bytes.subarray(at, at + CHUNK));
  return { chunks, size: bytes.length };
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;

export async function run() {
  const { readEquipmentCsv } = require('../../functions/lib/src/domain/csv/index.js');
  const { parse } = require('csv-parse');
  const { chunks, size } = fileChunks();
  const limits = { maxRows: ROWS, maxBytes: size };

  const ours = async () => {
    let rows = 0;
    for await (const event of readEquipmentCsv(Readable.from(chunks), limits)) {
      if (event.kind === 'row') rows++;
    }
    if (rows !== ROWS) throw new Error(`read ${rows} rows, expected ${ROWS}`);
  };
  const bare = async () => {
    let records = 0;
    for await (const record of Readable.from(chunks).pipe(parse())) records += record ? 1 : 0;
    if (records !== ROWS + 1) throw new Error(`parsed ${records} records`);
  };

  const oursMs = [];
  const bareMs = [];
  for (let i = 0; i < RUNS; i++) {
    bareMs.push((await timed(bare)).ms);
    oursMs.push((await timed(ours)).ms);
  }

  // Live heap (after a full GC) sampled every 5 000 rows, minus the heap before reading.
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = 0;
  let rows = 0;
  for await (const event of readEquipmentCsv(Readable.from(chunks), limits)) {
    if (event.kind === 'row' && ++rows % 5000 === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    }
  }

  return [
    {
      name: `equipment CSV read, ${ROWS} rows, median of ${RUNS}`,
      unit: 'ms',
      value: round(median(oursMs), 0),
      anchor: 'bare csv-parse, same bytes',
      anchorValue: round(median(bareMs), 0),
    },
    {
      name: `equipment CSV read, ${ROWS} rows, live heap growth`,
      unit: 'MiB',
      value: round(peak / 2 ** 20, 2),
      anchor: 'size of the file',
      anchorValue: round(size / 2 ** 20, 2),
    },
  ];
}
