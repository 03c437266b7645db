// Shared setup for the Firestore conformance suite.
//
// The suite is written from Firestore's documented behaviour, so it must pass against the official
// emulator too: when FIRESTORE_EMULATOR_HOST is set we use whatever it points at; otherwise we start
// our Java-free emulator in-process on a free port, once for every file, and stop it in a root
// `after` hook. Every file works under its own unique root collection (see `uniqueName`) and never
// clears the database, because other suites may run at the same time against the same server.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { App, deleteApp, initializeApp } from 'firebase-admin/app';
import { Firestore, initializeFirestore, Settings } from 'firebase-admin/firestore';

/** The part of our emulator's API this suite needs (kept structural so the suite has no hard
 * compile-time dependency on the server, which lets it run against the official emulator alone). */
interface EmulatorServer {
  listen(host: string, port: number): Promise<number>;
  close(): Promise<void> | void;
}

// Without credentials, google-gax asks google-auth-library for the universe domain each time the
// SDK opens a gRPC channel, and that probes the GCE metadata server (169.254.169.254). Tests talk
// to 127.0.0.1 only, so tell gcp-metadata there is no metadata server, unless the caller decided.
process.env.METADATA_SERVER_DETECTION ??= 'none';

// Not the product's project: the suite turns our emulator's index checks off for the projects
// it uses (see indexChecksOff below), and the product's queries must stay checked.
export const PROJECT_ID = process.env.CONFORMANCE_PROJECT ?? 'demo-conformance';

/** Distinguishes this run's data from earlier runs against a long-lived (official) emulator. */
export const RUN_ID = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

let server: EmulatorServer | undefined;
let hostReady: Promise<string> | undefined;
const apps: App[] = [];
let defaultDb: Promise<Firestore> | undefined;
let appCounter = 0;

function isEmulatorServerClass(value: unknown): value is new () => EmulatorServer {
  return typeof value === 'function';
}

async function startInProcess(): Promise<string> {
  // A computed path keeps tsc from resolving the module: the suite must compile even when it is
  // used only against the official emulator.
  const modulePath = path.join(__dirname, '..', '..', 'src', 'firestore', 'server');
  const mod: unknown = await import(modulePath);
  const ctor =
    typeof mod === 'object' && mod !== null && 'FirestoreEmulator' in mod
      ? mod.FirestoreEmulator
      : undefined;
  if (!isEmulatorServerClass(ctor)) {
    throw new Error(`${modulePath} does not export a FirestoreEmulator class`);
  }
  const instance = new ctor();
  const port = await instance.listen('127.0.0.1', 0);
  server = instance;
  const host = `127.0.0.1:${port}`;
  process.env.FIRESTORE_EMULATOR_HOST = host;
  return host;
}

/** host:port of the Firestore emulator under test, starting ours if none is configured. */
export function emulatorHost(): Promise<string> {
  if (!hostReady) {
    const configured = process.env.FIRESTORE_EMULATOR_HOST;
    hostReady = configured ? Promise.resolve(configured) : startInProcess();
  }
  return hostReady;
}

/**
 * This suite tests query semantics, not indexes: production would need composite indexes for
 * many of its queries. Our emulator checks indexes (FAILED_PRECONDITION when one is missing) and
 * lets a test turn that off for one project's database; the official emulator never checks
 * and has no such endpoint (404, ignored).
 */
const checksOff = new Map<string, Promise<void>>();
function indexChecksOff(host: string, projectId: string): Promise<void> {
  let done = checksOff.get(projectId);
  if (!done) {
    const url = `http://${host}/emulator/v1/projects/${projectId}/databases/(default)/indexConfig`;
    done = fetch(url, { method: 'PUT', body: JSON.stringify({ checks: false }) }).then(
      async (res) => {
        if (!res.ok && res.status !== 404) {
          throw new Error(`PUT ${url}: ${res.status} ${await res.text()}`);
        }
      },
    );
    checksOff.set(projectId, done);
  }
  return done;
}

/**
 * A Firestore client on its own firebase-admin app. Use it for special settings (useBigInt) or
 * another project id; the app is deleted in the root `after` hook.
 */
export async function newFirestore(
  options: { projectId?: string; settings?: Settings } = {},
): Promise<Firestore> {
  const host = await emulatorHost();
  await indexChecksOff(host, options.projectId ?? PROJECT_ID);
  appCounter += 1;
  const app = initializeApp(
    { projectId: options.projectId ?? PROJECT_ID },
    `conformance-${RUN_ID}-${appCounter}`,
  );
  apps.push(app);
  const db = initializeFirestore(app);
  // firebase-admin passes only preferRest through initializeFirestore; the rest (useBigInt)
  // must go through settings() before first use.
  if (options.settings) db.settings(options.settings);
  return db;
}

/** The shared Firestore client for the project under test. */
export function getDb(): Promise<Firestore> {
  if (!defaultDb) defaultDb = newFirestore();
  return defaultDb;
}

/** A collection id unique to this file and this run, e.g. `conf-queries-lx3k9a1b2c3`. */
export function uniqueName(area: string): string {
  return `conf-${area}-${RUN_ID}`;
}

/** The numeric gRPC status code carried by an SDK error, if any. */
export function grpcCode(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = err.code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

export const Code = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
} as const;

/** Awaits `promise` and asserts that it fails with the gRPC status `code`. */
export async function expectCode(promise: Promise<unknown>, code: number): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  if (error === undefined) {
    throw new Error(`expected gRPC status ${code}, but the call succeeded`);
  }
  const got = grpcCode(error);
  if (got !== code) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`expected gRPC status ${code}, got ${String(got)}: ${message}`);
  }
}

/**
 * Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`.
 * The suite never sleeps for a fixed time; asynchronous effects are awaited with this.
 */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  description: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Root-level hook: mocha registers it on the root suite because this module is loaded while mocha
// loads the test files, so it runs once after every file of the run.
after(async function () {
  this.timeout(20_000);
  for (const app of apps.splice(0)) {
    await deleteApp(app);
  }
  defaultDb = undefined;
  if (server) {
    const s = server;
    server = undefined;
    hostReady = undefined;
    checksOff.clear();
    delete process.env.FIRESTORE_EMULATOR_HOST;
    await s.close();
  }
});
