// How Cloud Tasks spaces and ends the attempts of a task, from the queue's RetryConfig
// (https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues#RetryConfig):
// "A task's retry interval starts at min_backoff, then doubles max_doublings times, then
// increases linearly, and finally retries at intervals of max_backoff up to max_attempts times"
// (their example: min 10 s, max 300 s, 3 doublings: 10, 20, 40, 80, 160, 240, 300, 300 s).
// Pure: no timers, no I/O.

export interface RetrySettings {
  /** Attempts in all, the first included; -1 = unlimited. */
  maxAttempts: number;
  /** With maxAttempts reached, keep retrying until this long after the first attempt; 0 = no. */
  maxRetrySeconds: number;
  minBackoffSeconds: number;
  maxBackoffSeconds: number;
  maxDoublings: number;
}

export interface RateSettings {
  maxConcurrentDispatches: number;
  maxDispatchesPerSecond: number;
}

/**
 * What a task queue function gets when its retryConfig or rateLimits leave a field out: the
 * defaults firebase-functions documents on RetryConfig and RateLimits (maxAttempts 3, backoff
 * 0.1 s to 1 h, 16 doublings, 1000 concurrent, 500 a second), which are also firebase-tools'.
 */
export const DEFAULT_RETRY: RetrySettings = {
  maxAttempts: 3,
  maxRetrySeconds: 0,
  minBackoffSeconds: 0.1,
  maxBackoffSeconds: 3600,
  maxDoublings: 16,
};

export const DEFAULT_RATE: RateSettings = {
  maxConcurrentDispatches: 1000,
  maxDispatchesPerSecond: 500,
};

/** Cloud Tasks' bounds on a queue's rate limits (maxDispatchesPerSecond <= 500, concurrency <= 5000). */
export const MAX_DISPATCHES_PER_SECOND = 500;
export const MAX_CONCURRENT_DISPATCHES = 5000;

/** Seconds to wait before retry number `retry` (1 = the wait after the first failed attempt). */
export function backoffSeconds(retry: number, s: RetrySettings): number {
  const doublings = Math.max(0, s.maxDoublings);
  const n = Math.max(1, retry) - 1;
  const interval =
    n <= doublings
      ? s.minBackoffSeconds * 2 ** n
      : s.minBackoffSeconds * 2 ** doublings * (1 + n - doublings);
  return Math.min(interval, s.maxBackoffSeconds);
}

/** Whether a task that has failed `attempts` times, the first at `firstAttemptMs`, is tried again. */
export function shouldRetry(
  attempts: number,
  firstAttemptMs: number,
  nowMs: number,
  s: RetrySettings,
): boolean {
  if (s.maxAttempts < 0 || attempts < s.maxAttempts) return true;
  return s.maxRetrySeconds > 0 && nowMs - firstAttemptMs < s.maxRetrySeconds * 1000;
}

/** Settings from a function's `retryConfig` / `rateLimits` (numbers; anything else: the default). */
export function retrySettings(config: Record<string, unknown> | undefined): RetrySettings {
  return pick(DEFAULT_RETRY, config);
}

export function rateSettings(config: Record<string, unknown> | undefined): RateSettings {
  const r = pick(DEFAULT_RATE, config);
  return {
    maxConcurrentDispatches: clamp(r.maxConcurrentDispatches, 1, MAX_CONCURRENT_DISPATCHES),
    maxDispatchesPerSecond: clamp(r.maxDispatchesPerSecond, 0.001, MAX_DISPATCHES_PER_SECOND),
  };
}

function pick<T extends object>(defaults: T, given: Record<string, unknown> | undefined): T {
  const out = { ...defaults } as Record<string, number>;
  for (const key of Object.keys(defaults)) {
    const v = given?.[key];
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
  }
  return out as T;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
