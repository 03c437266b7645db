// The webhook delivery task (docs/operations.md#webhooks). One task sends one delivery: the
// first task of a batch window claims up to 100 waiting events from the webhook's outbox, signs
// the message with Standard Webhooks headers and POSTs it through the SSRF-safe fetcher. The
// answer decides what follows (domain/webhooks/policy.ts): done; not retried (4xx; 410 also
// disables the webhook); or a next task after an exponential backoff or the receiver's
// Retry-After, for up to 24 hours. Receiver failures are handled here, not by throwing, so the
// queue's own retryConfig only covers this function failing (Firestore unavailable, a crash).
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { quotaLimits, spendDaily } from '../data/quotas';
import {
  claimDelivery,
  deliveryTarget,
  getStoredDelivery,
  recordAttempt,
  type StoredDelivery,
} from '../data/deliveries';
import { signingSecrets } from '../data/webhooks';
import { enqueueDelivery, type DeliveryTask } from '../data/webhooksQueue';
import { webhookSettings } from '../config';
import { parseHostPortList } from '../domain/addresses';
import { AppError } from '../domain/errors';
import { nextDayStart } from '../domain/quotas';
import {
  classify,
  mayRetry,
  messageBody,
  retryDelaySeconds,
  shouldDisable,
  TIMEOUT_MS,
  type AttemptOutcome,
} from '../domain/webhooks/policy';
import { signedHeaders } from '../domain/webhooks/signing';
import { webhookAttempt, webhookDisabled } from '../logs';
import { FetchError, safeFetch } from '../net/safeFetch';

const USER_AGENT = 'qr-asset-backend-webhooks/1.0';

/** What one POST got: a status (0 for none), Retry-After, and the error in words. */
async function post(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; retryAfter?: string | string[]; error: string | null }> {
  const allowed = parseHostPortList(webhookSettings().allowedHosts).entries;
  try {
    const answer = await safeFetch(
      url,
      {
        connectTimeoutMs: TIMEOUT_MS,
        timeoutMs: TIMEOUT_MS,
        maxBytes: 64 * 1024,
        maxRedirects: 0,
        allowedHosts: allowed,
      },
      {
        send: {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'user-agent': USER_AGENT },
          body: Buffer.from(body),
        },
        anyStatus: true,
      },
    );
    return {
      status: answer.status,
      retryAfter: answer.headers['retry-after'],
      error:
        answer.status >= 200 && answer.status < 300
          ? null
          : `The receiver answered ${answer.status}`,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // An address the SSRF check refuses will not become allowed by waiting: not retried.
    if (err instanceof FetchError && !err.retryable && err.kind !== 'too_large') {
      return { status: -1, error: message };
    }
    return { status: 0, error: message };
  }
}

/** The delivery this task is about: claimed from the outbox on a window's first attempt. */
async function deliveryFor(
  task: DeliveryTask,
): Promise<{ delivery?: StoredDelivery; more: boolean }> {
  if (task.attempt === 1) return claimDelivery(task.orgId, task.webhookId, task.deliveryId);
  return {
    delivery: await getStoredDelivery(task.orgId, task.webhookId, task.deliveryId),
    more: false,
  };
}

/** Spends one delivery of today's quota; the seconds until it resets when there is none left. */
async function quotaWait(orgId: string): Promise<number | undefined> {
  try {
    const limits = await quotaLimits(orgId);
    await spendDaily(orgId, 'deliveriesPerDay', 1, limits.deliveriesPerDay);
    return undefined;
  } catch (err) {
    if (err instanceof AppError && err.code === 'quota_exceeded') {
      return Math.ceil((nextDayStart(new Date()).getTime() - Date.now()) / 1000);
    }
    throw err;
  }
}

/** `w123` -> `w123-1` -> `w123-2`: the deliveries that take the rest of a window's events. */
export function continuationId(deliveryId: string): string {
  const match = /^(.*)-(\d+)$/.exec(deliveryId);
  return match ? `${match[1]}-${Number(match[2]) + 1}` : `${deliveryId}-1`;
}

