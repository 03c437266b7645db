// FunctionsHost: runs a built Cloud Functions (firebase-functions v2) module in-process, the way
// the Firebase emulator would: HTTPS functions at the emulator's URLs, Firestore document
// triggers fired from our Firestore server's commits, and onSchedule functions on their schedule.
//
// Why not firebase-tools' own functions emulator (lib/emulator/functionsEmulator.js)? It runs
// without Java and serves onRequest functions, but for everything else it leans on the other
// (Java) emulators or lacks what we need:
// - Firestore triggers: it only registers them when firebase-tools' in-process EmulatorRegistry
//   holds a running FIRESTORE emulator instance, then POSTs each v2 trigger to that emulator's
//   `/emulator/v1/projects/{p}/eventarcTrigger?eventarcTriggerId={key}` (v1 ones: PUT
//   `/emulator/v1/projects/{p}/triggers/{key}`); the Java Firestore emulator does the path
//   matching and POSTs CloudEvents back to `/functions/projects/{p}/triggers/{key}` (or to
//   `/functions/projects/{p}/trigger_multicast`). Reusing it would mean faking firebase-tools'
//   private registry objects and adding that HTTP registration API, the pattern matching and the
//   CloudEvent encoding to our Firestore server anyway, i.e. the same code as here plus a protocol.
// - Retry: it delivers an event once; a failed invocation is logged and never retried, so the
//   `retry: true` option could not be honoured.
// - Schedules: it maps onSchedule to the Pub/Sub topic `firebase-schedule-{name}` and only when
//   the (Java) Pub/Sub emulator runs; it never runs a schedule by itself.
// - It spawns worker processes, checks the requested Node version (firebase.json's nodejs22; we
//   run 20) and sets up credentials: a lot of machinery for the one part (HTTPS) that would be
//   reused.
// Our Firestore server is in the same process and offers onCommit(listener) with proto3-JSON
// documents (../firestore/events.ts), so an in-process host needs no wire protocol at all: it
// matches each change against the triggers' path patterns and calls the function with the JSON
// CloudEvent firebase-functions decodes. That is smaller, and it can honour retry and schedules.

import { createRequire } from 'node:module';
import { discoverFunctions, isHttpKind, type FunctionDef, type FunctionKind } from './discovery';
import { Deliverer, DEFAULT_RETRY_POLICY, invokeWithTimeout, type RetryPolicy } from './delivery';
import { applyParamDefaults, EnvOverlay, isRecord, loadEnvFiles, resolveSource } from './env';
import {
  buildFirestoreEvent,
  kindsOf,
  parseFirestoreEventType,
  type DocumentEventKind,
} from './firestoreEvents';
import { createApp, type ScheduleOutcome } from './http';
import { errorMessage, stdoutLogger, type InvocationLogger } from './log';
import { compilePathPattern, parseDocumentName, type PathMatcher } from './pathPattern';
import { parseSchedule, type Schedule } from './schedule';
import { buildStorageEvent, storageEventType } from './storageEvents';
import { firebaseConfigJson } from '../config';
import type { CommitEvent } from '../firestore/events';
import { HttpLifecycle } from '../shared/httpLifecycle';

export interface FunctionsHostOptions {
  projectId: string;
  /** Region of functions that do not set one. Default us-central1. */
  region?: string;
  /**
   * The functions package directory (its package.json `main` is loaded) or a built .js file.
   * Absent: the host serves no functions (a project whose firebase.json has no `functions`).
   */
  source?: string;
  /** Environment for the functions; wins over the package's .env files. */
  env?: Record<string, string>;
  /** Backoff of retried event deliveries; tests shorten it. */
  retry?: Partial<RetryPolicy>;
  /** Run onSchedule functions on their schedules (default true); on demand always works. */
  schedules?: boolean;
  /** Where invocation lines go; default one JSON line each on stdout. */
  logger?: InvocationLogger;
  /**
   * The Cloud Tasks emulator: each onTaskDispatched function gets its queue there, with its own
   * retryConfig and rateLimits, as `firebase deploy` creates it. Absent: task queue functions
   * are only served at their URL.
   */
  taskQueues?: TaskQueueRegistry;
}

