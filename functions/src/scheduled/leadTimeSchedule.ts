// Daily at 03:00 UTC (a schedule is fixed at deploy: Cloud Scheduler takes no params): the lead time of every item-supplier with a receipt since the last
// run, recomputed from its own received reorders (data/leadTimes.ts runLeadTimes). Reads only
// those (a collection-group query on the receipt marker), pages, and is idempotent: a second
// run, or two at once, write the same numbers.
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { leadTimeReceipts } from '../config';
import { runLeadTimes } from '../data/leadTimes';
import { stockLeadTimeRun } from '../logs';

export const leadTimeSchedule = onSchedule(
  { schedule: 'every day 03:00', timeoutSeconds: 540 },
  async () => {
    const started = Date.now();
    const run = await runLeadTimes({ receipts: leadTimeReceipts() });
    stockLeadTimeRun({ ...run, durationMs: Date.now() - started });
  },
);
