// Background QR (re)generation jobs: organizations/{orgId}/qrJobs/{jobId} = {status, total, done,
// failed, progress, assetIds | missing, cursor, errors, createdBy, createdAt, updatedAt}.
// The API creates the document; a trigger on it does the work (triggers/qrJobCreated.ts) and
// keeps the counts and a resume point in it, so a retried delivery goes on where it stopped.
import { FieldPath, Timestamp } from 'firebase-admin/firestore';
import { AppError } from '../domain/errors';
import { regenerateEquipmentQr } from './equipmentQr';
import { equipmentRef, qrJobsRef } from './paths';
import { iso } from './timestamps';

export type QrJobStatus = 'queued' | 'running' | 'done';

export interface QrJob {
  jobId: string;
  status: QrJobStatus;
  total: number;
  done: number;
  failed: number;
  progress: number;
  errors: { assetId: string; error: string }[];
  createdAt: string | null;
  finishedAt: string | null;
}

export type QrJobRequest = { assetIds: string[] } | { missing: true };

/** Statuses of the items a `missing` job remakes: no code yet, or a failed one. */
const MISSING_STATUSES = ['pending', 'failed'];
/** Items made at once, and per progress update. */
const CHUNK = 10;
const PAGE = 100;
/** Errors kept in the job document (the counts are complete; the list is for a person). */
const MAX_ERRORS = 100;

function missingQuery(orgId: string): FirebaseFirestore.Query {
  return equipmentRef(orgId)
    .where('qrStatus', 'in', MISSING_STATUSES)
    .orderBy(FieldPath.documentId());
}

const progressOf = (done: number, failed: number, total: number): number =>
  total === 0 ? 100 : Math.min(100, Math.floor(((done + failed) * 100) / total));

function toJob(jobId: string, d: FirebaseFirestore.DocumentData): QrJob {
  const done = Number(d.done) || 0;
  const failed = Number(d.failed) || 0;
  const total = Number(d.total) || 0;
  return {
    jobId,
    status: d.status as QrJobStatus,
    total,
    done,
    failed,
    progress: d.status === 'done' ? 100 : progressOf(done, failed, total),
    errors: Array.isArray(d.errors) ? (d.errors as QrJob['errors']) : [],
    createdAt: iso(d.createdAt),
    finishedAt: iso(d.finishedAt),
  };
}

export async function createQrJob(
  orgId: string,
  request: QrJobRequest,
  createdBy: string,
): Promise<string> {
  const total =
    'assetIds' in request
      ? request.assetIds.length
      : (await missingQuery(orgId).count().get()).data().count;
  const ref = qrJobsRef(orgId).doc();
  const now = Timestamp.now();
  await ref.create({
    ...request,
    status: 'queued',
    total,
    done: 0,
    failed: 0,
    progress: 0,
    errors: [],
    cursor: null,
    createdBy,
    createdAt: now,
    updatedAt: now,
  });
  return ref.id;
}

export async function getQrJob(orgId: string, jobId: string): Promise<QrJob> {
  const data = (await qrJobsRef(orgId).doc(jobId).get()).data();
  if (!data) throw new AppError('not_found', `QR job ${jobId} not found`);
  return toJob(jobId, data);
}

/**
 * Does the job's work, chunk by chunk, saving the counts and where it got to after each chunk.
 * A second delivery of the same event (or a retry after a crash) resumes from there; a job
 * that is done is left alone.
 */
export async function runQrJob(orgId: string, jobId: string): Promise<QrJob | undefined> {
  const ref = qrJobsRef(orgId).doc(jobId);
  const data = (await ref.get()).data();
  if (!data || data.status === 'done') return undefined;
  let done = Number(data.done) || 0;
  let failed = Number(data.failed) || 0;
  let total = Number(data.total) || 0;
  const errors: QrJob['errors'] = Array.isArray(data.errors) ? data.errors : [];
  await ref.update({ status: 'running', updatedAt: Timestamp.now() });

  const runChunk = async (assetIds: string[], cursor: string | null): Promise<void> => {
    const results = await Promise.allSettled(
      assetIds.map((assetId) => regenerateEquipmentQr(orgId, assetId)),
    );
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') {
        done += 1;
        return;
      }
      failed += 1;
      const reason = result.reason as unknown;
      if (errors.length < MAX_ERRORS) {
        errors.push({
          assetId: assetIds[i],
          error: reason instanceof Error ? reason.message : String(reason),
        });
      }
    });
    total = Math.max(total, done + failed);
    await ref.update({
      done,
      failed,
      total,
      errors,
      cursor,
      progress: progressOf(done, failed, total),
      updatedAt: Timestamp.now(),
    });
  };

  if (Array.isArray(data.assetIds)) {
    const assetIds = data.assetIds as string[];
    for (let i = done + failed; i < assetIds.length; i += CHUNK) {
      const chunk = assetIds.slice(i, i + CHUNK);
      await runChunk(chunk, chunk[chunk.length - 1]);
    }
  } else {
    // Items that get their code leave the query; the cursor still moves on, so an item that
    // keeps failing is tried once per job, not forever.
    let cursor = typeof data.cursor === 'string' ? data.cursor : null;
    for (;;) {
      let query = missingQuery(orgId).limit(PAGE);
      if (cursor !== null) query = query.startAfter(cursor);
      const ids = (await query.get()).docs.map((doc) => doc.id);
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        cursor = chunk[chunk.length - 1];
        await runChunk(chunk, cursor);
      }
      if (ids.length < PAGE) break;
    }
  }
  const finished = Timestamp.now();
  await ref.update({ status: 'done', progress: 100, finishedAt: finished, updatedAt: finished });
  return toJob(jobId, {
    ...data,
    status: 'done',
    done,
    failed,
    total,
    errors,
    finishedAt: finished,
  });
}
