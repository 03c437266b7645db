// Prep jobs: organizations/{orgId}/prepJobs/{jobId} with their log lines in .../logs. A job is
// created `queued` and claimable at once (`claimableAt`); the worker (prepWorker.ts) does the rest.
import {
  FieldValue,
  Timestamp,
  type DocumentData,
  type DocumentReference,
} from 'firebase-admin/firestore';
import { AppError, conflict } from '../../domain/errors';
import { isValidId } from '../../domain/ids';
import {
  cancelProblem,
  NO_COUNTS,
  remainingToPrepare,
  retryProblem,
  type JobStatus,
  type PrepCounts,
} from '../../domain/manufacturing/prepJobs';
import type { NewPrepJob } from '../../domain/manufacturing/validate';
import { db } from '../firebase';
import { batchesRef, prepJobLogsRef, prepJobsRef, unitCodesRef } from '../paths';
import { iso } from '../timestamps';

/** Unknown exclude codes kept in the job and its reply; the rest are only counted. */
export const MAX_UNKNOWN_LISTED = 100;

export type LogLevel = 'info' | 'warn' | 'error';

export interface ResultSummary {
  prepared: number;
  duplicates: number;
  invalid: number;
  totalAvailable: number;
  excludedCount: number;
}

export interface PrepJob {
  jobId: string;
  orderId: string;
  batchId: string;
  status: JobStatus;
  progress: number;
  preparedCount: number;
  remainingToPrepare: number;
  totalAvailableInBatch: number;
  excludeCount: number;
  unknownExcludeCount: number;
  resultSummary: ResultSummary | null;
  errorMessage: string | null;
  createdAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export function countsOf(d: DocumentData): PrepCounts {
  const c = (d.counts ?? {}) as Partial<PrepCounts>;
  return { ...NO_COUNTS, ...c };
}

export function toPrepJob(jobId: string, d: DocumentData): PrepJob {
  const status = d.status as JobStatus;
  const counts = countsOf(d);
  const totalAvailableInBatch = Number(d.totalAvailableInBatch ?? 0);
  const excludeCount = Number(d.excludeCount ?? 0);
  return {
    jobId,
    orderId: String(d.orderId ?? ''),
    batchId: String(d.batchId ?? ''),
    status,
    progress: Number(d.progress ?? 0),
    preparedCount: counts.prepared,
    remainingToPrepare: remainingToPrepare(
      totalAvailableInBatch,
      excludeCount,
      counts,
      status === 'completed',
    ),
    totalAvailableInBatch,
    excludeCount,
    unknownExcludeCount: Number(d.unknownExcludeCount ?? 0),
    resultSummary: (d.resultSummary as ResultSummary | undefined) ?? null,
    errorMessage: typeof d.errorMessage === 'string' ? d.errorMessage : null,
    createdAt: iso(d.createdAt),
    startedAt: iso(d.startedAt),
    finishedAt: iso(d.finishedAt),
  };
}

/** Adds a log line to a write batch or transaction (or writes it alone). */
export function addLog(
  writer: { create(ref: DocumentReference, data: DocumentData): unknown } | null,
  orgId: string,
  jobId: string,
  level: LogLevel,
  message: string,
): Promise<unknown> | void {
  const ref = prepJobLogsRef(orgId, jobId).doc();
  const data = { level, message, at: Timestamp.now() };
  if (writer) {
    writer.create(ref, data);
    return;
  }
  return ref.create(data);
}

/** Which exclude codes are codes of this batch; the others are reported back as unknown. */
async function splitExcludes(
  orgId: string,
  batchId: string,
  codes: string[],
): Promise<{ known: string[]; unknown: string[] }> {
  const known: string[] = [];
  const unknown: string[] = [];
  const candidates = codes.filter((c) => {
    if (isValidId(c)) return true;
    unknown.push(c);
    return false;
  });
  for (let i = 0; i < candidates.length; i += 500) {
    const chunk = candidates.slice(i, i + 500);
    const snaps = await db().getAll(...chunk.map((c) => unitCodesRef(orgId).doc(c)));
    snaps.forEach((snap, j) => {
      const code = chunk[j] as string;
      if (snap.exists && snap.get('batchId') === batchId) known.push(code);
      else unknown.push(code);
    });
  }
  return { known, unknown };
}

/** The document of a new, queued job. */
export function newJobDocument(job: {
  orderId: string;
  batchId: string;
  units: number;
  excludeCodes: string[];
  unknownExcludeCodes: string[];
  unknownExcludeCount: number;
  totalAvailableInBatch: number;
  createdBy: string;
}): DocumentData {
  const now = Timestamp.now();
  return {
    ...job,
    status: 'queued',
    progress: 0,
    excludeCount: job.excludeCodes.length,
    counts: NO_COUNTS,
    checkpointSeq: 0,
    attempts: 0,
    failures: 0,
    // Queued jobs are claimable now: the trigger normally takes it first, the sweeper otherwise.
    claimableAt: now,
    createdAt: now,
  };
}

export interface CreatedJob {
  jobId: string;
  status: 'queued';
  excludeCount: number;
  unknownExcludeCodes: string[];
  unknownExcludeCount: number;
}

export async function createPrepJob(
  orgId: string,
  input: NewPrepJob,
  by: string,
): Promise<CreatedJob> {
  const batch = (await batchesRef(orgId, input.orderId).doc(input.batchId).get()).data();
  if (!batch) {
    throw new AppError('not_found', `Batch ${input.batchId} of order ${input.orderId} not found`);
  }
  if (batch.status !== 'ready') {
    throw conflict(
      'batch_not_ready',
      `Batch ${input.batchId} is ${String(batch.status)}, not ready`,
      {
        status: batch.status,
      },
    );
  }
  const { known, unknown } = await splitExcludes(orgId, input.batchId, input.excludeCodes);
  const available = await unitCodesRef(orgId)
    .where('batchId', '==', input.batchId)
    .where('status', '==', 'generated')
    .count()
    .get();
  const ref = prepJobsRef(orgId).doc();
  const listed = unknown.slice(0, MAX_UNKNOWN_LISTED);
  const write = db().batch();
  write.create(
    ref,
    newJobDocument({
      orderId: input.orderId,
      batchId: input.batchId,
      units: Number(batch.units),
      excludeCodes: known,
      unknownExcludeCodes: listed,
      unknownExcludeCount: unknown.length,
      totalAvailableInBatch: available.data().count,
      createdBy: by,
    }),
  );
  addLog(write, orgId, ref.id, 'info', `queued by ${by}: ${known.length} codes excluded`);
  if (unknown.length > 0) {
    addLog(
      write,
      orgId,
      ref.id,
      'warn',
      `${unknown.length} exclude codes are not codes of this batch and were ignored: ${listed.slice(0, 20).join(', ')}${unknown.length > 20 ? ', …' : ''}`,
    );
  }
  await write.commit();
  return {
    jobId: ref.id,
    status: 'queued',
    excludeCount: known.length,
    unknownExcludeCodes: listed,
    unknownExcludeCount: unknown.length,
  };
}

export async function getPrepJob(orgId: string, jobId: string): Promise<PrepJob> {
  const snap = await prepJobsRef(orgId).doc(jobId).get();
  if (!snap.exists) throw new AppError('not_found', `Prep job ${jobId} not found`);
  return toPrepJob(jobId, snap.data() ?? {});
}

/** Cancels a queued or running job; a running worker stops at its next page. */
export async function cancelPrepJob(orgId: string, jobId: string, by: string): Promise<PrepJob> {
  const ref = prepJobsRef(orgId).doc(jobId);
  return db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) throw new AppError('not_found', `Prep job ${jobId} not found`);
    const problem = cancelProblem(snap.get('status') as JobStatus);
    if (problem) throw conflict('not_cancellable', `Cannot cancel: ${problem}`);
    const now = Timestamp.now();
    const change = {
      status: 'cancelled',
      cancelledAt: now,
      finishedAt: now,
      claimableAt: FieldValue.delete(),
      leaseOwner: FieldValue.delete(),
    };
    tx.update(ref, change);
    addLog(tx, orgId, jobId, 'info', `cancelled by ${by}`);
    return toPrepJob(jobId, { ...snap.data(), status: 'cancelled', finishedAt: now });
  });
}