/** What the host needs of a Cloud Tasks emulator (../tasks/server.ts). */
export interface TaskQueueRegistry {
  createQueue(
    path: string,
    config: { retryConfig?: Record<string, unknown>; rateLimits?: Record<string, unknown> },
    target: () => string,
  ): unknown;
}

interface FirestoreTrigger {
  def: FunctionDef;
  matches: PathMatcher;
  kind: DocumentEventKind;
}

interface ScheduledJob {
  def: FunctionDef;
  schedule: Schedule;
  timer?: NodeJS.Timeout;
  nextRun?: Date;
}

// setTimeout's limit; longer waits are taken in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class FunctionsHost {
  readonly projectId: string;
  readonly region: string;
  private readonly log: InvocationLogger;
  private readonly overlay = new EnvOverlay();
  private readonly deliverer: Deliverer;
  private defs: FunctionDef[] = [];
  private byName = new Map<string, FunctionDef>();
  private triggers: FirestoreTrigger[] = [];
  private jobs = new Map<string, ScheduledJob>();
  private readonly http = new HttpLifecycle();
  private origin?: string;
  private closed = false;

  /**
   * Functions run in this process, next to the emulators. An error that escapes a function (a
   * rejected promise nobody awaited, a throw from a timer) crashes only that function's instance
   * in production, and only a worker process in the Firebase emulator; here Node would end the
   * whole stack. While the host is loaded such errors are reported instead.
   */
  private readonly onEscapedError = (err: unknown): void => {
    const detail = err instanceof Error && err.stack ? err.stack : errorMessage(err);
    process.stderr.write(
      `functions: an error escaped a function (in production it would crash its instance): ${detail}\n`,
    );
  };

  constructor(private readonly opts: FunctionsHostOptions) {
    this.projectId = opts.projectId;
    this.region = opts.region ?? 'us-central1';
    this.log = opts.logger ?? stdoutLogger;
    this.deliverer = new Deliverer({ ...DEFAULT_RETRY_POLICY, ...opts.retry }, this.log);
  }

  /** Sets up the functions' environment, requires the module and discovers its functions. */
  async load(): Promise<void> {
    if (this.opts.source === undefined) return;
    const { packageDir, mainFile } = resolveSource(this.opts.source);
    // What the emulator gives every function; kept if the process already has them.
    this.overlay.setIfAbsent('GCLOUD_PROJECT', this.projectId);
    this.overlay.setIfAbsent('FIREBASE_CONFIG', firebaseConfigJson(this.projectId));
    this.overlay.setIfAbsent('FUNCTIONS_EMULATOR', 'true');
    const fileEnv = loadEnvFiles(packageDir, this.projectId);
    for (const [k, v] of Object.entries({ ...fileEnv, ...this.opts.env })) this.overlay.set(k, v);

    // Required from the module's own location so it gets its own firebase-functions copy.
    const load = createRequire(mainFile);
    const moduleExports: unknown = load(mainFile);
    const missing = applyParamDefaults(declaredParamsOf(load), this.overlay);
    for (const name of missing) {
      process.stderr.write(`functions: param ${name} has no value and no default\n`);
    }

    this.defs = discoverFunctions(moduleExports, this.region);
    this.byName = new Map(this.defs.map((d) => [d.name, d]));
    this.triggers = this.defs.flatMap((def) => {
      const parsed = def.eventType ? parseFirestoreEventType(def.eventType) : undefined;
      if (def.kind !== 'firestore' || !parsed || !def.document) return [];
      return [{ def, matches: compilePathPattern(def.document), kind: parsed.kind }];
    });
    for (const def of this.defs) {
      if (def.kind !== 'task') continue;
      // The queue is named after the function, in its region (what firebase-admin's
      // taskQueue(name) addresses); tasks are POSTed to the function's URL.
      const path = `projects/${this.projectId}/locations/${def.region}/queues/${def.name}`;
      this.opts.taskQueues?.createQueue(path, def.taskQueue ?? {}, () => this.url(def.name));
    }
    for (const def of this.defs) {
      if (def.kind !== 'schedule') continue;
      try {
        const schedule = parseSchedule(def.schedule ?? '', def.timeZone);
        const job: ScheduledJob = { def, schedule };
        this.jobs.set(def.name, job);
        if (this.opts.schedules !== false) this.arm(job);
      } catch (err) {
        process.stderr.write(`functions: ${def.name}: ${errorMessage(err)}; runs on demand only\n`);
        this.jobs.set(def.name, { def, schedule: { next: () => new Date(NaN) } });
      }
    }
    process.on('unhandledRejection', this.onEscapedError);
    process.on('uncaughtException', this.onEscapedError);
  }

  /** Serves the functions; returns the port actually bound (pass 0 for a free one). */
  async listen(host = '127.0.0.1', port = 5001): Promise<number> {
    const app = createApp({
      projectId: this.projectId,
      find: (name) => this.byName.get(name),
      listing: () => this.listing(),
      runSchedule: (name) => this.runScheduleOutcome(name),
      log: this.log,
    });
    const bound = await this.http.listen(app, host, port);
    this.origin = `http://${host}:${bound}`;
    return bound;
  }

  /** The emulator URL of an HTTPS function, once listening. */
  url(name: string): string {
    const def = this.byName.get(name);
    if (!this.origin || !def) throw new Error(`no served function "${name}"`);
    return `${this.origin}/${this.projectId}/${def.region}/${def.name}`;
  }

  functions(): Array<{ name: string; kind: FunctionKind }> {
    return this.defs.map((d) => ({ name: d.name, kind: d.kind }));
  }

  /**
   * Fires the document triggers matching each change. Returns at once: the commit that produced
   * the event must not wait for functions (they may write to Firestore themselves).
   */
  handleCommit(event: CommitEvent): void {
    if (this.closed || event.projectId !== this.projectId) return;
    try {
      this.fire(event);
    } catch (err) {
      // Never let a trigger problem surface in the writer's commit.
      process.stderr.write(`functions: could not dispatch a commit: ${errorMessage(err)}\n`);
    }
  }

  private fire(event: CommitEvent): void {
    for (const change of event.changes) {
      const doc = parseDocumentName(change.name);
      if (!doc || doc.projectId !== this.projectId) continue;
      const kinds = kindsOf(change);
      for (const trigger of this.triggers) {
        if (!kinds.includes(trigger.kind) || trigger.def.database !== doc.databaseId) continue;
        if (!trigger.matches(doc.documentPath)) continue;
        const eventType = trigger.def.eventType ?? '';
        const cloudEvent = buildFirestoreEvent(eventType, change, {
          projectId: this.projectId,
          databaseId: doc.databaseId,
          documentPath: doc.documentPath,
          region: trigger.def.region,
          commitTime: event.commitTime,
        });
        const entry = trigger.def.entry;
        this.deliverer.deliver({
          function: trigger.def.name,
          trigger: eventType,
          retry: trigger.def.retry === true,
          timeoutMs: trigger.def.timeoutSeconds * 1000,
          document: doc.documentPath,
          eventId: cloudEvent.id,
          // A fresh copy per attempt: the SDK spreads and deletes fields of what it is given.
          invoke: () => entry(structuredClone(cloudEvent)),
        });
      }
    }
  }

  /**
   * Fires the Storage triggers for one object change that the Storage emulator reports
   * (`finalize`, `delete`, `metadataUpdate`, `archive`). Returns at once, like handleCommit.
   */
  handleStorageObject(action: string, object: Record<string, unknown>): void {
    if (this.closed) return;
    const eventType = storageEventType(action);
    if (!eventType) return;
    for (const def of this.defs) {
      if (def.kind !== 'storage' || def.eventType !== eventType) continue;
      if (def.bucket !== undefined && def.bucket !== object.bucket) continue;
      const cloudEvent = buildStorageEvent(eventType, object);
      const entry = def.entry;
      this.deliverer.deliver({
        function: def.name,
        trigger: eventType,
        retry: def.retry === true,
        timeoutMs: def.timeoutSeconds * 1000,
        document: `${cloudEvent.bucket}/${String(object.name)}`,
        eventId: cloudEvent.id,
        invoke: () => entry(structuredClone(cloudEvent)),
      });
    }
  }

  /** Resolves once no trigger delivery is running or waiting to be retried. */
  idle(): Promise<void> {
    return this.deliverer.idle();
  }

  /** Runs an onSchedule function now; rejects if it is unknown or fails. */
  async runSchedule(name: string): Promise<void> {
    const outcome = await this.runScheduleOutcome(name);
    if (outcome.outcome !== 'ok') {
      throw new Error(`${name} failed (status ${outcome.status}): ${outcome.error ?? ''}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.jobs.values()) clearTimeout(job.timer);
    await this.http.close();
    await this.deliverer.close();
    this.overlay.restore();
    process.off('unhandledRejection', this.onEscapedError);
    process.off('uncaughtException', this.onEscapedError);
  }

  private listing(): unknown {
    return {
      projectId: this.projectId,
      functions: this.defs.map((d) => {
        const job = this.jobs.get(d.name);
        return {
          name: d.name,
          kind: d.kind,
          region: d.region,
          url: isHttpKind(d.kind) ? this.url(d.name) : undefined,
          eventType: d.eventType,
          document: d.document,
          bucket: d.bucket,
          taskQueue: d.taskQueue,
          retry: d.retry,
          schedule: d.schedule,
          timeZone: d.timeZone,
          nextRun: job?.nextRun?.toISOString(),
          runUrl: job && this.origin ? `${this.origin}/_schedules/${d.name}/run` : undefined,
          detail: d.detail,
        };
      }),
    };
  }

  private async runScheduleOutcome(
    name: string,
    scheduleTime = new Date(),
  ): Promise<ScheduleOutcome> {
    const def = this.byName.get(name);
    if (!def || def.kind !== 'schedule') throw new Error(`no scheduled function "${name}"`);
    const started = performance.now();
    let status = 500;
    let error: string | undefined;
    try {
      status = await invokeScheduled(def, scheduleTime);
      if (status >= 300) error = 'the function failed (see its log)';
    } catch (err) {
      error = errorMessage(err);
    }
    const outcome: ScheduleOutcome = {
      function: name,
      outcome: error ? 'error' : 'ok',
      status,
      durationMs: Math.round(performance.now() - started),
      error,
    };
    this.log({ ...outcome, trigger: 'schedule' });
    return outcome;
  }

  private arm(job: ScheduledJob): void {
    if (this.closed) return;
    const next = job.schedule.next(new Date());
    if (Number.isNaN(next.getTime())) return;
    job.nextRun = next;
    const wait = (): void => {
      const ms = next.getTime() - Date.now();
      job.timer = setTimeout(
        () => {
          if (next.getTime() > Date.now()) return wait();
          void this.runScheduleOutcome(job.def.name, next).finally(() => this.arm(job));
        },
        Math.max(0, Math.min(ms, MAX_TIMER_MS)),
      );
      // A schedule alone should not keep a process alive; the server does that.
      job.timer.unref();
    };
    wait();
  }
}

/** firebase-functions' list of declared params, from the copy the functions module loads. */
function declaredParamsOf(load: NodeJS.Require): unknown {
  try {
    const mod: unknown = load('firebase-functions/params');
    return isRecord(mod) ? mod.declaredParams : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls an onSchedule function as Cloud Scheduler does: an HTTP request with the job headers.
 * The SDK's wrapper only reads headers and answers with a status, so a minimal request and
 * response object are enough and keep the SDK's own onInit and error handling in play.
 */
async function invokeScheduled(def: FunctionDef, at: Date): Promise<number> {
  const headers: Record<string, string> = {
    'x-cloudscheduler-jobname': `firebase-schedule-${def.name}-${def.region}`,
    'x-cloudscheduler-scheduletime': at.toISOString(),
  };
  let status = 200;
  let sent!: () => void;
  const replied = new Promise<void>((resolve) => (sent = resolve));
  const req = {
    method: 'POST',
    url: '/',
    headers,
    body: {},
    header: (name: string) => headers[name.toLowerCase()],
    get: (name: string) => headers[name.toLowerCase()],
  };
  const res = {
    statusCode: 200,
    headersSent: false,
    status(code: number) {
      status = code;
      this.statusCode = code;
      return this;
    },
    send() {
      this.headersSent = true;
      sent();
      return this;
    },
    end() {
      return this.send();
    },
  };
  const entry = def.entry;
  await invokeWithTimeout(async () => {
    await entry(req, res);
    await replied;
  }, def.timeoutSeconds * 1000);
  return status;
}
