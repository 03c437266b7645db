// Mocha's spec reporter plus one closing line, `tests: N passed, N failed`, in the plain form
// that CI reads to tell a run that tested something from one that ran nothing.
import * as fs from 'node:fs';
import Mocha from 'mocha';

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const stats = runner.stats;
      if (!stats) return;
      const skipped = stats.pending ? `, ${stats.pending} skipped` : '';
      const line = `tests: ${stats.passes} passed, ${stats.failures} failed${skipped}`;
      // `cli.js test` prints its own closing lines first, then this one, so it stays the last.
      const deferTo = process.env.TEST_SUMMARY_FILE;
      if (deferTo) fs.writeFileSync(deferTo, line + '\n');
      else console.log(line);
    });
  }
}

export = SpecWithSummary;
