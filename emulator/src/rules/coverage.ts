// The coverage report: the rules source, line by line, with each `allow` statement's counts
// (evaluated, allowed, denied, errors) beside it, so a rule no test ever reached stands out.
import type { Ruleset } from './engine';

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );
}

function section(ruleset: Ruleset, index: number): string {
  const byLine = new Map<number, string[]>();
  let untested = 0;
  for (const { allow, counts } of ruleset.coverage()) {
    if (counts.evaluations === 0) untested++;
    const text =
      counts.evaluations === 0
        ? 'never evaluated'
        : `${counts.evaluations} evaluated: ${counts.allowed} allowed, ${counts.denied} denied, ${counts.errors} errors`;
    const list = byLine.get(allow.pos.line) ?? [];
    list.push(text);
    byLine.set(allow.pos.line, list);
  }
  const rows = ruleset.file.source.split('\n').map((line, i) => {
    const notes = byLine.get(i + 1);
    const cls = !notes ? '' : notes.some((n) => n === 'never evaluated') ? 'untested' : 'tested';
    return (
      `<tr class="${cls}"><td class="n">${i + 1}</td><td><pre>${escapeHtml(line)}</pre></td>` +
      `<td class="c">${notes ? escapeHtml(notes.join('; ')) : ''}</td></tr>`
    );
  });
  return `<h2>${index + 1}. ${escapeHtml(ruleset.file.file)}</h2>
<p>${ruleset.coverage().length} allow statements, ${untested} never evaluated.</p>
<table>
${rows.join('\n')}
</table>`;
}

/** One page: a section per ruleset (each ruleset loaded during a run keeps its own counts). */
export function coverageHtml(rulesets: Ruleset[], title: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font-family: sans-serif; }
table { border-collapse: collapse; }
td { vertical-align: top; padding: 0 8px; }
pre { margin: 0; }
td.n { color: #888; text-align: right; }
tr.tested td.c { color: #060; }
tr.untested { background: #fdd; }
tr.untested td.c { color: #a00; font-weight: bold; }
</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>Each allow statement with how often it was evaluated and what it answered, for every
ruleset loaded since the emulator started (most recent first).</p>
${rulesets.map(section).join('\n')}
</body></html>
`;
}
