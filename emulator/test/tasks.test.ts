// Cloud Tasks emulator conformance, written from Google's documentation and the SDK sources, not
// from ../src/tasks:
// - firebase-admin's functions-api-client-internal.js: with CLOUD_TASKS_EMULATOR_HOST set,
//   `getFunctions().taskQueue(name).enqueue(data, opts)` POSTs `{task}` to
//   `http://{host}/projects/{p}/locations/{l}/queues/{name}/tasks`; a 409 becomes
//   `functions/task-already-exists`; `delete(id)` ignores a 404.
// - firebase-functions' onDispatchHandler: X-CloudTasks-QueueName / TaskName / TaskRetryCount /
//   TaskExecutionCount / TaskETA / TaskPreviousResponse become the request's fields; a thrown
//   HttpsError answers its status, any other error 500.
// - Cloud Tasks' RetryConfig: maxAttempts counts the first attempt; the interval starts at
//   minBackoff and doubles maxDoublings times, then grows linearly, capped at maxBackoff.
//   RateLimits: maxConcurrentDispatches, maxDispatchesPerSecond. Task headers: "The total number
//   of times that the task has received a response from the handler ... does not include
//   failures due to 5XX error codes" (X-CloudTasks-TaskExecutionCount).
// The suite starts its own emulator and functions host (the fixture runs in this process) and
// points CLOUD_TASKS_EMULATOR_HOST at it for its duration.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getFunctions } from 'firebase-admin/functions';
import { FunctionsHost } from '../src/functions/host';
import { CloudTasksEmulator, type TaskLog } from '../src/tasks/server';
import { backoffSeconds, DEFAULT_RETRY } from '../src/tasks/retryPolicy';
import { seen, type Dispatch } from './fixtures/tasks/index';
import { until } from './until';

const PROJECT = process.env.GCLOUD_PROJECT ?? 'demo-qr-assets';
const FIXTURE = join(__dirname, 'fixtures', 'tasks', 'index.js');

const dispatchesOf = (key: string): Dispatch[] => seen.dispatches.filter((d) => d.data.key === key);