export async function runDelivery(task: DeliveryTask, now: () => number = Date.now): Promise<void> {
  const { orgId, webhookId, deliveryId, attempt } = task;
  const target = await deliveryTarget(orgId, webhookId);
  // A deleted or switched-off webhook: nothing is sent (its outbox waits if it is switched on).
  if (!target || !target.active) return;
  const { delivery, more } = await deliveryFor(task);
  if (!delivery) return;
  // More than 100 events waited: the next 100 go in a delivery of their own, at once.
  if (more) {
    const next = continuationId(deliveryId);
    await enqueueDelivery(
      { ...task, deliveryId: next, attempt: 1 },
      `${orgId}-${webhookId}-${next}`,
      0,
    );
  }
  // A task run twice (at least once delivery): an attempt already answered is not repeated.
  if (delivery.status === 'delivered' || delivery.status === 'failed') return;
  if (delivery.attempts.length >= attempt) return;

  const log = { orgId, webhookId, deliveryId, attempt, events: delivery.events.length };
  const settings = webhookSettings();
  const startedAt = now();
  const first = delivery.firstAttemptAt ?? startedAt;
  const quotaSeconds = await quotaWait(orgId);
  let outcome: AttemptOutcome;
  let answer: { status: number; retryAfter?: string | string[]; error: string | null };
  if (quotaSeconds !== undefined) {
    answer = { status: 0, error: 'The organisation has used its webhook deliveries of today' };
    outcome = { kind: 'retry', retryAfterSeconds: quotaSeconds };
  } else {
    const body = messageBody(delivery.events);
    const secrets = await signingSecrets(orgId, webhookId, startedAt);
    const headers = signedHeaders(secrets, deliveryId, Math.floor(startedAt / 1000), body);
    answer = await post(target.url, headers, body);
    outcome =
      answer.status === -1
        ? { kind: 'rejected', gone: false }
        : classify(answer.status, answer.retryAfter);
  }
  const durationMs = now() - startedAt;
  const responseCode = answer.status > 0 ? answer.status : null;
  const record = { at: startedAt, responseCode, durationMs, error: answer.error };

  if (outcome.kind === 'delivered') {
    await recordAttempt(orgId, webhookId, deliveryId, record, {
      status: 'delivered',
      nextAttemptAt: null,
      succeeded: true,
    });
    webhookAttempt({ ...log, responseCode, durationMs, outcome: 'delivered' });
    return;
  }
  const failingSince = target.failingSince ?? startedAt;
  const disable =
    outcome.kind === 'rejected' && outcome.gone
      ? 'The receiver answered 410 Gone'
      : shouldDisable(failingSince, startedAt)
        ? 'Every delivery failed for 3 days'
        : undefined;
  const delay = retryDelaySeconds(
    attempt,
    settings.retryBaseSeconds,
    outcome.kind === 'retry' ? outcome.retryAfterSeconds : undefined,
  );
  const nextAt = startedAt + delay * 1000;
  const retry = outcome.kind === 'retry' && !disable && mayRetry(first, nextAt);
  await recordAttempt(orgId, webhookId, deliveryId, record, {
    status: retry ? 'retrying' : 'failed',
    nextAttemptAt: retry ? nextAt : null,
    succeeded: false,
    disable,
  });
  webhookAttempt({
    ...log,
    responseCode,
    durationMs,
    outcome:
      quotaSeconds !== undefined
        ? 'quota'
        : retry
          ? 'retry'
          : outcome.kind === 'rejected'
            ? 'rejected'
            : 'gave_up',
    ...(answer.error ? { error: answer.error } : {}),
  });
  if (disable) webhookDisabled({ orgId, webhookId, reason: disable });
  if (retry) {
    await enqueueDelivery(
      { ...task, attempt: attempt + 1 },
      `${orgId}-${webhookId}-${deliveryId}-a${attempt + 1}`,
      delay,
    );
  }
}

/**
 * retryConfig: for this function failing, not the receiver (see above). rateLimits bound how
 * many requests go out at once across all organisations.
 */
export const deliverWebhooks = onTaskDispatched<DeliveryTask>(
  {
    retryConfig: { maxAttempts: 5, minBackoffSeconds: 10, maxBackoffSeconds: 300 },
    rateLimits: { maxConcurrentDispatches: 50, maxDispatchesPerSecond: 100 },
    timeoutSeconds: 60,
  },
  async (req) => {
    await runDelivery(req.data);
  },
);