/**
 * Queues a failed or cancelled job again. It resumes after its checkpoint: what it prepared is
 * still in the queue (deterministic ids), so nothing is prepared twice.
 */
export async function retryPrepJob(orgId: string, jobId: string, by: string): Promise<PrepJob> {
  const ref = prepJobsRef(orgId).doc(jobId);
  return db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) throw new AppError('not_found', `Prep job ${jobId} not found`);
    const problem = retryProblem(snap.get('status') as JobStatus);
    if (problem) throw conflict('not_retryable', `Cannot retry: ${problem}`);
    const now = Timestamp.now();
    tx.update(ref, {
      status: 'queued',
      claimableAt: now,
      failures: 0,
      errorMessage: FieldValue.delete(),
      finishedAt: FieldValue.delete(),
      retriedAt: now,
    });
    addLog(
      tx,
      orgId,
      jobId,
      'info',
      `retried by ${by}; resumes after sequence number ${Number(snap.get('checkpointSeq') ?? 0)}`,
    );
    return toPrepJob(jobId, {
      ...snap.data(),
      status: 'queued',
      errorMessage: null,
      finishedAt: null,
    });
  });
}

export interface LogLine {
  level: LogLevel;
  message: string;
  at: string | null;
}

export async function prepJobLogs(orgId: string, jobId: string, limit: number): Promise<LogLine[]> {
  if (!(await prepJobsRef(orgId).doc(jobId).get()).exists) {
    throw new AppError('not_found', `Prep job ${jobId} not found`);
  }
  const snap = await prepJobLogsRef(orgId, jobId).orderBy('at').limit(limit).get();
  return snap.docs.map((d) => ({
    level: d.get('level') as LogLevel,
    message: String(d.get('message')),
    at: iso(d.get('at')),
  }));
}
