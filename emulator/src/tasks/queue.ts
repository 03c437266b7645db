// One Cloud Tasks queue: tasks wait until their scheduleTime, are dispatched as HTTP POSTs to
// the queue's target (the task queue function) at most `maxConcurrentDispatches` at a time and
// `maxDispatchesPerSecond` on average (a token bucket, as Cloud Tasks' own rate limiting is),
// and a failed dispatch (a status other than 2xx, a network error or the dispatch deadline) is
// retried by the queue's RetryConfig (./retryPolicy.ts). A task is deleted once it succeeds or
// runs out of attempts; its name stays taken (Cloud Tasks refuses a reused name for about an
// hour after the task ran or was deleted; here for the life of the queue).
//
// No busy loop: one timer waits for the next due task or the next token.
import { backoffSeconds, shouldRetry, type RateSettings, type RetrySettings } from './retryPolicy';

export interface QueueSettings {
  retry: RetrySettings;
  rate: RateSettings;
}

export interface Attempt {
  scheduleTime: string;
  dispatchTime: string;
  responseTime?: string;
  /** HTTP status of the response; absent for a network error or a missed deadline. */
  responseStatus?: number;
  error?: string;
}

export interface QueuedTask {
  /** projects/{p}/locations/{l}/queues/{q}/tasks/{id} */
  name: string;
  id: string;
  scheduleTimeMs: number;
  createTime: string;
  /** Cloud Tasks' default dispatch deadline for HTTP targets is 10 minutes. */
  dispatchDeadlineSeconds: number;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  dispatchCount: number;
  /** Responses received, 5xx excluded (what X-CloudTasks-TaskExecutionCount counts). */
  executionCount: number;
  responseCount: number;
  firstAttempt?: Attempt;
  lastAttempt?: Attempt;
  previousResponse?: number;
  retryReason?: string;
  running: boolean;
  seq: number;
}

export type TaskOutcome = 'succeeded' | 'retrying' | 'failed';

/** What the queue reports after each attempt (for the emulator's log). */
export type AttemptListener = (task: QueuedTask, attempt: Attempt, outcome: TaskOutcome) => void;

/** How a dispatch is made; the default is an HTTP POST with fetch. */
export type Dispatcher = (
  task: QueuedTask,
  headers: Record<string, string>,
  signal: AbortSignal,
) => Promise<number>;

export class AlreadyExistsError extends Error {}
export class NotFoundError extends Error {}

const fetchDispatcher: Dispatcher = async (task, headers, signal) => {
  const res = await fetch(task.url, { method: 'POST', headers, body: task.body, signal });
  await res.arrayBuffer(); // let the connection be reused
  return res.status;
};

export class TaskQueue {
  /** Waiting tasks, ordered by scheduleTime then arrival. */
  private waiting: QueuedTask[] = [];
  private readonly running = new Set<QueuedTask>();
  /** Every name this queue has seen: they stay taken. */
  private readonly names = new Set<string>();
  private tokens: number;
  private tokensAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private seq = 0;
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();
  private idleWaiters: Array<() => void> = [];
  readonly stats = { succeeded: 0, failed: 0, attempts: 0, maxRunning: 0 };

  constructor(
    readonly path: string,
    public settings: QueueSettings,
    /** The URL of the function; read at each dispatch (the host may start listening later). */
    public target: () => string,
    private readonly onAttempt: AttemptListener = () => undefined,
    private readonly dispatcher: Dispatcher = fetchDispatcher,
  ) {
    this.tokens = this.bucketSize();
  }

  /** The queue's short name (the function's name). */
  get queueId(): string {
    return this.path.slice(this.path.lastIndexOf('/') + 1);
  }

  add(
    task: Omit<
      QueuedTask,
      'seq' | 'running' | 'dispatchCount' | 'executionCount' | 'responseCount' | 'url'
    > & {
      url: string;
    },
  ): QueuedTask {
    if (this.names.has(task.name)) throw new AlreadyExistsError(`Task ${task.name} already exists`);
    this.names.add(task.name);
    const queued: QueuedTask = {
      ...task,
      dispatchCount: 0,
      executionCount: 0,
      responseCount: 0,
      running: false,
      seq: this.seq++,
    };
    this.insert(queued);
    this.pump();
    return queued;
  }

  /** Whether a task of this name was ever created (it may have run since). */
  hasName(name: string): boolean {
    return this.names.has(name);
  }

  /** Deletes a task that has not finished (Cloud Tasks: a running one stops being retried). */
  delete(name: string): void {
    const i = this.waiting.findIndex((t) => t.name === name);
    if (i >= 0) {
      this.waiting.splice(i, 1);
      this.pump();
      this.wakeIdle();
      return;
    }
    const running = [...this.running].find((t) => t.name === name);
    if (!running) throw new NotFoundError(`Task ${name} does not exist`);
    running.retryReason = 'deleted';
    this.deletedWhileRunning.add(running);
  }

  private readonly deletedWhileRunning = new Set<QueuedTask>();

  get(name: string): QueuedTask | undefined {
    return (
      this.waiting.find((t) => t.name === name) ?? [...this.running].find((t) => t.name === name)
    );
  }

