// A new batch's unit codes are generated in the background, with progress in the batch document.
// Idempotent: codes are derived from the batch secret and sequence number and created, never
// overwritten, so a duplicated or retried event (a timeout, a crash) resumes from the count the
// batch holds and finds its own codes. After an hour of failures the batch is marked failed.
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { generateBatchCodes } from '../data/manufacturing/generate';
import { markBatchFailed } from '../data/manufacturing/orders';
import { batchGenerateDone } from '../logs';
import { giveUpWhenStale } from './retries';

export const batchCreated = onDocumentCreated(
  {
    document: 'organizations/{orgId}/orders/{orderId}/batches/{batchId}',
    retry: true,
    timeoutSeconds: 540,
    memory: '512MiB',
  },
  giveUpWhenStale(
    'batchCreated',
    async (event) => {
      const { orgId, orderId, batchId } = event.params;
      const started = Date.now();
      const result = await generateBatchCodes(orgId, orderId, batchId);
      batchGenerateDone({ orgId, orderId, batchId, ...result, durationMs: Date.now() - started });
    },
    {
      onGiveUp: ({ params }) =>
        markBatchFailed(
          params.orgId,
          params.orderId,
          params.batchId,
          'code generation kept failing for an hour',
        ),
    },
  ),
);
