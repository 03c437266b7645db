// The Firestore Write stream through the real client SDK (`firebase/firestore`, which in Node
// talks gRPC) and at the wire level with @grpc/grpc-js, written from the WriteRequest /
// WriteResponse documentation.
//
// Which RPC the client SDK (12.x) uses, as observed against this server:
// - setDoc, updateDoc, deleteDoc and writeBatch().commit() go through the Write stream: they are
//   queued as mutation batches and sent on one stream, up to 10 batches in flight, each request
//   carrying the last stream token received.
// - runTransaction reads with BatchGetDocuments and commits with the unary Commit RPC.
// - getDoc and onSnapshot use Listen.
//
// This suite starts its own Firestore server on a free port instead of using the stack's: it
// needs the server's commit events in-process (to drive the functions host's triggers and to count
// commits), and the stack's Firestore will enforce the project's firestore.rules, which do not
// let an unauthenticated client write these test collections. FIRESTORE_EMULATOR_HOST points at
// this server while the suite runs (firebase-admin reads it), and is restored afterwards.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  deleteApp as deleteAdminApp,
  initializeApp as initializeAdminApp,
} from 'firebase-admin/app';
import type { App as AdminApp } from 'firebase-admin/app';
import {
  Timestamp as AdminTimestamp,
  getFirestore as getAdminFirestore,
  type Firestore as AdminFirestore,
} from 'firebase-admin/firestore';
import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import {
  arrayUnion,
  connectFirestoreEmulator,
  deleteDoc,
  disableNetwork,
  doc,
  enableNetwork,
  getDoc,
  getFirestore,
  increment,
  runTransaction,
  serverTimestamp,
  setDoc,
  setLogLevel,
  terminate,
  updateDoc,
  writeBatch,
  type Firestore,
} from 'firebase/firestore';
import type { CommitEvent } from '../src/firestore/events';
import { firestoreServiceDefinition } from '../src/firestore/transports/grpc/proto';
import { FirestoreEmulator } from '../src/firestore/server';
import type { WriteRequest, WriteResponse } from '../src/firestore/writeStream';
import { FunctionsHost } from '../src/functions/host';
import { resetState, state } from './fixtures/functions-host/state';

// firebase-admin without credentials would otherwise probe the GCE metadata server; tests talk
// to 127.0.0.1 only (as in conformance/setup.ts).
process.env.METADATA_SERVER_DETECTION ??= 'none';

const PROJECT = process.env.GCLOUD_PROJECT ?? 'demo-qr-assets';
const DATABASE = `projects/${PROJECT}/databases/(default)`;
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const FIXTURE = join(__dirname, 'fixtures', 'functions-host', 'index.js');

/** Polls `probe` until it returns something other than undefined; fails after `ms`. */
async function until<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The `code` of a client SDK error (a FirestoreError, e.g. 'not-found'). */
function sdkErrorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

