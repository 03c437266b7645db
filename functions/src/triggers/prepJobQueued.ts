// A prep job starts as soon as it is queued: when it is created, and when a person retries it.
// This is onDocumentWritten rather than onDocumentCreated so that a retry starts at once too; it
// returns straight away for every other write (the worker's own progress updates).
// No event retries: a worker that fails hands the job back with a lease, and the sweeper
// (scheduled/sweepPrepJobs.ts) runs it again.
import { onDocumentWritten } from 'firebase-functions/v2/firestore';
import { runPrepJob } from '../data/manufacturing/prepWorker';

const BUDGET_MS = 480_000;

export const prepJobQueued = onDocumentWritten(
  { document: 'organizations/{orgId}/prepJobs/{jobId}', timeoutSeconds: 540, memory: '512MiB' },
  async (event) => {
    const before = event.data?.before.data();
    const after = event.data?.after.data();
    if (after?.status !== 'queued' || before?.status === 'queued') return;
    await runPrepJob(event.params.orgId, event.params.jobId, { budgetMs: BUDGET_MS });
  },
);
