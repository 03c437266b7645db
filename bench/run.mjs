// `npm run bench`: the one place for performance numbers. Each suite in bench/suites/ measures
// something of ours next to an anchor measured in the same run on the same machine, so the ratio
// means something even though absolute numbers vary between machines.
//
// Prints a table and writes bench/results.json: an array of
// { name, unit, value, anchor, anchorValue, ratio, machine, date }.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);

const suiteDir = path.join(here, 'suites');
const suiteFiles = fs
  .readdirSync(suiteDir)
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const machine = `${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`;
const date = new Date().toISOString();
const results = [];

for (const file of suiteFiles) {
  const suite = await import(path.join(suiteDir, file));
  console.error(`# ${file}`);
  // A suite returns rows of { name, unit, value, anchor?, anchorValue? }.
  const rows = await suite.run();
  for (const row of rows) {
    const anchorValue = row.anchorValue ?? null;
    const ratio = anchorValue ? Math.round((row.value / anchorValue) * 100) / 100 : null;
    results.push({
      name: row.name,
      unit: row.unit,
      value: row.value,
      anchor: row.anchor ?? null,
      anchorValue,
      ratio,
      machine,
      date,
    });
  }
}

const fmt = (v) => (v === null || v === undefined ? '-' : String(v));
const header = ['name', 'value', 'unit', 'anchor', 'anchor value', 'ratio'];
const table = results.map((r) => [
  r.name,
  fmt(r.value),
  r.unit,
  fmt(r.anchor),
  fmt(r.anchorValue),
  fmt(r.ratio),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of table) console.log(line(row));
console.log(`\nmachine: ${machine}`);

fs.writeFileSync(path.join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`wrote ${path.relative(process.cwd(), path.join(here, 'results.json'))}`);