describe('firestore Write stream', function () {
  this.timeout(30_000);
  let server: FirestoreEmulator;
  let port: number;
  let previousHost: string | undefined;
  let adminApp: AdminApp;
  let admin: AdminFirestore;
  const commits: CommitEvent[] = [];
  let offCommit: () => void;

  before(async () => {
    server = new FirestoreEmulator({ projectId: PROJECT });
    port = await server.listen('127.0.0.1', 0);
    offCommit = server.onCommit((e) => commits.push(e));
    previousHost = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
    adminApp = initializeAdminApp({ projectId: PROJECT }, `write-stream-admin-${RUN}`);
    admin = getAdminFirestore(adminApp);
    // Expected refusals would otherwise print SDK warnings.
    setLogLevel('error');
  });

  after(async () => {
    offCommit?.();
    if (adminApp) await deleteAdminApp(adminApp);
    await server?.close();
    if (previousHost === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = previousHost;
  });

  /** The commit events that touched `path` (a document path relative to the database). */
  function commitsOf(path: string): CommitEvent[] {
    const name = `${DATABASE}/documents/${path}`;
    return commits.filter((c) => c.changes.some((ch) => ch.name === name));
  }

  describe('through the client SDK', () => {
    let app: FirebaseApp;
    let db: Firestore;
    const col = `ws-sdk-${RUN}`;

    before(() => {
      app = initializeApp({ projectId: PROJECT }, `write-stream-client-${RUN}`);
      db = getFirestore(app);
      connectFirestoreEmulator(db, '127.0.0.1', port);
    });

    after(async () => {
      if (db) await terminate(db);
      if (app) await deleteApp(app);
    });

    it('setDoc, setDoc with merge, updateDoc and deleteDoc land, one commit each', async () => {
      const ref = doc(db, col, 'basic');
      const path = `${col}/basic`;
      await setDoc(ref, { name: 'lens', tags: ['a'], nested: { x: 1 } });
      assert.deepEqual((await admin.doc(path).get()).data(), {
        name: 'lens',
        tags: ['a'],
        nested: { x: 1 },
      });
      await setDoc(ref, { nested: { y: 2 } }, { merge: true });
      await updateDoc(ref, { name: 'camera', 'nested.x': 5 });
      assert.deepEqual((await admin.doc(path).get()).data(), {
        name: 'camera',
        tags: ['a'],
        nested: { x: 5, y: 2 },
      });
      await deleteDoc(ref);
      assert.equal((await admin.doc(path).get()).exists, false);
      // Each write was its own commit, and each fired onCommit (create, 2 updates, delete).
      const events = commitsOf(path).map((c) => c.changes[0]);
      assert.equal(events.length, 4);
      assert.deepEqual(
        events.map((ch) => [ch.before !== undefined, ch.after !== undefined]),
        [
          [false, true],
          [true, true],
          [true, true],
          [true, false],
        ],
      );
    });

    it('writes queued while offline land in order once the network is back', async () => {
      const ref = doc(db, col, 'queued');
      await disableNetwork(db);
      const pending: Promise<void>[] = [setDoc(ref, { order: [], count: 0 })];
      for (let i = 0; i < 25; i++) {
        pending.push(updateDoc(ref, { order: arrayUnion(i), count: increment(1) }));
        pending.push(setDoc(doc(db, col, `queued-${i}`), { i }));
      }
      // Nothing can have reached the server yet.
      assert.equal((await admin.doc(`${col}/queued`).get()).exists, false);
      await enableNetwork(db);
      await Promise.all(pending);
      const data = (await admin.doc(`${col}/queued`).get()).data();
      // arrayUnion appends: the array shows the order the server applied the writes in.
      assert.deepEqual(data?.order, [...Array(25).keys()]);
      assert.equal(data?.count, 25);
      const others = await admin.getAll(
        ...[...Array(25).keys()].map((i) => admin.doc(`${col}/queued-${i}`)),
      );
      assert.deepEqual(
        others.map((s) => s.get('i') as unknown),
        [...Array(25).keys()],
      );
    });

    it('many rapid writes, pipelined on one stream, all land in order', async () => {
      const ref = doc(db, col, 'rapid');
      const pending: Promise<void>[] = [setDoc(ref, { seq: [], last: -1 })];
      for (let i = 0; i < 100; i++) pending.push(updateDoc(ref, { seq: arrayUnion(i), last: i }));
      await Promise.all(pending);
      const data = (await admin.doc(`${col}/rapid`).get()).data();
      assert.deepEqual(data?.seq, [...Array(100).keys()]);
      assert.equal(data?.last, 99);
      assert.equal(commitsOf(`${col}/rapid`).length, 101);
    });

    it('updateDoc of a missing document fails with not-found; the next write still lands', async () => {
      const err = await rejection(updateDoc(doc(db, col, 'missing'), { x: 1 }));
      assert.equal(sdkErrorCode(err), 'not-found', String(err));
      assert.equal((await admin.doc(`${col}/missing`).get()).exists, false);
      // The SDK reopens the stream after the refusal.
      await setDoc(doc(db, col, 'after-failure'), { ok: true });
      assert.equal((await admin.doc(`${col}/after-failure`).get()).get('ok'), true);
    });

    it('serverTimestamp and increment are applied by the server', async () => {
      const ref = doc(db, col, 'transforms');
      const before = AdminTimestamp.now().toMillis();
      await setDoc(ref, { at: serverTimestamp(), n: increment(5), f: 1.5 });
      await updateDoc(ref, { n: increment(2), f: increment(0.25), fresh: increment(3) });
      const after = AdminTimestamp.now().toMillis();
      const snap = await admin.doc(`${col}/transforms`).get();
      const at: unknown = snap.get('at');
      assert.ok(at instanceof AdminTimestamp, `at is ${String(at)}`);
      // Same machine's clock: the server time lies within the test's own before/after.
      assert.ok(at.toMillis() >= before - 1 && at.toMillis() <= after + 1);
      assert.equal(snap.get('n'), 7);
      assert.equal(snap.get('f'), 1.75);
      assert.equal(snap.get('fresh'), 3);
      // The client sees the server's value too (getDoc reads through Listen).
      const seen = (await getDoc(ref)).get('at') as { toMillis(): number };
      assert.equal(seen.toMillis(), at.toMillis());
    });

    it('a writeBatch is one atomic commit; a batch with a failing write applies nothing', async () => {
      await setDoc(doc(db, col, 'b-existing'), { v: 1 });
      await setDoc(doc(db, col, 'b-gone'), { v: 1 });
      const batch = writeBatch(db);
      batch.set(doc(db, col, 'b-new'), { v: 'new' });
      batch.update(doc(db, col, 'b-existing'), { v: increment(1) });
      batch.delete(doc(db, col, 'b-gone'));
      await batch.commit();
      const [created, updated, deleted] = await admin.getAll(
        admin.doc(`${col}/b-new`),
        admin.doc(`${col}/b-existing`),
        admin.doc(`${col}/b-gone`),
      );
      assert.equal(created.get('v'), 'new');
      assert.equal(updated.get('v'), 2);
      assert.equal(deleted.exists, false);
      const batchCommits = commitsOf(`${col}/b-new`);
      assert.equal(batchCommits.length, 1);
      assert.deepEqual(batchCommits[0].changes.map((c) => c.name.split('/').pop()).sort(), [
        'b-existing',
        'b-gone',
        'b-new',
      ]);

      const failing = writeBatch(db);
      failing.set(doc(db, col, 'b-never'), { v: 1 });
      failing.update(doc(db, col, 'b-existing'), { v: 100 });
      failing.update(doc(db, col, 'b-missing'), { v: 1 });
      const err = await rejection(failing.commit());
      assert.equal(sdkErrorCode(err), 'not-found', String(err));
      assert.equal((await admin.doc(`${col}/b-never`).get()).exists, false);
      assert.equal((await admin.doc(`${col}/b-existing`).get()).get('v'), 2);
    });

    it('runTransaction (BatchGetDocuments + Commit, not the stream) works alongside', async () => {
      const ref = doc(db, col, 'txn');
      await setDoc(ref, { n: 1 });
      await runTransaction(db, async (tx) => {
        const snap = await tx.get(ref);
        tx.update(ref, { n: (snap.get('n') as number) + 1 });
      });
      assert.equal((await admin.doc(`${col}/txn`).get()).get('n'), 2);
    });
  });

  describe('document triggers fire for stream writes', () => {
    let host: FunctionsHost;
    let offHost: () => void;
    let app: FirebaseApp;
    let db: Firestore;

    before(async () => {
      host = new FunctionsHost({
        projectId: PROJECT,
        source: FIXTURE,
        schedules: false,
        logger: () => undefined,
      });
      await host.load();
      await host.listen('127.0.0.1', 0);
      offHost = server.onCommit((event) => host.handleCommit(event));
      app = initializeApp({ projectId: PROJECT }, `write-stream-triggers-${RUN}`);
      db = getFirestore(app);
      connectFirestoreEmulator(db, '127.0.0.1', port);
      resetState();
    });

    after(async () => {
      offHost?.();
      if (db) await terminate(db);
      if (app) await deleteApp(app);
      await host?.close();
    });

    it('created, updated and deleted triggers see the client SDK writes', async () => {
      const id = `ws-${RUN}`;
      const ref = doc(db, 'hostAssets', id);
      await setDoc(ref, { name: 'tripod' });
      await updateDoc(ref, { name: 'tripod 2' });
      await deleteDoc(ref);
      const seen = await until('the three triggers', () => {
        const mine = state.events.filter((e) => e.params.assetId === id);
        return mine.length >= 3 ? mine : undefined;
      });
      await host.idle();
      const byFunction = new Map(seen.map((e) => [e.function, e]));
      assert.equal(seen.length, 3);
      assert.deepEqual(byFunction.get('assetCreated')?.after, { name: 'tripod' });
      assert.deepEqual(byFunction.get('assetUpdated')?.before, { name: 'tripod' });
      assert.deepEqual(byFunction.get('assetUpdated')?.after, { name: 'tripod 2' });
      assert.deepEqual(byFunction.get('assetDeleted')?.before, { name: 'tripod 2' });
    });
  });

  describe('at the wire (@grpc/grpc-js), from the proto documentation', () => {
    const col = `ws-raw-${RUN}`;
    const method = firestoreServiceDefinition().Write;
    let client: grpc.Client;

    before(() => {
      client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => client?.close());

    /** One Write call with its responses and final status collected as they arrive. */
    class RawStream {
      readonly responses: WriteResponse[] = [];
      status: grpc.StatusObject | undefined;
      private taken = 0;
      private readonly call: grpc.ClientDuplexStream<WriteRequest, WriteResponse>;

      constructor() {
        // What firebase-admin sends in emulator mode: an admin, past any rules.
        const metadata = new grpc.Metadata();
        metadata.set('authorization', 'Bearer owner');
        this.call = client.makeBidiStreamRequest(
          method.path,
          method.requestSerialize as (r: WriteRequest) => Buffer,
          method.responseDeserialize as (b: Buffer) => WriteResponse,
          metadata,
        );
        this.call.on('data', (r: WriteResponse) => this.responses.push(r));
        this.call.on('status', (s: grpc.StatusObject) => (this.status = s));
        this.call.on('error', () => undefined); // reported through 'status'
      }

      send(req: WriteRequest): void {
        this.call.write(req);
      }

      /** The next response; fails if the stream ends first. */
      next(): Promise<WriteResponse> {
        return until('a WriteResponse', () => {
          const r = this.responses[this.taken];
          if (r) {
            this.taken += 1;
            return r;
          }
          if (this.status) {
            throw new Error(`stream ended instead: ${this.status.code} ${this.status.details}`);
          }
          return undefined;
        });
      }

      /** The final status (the stream must end, by itself or after `end()`). */
      closed(): Promise<grpc.StatusObject> {
        return until('the stream to end', () => this.status);
      }

      end(): void {
        this.call.end();
      }

      cancel(): void {
        this.call.cancel();
      }

      async handshake(): Promise<WriteResponse> {
        this.send({ database: DATABASE });
        return this.next();
      }
    }

    function setWrite(id: string, fields: Record<string, { integerValue: string }>) {
      return { update: { name: `${DATABASE}/documents/${col}/${id}`, fields } };
    }

    async function exists(id: string): Promise<boolean> {
      return (await admin.doc(`${col}/${id}`).get()).exists;
    }

    it('handshake: a stream id and token only; then each request is one commit with a new token', async () => {
      const s = new RawStream();
      const hello = await s.handshake();
      assert.ok(hello.streamId && hello.streamId.length > 0);
      assert.ok(hello.streamToken && hello.streamToken.length > 0);
      assert.equal(hello.writeResults, undefined);
      assert.equal(hello.commitTime, undefined);

      s.send({
        streamToken: hello.streamToken,
        writes: [
          setWrite('h1', { n: { integerValue: '1' } }),
          setWrite('h2', { n: { integerValue: '2' } }),
        ],
        labels: { purpose: 'test' },
      });
      const first = await s.next();
      assert.equal(first.writeResults?.length, 2);
      assert.ok(first.commitTime);
      assert.deepEqual(first.writeResults?.[0].updateTime, first.commitTime);
      assert.equal(first.streamId, undefined);
      assert.ok(!first.streamToken.equals(hello.streamToken));
      assert.equal((await admin.doc(`${col}/h2`).get()).get('n'), 2);
      assert.equal(commitsOf(`${col}/h1`).length, 1);
      assert.equal(commitsOf(`${col}/h1`)[0].changes.length, 2);

      // Pipelining: a request may carry an older token as long as no later one was used.
      s.send({ streamToken: first.streamToken, writes: [setWrite('h3', {})] });
      s.send({ streamToken: first.streamToken, writes: [setWrite('h4', {})] });
      const [r3, r4] = [await s.next(), await s.next()];
      assert.ok(!r3.streamToken.equals(r4.streamToken));
      // An empty request just acknowledges (no response); then a clean half-close.
      s.send({ streamToken: r4.streamToken });
      s.end();
      assert.equal((await s.closed()).code, grpc.status.OK);
      assert.equal(s.responses.length, 4);
      assert.ok(await exists('h4'));
    });

    it('refuses a made-up token, another stream’s token and a superseded one', async () => {
      const a = new RawStream();
      const helloA = await a.handshake();
      a.send({ streamToken: randomBytes(12), writes: [setWrite('bad-token', {})] });
      const status = await a.closed();
      assert.equal(status.code, grpc.status.INVALID_ARGUMENT, status.details);
      assert.equal(await exists('bad-token'), false);

      const b = new RawStream();
      await b.handshake();
      b.send({ streamToken: helloA.streamToken, writes: [setWrite('other-token', {})] });
      assert.equal((await b.closed()).code, grpc.status.INVALID_ARGUMENT);
      assert.equal(await exists('other-token'), false);

      const c = new RawStream();
      const helloC = await c.handshake();
      c.send({ streamToken: helloC.streamToken, writes: [setWrite('stale-1', {})] });
      const r1 = await c.next();
      c.send({ streamToken: r1.streamToken, writes: [setWrite('stale-2', {})] });
      await c.next();
      c.send({ streamToken: helloC.streamToken, writes: [setWrite('stale-3', {})] });
      assert.equal((await c.closed()).code, grpc.status.INVALID_ARGUMENT);
      assert.equal(await exists('stale-2'), true);
      assert.equal(await exists('stale-3'), false);

      const d = new RawStream();
      await d.handshake();
      d.send({ writes: [setWrite('no-token', {})] });
      assert.equal((await d.closed()).code, grpc.status.INVALID_ARGUMENT);
      assert.equal(await exists('no-token'), false);
    });

    it('refuses writes in the handshake, a missing or wrong database, and foreign writes', async () => {
      const withWrites = new RawStream();
      withWrites.send({ database: DATABASE, writes: [setWrite('in-handshake', {})] });
      assert.equal((await withWrites.closed()).code, grpc.status.INVALID_ARGUMENT);
      assert.equal(await exists('in-handshake'), false);

      const noDatabase = new RawStream();
      noDatabase.send({});
      assert.equal((await noDatabase.closed()).code, grpc.status.INVALID_ARGUMENT);

      const badName = new RawStream();
      badName.send({ database: 'projects/x' });
      assert.equal((await badName.closed()).code, grpc.status.INVALID_ARGUMENT);

      const switching = new RawStream();
      const hello = await switching.handshake();
      switching.send({
        database: `projects/${PROJECT}/databases/other`,
        streamToken: hello.streamToken,
        writes: [setWrite('switched', {})],
      });
      assert.equal((await switching.closed()).code, grpc.status.INVALID_ARGUMENT);
      assert.equal(await exists('switched'), false);

      const foreign = new RawStream();
      const hello2 = await foreign.handshake();
      foreign.send({
        streamToken: hello2.streamToken,
        writes: [{ update: { name: `projects/${PROJECT}/databases/other/documents/${col}/x` } }],
      });
      assert.equal((await foreign.closed()).code, grpc.status.INVALID_ARGUMENT);

      const lateId = new RawStream();
      const hello3 = await lateId.handshake();
      lateId.send({
        streamId: hello3.streamId,
        streamToken: hello3.streamToken,
        writes: [setWrite('late-id', {})],
      });
      assert.equal((await lateId.closed()).code, grpc.status.INVALID_ARGUMENT);
      assert.equal(await exists('late-id'), false);
    });

    it('a failed write ends the stream with its status and applies nothing of its request', async () => {
      const s = new RawStream();
      const hello = await s.handshake();
      s.send({
        streamToken: hello.streamToken,
        writes: [
          setWrite('fail-a', {}),
          {
            delete: `${DATABASE}/documents/${col}/fail-missing`,
            currentDocument: { exists: true },
          },
        ],
      });
      const status = await s.closed();
      assert.equal(status.code, grpc.status.NOT_FOUND, status.details);
      assert.equal(await exists('fail-a'), false);
    });

    it('resumes a stream: re-sends unacknowledged responses, then a fresh token', async () => {
      const s = new RawStream();
      const hello = await s.handshake();
      s.send({ streamToken: hello.streamToken, writes: [setWrite('r1', {})] });
      const r1 = await s.next();
      s.send({ streamToken: r1.streamToken, writes: [setWrite('r2', {})] });
      const r2 = await s.next();
      s.cancel();
      await s.closed();

      // Resuming from r1: r2's response comes again, then one with only a new token.
      const again = new RawStream();
      again.send({ database: DATABASE, streamId: hello.streamId, streamToken: r1.streamToken });
      const replayed = await again.next();
      assert.ok(replayed.streamToken.equals(r2.streamToken));
      assert.deepEqual(replayed.writeResults, r2.writeResults);
      const fresh = await again.next();
      assert.equal(fresh.writeResults, undefined);
      assert.ok(!fresh.streamToken.equals(r2.streamToken));
      again.send({ streamToken: fresh.streamToken, writes: [setWrite('r3', {})] });
      assert.equal((await again.next()).writeResults?.length, 1);
      assert.ok(await exists('r3'));
      again.end();
      assert.equal((await again.closed()).code, grpc.status.OK);

      // Resuming a stream whose connection is still open moves it: the old call is aborted.
      const live = new RawStream();
      const liveHello = await live.handshake();
      const mover = new RawStream();
      mover.send({ database: DATABASE, streamId: liveHello.streamId });
      const moved = await mover.next();
      assert.equal(moved.streamId, liveHello.streamId); // the unacknowledged handshake, again
      assert.ok(moved.streamToken.equals(liveHello.streamToken));
      const moverFresh = await mover.next();
      assert.equal((await live.closed()).code, grpc.status.ABORTED);
      mover.send({ streamToken: moverFresh.streamToken, writes: [setWrite('moved', {})] });
      await mover.next();
      assert.ok(await exists('moved'));
      mover.end();
      await mover.closed();

      // A stream that failed, or was never opened, cannot be resumed.
      const failed = new RawStream();
      const failedHello = await failed.handshake();
      failed.send({ streamToken: randomBytes(12), writes: [setWrite('r4', {})] });
      assert.equal((await failed.closed()).code, grpc.status.INVALID_ARGUMENT);
      for (const streamId of [failedHello.streamId, 'no-such-stream']) {
        const gone = new RawStream();
        gone.send({ database: DATABASE, streamId });
        assert.equal((await gone.closed()).code, grpc.status.NOT_FOUND);
      }
    });

    it('closes a stream that piles up 1000 unacknowledged responses', async () => {
      const s = new RawStream();
      const hello = await s.handshake();
      // Every request acknowledges only the handshake, so the responses stay unacknowledged.
      for (let i = 0; i <= 1000; i++) {
        s.send({ streamToken: hello.streamToken, writes: [setWrite(`pile-${i}`, {})] });
      }
      const status = await s.closed();
      assert.equal(status.code, grpc.status.RESOURCE_EXHAUSTED, status.details);
      assert.equal(s.responses.length, 1 + 1000);
      assert.ok(await exists('pile-999'));
      assert.equal(await exists('pile-1000'), false);
    });
  });
});
