// Prep jobs: their statuses, which of them a person may cancel or retry, and the counts a
// worker keeps while it walks a batch.
import type { CodeStatus } from './status';
import { isPreparable } from './status';

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export function cancelProblem(status: JobStatus): string | undefined {
  return status === 'queued' || status === 'running'
    ? undefined
    : `only a queued or running job can be cancelled; this one is ${status}`;
}

export function retryProblem(status: JobStatus): string | undefined {
  return status === 'failed' || status === 'cancelled'
    ? undefined
    : `only a failed or cancelled job can be retried; this one is ${status}`;
}

/** What the worker did with the codes it walked so far. */
export interface PrepCounts {
  /** Codes this job put in the queue. */
  prepared: number;
  /** Preparable codes another job had already put in the queue. */
  duplicates: number;
  /** Codes that were no longer `generated` (packed, shipped, scanned or redeemed). */
  invalid: number;
  /** Codes in the exclude list. */
  excluded: number;
  /** Codes still `generated` when walked (prepared + duplicates + the excluded among them). */
  available: number;
  /** Every code walked. */
  walked: number;
}

export const NO_COUNTS: PrepCounts = {
  prepared: 0,
  duplicates: 0,
  invalid: 0,
  excluded: 0,
  available: 0,
  walked: 0,
};

export type CodeDecision = 'prepare' | 'duplicate' | 'invalid' | 'excluded';

/** What happens to one code of the batch. */
export function decide(status: CodeStatus, excluded: boolean, queued: boolean): CodeDecision {
  if (excluded) return 'excluded';
  if (!isPreparable(status)) return 'invalid';
  return queued ? 'duplicate' : 'prepare';
}

export function addDecision(counts: PrepCounts, status: CodeStatus, d: CodeDecision): PrepCounts {
  const next = { ...counts, walked: counts.walked + 1 };
  if (isPreparable(status)) next.available += 1;
  if (d === 'prepare') next.prepared += 1;
  else if (d === 'duplicate') next.duplicates += 1;
  else if (d === 'invalid') next.invalid += 1;
  else next.excluded += 1;
  return next;
}

/** Progress 0..100 of a job that has walked `walked` of `units` codes (100 only when done). */
export function progressOf(walked: number, units: number, done: boolean): number {
  if (done) return 100;
  if (units <= 0) return 0;
  return Math.min(99, Math.floor((walked / units) * 100));
}

/** Codes still to prepare: what was available at the start, less what is accounted for. */
export function remainingToPrepare(
  totalAvailable: number,
  excludeCount: number,
  counts: PrepCounts,
  done: boolean,
): number {
  if (done) return 0;
  return Math.max(0, totalAvailable - excludeCount - counts.prepared - counts.duplicates);
}
