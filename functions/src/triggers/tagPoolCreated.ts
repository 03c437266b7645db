// A new tag pool is filled in the background: its tags are made in batches and the pool's
// document shows progress. Idempotent: a second delivery carries on from the pool's `made`.
import { logger } from 'firebase-functions';
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { fillTagPool, markTagPoolFailed } from '../data/tags';
import { isStaleEvent } from './retries';

export const tagPoolCreated = onDocumentCreated(
  {
    document: 'organizations/{orgId}/tagPools/{poolId}',
    retry: true,
    timeoutSeconds: 540,
    memory: '512MiB',
  },
  async (event) => {
    const { orgId, poolId } = event.params;
    if (isStaleEvent(event.time)) {
      logger.error('tags.pool.gave_up', { orgId, poolId, eventId: event.id, time: event.time });
      await markTagPoolFailed(orgId, poolId, 'Gave up after an hour of retries').catch(
        () => undefined,
      );
      return;
    }
    const started = Date.now();
    const outcome = await fillTagPool(orgId, poolId);
    logger.info('tags.pool.filled', {
      orgId,
      poolId,
      outcome,
      ms: Date.now() - started,
      eventId: event.id,
    });
  },
);
