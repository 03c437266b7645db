// Every 5 minutes: events that have waited in a webhook's outbox for over 2 minutes get a
// delivery task. Normally the event trigger queues one for each batch window; this catches the
// rest (a trigger that gave up after queueing failed for an hour), so delivery stays at least
// once. The task id names the webhook and the sweep's 5 minutes: queued once however often the
// sweep runs in them.
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { staleOutboxes } from '../data/webhooks';
import { enqueueDelivery } from '../data/webhooksQueue';
import { webhookOutboxSwept } from '../logs';

const WAITED_MS = 2 * 60_000;
const PERIOD_MS = 5 * 60_000;
const LOOKED_AT = 5000;

export async function sweepOutboxes(now = Date.now()): Promise<number> {
  const hooks = await staleOutboxes(new Date(now - WAITED_MS), LOOKED_AT);
  const key = `s${Math.floor(now / PERIOD_MS)}`;
  let queued = 0;
  for (const { orgId, webhookId } of hooks) {
    const task = { orgId, webhookId, deliveryId: key, attempt: 1 };
    if (await enqueueDelivery(task, `${orgId}-${webhookId}-${key}`, 0)) queued++;
  }
  webhookOutboxSwept({ webhooks: hooks.length, queued });
  return queued;
}

export const sweepWebhookOutboxes = onSchedule(
  { schedule: 'every 5 minutes', timeoutSeconds: 300 },
  async () => {
    await sweepOutboxes();
  },
);
