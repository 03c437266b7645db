// A new tag pool is filled in the background: its tags are made in batches and the pool's
// document shows progress. Idempotent: a second delivery carries on from the pool's `made`.
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { fillTagPool, markTagPoolFailed } from '../data/tags';
import { tagPoolFilled } from '../logs';
import { giveUpWhenStale } from './retries';

export const tagPoolCreated = onDocumentCreated(
  {
    document: 'organizations/{orgId}/tagPools/{poolId}',
    retry: true,
    timeoutSeconds: 540,
    memory: '512MiB',
  },
  giveUpWhenStale(
    'tagPoolCreated',
    async (event) => {
      const { orgId, poolId } = event.params;
      const started = Date.now();
      const outcome = await fillTagPool(orgId, poolId);
      tagPoolFilled({
        orgId,
        poolId,
        outcome,
        eventId: event.id,
        durationMs: Date.now() - started,
      });
    },
    {
      onGiveUp: (event) =>
        markTagPoolFailed(
          event.params.orgId,
          event.params.poolId,
          'Gave up after an hour of retries',
        ),
    },
  ),
);
