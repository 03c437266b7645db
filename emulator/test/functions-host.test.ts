// The functions host through its real surfaces: HTTP (fetch) for HTTPS functions, schedules and
// the listing, and CommitEvents (the Firestore server's contract) for document triggers.

import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommitEvent, JsonDocument, JsonValue } from '../src/firestore/events';
import { FunctionsHost } from '../src/functions/host';
import type { InvocationLog } from '../src/functions/log';
import { resetState, state } from './fixtures/functions-host/state';

const PROJECT = process.env.GCLOUD_PROJECT ?? 'demo-qr-assets';
const FIXTURE = join(__dirname, 'fixtures', 'functions-host', 'index.js');

async function until<T>(what: string, probe: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function name(path: string, project = PROJECT, db = '(default)'): string {
  return `projects/${project}/databases/${db}/documents/${path}`;
}

function doc(path: string, fields: Record<string, JsonValue>, time: string): JsonDocument {
  return { name: name(path), fields, createTime: time, updateTime: time };
}

function commit(
  changes: CommitEvent['changes'],
  projectId = PROJECT,
  databaseId = '(default)',
): CommitEvent {
  return { projectId, databaseId, commitTime: new Date().toISOString(), changes };
}

describe('functions host', () => {
  let dir: string;
  let host: FunctionsHost;
  let base: string;
  const logs: InvocationLog[] = [];

  before(async () => {
    // A functions package dir as the CLI sees one: package.json main plus .env files.
    dir = mkdtempSync(join(tmpdir(), 'functions-host-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ main: FIXTURE }));
    writeFileSync(
      join(dir, '.env'),
      'FIXTURE_FROM_ENV="from dotenv" # comment\nFIXTURE_FROM_LOCAL=base\n',
    );
    writeFileSync(join(dir, '.env.local'), 'FIXTURE_FROM_LOCAL=from-local\n');
    host = new FunctionsHost({
      projectId: PROJECT,
      source: dir,
      env: { FIXTURE_FACTOR: '7' },
      retry: { initialBackoffMs: 20, maxBackoffMs: 80, maxAttempts: 5 },
      logger: (e) => logs.push(e),
    });
    await host.load();
    const port = await host.listen('127.0.0.1', 0);
    base = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    resetState();
    logs.length = 0;
  });

  it('discovers every exported function with its kind, groups named group-fn', () => {
    const kinds = Object.fromEntries(host.functions().map((f) => [f.name, f.kind]));
    assert.deepEqual(kinds, {
      'admin-ping': 'https',
      assetCreated: 'firestore',
      assetDeleted: 'firestore',
      assetEventWritten: 'firestore',
      assetUpdated: 'firestore',
      broken: 'https',
      deepWritten: 'firestore',
      echoCall: 'callable',
      euHello: 'https',
      every5: 'schedule',
      failingJob: 'schedule',
      flaky: 'firestore',
      hangs: 'firestore',
      hello: 'https',
      mirror: 'firestore',
      noRetry: 'firestore',
      slowRequest: 'https',
      withAuth: 'firestore',
    });
  });

  it('serves onRequest at /{project}/{region}/{name}/..., the function seeing the rest of the path', async () => {
    const res = await fetch(`${base}/${PROJECT}/us-central1/hello/sub/path?x=1`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.path, '/sub/path');
    assert.equal(body.url, '/sub/path?x=1');
    assert.deepEqual(body.query, { x: '1' });
    assert.equal(host.url('hello'), `${base}/${PROJECT}/us-central1/hello`);
  });

  it('resolves params (default, env option) and .env files (.env.local wins)', async () => {
    const body = (await (await fetch(host.url('hello'))).json()) as Record<string, unknown>;
    assert.equal(body.path, '/');
    assert.equal(body.greeting, 'hello');
    assert.equal(body.factor, 7);
    assert.equal(body.fromEnv, 'from dotenv');
    assert.equal(body.fromLocal, 'from-local');
  });

  it('parses bodies as the Cloud Functions runtime does, rawBody included', async () => {
    const json = await fetch(host.url('hello'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 1 }),
    });
    const j = (await json.json()) as Record<string, unknown>;
    assert.deepEqual(j.body, { a: 1 });
    assert.equal(j.rawLength, 7);
    const bin = await fetch(host.url('hello'), {
      method: 'PUT',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: new Uint8Array(100),
    });
    const b = (await bin.json()) as Record<string, unknown>;
    assert.equal(b.method, 'PUT');
    assert.equal(b.rawLength, 100);
  });

  it('serves functions in their own region, group functions by group-name', async () => {
    const eu = await fetch(`${base}/${PROJECT}/europe-west1/euHello`);
    assert.equal(eu.status, 201);
    assert.equal(await eu.text(), 'bonjour');
    const ping = await fetch(`${base}/${PROJECT}/us-central1/admin-ping`);
    assert.equal(await ping.text(), 'pong');
  });

  it('serves onCall functions with the callable protocol', async () => {
    const res = await fetch(host.url('echoCall'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: { n: 1, s: 'x' } }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { result: { echo: { n: 1, s: 'x' } } });
  });

  it('answers 404 JSON for unknown functions, other projects, wrong regions and non-HTTP functions', async () => {
    for (const path of [
      `/${PROJECT}/us-central1/nope`,
      `/demo-other/us-central1/hello`,
      `/${PROJECT}/us-central1/euHello`,
      `/${PROJECT}/us-central1/assetCreated`,
      `/nothing`,
    ]) {
      const res = await fetch(base + path);
      assert.equal(res.status, 404, path);
      const body = (await res.json()) as { error: { code: number } };
      assert.equal(body.error.code, 404);
    }
  });

  it('turns a throwing function into a 500 and logs the invocation with its outcome', async () => {
    const res = await fetch(host.url('broken'));
    assert.equal(res.status, 500);
    await res.text();
    const ok = await fetch(host.url('hello'));
    await ok.text();
    const broken = await until('log of broken', () => logs.find((l) => l.function === 'broken'));
    assert.equal(broken.outcome, 'error');
    assert.equal(broken.status, 500);
    const hello = await until('log of hello', () => logs.find((l) => l.function === 'hello'));
    assert.equal(hello.outcome, 'ok');
    assert.equal(hello.trigger, 'https');
    assert.equal(typeof hello.durationMs, 'number');
  });

  it('answers 504 when an HTTPS function outlives its timeoutSeconds, and logs a timeout', async () => {
    const started = Date.now();
    const res = await fetch(host.url('slowRequest'), { signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 504);
    await res.text();
    assert.ok(Date.now() - started >= 1000, 'answered before the timeout');
    const log = await until('log of slowRequest', () =>
      logs.find((l) => l.function === 'slowRequest'),
    );
    assert.equal(log.outcome, 'timeout');
    assert.equal(log.status, 504);
  });

  it('lists the loaded functions at GET /_functions', async () => {
    const res = await fetch(`${base}/_functions`);
    const body = (await res.json()) as {
      projectId: string;
      functions: Array<Record<string, unknown>>;
    };
    assert.equal(body.projectId, PROJECT);
    const flaky = body.functions.find((f) => f.name === 'flaky');
    assert.equal(flaky?.retry, true);
    assert.equal(flaky?.document, 'hostFlaky/{id}');
    assert.equal(flaky?.eventType, 'google.cloud.firestore.document.v1.created');
    const every5 = body.functions.find((f) => f.name === 'every5');
    assert.equal(every5?.schedule, 'every 5 minutes');
    assert.equal(every5?.timeZone, 'Europe/Berlin');
    const next = Date.parse(String(every5?.nextRun));
    assert.ok(next > Date.now() && next <= Date.now() + 5 * 60_000, String(every5?.nextRun));
    assert.equal(next % 300_000, 0);
    assert.equal(every5?.runUrl, `${base}/_schedules/every5/run`);
  });

  it('fires created / updated / deleted triggers with params and working snapshots', async () => {
    const t1 = '2026-01-01T00:00:00.000001Z';
    const t2 = '2026-01-01T00:00:01.000002Z';
    const v1 = doc(
      'hostAssets/a1',
      { label: { stringValue: 'one' }, n: { integerValue: '1' } },
      t1,
    );
    const v2 = {
      ...doc('hostAssets/a1', { label: { stringValue: 'two' }, n: { integerValue: '1' } }, t2),
      createTime: t1,
    };
    host.handleCommit(commit([{ name: v1.name, after: v1 }]));
    // Fired asynchronously: nothing ran yet when handleCommit returns.
    assert.equal(state.events.length, 0);
    const created = await until('created', () =>
      state.events.find((e) => e.function === 'assetCreated'),
    );
    assert.deepEqual(created.params, { assetId: 'a1' });
    assert.deepEqual(created.after, { label: 'one', n: 1 });
    assert.equal(created.type, 'google.cloud.firestore.document.v1.created');

    host.handleCommit(commit([{ name: v1.name, before: v1, after: v2 }]));
    const updated = await until('updated', () =>
      state.events.find((e) => e.function === 'assetUpdated'),
    );
    assert.deepEqual(updated.before, { label: 'one', n: 1 });
    assert.deepEqual(updated.after, { label: 'two', n: 1 });

    host.handleCommit(commit([{ name: v1.name, before: v2 }]));
    const deleted = await until('deleted', () =>
      state.events.find((e) => e.function === 'assetDeleted'),
    );
    assert.deepEqual(deleted.before, { label: 'two', n: 1 });
    assert.deepEqual(deleted.params, { assetId: 'a1' });
    await host.idle();
    // Each trigger fired once per matching change, and nothing else matched hostAssets/a1.
    assert.deepEqual(
      state.events.map((e) => e.function),
      ['assetCreated', 'assetUpdated', 'assetDeleted'],
    );
    const log = logs.find((l) => l.function === 'assetCreated');
    assert.equal(log?.outcome, 'ok');
    assert.equal(log?.document, 'hostAssets/a1');
  });

  it('matches {param} segments, {param=**} multi-segment patterns and every change of a commit', async () => {
    const t = new Date().toISOString();
    const e1 = doc('hostAssets/a2/events/e1', { kind: { stringValue: 'scan' } }, t);
    const d1 = doc('hostDeep/x/y/z', { deep: { booleanValue: true } }, t);
    const miss = doc('hostAssets/a2/other/e1', {}, t);
    host.handleCommit(
      commit([
        { name: e1.name, after: e1 },
        { name: d1.name, after: d1 },
        { name: miss.name, after: miss },
      ]),
    );
    await host.idle();
    const written = state.events.find((e) => e.function === 'assetEventWritten');
    assert.deepEqual(written?.params, { assetId: 'a2', eventId: 'e1' });
    assert.equal(written?.before, null);
    assert.deepEqual(written?.after, { kind: 'scan' });
    const deep = state.events.find((e) => e.function === 'deepWritten');
    assert.deepEqual(deep?.params, { rest: 'x/y/z' });
    assert.deepEqual(deep?.after, { deep: true });
    assert.equal(state.events.length, 2);
  });

  it('fires the withAuthContext variants', async () => {
    const d = doc('hostAuth/u1', { a: { nullValue: null } }, new Date().toISOString());
    host.handleCommit(commit([{ name: d.name, after: d }]));
    await host.idle();
    assert.equal(
      state.events[0]?.type,
      'google.cloud.firestore.document.v1.created.withAuthContext unknown',
    );
    assert.deepEqual(state.events[0]?.after, { a: null });
  });

  it('ignores other projects and other databases', async () => {
    const t = new Date().toISOString();
    const other = { ...doc('hostAssets/a3', {}, t), name: name('hostAssets/a3', 'demo-other') };
    host.handleCommit(commit([{ name: other.name, after: other }], 'demo-other'));
    const otherDb = {
      ...doc('hostAssets/a3', {}, t),
      name: name('hostAssets/a3', PROJECT, 'second'),
    };
    host.handleCommit(commit([{ name: otherDb.name, after: otherDb }], PROJECT, 'second'));
    await host.idle();
    assert.equal(state.events.length, 0);
  });

  it('retries a retry:true function with backoff until it succeeds, keeping the event id', async () => {
    const d = doc('hostFlaky/f1', {}, new Date().toISOString());
    host.handleCommit(commit([{ name: d.name, after: d }]));
    await until('flaky done', () => state.flakyDone.includes('f1'));
    await host.idle();
    assert.equal(state.flakyAttempts.f1, 3);
    const flakyLogs = logs.filter((l) => l.function === 'flaky');
    assert.deepEqual(
      flakyLogs.map((l) => [l.attempt, l.outcome]),
      [
        [1, 'retrying'],
        [2, 'retrying'],
        [3, 'ok'],
      ],
    );
    assert.deepEqual(
      flakyLogs.map((l) => l.nextAttemptInMs),
      [20, 40, undefined],
    );
    assert.equal(new Set(flakyLogs.map((l) => l.eventId)).size, 1);
  });

  it('calls a failing function without retry once and logs the error', async () => {
    const d = doc('hostNoRetry/n1', {}, new Date().toISOString());
    host.handleCommit(commit([{ name: d.name, after: d }]));
    await host.idle();
    assert.equal(state.noRetryAttempts, 1);
    const log = logs.find((l) => l.function === 'noRetry');
    assert.equal(log?.outcome, 'error');
    assert.equal(log?.error, 'fails on purpose');
  });

  it('gives up on an event function after its timeoutSeconds', async () => {
    const d = doc('hostHangs/h1', {}, new Date().toISOString());
    const started = Date.now();
    host.handleCommit(commit([{ name: d.name, after: d }]));
    await host.idle();
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 950 && elapsed < 3000, `${elapsed} ms`);
    const log = logs.find((l) => l.function === 'hangs');
    assert.equal(log?.outcome, 'timeout');
    assert.match(log?.error ?? '', /timed out after 1000 ms/);
  });

  it('runs a schedule on demand with POST /_schedules/{name}/run and reports the outcome', async () => {
    const res = await fetch(`${base}/_schedules/every5/run`, { method: 'POST' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.function, 'every5');
    assert.equal(body.outcome, 'ok');
    assert.equal(state.scheduleRuns.length, 1);
    assert.ok(Math.abs(Date.parse(state.scheduleRuns[0]) - Date.now()) < 10_000);

    const failing = await fetch(`${base}/_schedules/failingJob/run`, { method: 'POST' });
    assert.equal(failing.status, 500);
    assert.equal(((await failing.json()) as Record<string, unknown>).outcome, 'error');

    const unknown = await fetch(`${base}/_schedules/hello/run`, { method: 'POST' });
    assert.equal(unknown.status, 404);
    await unknown.text();

    await host.runSchedule('every5');
    assert.equal(state.scheduleRuns.length, 2);
    await assert.rejects(host.runSchedule('failingJob'), /failingJob failed/);
    const log = logs.find((l) => l.function === 'every5');
    assert.equal(log?.trigger, 'schedule');
    assert.equal(log?.outcome, 'ok');
  });
});

describe('functions host schedule timers', () => {
  it('runs onSchedule functions on their schedule', async () => {
    const source = join(__dirname, 'fixtures', 'functions-host', 'ticking.js');
    const logs: InvocationLog[] = [];
    const host = new FunctionsHost({ projectId: PROJECT, source, logger: (e) => logs.push(e) });
    const load = module.require.bind(module) as (id: string) => { ticks: string[] };
    const { ticks } = load(source);
    await host.load();
    await until('two scheduled runs', () => ticks.length >= 2, 5000);
    await host.close();
    // Each run got its own whole-second schedule time.
    assert.equal(new Set(ticks).size, ticks.length);
    assert.ok(
      ticks.every((t) => /\.000Z$/.test(t)),
      ticks.join(),
    );
    assert.ok(logs.every((l) => l.trigger === 'schedule' && l.outcome === 'ok'));
  });
});

describe('functions host close()', () => {
  it('stops the server, schedules and pending retries', async () => {
    const host = new FunctionsHost({
      projectId: PROJECT,
      source: FIXTURE,
      retry: { initialBackoffMs: 60_000 },
      logger: () => undefined,
    });
    await host.load();
    const port = await host.listen('127.0.0.1', 0);
    resetState();
    const d = doc('hostFlaky/close1', {}, new Date().toISOString());
    host.handleCommit(commit([{ name: d.name, after: d }]));
    await until('first attempt', () => state.flakyAttempts.close1 === 1);
    const started = Date.now();
    await host.close();
    assert.ok(Date.now() - started < 2000, 'close did not wait for the queued retry');
    await host.idle();
    await assert.rejects(fetch(`http://127.0.0.1:${port}/_functions`));
    assert.equal(state.flakyAttempts.close1, 1);
  });
});

describe('functions host and errors that escape a function', () => {
  it('keeps serving after a floating rejection and a throw from a timer, and reports them', async function () {
    this.timeout(30_000);
    // In a child process: if such an error ended the process, that is what the test must see.
    const runner = join(__dirname, 'fixtures', 'functions-host', 'escaping-runner.js');
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(process.execPath, [runner], { timeout: 20_000 }, (_err, out, err) =>
        resolve({ code: child.exitCode, stdout: out, stderr: err }),
      );
    });
    assert.equal(code, 0, `the runner exited with ${String(code)}: ${stderr}`);
    assert.equal(stdout.trim(), 'pong 0 survived');
    assert.match(stderr, /a rejection nobody awaited/);
    assert.match(stderr, /a throw from a timer/);
  });
});