  /** The unfinished tasks: running ones first, then waiting ones in dispatch order. */
  list(): QueuedTask[] {
    return [...this.running, ...this.waiting];
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Resolves when the queue has no task waiting or running. */
  idle(): Promise<void> {
    if (this.waiting.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops waiting tasks and waits (bounded) for running dispatches. */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.waiting = [];
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => (grace = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(grace);
    this.wakeIdle(true);
  }

  private bucketSize(): number {
    // Cloud Tasks derives max_burst_size from the rate; a bucket that holds one second of
    // dispatches (at least one) behaves the same at these scales.
    return Math.max(1, Math.ceil(this.settings.rate.maxDispatchesPerSecond));
  }

  private refill(now: number): void {
    const rate = this.settings.rate.maxDispatchesPerSecond;
    this.tokens = Math.min(this.bucketSize(), this.tokens + ((now - this.tokensAt) / 1000) * rate);
    this.tokensAt = now;
  }

  private insert(task: QueuedTask): void {
    // Binary search for the first task that should go after this one.
    let lo = 0;
    let hi = this.waiting.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.waiting[mid];
      const after =
        m.scheduleTimeMs > task.scheduleTimeMs ||
        (m.scheduleTimeMs === task.scheduleTimeMs && m.seq > task.seq);
      if (after) hi = mid;
      else lo = mid + 1;
    }
    this.waiting.splice(lo, 0, task);
  }

  /** Starts every task that is due and allowed, then arms the timer for the next one. */
  private pump(): void {
    if (this.closed) return;
    const now = Date.now();
    this.refill(now);
    const { maxConcurrentDispatches, maxDispatchesPerSecond } = this.settings.rate;
    while (
      this.waiting.length > 0 &&
      this.waiting[0].scheduleTimeMs <= now &&
      this.running.size < maxConcurrentDispatches &&
      this.tokens >= 1
    ) {
      const task = this.waiting.shift() as QueuedTask;
      this.tokens -= 1;
      this.start(task);
    }
    if (this.waiting.length === 0 || this.running.size >= maxConcurrentDispatches) {
      this.arm(Infinity); // a finishing dispatch pumps again
      return;
    }
    const due = this.waiting[0].scheduleTimeMs;
    const tokenAt =
      this.tokens >= 1 ? now : now + ((1 - this.tokens) / maxDispatchesPerSecond) * 1000;
    this.arm(Math.max(due, tokenAt));
  }

  private arm(at: number): void {
    if (at === this.timerAt) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(
      () => {
        this.timerAt = Infinity;
        this.timer = undefined;
        this.pump();
      },
      Math.max(0, Math.min(at - Date.now(), 2 ** 31 - 1)),
    );
  }

  private start(task: QueuedTask): void {
    task.running = true;
    this.running.add(task);
    this.stats.maxRunning = Math.max(this.stats.maxRunning, this.running.size);
    const run = this.attempt(task).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async attempt(task: QueuedTask): Promise<void> {
    const scheduled = new Date(task.scheduleTimeMs).toISOString();
    const attempt: Attempt = { scheduleTime: scheduled, dispatchTime: new Date().toISOString() };
    // The headers Cloud Tasks adds to every HTTP target request
    // (https://cloud.google.com/tasks/docs/creating-http-target-tasks#handler).
    const headers: Record<string, string> = {
      ...task.headers,
      'X-CloudTasks-QueueName': this.queueId,
      'X-CloudTasks-TaskName': task.id,
      'X-CloudTasks-TaskRetryCount': String(task.dispatchCount),
      'X-CloudTasks-TaskExecutionCount': String(task.executionCount),
      'X-CloudTasks-TaskETA': String(task.scheduleTimeMs / 1000),
    };
    if (task.previousResponse !== undefined) {
      headers['X-CloudTasks-TaskPreviousResponse'] = String(task.previousResponse);
    }
    if (task.retryReason) headers['X-CloudTasks-TaskRetryReason'] = task.retryReason;
    task.dispatchCount++;
    this.stats.attempts++;
    task.firstAttempt ??= attempt;
    task.lastAttempt = attempt;
    let ok = false;
    try {
      task.url ||= this.target();
      const status = await this.dispatcher(
        task,
        headers,
        AbortSignal.timeout(task.dispatchDeadlineSeconds * 1000),
      );
      attempt.responseStatus = status;
      attempt.responseTime = new Date().toISOString();
      task.responseCount++;
      if (status < 500) task.executionCount++;
      task.previousResponse = status;
      task.retryReason = `HTTP ${status}`;
      ok = status >= 200 && status < 300;
    } catch (err) {
      attempt.error =
        err instanceof Error && err.name === 'TimeoutError'
          ? `dispatch deadline of ${task.dispatchDeadlineSeconds} s exceeded`
          : err instanceof Error
            ? err.message
            : String(err);
      task.retryReason = attempt.error;
    }
    this.running.delete(task);
    task.running = false;
    if (this.closed) return;
    const deleted = this.deletedWhileRunning.delete(task);
    let outcome: TaskOutcome;
    if (ok) {
      outcome = 'succeeded';
      this.stats.succeeded++;
    } else if (
      !deleted &&
      shouldRetry(
        task.dispatchCount,
        Date.parse(task.firstAttempt.dispatchTime),
        Date.now(),
        this.settings.retry,
      )
    ) {
      outcome = 'retrying';
      task.scheduleTimeMs =
        Date.now() + backoffSeconds(task.dispatchCount, this.settings.retry) * 1000;
      this.insert(task);
    } else {
      outcome = 'failed';
      this.stats.failed++;
    }
    this.onAttempt(task, attempt, outcome);
    this.pump();
    this.wakeIdle();
  }

  private wakeIdle(force = false): void {
    if (!force && (this.waiting.length > 0 || this.running.size > 0)) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
