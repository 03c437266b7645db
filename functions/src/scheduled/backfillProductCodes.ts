// Hourly (a schedule is fixed at deploy): creates the productCodes/{code} lookups of units and
// master cases made before lookups existed (issue 24), so their printed /u/ labels resolve
// (data/productCodeBackfill.ts). It walks each organisation's codes and masters once, resuming
// from its saved cursor; once done, a run is one read. Idempotent: lookups are created, never
// overwritten, so a second run, or two at once, change nothing.
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { runProductCodeBackfill } from '../data/productCodeBackfill';
import { productCodeBackfillRun } from '../logs';

export const backfillProductCodes = onSchedule(
  { schedule: 'every 60 minutes', timeoutSeconds: 540 },
  async () => {
    const started = Date.now();
    const run = await runProductCodeBackfill();
    productCodeBackfillRun({ ...run, durationMs: Date.now() - started });
  },
);
