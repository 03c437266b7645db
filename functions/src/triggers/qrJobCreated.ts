// A QR backfill job (POST .../equipment/batch-generate-qr) is done here, in the background, with
// its progress in the job document. Retried on failure; the job resumes where it stopped.
import { logger } from 'firebase-functions';
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { runQrJob } from '../data/qrJobs';
import { isStaleEvent } from './retries';

export const qrJobCreated = onDocumentCreated(
  // Up to 9 minutes (the most an event function may run); a longer job is resumed by the retry.
  { document: 'organizations/{orgId}/qrJobs/{jobId}', retry: true, timeoutSeconds: 540 },
  async (event) => {
    const { orgId, jobId } = event.params;
    if (isStaleEvent(event.time)) {
      logger.error('equipment.qr_job.gave_up', { orgId, jobId, eventId: event.id });
      return;
    }
    const job = await runQrJob(orgId, jobId);
    if (job) {
      logger.info('equipment.qr_job.done', {
        orgId,
        jobId,
        total: job.total,
        done: job.done,
        failed: job.failed,
      });
    }
  },
);
