// Every two minutes: prep jobs that nobody runs are run (queued ones the trigger missed, and
// running ones whose worker's lease ran out), and completed jobs and consumed queue entries
// older than PREP_RETENTION_DAYS are removed. See data/manufacturing/sweep.ts.
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { prepRetentionDays } from '../config';
import { sweepPrep } from '../data/manufacturing/sweep';
import { prepSweep } from '../logs';

/** Leave a minute of the 540 s timeout for the last page and the hand-back. */
const BUDGET_MS = 480_000;

export const sweepPrepJobs = onSchedule(
  { schedule: 'every 2 minutes', timeoutSeconds: 540, memory: '512MiB' },
  async () => {
    const result = await sweepPrep({ retentionDays: prepRetentionDays(), budgetMs: BUDGET_MS });
    prepSweep({
      jobs: result.jobs,
      removedJobs: result.removedJobs,
      removedEntries: result.removedEntries,
    });
  },
);
