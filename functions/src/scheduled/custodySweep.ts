// Every 15 minutes: checkouts and bookings past due become `overdue`, reservations not picked up
// BOOKING_NO_SHOW_HOURS after their start become `no_show` (data/custodySweep.ts: idempotent,
// paged).
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { sweepCustody } from '../data/custodySweep';
import { custodySweep as logSweep } from '../logs';

export const custodySweep = onSchedule(
  { schedule: 'every 15 minutes', timeoutSeconds: 540 },
  async () => {
    const started = Date.now();
    const counts = await sweepCustody();
    logSweep({ ...counts, durationMs: Date.now() - started });
  },
);
