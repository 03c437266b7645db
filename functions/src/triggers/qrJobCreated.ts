// A QR backfill job (POST .../equipment/batch-generate-qr) is done here, in the background, with
// its progress in the job document. Retried on failure; the job resumes where it stopped.
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { runQrJob } from '../data/qrJobs';
import { equipmentQrJobDone } from '../logs';
import { giveUpWhenStale } from './retries';

export const qrJobCreated = onDocumentCreated(
  // Up to 9 minutes (the most an event function may run); a longer job is resumed by the retry.
  { document: 'organizations/{orgId}/qrJobs/{jobId}', retry: true, timeoutSeconds: 540 },
  giveUpWhenStale('qrJobCreated', async (event) => {
    const { orgId, jobId } = event.params;
    const job = await runQrJob(orgId, jobId);
    if (job) {
      equipmentQrJobDone({ orgId, jobId, total: job.total, done: job.done, failed: job.failed });
    }
  }),
);