describe('Cloud Tasks emulator (firebase-admin enqueue, onTaskDispatched)', function () {
  this.timeout(60_000);
  let tasks: CloudTasksEmulator;
  let host: FunctionsHost;
  let app: App;
  let origin: string;
  const saved = process.env.CLOUD_TASKS_EMULATOR_HOST;
  const logs: TaskLog[] = [];
  const queue = (name: string) => getFunctions(app).taskQueue(name);

  before(async () => {
    tasks = new CloudTasksEmulator({ logger: (e) => logs.push(e) });
    const port = await tasks.listen('127.0.0.1', 0);
    origin = `http://127.0.0.1:${port}`;
    process.env.CLOUD_TASKS_EMULATOR_HOST = `127.0.0.1:${port}`;
    host = new FunctionsHost({
      projectId: PROJECT,
      source: FIXTURE,
      schedules: false,
      taskQueues: tasks,
      logger: () => undefined,
    });
    await host.listen('127.0.0.1', 0);
    await host.load();
    app = initializeApp({ projectId: PROJECT }, `tasks-test-${randomUUID()}`);
  });

  after(async () => {
    if (app) await deleteApp(app);
    await host?.close();
    await tasks?.close();
    if (saved === undefined) delete process.env.CLOUD_TASKS_EMULATOR_HOST;
    else process.env.CLOUD_TASKS_EMULATOR_HOST = saved;
  });

  it('delivers an enqueued task to its function with the data and the Cloud Tasks fields', async () => {
    const key = randomUUID();
    await queue('plain').enqueue({ key, n: 1, nested: { ok: true } });
    const [d] = await until('the dispatch', () => dispatchesOf(key)[0] && dispatchesOf(key));
    assert.deepEqual(d.data, { key, n: 1, nested: { ok: true } });
    assert.equal(d.queueName, 'plain');
    assert.equal(d.retryCount, 0);
    assert.equal(d.executionCount, 0);
    assert.equal(d.previousResponse, undefined);
    assert.ok(d.id && /^[A-Za-z0-9_-]+$/.test(d.id), `a task id: ${d.id}`);
    assert.ok(d.scheduledTime && Number.isFinite(Number(d.scheduledTime)));
  });

  it('refuses a second task with the same id (task-already-exists) and runs the first once', async () => {
    const key = randomUUID();
    const id = `dedup-${key}`;
    await queue('plain').enqueue({ key, which: 1 }, { id });
    await assert.rejects(queue('plain').enqueue({ key, which: 2 }, { id }), (err: unknown) => {
      assert.equal((err as { code?: string }).code, 'functions/task-already-exists');
      return true;
    });
    await until('the dispatch', () => dispatchesOf(key)[0]);
    await tasks.idle();
    // The name stays taken after the task ran, as Cloud Tasks keeps it for a while.
    await assert.rejects(queue('plain').enqueue({ key, which: 3 }, { id }), /already exists/);
    await tasks.idle();
    assert.deepEqual(
      dispatchesOf(key).map((d) => [d.id, d.data.which]),
      [[id, 1]],
    );
  });

  it('holds a task until scheduleDelaySeconds have passed, listing it meanwhile', async () => {
    const key = randomUUID();
    const id = `delayed-${key}`;
    const before = Date.now();
    await queue('plain').enqueue({ key }, { id, scheduleDelaySeconds: 2 });
    const listed = (await (await fetch(`${origin}/queues`)).json()) as {
      queues: Array<{
        name: string;
        tasks: Array<{ name: string; scheduleTime: string; dispatchCount: number }>;
      }>;
    };
    const plainQueue = listed.queues.find((q) => q.name.endsWith('/queues/plain'));
    const task = plainQueue?.tasks.find((t) => t.name.endsWith(`/tasks/${id}`));
    assert.ok(task, 'the delayed task is listed');
    assert.equal(task.dispatchCount, 0);
    const scheduled = Date.parse(task.scheduleTime);
    assert.ok(scheduled >= before + 1000, `scheduled about 2 s ahead: ${task.scheduleTime}`);
    const d = await until('the delayed dispatch', () => dispatchesOf(key)[0]);
    assert.ok(d.at >= scheduled, 'not dispatched before its scheduleTime');
    // The REST ListTasks method no longer shows it once it ran.
    await tasks.idle();
    const rest = (await (
      await fetch(`${origin}/v2/projects/${PROJECT}/locations/us-central1/queues/plain/tasks`)
    ).json()) as { tasks: Array<{ name: string }> };
    assert.equal(rest.tasks.filter((t) => t.name.endsWith(id)).length, 0);
  });

  it('a deleted task never runs', async () => {
    const key = randomUUID();
    const id = `deleted-${key}`;
    await queue('plain').enqueue({ key }, { id, scheduleDelaySeconds: 1 });
    await queue('plain').delete(id);
    await queue('plain').delete(id); // a second delete of a missing task is ignored (404)
    await new Promise((r) => setTimeout(r, 1500));
    await tasks.idle();
    assert.equal(dispatchesOf(key).length, 0);
  });

  it('retries a failing task with its retryConfig: growing backoff, retry count, previous response', async () => {
    const key = randomUUID();
    await queue('retried').enqueue({ key, fail: 2 });
    const ds = await until('three attempts', () =>
      dispatchesOf(key).length >= 3 ? dispatchesOf(key) : undefined,
    );
    await tasks.idle();
    assert.equal(dispatchesOf(key).length, 3, 'succeeds at the third attempt, then stops');
    assert.deepEqual(
      ds.map((d) => d.retryCount),
      [0, 1, 2],
    );
    // A thrown Error answers 500, which is not counted as an execution.
    assert.deepEqual(
      ds.map((d) => d.previousResponse),
      [undefined, 500, 500],
    );
    assert.deepEqual(
      ds.map((d) => d.executionCount),
      [0, 0, 0],
    );
    // minBackoffSeconds 0.2, doubling: at least 0.2 s, then at least 0.4 s.
    assert.ok(ds[1].at - ds[0].at >= 200, `first wait ${ds[1].at - ds[0].at} ms`);
    assert.ok(ds[2].at - ds[1].at >= 400, `second wait ${ds[2].at - ds[1].at} ms`);
    assert.ok(
      ds.every((d) => d.id === ds[0].id),
      'the same task each time',
    );
  });

  it('stops after maxAttempts attempts in all, the first included', async () => {
    const key = randomUUID();
    await queue('retried').enqueue({ key, fail: 99 });
    await until('four attempts', () => (dispatchesOf(key).length >= 4 ? true : undefined));
    await tasks.idle();
    assert.equal(dispatchesOf(key).length, 4);
    const last = logs.filter((l) => l.task === dispatchesOf(key)[0].id).pop();
    assert.equal(last?.outcome, 'failed');
  });

  it('counts a 4xx answer as an execution (X-CloudTasks-TaskExecutionCount) and retries it', async () => {
    const key = randomUUID();
    await queue('retried').enqueue({ key, fail: 1, code: 'invalid-argument' });
    const ds = await until('two attempts', () =>
      dispatchesOf(key).length >= 2 ? dispatchesOf(key) : undefined,
    );
    assert.deepEqual(
      ds.map((d) => d.previousResponse),
      [undefined, 400],
    );
    assert.deepEqual(
      ds.map((d) => d.executionCount),
      [0, 1],
    );
  });

  it('runs at most rateLimits.maxConcurrentDispatches tasks of a queue at once', async () => {
    seen.maxRunning = 0;
    const key = randomUUID();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => queue('limited').enqueue({ key, i, ms: 150 })),
    );
    await until('eight dispatches', () => (dispatchesOf(key).length === 8 ? true : undefined));
    await tasks.idle();
    assert.equal(seen.maxRunning, 2);
  });

  it('dispatches at most rateLimits.maxDispatchesPerSecond (after a burst of one second)', async () => {
    const key = randomUUID();
    await Promise.all(Array.from({ length: 8 }, (_, i) => queue('paced').enqueue({ key, i })));
    const ds = await until('eight dispatches', () =>
      dispatchesOf(key).length === 8 ? dispatchesOf(key) : undefined,
    );
    const times = ds.map((d) => d.at).sort((a, b) => a - b);
    // 4 a second: a burst of 4, then the other 4 need at least 0.75 s more (one every 250 ms).
    assert.ok(times[7] - times[0] >= 700, `8 dispatches took ${times[7] - times[0]} ms`);
  });

  it('creates each queue from its function: retryConfig and rateLimits, defaults for the rest', async () => {
    const get = async (name: string) =>
      (await (
        await fetch(`${origin}/v2/projects/${PROJECT}/locations/us-central1/queues/${name}`)
      ).json()) as {
        retryConfig: Record<string, unknown>;
        rateLimits: Record<string, unknown>;
      };
    const retried = await get('retried');
    assert.equal(retried.retryConfig.maxAttempts, 4);
    assert.equal(retried.retryConfig.minBackoff, '0.2s');
    assert.equal(retried.retryConfig.maxBackoff, '10s');
    assert.equal(retried.retryConfig.maxDoublings, 2);
    const limited = await get('limited');
    assert.equal(limited.rateLimits.maxConcurrentDispatches, 2);
    const plain = await get('plain');
    assert.equal(plain.retryConfig.maxAttempts, 3);
    assert.equal(plain.rateLimits.maxConcurrentDispatches, 1000);
    assert.equal(plain.rateLimits.maxDispatchesPerSecond, 500);
  });

  it('answers NOT_FOUND for a queue no function serves, and INVALID_ARGUMENT for a bad task', async () => {
    await assert.rejects(queue('noSuchFunction').enqueue({}), (err: unknown) => {
      assert.equal((err as { code?: string }).code, 'functions/not-found');
      return true;
    });
    const url = `${origin}/projects/${PROJECT}/locations/us-central1/queues/plain/tasks`;
    const bad = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        task: {
          name: `projects/${PROJECT}/locations/us-central1/queues/other/tasks/x`,
          httpRequest: {},
        },
      }),
    });
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { status: string } };
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    const notJson = await fetch(url, { method: 'POST', body: '{' });
    assert.equal(notJson.status, 400);
  });

  it("spaces retries as Cloud Tasks' documented example (10 s, 300 s, 3 doublings)", () => {
    const s = { ...DEFAULT_RETRY, minBackoffSeconds: 10, maxBackoffSeconds: 300, maxDoublings: 3 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffSeconds(n, s)),
      [10, 20, 40, 80, 160, 240, 300, 300],
    );
  });
});
