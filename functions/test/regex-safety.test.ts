// Issue 19: no regular expression in functions/src may backtrack exponentially or polynomially
// (ReDoS). Every regex literal and RegExp(...) call is found by parsing the sources with the
// TypeScript compiler and checked by recheck, a ReDoS checker that decides from the pattern's
// automaton (and fuzzing where that is too large) whether some input makes it super-linear.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { check, type Diagnostics } from 'recheck';
import { regexesIn, regexesUnder } from './support/regexScan';

const SRC = path.resolve(__dirname, '..', '..', 'src');
// A fixed seed: the fuzzing half of the checker gives the same verdict on every run.
const PARAMS = { randomSeed: 19, timeout: 20_000 };

const verdict = async (source: string, flags: string): Promise<Diagnostics> =>
  check(source, flags, PARAMS);

describe('regular expressions of functions/src: none can stall (ReDoS)', function () {
  // The checker takes a fraction of a second per pattern; on a shared machine it may take longer.
  this.timeout(300_000);

  it('the scan finds literals and RegExp calls, and calls a RegExp built at run time dynamic', () => {
    const found = regexesIn(
      'sample.ts',
      [
        'const a = /^\\[(.*)\\]$/;',
        'const b = 6 / 2 / 3; // a division, not a regex',
        "const c = new RegExp('x+y', 'i');",
        'const d = RegExp(`^${name}$`);',
        "const e = 'not /a regex/ in a string';",
      ].join('\n'),
    );
    assert.deepEqual(found, [
      { where: 'sample.ts:1', source: '^\\[(.*)\\]$', flags: '', dynamic: false },
      { where: 'sample.ts:3', source: 'x+y', flags: 'i', dynamic: false },
      { where: 'sample.ts:4', source: 'RegExp(`^${name}$`)', flags: '', dynamic: true },
    ]);
  });

  it('the checker calls the pattern of issue 19 exponential', async () => {
    // The SVG pattern imageType.ts had: `'<!---->'.repeat(290) + 'x'` never finished.
    const result = await verdict('^(<!--[\\s\\S]*?-->\\s*)*<svg', '');
    assert.equal(result.status, 'vulnerable');
    assert.equal(result.status === 'vulnerable' && result.complexity.type, 'exponential');
  });

  it('every regular expression in functions/src is safe', async () => {
    const found = regexesUnder(SRC);
    // The sources have a few dozen; far fewer means the scan missed files.
    assert.ok(found.length >= 20, `only ${found.length} regular expressions found in ${SRC}`);
    assert.ok(
      found.some((r) => r.where.startsWith('domain/addresses.ts:')),
      'the scan reads domain/addresses.ts',
    );
    const unsafe: string[] = [];
    for (const regex of found) {
      if (regex.dynamic) {
        unsafe.push(`${regex.where} ${regex.source}: built at run time, cannot be checked`);
        continue;
      }
      const result = await verdict(regex.source, regex.flags);
      if (result.status !== 'safe') {
        const why =
          result.status === 'vulnerable'
            ? `${result.complexity.type}, attack ${JSON.stringify(result.attack.pattern)}`
            : `unknown (${result.error.kind})`;
        unsafe.push(`${regex.where} /${regex.source}/${regex.flags}: ${why}`);
      }
    }
    assert.deepEqual(unsafe, []);
  });
});
