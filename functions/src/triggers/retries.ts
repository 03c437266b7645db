// Triggers deployed with `retry: true` are retried until they succeed, for up to 7 days. A
// failure that lasts longer than this window will not heal by retrying: give up and log it.

export const MAX_EVENT_AGE_MS = 60 * 60 * 1000;

export function isStaleEvent(eventTime: string, now: number = Date.now()): boolean {
  const time = Date.parse(eventTime);
  return Number.isFinite(time) && now - time > MAX_EVENT_AGE_MS;
}
