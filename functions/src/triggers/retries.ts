// Triggers deployed with `retry: true` are retried until they succeed, for up to 7 days. A
// failure that lasts longer than an hour will not heal by retrying: every retried trigger wraps
// its handler in `giveUpWhenStale`, which stops working on such an event, logs trigger.gave_up
// and lets the trigger record the failure where a person will see it.
import { triggerGaveUp } from '../logs';

export const MAX_EVENT_AGE_MS = 60 * 60 * 1000;

export function isStaleEvent(eventTime: string, now: number = Date.now()): boolean {
  const time = Date.parse(eventTime);
  return Number.isFinite(time) && now - time > MAX_EVENT_AGE_MS;
}

/** What the wrapper needs of an event: its id, time and path parameters. */
export interface RetriedEvent {
  id: string;
  time: string;
  params: Record<string, string>;
}

export interface GiveUpOptions<E> {
  /** Records the failure (on the item, the batch, the pool) once the event is given up. */
  onGiveUp?: (event: E) => Promise<unknown>;
  /**
   * Events that are handled as usual even when stale, because their work is cheap and cannot
   * fail for long (an event the trigger ignores, a clean-up).
   */
  exempt?: (event: E) => boolean;
}

/** Wraps a retried trigger's handler so that an event over an hour old is given up, not worked on. */
export function giveUpWhenStale<E extends RetriedEvent>(
  trigger: string,
  handler: (event: E) => Promise<void>,
  options: GiveUpOptions<E> = {},
): (event: E) => Promise<void> {
  return async (event) => {
    if (!isStaleEvent(event.time) || options.exempt?.(event)) {
      await handler(event);
      return;
    }
    triggerGaveUp({ trigger, eventId: event.id, eventTime: event.time, params: event.params });
    await options.onGiveUp?.(event);
  };
}
