// Cloud Tasks emulator: the part of the Cloud Tasks v2 REST API that firebase-admin's
// `getFunctions().taskQueue(name).enqueue(data, opts)` and `.delete(id)` call when
// CLOUD_TASKS_EMULATOR_HOST is set (functions-api-client-internal.js: POST and DELETE on
// `http://{host}/projects/{p}/locations/{l}/queues/{function}/tasks[/{id}]`, Bearer owner), the
// read methods of that API (get/list tasks and queues), and a local listing of every queue.
//
// Why not firebase-tools' TasksEmulator (lib/emulator/tasksEmulator.js + taskQueue.js)? It
// ignores a task's scheduleTime (so `scheduleDelaySeconds` runs at once), makes maxAttempts + 1
// attempts (it stops only once the attempt number exceeds maxAttempts after a retry), polls its
// queues with a zero-delay timer while any task is queued (a busy loop on a shared machine),
// answers errors as plain text, and lists only per-queue statistics, not the tasks. The queue
// rules it follows are small, so ./queue.ts implements them from Google's documentation; this
// file keeps firebase-tools' routes (queue creation by POST, `/queueStats`) so tools written for
// it work too.
//
// Queues are created by the functions host from each onTaskDispatched function's own
// `retryConfig` and `rateLimits` (createQueue), as `firebase deploy` creates them in production.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpLifecycle } from '../shared/httpLifecycle';
import { sendJson } from '../shared/jsonReply';
import {
  AlreadyExistsError,
  NotFoundError,
  TaskQueue,
  type Attempt,
  type QueuedTask,
  type QueueSettings,
  type TaskOutcome,
} from './queue';
import { rateSettings, retrySettings } from './retryPolicy';

/** firebase-tools' default Cloud Tasks emulator port. */
export const DEFAULT_TASKS_PORT = 9499;

/** Cloud Tasks' default dispatch deadline for HTTP tasks (and its bounds: 15 s to 30 min). */
const DEFAULT_DEADLINE_SECONDS = 600;
const MAX_BODY_BYTES = 1024 * 1024; // Cloud Tasks' task size limit is 1 MiB.
const TASK_ID = /^[A-Za-z0-9_-]{1,500}$/;
const QUEUE_ID = /^[A-Za-z0-9-]{1,100}$/;

export interface TaskLog {
  queue: string;
  task: string;
  attempt: number;
  outcome: TaskOutcome;
  status?: number;
  error?: string;
  nextAttemptInMs?: number;
}

export interface CloudTasksEmulatorOptions {
  /** Where each attempt is reported; default one JSON line on stdout. */
  logger?: (entry: TaskLog) => void;
}

type Status = 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'UNIMPLEMENTED';
const HTTP_OF: Record<Status, number> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  UNIMPLEMENTED: 501,
};

class ApiError extends Error {
  constructor(
    readonly status: Status,
    message: string,
  ) {
    super(message);
  }
}

/** Google's JSON error shape, which firebase-admin's toFirebaseError reads (`error.status`). */
function sendError(res: ServerResponse, err: ApiError): void {
  const code = HTTP_OF[err.status];
  sendJson(res, code, { error: { code, message: err.message, status: err.status } });
}

export class CloudTasksEmulator {
  private readonly http = new HttpLifecycle();
  private readonly queues = new Map<string, TaskQueue>();
  private readonly log: (entry: TaskLog) => void;
  private origin = '';

  constructor(opts: CloudTasksEmulatorOptions = {}) {
    this.log = opts.logger ?? ((e) => process.stdout.write(`${JSON.stringify({ tasks: e })}\n`));
  }

  async listen(host = '127.0.0.1', port = DEFAULT_TASKS_PORT): Promise<number> {
    const bound = await this.http.listen((req, res) => this.handle(req, res), host, port);
    this.origin = `http://${host}:${bound}`;
    return bound;
  }

