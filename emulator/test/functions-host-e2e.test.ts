// End to end: a write made through firebase-admin to our Firestore server fires the fixture's
// trigger in the functions host, which writes back to the same document.
//
// The host gets commits in-process (FirestoreEmulator.onCommit), so this suite always starts its
// own Firestore server on a free port, even when FIRESTORE_EMULATOR_HOST points at a running
// stack: a server in another process could not hand its commits to this host. It points
// FIRESTORE_EMULATOR_HOST at its server for its own duration and uses named firebase-admin apps
// (the test's and the fixture's), so it does not disturb other suites' clients.

import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { FirestoreEmulator } from '../src/firestore/server';
import { FunctionsHost } from '../src/functions/host';
import type { InvocationLog } from '../src/functions/log';

const PROJECT = process.env.GCLOUD_PROJECT ?? 'demo-qr-assets';
const FIXTURE = join(__dirname, 'fixtures', 'functions-host', 'index.js');
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('functions host end to end with the Firestore server', function () {
  let server: FirestoreEmulator;
  let host: FunctionsHost;
  let unsubscribe: () => void;
  let app: App;
  let db: Firestore;
  let previousHost: string | undefined;
  const logs: InvocationLog[] = [];

  before(async function () {
    server = new FirestoreEmulator({ projectId: PROJECT });
    const port = await server.listen('127.0.0.1', 0);
    previousHost = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
    host = new FunctionsHost({
      projectId: PROJECT,
      source: FIXTURE,
      schedules: false,
      logger: (e) => logs.push(e),
    });
    await host.load();
    await host.listen('127.0.0.1', 0);
    unsubscribe = server.onCommit((event) => host.handleCommit(event));
    app = initializeApp({ projectId: PROJECT }, `functions-host-e2e-${Date.now()}`);
    db = getFirestore(app);
  });

  after(async () => {
    unsubscribe?.();
    if (app) await deleteApp(app);
    await host?.close();
    await server?.close();
    if (previousHost === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = previousHost;
  });

  it('a write through firebase-admin fires the trigger, which writes back', async () => {
    const id = `doc-${Date.now()}`;
    const started = Date.now();
    await db.doc(`hostE2E/${id}`).set({ value: 42 });
    const data = await until('the trigger to write back', async () => {
      const snap = await db.doc(`hostE2E/${id}`).get();
      return snap.get('seenBy') === undefined ? undefined : snap.data();
    });
    assert.deepEqual(data, { value: 42, seenBy: 'mirror', docIdParam: id, copied: 42 });
    const log = logs.find((l) => l.function === 'mirror');
    assert.equal(log?.outcome, 'ok');
    assert.equal(log?.document, `hostE2E/${id}`);
    // The update the trigger made is an update, not a create: mirror fired exactly once.
    await host.idle();
    assert.equal(logs.filter((l) => l.function === 'mirror').length, 1);
    process.stdout.write(
      `      write -> trigger -> write-back seen after ${Date.now() - started} ms\n`,
    );
  });
});
