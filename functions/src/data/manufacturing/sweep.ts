// What the prep sweeper does every two minutes: run the jobs nobody is running (queued ones the
// trigger missed, ones whose worker's lease ran out or that paused), then remove completed jobs
// and consumed queue entries older than the retention period.
import { Timestamp, type Query } from 'firebase-admin/firestore';
import { db } from '../firebase';
import { runPrepJob, type RunOutcome } from './prepWorker';

/** Jobs one sweep runs side by side. */
export const SWEEP_JOBS = 10;
/** Documents one cleanup query removes per page, and pages per sweep. */
const CLEANUP_PAGE = 400;
const CLEANUP_PAGES = 25;

export interface SweepOptions {
  /** The sweep's clock in ms (tests run it ahead to let leases run out). */
  now?: number;
  retentionDays: number;
  /** Time the jobs it runs may take before they hand themselves back. */
  budgetMs?: number;
  pageSize?: number;
}

export interface SweepResult {
  jobs: Record<string, RunOutcome>;
  removedJobs: number;
  removedEntries: number;
}

/** Deletes what `query` finds, a page at a time; `deep` also removes subcollections (logs). */
async function removeAll(query: Query, deep: boolean): Promise<number> {
  let removed = 0;
  for (let page = 0; page < CLEANUP_PAGES; page += 1) {
    const snap = await query.limit(CLEANUP_PAGE).get();
    if (snap.empty) break;
    if (deep) {
      for (const doc of snap.docs) await db().recursiveDelete(doc.ref);
    } else {
      const bulk = db().bulkWriter();
      for (const doc of snap.docs) {
        // Only if unchanged since read: an entry is never removed on a stale look.
        void bulk.delete(doc.ref, { lastUpdateTime: doc.updateTime }).catch(() => undefined);
      }
      await bulk.close();
    }
    removed += snap.size;
    if (snap.size < CLEANUP_PAGE) break;
  }
  return removed;
}

export async function sweepPrep(options: SweepOptions): Promise<SweepResult> {
  const now = options.now ?? Date.now();
  const offset = now - Date.now();
  const cutoff = Timestamp.fromMillis(now - options.retentionDays * 86_400_000);
  const removedJobs = await removeAll(
    db().collectionGroup('prepJobs').where('completedAt', '<=', cutoff).orderBy('completedAt'),
    true,
  );
  const removedEntries = await removeAll(
    db().collectionGroup('preparedCodes').where('consumedAt', '<=', cutoff).orderBy('consumedAt'),
    false,
  );
  const due = await db()
    .collectionGroup('prepJobs')
    .where('claimableAt', '<=', Timestamp.fromMillis(now))
    .orderBy('claimableAt')
    .limit(SWEEP_JOBS)
    .get();
  const jobs: Record<string, RunOutcome> = {};
  await Promise.all(
    due.docs.map(async (doc) => {
      const orgId = doc.ref.parent.parent?.id;
      if (!orgId) return;
      jobs[`${orgId}/${doc.id}`] = await runPrepJob(orgId, doc.id, {
        now: () => Date.now() + offset,
        budgetMs: options.budgetMs,
        pageSize: options.pageSize,
      });
    }),
  );
  return { jobs, removedJobs, removedEntries };
}
