// What happens after one delivery attempt (docs/operations.md#webhooks): pure decisions on the
// answer, the time and the webhook's failure history.

/** Events in one request at most; more wait for the next request. */
export const MAX_BATCH = 100;
/** A delivery is retried for this long after it was first tried. */
export const RETRY_FOR_MS = 24 * 3600_000;
/** A webhook failing without a success for this long is disabled. */
export const DISABLE_AFTER_MS = 3 * 24 * 3600_000;
/** A receiver has this long to answer. */
export const TIMEOUT_MS = 10_000;
/** The longest wait between two attempts, whatever Retry-After asks. */
export const MAX_DELAY_SECONDS = 3600;

export type AttemptOutcome =
  | { kind: 'delivered' }
  /** Not retried: a 4xx other than 408/429 (410: the receiver says it is gone). */
  | { kind: 'rejected'; gone: boolean }
  | { kind: 'retry'; retryAfterSeconds?: number };

/** The outcome of an answer with `status` (0: no answer: network error or timeout). */
export function classify(status: number, retryAfter?: string | string[]): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'rejected', gone: true };
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return { kind: 'rejected', gone: false };
  }
  // 5xx, 429, 408, a redirect (not followed) or no answer at all.
  return { kind: 'retry', retryAfterSeconds: retryAfterSeconds(retryAfter) };
}

/** Retry-After as seconds: a number of seconds or an HTTP date (RFC 9110, 10.2.3). */
export function retryAfterSeconds(
  header: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Seconds before attempt `attempt + 1` (attempt counts from 1): base × 2^(attempt-1), or what
 * Retry-After asks if longer, at most an hour.
 */
export function retryDelaySeconds(
  attempt: number,
  baseSeconds: number,
  retryAfter?: number,
): number {
  const backoff = baseSeconds * 2 ** Math.max(0, attempt - 1);
  return Math.min(MAX_DELAY_SECONDS, Math.max(backoff, retryAfter ?? 0));
}

/** Whether a failed delivery first tried at `firstAt` may be tried again at `nextAt`. */
export function mayRetry(firstAt: number, nextAt: number): boolean {
  return nextAt - firstAt <= RETRY_FOR_MS;
}

/** Whether a webhook failing since `failingSince` (ms) is to be disabled at `now`. */
export function shouldDisable(failingSince: number | null, now: number): boolean {
  return failingSince !== null && now - failingSince >= DISABLE_AFTER_MS;
}

/** The body of one request: one event as itself, several as a batch. */
export function messageBody(events: readonly unknown[]): string {
  return JSON.stringify(events.length === 1 ? events[0] : { type: 'batch', events });
}