  /** The URL that lists every queue and its unfinished tasks. */
  get listingUrl(): string {
    return `${this.origin}/queues`;
  }

  /**
   * Creates (or updates) the queue `projects/{p}/locations/{l}/queues/{id}` whose tasks are
   * POSTed to `target()`. `retryConfig` and `rateLimits` are a function's own, missing fields
   * taking firebase-functions' documented defaults.
   */
  createQueue(
    path: string,
    config: { retryConfig?: Record<string, unknown>; rateLimits?: Record<string, unknown> },
    target: () => string,
  ): TaskQueue {
    const settings: QueueSettings = {
      retry: retrySettings(config.retryConfig),
      rate: rateSettings(config.rateLimits),
    };
    const existing = this.queues.get(path);
    if (existing) {
      existing.settings = settings;
      existing.target = target;
      return existing;
    }
    const queue = new TaskQueue(path, settings, target, (task, attempt, outcome) =>
      this.report(queue, task, attempt, outcome),
    );
    this.queues.set(path, queue);
    return queue;
  }

  queue(path: string): TaskQueue | undefined {
    return this.queues.get(path);
  }

  /** Resolves when no queue has a task waiting or running. */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.idle()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.http.close();
  }

  private report(queue: TaskQueue, task: QueuedTask, attempt: Attempt, outcome: TaskOutcome): void {
    this.log({
      queue: queue.queueId,
      task: task.id,
      attempt: task.dispatchCount,
      outcome,
      status: attempt.responseStatus,
      error: attempt.error,
      nextAttemptInMs: outcome === 'retrying' ? task.scheduleTimeMs - Date.now() : undefined,
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    readBody(req).then(
      (body) => {
        try {
          this.route(req, res, body);
        } catch (err) {
          if (err instanceof ApiError) sendError(res, err);
          else
            sendJson(res, 500, { error: { code: 500, message: String(err), status: 'INTERNAL' } });
        }
      },
      (err: Error) => sendError(res, new ApiError('INVALID_ARGUMENT', err.message)),
    );
  }

  private route(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // The REST API's paths, with or without its `/v2` version prefix (firebase-admin omits it).
    const path = url.pathname.replace(/^\/v2(?=\/)/, '');
    const method = req.method ?? 'GET';
    if (method === 'GET' && (path === '/queues' || path === '/')) {
      return sendJson(res, 200, {
        queues: [...this.queues.values()].map((q) => this.queueJson(q, true)),
      });
    }
    if (method === 'GET' && path === '/queueStats') {
      return sendJson(
        res,
        200,
        Object.fromEntries([...this.queues].map(([p, q]) => [p, statsOf(q)])),
      );
    }
    const m =
      /^\/(projects\/[^/]+\/locations\/[^/]+)\/queues(?:\/([^/]+)(?:\/tasks(?:\/([^/]+))?)?)?$/.exec(
        path,
      );
    if (!m) throw new ApiError('NOT_FOUND', `No such method: ${method} ${path}`);
    const [, parent, queueId, taskId] = m;
    const hasTasks = path.includes('/tasks');
    if (!queueId) {
      if (method !== 'GET') throw new ApiError('UNIMPLEMENTED', `${method} ${path}`);
      const queues = [...this.queues.values()].filter((q) => q.path.startsWith(`${parent}/`));
      return sendJson(res, 200, { queues: queues.map((q) => this.queueJson(q, false)) });
    }
    const queuePath = `${parent}/queues/${queueId}`;
    if (!hasTasks) {
      if (method === 'POST') return this.createQueueByRequest(res, queuePath, queueId, body);
      if (method !== 'GET') throw new ApiError('UNIMPLEMENTED', `${method} ${path}`);
      return sendJson(res, 200, this.queueJson(this.mustQueue(queuePath), false));
    }
    const queue = this.mustQueue(queuePath);
    if (taskId === undefined) {
      if (method === 'POST') return this.createTask(res, queue, body);
      if (method === 'GET') {
        return sendJson(res, 200, { tasks: queue.list().map((t) => taskJson(t)) });
      }
      throw new ApiError('UNIMPLEMENTED', `${method} ${path}`);
    }
    const name = `${queuePath}/tasks/${taskId}`;
    if (method === 'GET') {
      const task = queue.get(name);
      if (!task) throw new ApiError('NOT_FOUND', `Task ${name} does not exist`);
      return sendJson(res, 200, taskJson(task));
    }
    if (method === 'DELETE') {
      try {
        queue.delete(name);
      } catch (err) {
        if (err instanceof NotFoundError) throw new ApiError('NOT_FOUND', err.message);
        throw err;
      }
      return sendJson(res, 200, {});
    }
    throw new ApiError('UNIMPLEMENTED', `${method} ${path}`);
  }

  private mustQueue(path: string): TaskQueue {
    const queue = this.queues.get(path);
    if (!queue) {
      throw new ApiError(
        'NOT_FOUND',
        `Queue ${path} does not exist (no task queue function of that name is loaded)`,
      );
    }
    return queue;
  }

  /** firebase-tools' route: `{retryConfig, rateLimits, defaultUri}` creates a queue. */
  private createQueueByRequest(res: ServerResponse, path: string, id: string, body: Buffer): void {
    if (!QUEUE_ID.test(id)) {
      throw new ApiError(
        'INVALID_ARGUMENT',
        'Queue ID can contain only letters, numbers or hyphens (1-100)',
      );
    }
    const json = parseJson(body);
    const defaultUri = typeof json.defaultUri === 'string' ? json.defaultUri : '';
    const queue = this.createQueue(path, asConfig(json), () => defaultUri);
    sendJson(res, 200, this.queueJson(queue, false));
  }

  /** CreateTask: `{task: {name?, scheduleTime?, dispatchDeadline?, httpRequest: {...}}}`. */
  private createTask(res: ServerResponse, queue: TaskQueue, body: Buffer): void {
    const json = parseJson(body);
    const task = record(json.task);
    if (!task) throw new ApiError('INVALID_ARGUMENT', 'task is required');
    const http = record(task.httpRequest);
    if (!http)
      throw new ApiError(
        'INVALID_ARGUMENT',
        'task.httpRequest is required (HTTP target tasks only)',
      );
    let name: string;
    let id: string;
    if (task.name === undefined || task.name === '') {
      id = randomTaskId();
      name = `${queue.path}/tasks/${id}`;
    } else {
      if (typeof task.name !== 'string')
        throw new ApiError('INVALID_ARGUMENT', 'task.name must be a string');
      name = task.name.replace(/^\//, '');
      id = name.slice(name.lastIndexOf('/') + 1);
      if (!name.startsWith(`${queue.path}/tasks/`) || !TASK_ID.test(id)) {
        throw new ApiError(
          'INVALID_ARGUMENT',
          `task.name must be ${queue.path}/tasks/{id}, the id of letters, numbers, hyphens or underscores (at most 500)`,
        );
      }
    }
    const now = Date.now();
    let scheduleTimeMs = now;
    if (task.scheduleTime !== undefined) {
      const t = typeof task.scheduleTime === 'string' ? Date.parse(task.scheduleTime) : NaN;
      if (!Number.isFinite(t))
        throw new ApiError('INVALID_ARGUMENT', 'task.scheduleTime must be an RFC 3339 timestamp');
      scheduleTimeMs = Math.max(now, t);
    }
    let deadline = DEFAULT_DEADLINE_SECONDS;
    if (task.dispatchDeadline !== undefined) {
      const d =
        typeof task.dispatchDeadline === 'string'
          ? /^(\d+(?:\.\d+)?)s$/.exec(task.dispatchDeadline)
          : null;
      const secs = d ? Number(d[1]) : NaN;
      if (!(secs >= 15 && secs <= 1800)) {
        throw new ApiError(
          'INVALID_ARGUMENT',
          'task.dispatchDeadline must be between "15s" and "1800s"',
        );
      }
      deadline = secs;
    }
    const bodyB64 = http.body === undefined ? '' : http.body;
    if (typeof bodyB64 !== 'string')
      throw new ApiError('INVALID_ARGUMENT', 'httpRequest.body must be base64');
    const payload = Buffer.from(bodyB64, 'base64');
    if (payload.length > MAX_BODY_BYTES)
      throw new ApiError('INVALID_ARGUMENT', 'Task size exceeds 1 MiB');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(record(http.headers) ?? {})) {
      if (typeof v === 'string') headers[k] = v;
    }
    if (http.url !== undefined && typeof http.url !== 'string') {
      throw new ApiError('INVALID_ARGUMENT', 'httpRequest.url must be a string');
    }
    try {
      const queued = queue.add({
        name,
        id,
        scheduleTimeMs,
        createTime: new Date(now).toISOString(),
        dispatchDeadlineSeconds: deadline,
        // Empty: the queue's function (firebase-admin leaves it empty for the emulator).
        url: typeof http.url === 'string' ? http.url : '',
        headers,
        body: payload,
      });
      sendJson(res, 200, taskJson(queued));
    } catch (err) {
      if (err instanceof AlreadyExistsError) throw new ApiError('ALREADY_EXISTS', err.message);
      throw err;
    }
  }

  private queueJson(queue: TaskQueue, withTasks: boolean): Record<string, unknown> {
    const { retry, rate } = queue.settings;
    return {
      name: queue.path,
      state: 'RUNNING',
      rateLimits: { ...rate, maxBurstSize: Math.max(1, Math.ceil(rate.maxDispatchesPerSecond)) },
      retryConfig: {
        maxAttempts: retry.maxAttempts,
        maxRetryDuration: `${retry.maxRetrySeconds}s`,
        minBackoff: `${retry.minBackoffSeconds}s`,
        maxBackoff: `${retry.maxBackoffSeconds}s`,
        maxDoublings: retry.maxDoublings,
      },
      stats: statsOf(queue),
      ...(withTasks ? { tasks: queue.list().map((t) => taskJson(t)) } : {}),
    };
  }
}

function statsOf(queue: TaskQueue): Record<string, number> {
  const tasks = queue.list();
  return {
    tasksCount: tasks.length,
    runningTasks: queue.runningCount,
    succeededTasks: queue.stats.succeeded,
    failedTasks: queue.stats.failed,
    attempts: queue.stats.attempts,
    maxConcurrentDispatchesSeen: queue.stats.maxRunning,
  };
}

/** A task as the REST API's Task resource (BASIC view) shows it, plus `running`. */
function taskJson(t: QueuedTask): Record<string, unknown> {
  return {
    name: t.name,
    scheduleTime: new Date(t.scheduleTimeMs).toISOString(),
    createTime: t.createTime,
    dispatchDeadline: `${t.dispatchDeadlineSeconds}s`,
    dispatchCount: t.dispatchCount,
    responseCount: t.responseCount,
    firstAttempt: t.firstAttempt,
    lastAttempt: t.lastAttempt,
    view: 'BASIC',
    httpRequest: { url: t.url, httpMethod: 'POST' },
    running: t.running,
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 2 * MAX_BODY_BYTES) {
        reject(new Error('request too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError('INVALID_ARGUMENT', 'The request body is not JSON');
  }
  const r = record(v);
  if (!r) throw new ApiError('INVALID_ARGUMENT', 'The request body must be a JSON object');
  return r;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function asConfig(json: Record<string, unknown>) {
  return { retryConfig: record(json.retryConfig), rateLimits: record(json.rateLimits) };
}

/** Cloud Tasks names tasks without an id with a long decimal number. */
function randomTaskId(): string {
  return `${Date.now()}${Math.floor(Math.random() * 1e9)}`;
}
