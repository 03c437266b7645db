// The prep worker: claims a job with a lease, walks the batch's codes in sequence order a page at
// a time, and puts the preparable ones in the queue. Each page is one transaction that checks
// the lease is still this worker's, creates the page's queue entries and moves the checkpoint, so
// a worker that dies leaves either a whole page or none of it, and whoever takes over after the
// lease runs out starts exactly after the last committed page: no duplicate, no gap.
import { randomUUID } from 'node:crypto';
import { FieldValue, Timestamp, type DocumentData } from 'firebase-admin/firestore';
import { prepJobClaimed, prepJobError, prepJobFinished } from '../../logs';
import { prepLeaseSeconds } from '../../config';
import { AppError } from '../../domain/errors';
import { queueEntryId } from '../../domain/manufacturing/codes';
import {
  addDecision,
  decide,
  progressOf,
  type JobStatus,
  type PrepCounts,
} from '../../domain/manufacturing/prepJobs';
import { isCodeStatus } from '../../domain/manufacturing/status';
import { db } from '../firebase';
import { preparedCodesRef, prepJobsRef, unitCodesRef } from '../paths';
import { addLog, countsOf } from './prepJobs';

/** Codes a page walks: one transaction writes at most this many entries plus the job. */
export const PREP_PAGE = 250;
/** Failures (other than the batch being gone) before a job is marked failed. */
export const MAX_FAILURES = 3;

export interface RunOptions {
  /** Codes per page (tests use tiny pages). */
  pageSize?: number;
  /** The clock, in ms: leases are judged and granted with it (the sweeper may run ahead). */
  now?: () => number;
  /** Stop after this long and hand the job back to the sweeper (a function's timeout is near). */
  budgetMs?: number;
  /** Called after each committed page; tests use it to stop a worker as if it had died. */
  afterPage?: (pagesDone: number) => void | Promise<void>;
  workerId?: string;
}

export type RunOutcome =
  'completed' | 'not_claimable' | 'cancelled' | 'lease_lost' | 'paused' | 'failed' | 'will_retry';

interface Claimed {
  orderId: string;
  batchId: string;
  units: number;
  exclude: Set<string>;
}

const ts = (ms: number) => Timestamp.fromMillis(ms);

/**
 * Takes the job if it is queued, or running with an expired lease (its worker died or paused).
 * Two workers that race for one job: the transaction lets one of them have it.
 */
export async function claimJob(
  orgId: string,
  jobId: string,
  workerId: string,
  now: number,
): Promise<Claimed | null> {
  const ref = prepJobsRef(orgId).doc(jobId);
  return db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const d = snap.data();
    if (!d) return null;
    const status = d.status as JobStatus;
    const claimableAt = d.claimableAt instanceof Timestamp ? d.claimableAt.toMillis() : null;
    const expired = claimableAt !== null && claimableAt <= now;
    if (!(status === 'queued' || (status === 'running' && expired))) return null;
    tx.update(ref, {
      status: 'running',
      leaseOwner: workerId,
      claimableAt: ts(now + prepLeaseSeconds() * 1000),
      attempts: FieldValue.increment(1),
      updatedAt: ts(now),
      ...(d.startedAt ? {} : { startedAt: ts(now) }),
    });
    const checkpoint = Number(d.checkpointSeq ?? 0);
    if (status === 'running') {
      addLog(
        tx,
        orgId,
        jobId,
        'warn',
        `resumed after sequence number ${checkpoint}: the previous worker's lease ran out`,
      );
    } else {
      addLog(tx, orgId, jobId, 'info', checkpoint > 0 ? `resumed after ${checkpoint}` : 'started');
    }
    return {
      orderId: String(d.orderId),
      batchId: String(d.batchId),
      units: Number(d.units ?? 0),
      exclude: new Set((d.excludeCodes as string[] | undefined) ?? []),
    };
  });
}

type PageOutcome = 'more' | 'completed' | 'cancelled' | 'lease_lost';

