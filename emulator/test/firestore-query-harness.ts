// Connects firebase-admin to the Firestore emulator for the query and listen suites: the one named
// by FIRESTORE_EMULATOR_HOST, or one started in-process on a free port (stopped again by `stop`).
import { randomBytes } from 'node:crypto';
import { App, deleteApp, initializeApp } from 'firebase-admin/app';
import { Firestore, getFirestore } from 'firebase-admin/firestore';
import { FirestoreEmulator } from '../src/firestore/server';
import { indexChecksOff } from './indexChecksOff';

// Its own project: these suites test query semantics with index checks off (indexChecksOff).
const PROJECT_ID = 'demo-emulator-queries';

/** Unique per process run, so suites can share a long-lived emulator without colliding. */
export const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

export interface Harness {
  db: Firestore;
  /** The in-process server, when this harness started one. */
  server?: FirestoreEmulator;
  stop: () => Promise<void>;
}

/** Connects to the configured emulator, or starts one in-process; `stop` undoes it all. */
export async function connect(appPrefix: string): Promise<Harness> {
  let server: FirestoreEmulator | undefined;
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    server = new FirestoreEmulator({ projectId: PROJECT_ID });
    const port = await server.listen('127.0.0.1', 0);
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
  }
  await indexChecksOff(process.env.FIRESTORE_EMULATOR_HOST ?? '', PROJECT_ID);
  const app: App = initializeApp({ projectId: PROJECT_ID }, `${appPrefix}-${RUN}`);
  const db = getFirestore(app);
  return {
    db,
    server,
    stop: async () => {
      await deleteApp(app);
      if (server) {
        delete process.env.FIRESTORE_EMULATOR_HOST;
        await server.close();
      }
    },
  };
}

/** Polls `probe` until it returns something other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined,
  description: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
