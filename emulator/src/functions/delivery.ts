// At-least-once delivery of background events to functions. Each event is tried at once; if the
// function throws, rejects or times out and it was deployed with `retry: true`, it is tried again
// after a bounded exponential backoff (as Eventarc retries, but capped so a local stack never
// retries for days); without retry the failure is only logged, as in production.

import { errorMessage, type InvocationLogger } from './log';

export interface RetryPolicy {
  /** Wait before the 2nd attempt; doubles each time. Default 1000 ms. */
  initialBackoffMs: number;
  /** Upper bound of one wait. Default 60 000 ms. */
  maxBackoffMs: number;
  /** Attempts in all, the first included. Default 8. */
  maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialBackoffMs: 1000,
  maxBackoffMs: 60_000,
  maxAttempts: 8,
};

export interface DeliveryTask {
  function: string;
  trigger: string;
  retry: boolean;
  timeoutMs: number;
  document?: string;
  eventId?: string;
  invoke: () => unknown;
}

export class Deliverer {
  private pending = 0;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly policy: RetryPolicy,
    private readonly log: InvocationLogger,
  ) {}

  /** Starts delivery and returns at once; the caller (a Firestore commit) never waits for it. */
  deliver(task: DeliveryTask): void {
    if (this.closed) return;
    this.pending++;
    this.schedule(task, 1, 0);
  }

  /** Resolves when no event is running or waiting for a retry. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops queued retries and waits (bounded) for invocations already running. */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise<void>((resolve) => (grace = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(grace);
    this.pending = 0;
    this.wakeIdle();
  }

  private schedule(task: DeliveryTask, attempt: number, delayMs: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.attempt(task, attempt);
    }, delayMs);
    this.timers.add(t);
  }

  private async attempt(task: DeliveryTask, attempt: number): Promise<void> {
    if (this.closed) return;
    const started = performance.now();
    const run = invokeWithTimeout(task.invoke, task.timeoutMs);
    this.running.add(run);
    let failure: { error: unknown; timeout: boolean } | undefined;
    try {
      await run;
    } catch (error) {
      failure = { error, timeout: error instanceof TimeoutError };
    } finally {
      this.running.delete(run);
    }
    if (this.closed) return;
    const durationMs = Math.round(performance.now() - started);
    const base = {
      function: task.function,
      trigger: task.trigger,
      durationMs,
      attempt,
      document: task.document,
      eventId: task.eventId,
    };
    if (!failure) {
      this.log({ ...base, outcome: 'ok' });
      return this.done();
    }
    const error = errorMessage(failure.error);
    if (task.retry && attempt < this.policy.maxAttempts) {
      const wait = Math.min(
        this.policy.initialBackoffMs * 2 ** (attempt - 1),
        this.policy.maxBackoffMs,
      );
      this.log({ ...base, outcome: 'retrying', error, nextAttemptInMs: wait });
      this.schedule(task, attempt + 1, wait);
      return;
    }
    this.log({
      ...base,
      outcome: task.retry ? 'gave-up' : failure.timeout ? 'timeout' : 'error',
      error,
    });
    this.done();
  }

  private done(): void {
    this.pending--;
    if (this.pending === 0) this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

export class TimeoutError extends Error {}

/** Runs `invoke`, turning a synchronous throw into a rejection and a hang into a TimeoutError. */
export async function invokeWithTimeout(
  invoke: () => unknown,
  timeoutMs: number,
): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TimeoutError(`function timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([Promise.resolve().then(invoke), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