/** One page: queue entries for the next codes after the checkpoint, in one transaction. */
async function preparePage(
  orgId: string,
  jobId: string,
  workerId: string,
  job: Claimed,
  pageSize: number,
  now: number,
): Promise<PageOutcome> {
  const jobRef = prepJobsRef(orgId).doc(jobId);
  // More attempts than the SDK's 5: a page contends with links and other jobs on its codes.
  const options = { maxAttempts: 10 };
  return db().runTransaction(async (tx): Promise<PageOutcome> => {
    const jobSnap = await tx.get(jobRef);
    const d: DocumentData = jobSnap.data() ?? {};
    if (d.status === 'cancelled') return 'cancelled';
    if (d.status !== 'running' || d.leaseOwner !== workerId) return 'lease_lost';
    const after = Number(d.checkpointSeq ?? 0);
    const codes = await tx.get(
      unitCodesRef(orgId)
        .where('batchId', '==', job.batchId)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(pageSize),
    );
    const entryRefs = codes.docs.map((c) =>
      preparedCodesRef(orgId).doc(queueEntryId(job.orderId, job.batchId, c.id)),
    );
    const entries = entryRefs.length > 0 ? await tx.getAll(...entryRefs) : [];
    let counts: PrepCounts = countsOf(d);
    const at = ts(now);
    codes.docs.forEach((c, i) => {
      const raw: unknown = c.get('status');
      const status = isCodeStatus(raw) ? raw : 'redeemed';
      const decision = decide(status, job.exclude.has(c.id), entries[i]?.exists === true);
      counts = addDecision(counts, status, decision);
      if (decision === 'prepare') {
        tx.create(entryRefs[i] as FirebaseFirestore.DocumentReference, {
          orderId: job.orderId,
          batchId: job.batchId,
          code: c.id,
          seq: Number(c.get('seq')),
          status: 'prepared',
          jobId,
          preparedAt: at,
        });
      }
    });
    const last = codes.docs[codes.size - 1];
    const checkpointSeq = last ? Number(last.get('seq')) : after;
    const done = codes.size < pageSize;
    const progress = progressOf(counts.walked, job.units, done);
    if (!done) {
      tx.update(jobRef, {
        counts,
        checkpointSeq,
        progress,
        claimableAt: ts(now + prepLeaseSeconds() * 1000),
        updatedAt: at,
      });
      return 'more';
    }
    tx.update(jobRef, {
      status: 'completed',
      counts,
      checkpointSeq,
      progress,
      resultSummary: {
        prepared: counts.prepared,
        duplicates: counts.duplicates,
        invalid: counts.invalid,
        totalAvailable: counts.available,
        excludedCount: counts.excluded,
      },
      completedAt: at,
      finishedAt: at,
      updatedAt: at,
      claimableAt: FieldValue.delete(),
      leaseOwner: FieldValue.delete(),
    });
    addLog(
      tx,
      orgId,
      jobId,
      'info',
      `completed: ${counts.prepared} prepared, ${counts.duplicates} already queued, ${counts.invalid} not preparable, ${counts.excluded} excluded, of ${counts.walked} codes`,
    );
    return 'completed';
  }, options);
}

/** Gives the job back (claimable now) if this worker still holds it. */
async function release(
  orgId: string,
  jobId: string,
  workerId: string,
  now: number,
  failure?: { message: string; permanent: boolean },
): Promise<'paused' | 'failed' | 'will_retry' | 'lease_lost'> {
  const ref = prepJobsRef(orgId).doc(jobId);
  return db().runTransaction(async (tx) => {
    const d = (await tx.get(ref)).data();
    if (!d || d.status !== 'running' || d.leaseOwner !== workerId) return 'lease_lost';
    if (!failure) {
      tx.update(ref, { claimableAt: ts(now), leaseOwner: FieldValue.delete() });
      addLog(tx, orgId, jobId, 'info', 'paused: out of time, the sweeper resumes it');
      return 'paused';
    }
    const failures = Number(d.failures ?? 0) + 1;
    if (failure.permanent || failures >= MAX_FAILURES) {
      tx.update(ref, {
        status: 'failed',
        failures,
        errorMessage: failure.message,
        finishedAt: ts(now),
        claimableAt: FieldValue.delete(),
        leaseOwner: FieldValue.delete(),
      });
      addLog(tx, orgId, jobId, 'error', `failed: ${failure.message}`);
      return 'failed';
    }
    tx.update(ref, { failures, claimableAt: ts(now), leaseOwner: FieldValue.delete() });
    addLog(tx, orgId, jobId, 'warn', `attempt failed (${failure.message}); the sweeper retries it`);
    return 'will_retry';
  });
}

/** Claims and runs one job until it is done, cancelled, out of time, or taken over. */
export async function runPrepJob(
  orgId: string,
  jobId: string,
  options: RunOptions = {},
): Promise<RunOutcome> {
  const now = options.now ?? Date.now;
  const workerId = options.workerId ?? randomUUID();
  const pageSize = options.pageSize ?? PREP_PAGE;
  const claimed = await claimJob(orgId, jobId, workerId, now());
  if (!claimed) return 'not_claimable';
  const started = Date.now();
  prepJobClaimed({ orgId, jobId, workerId });
  try {
    for (let pages = 1; ; pages += 1) {
      const outcome = await preparePage(orgId, jobId, workerId, claimed, pageSize, now());
      if (outcome !== 'more') {
        prepJobFinished({ orgId, jobId, workerId, outcome, pages });
        return outcome;
      }
      await options.afterPage?.(pages);
      if (options.budgetMs !== undefined && Date.now() - started > options.budgetMs) {
        return await release(orgId, jobId, workerId, now());
      }
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    prepJobError({ orgId, jobId, workerId, error: err });
    return release(orgId, jobId, workerId, now(), {
      message,
      permanent: err instanceof AppError,
    });
  }
}
