// Tests of the Firestore emulator core through the unmodified firebase-admin SDK (and a raw gRPC
// client for requests the SDK would never send). Runs against FIRESTORE_EMULATOR_HOST when set,
// otherwise starts the emulator in-process on a free port.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { App, deleteApp, initializeApp } from 'firebase-admin/app';
import {
  CollectionReference,
  FieldPath,
  FieldValue,
  Firestore,
  Timestamp,
  getFirestore,
} from 'firebase-admin/firestore';
import { FirestoreEmulator } from '../src/firestore/server';
import { loadFirestoreProtos } from '../src/firestore/transports/grpc/proto';
import type { CommitEvent } from '../src/firestore/events';
import { indexChecksOff } from './indexChecksOff';

// The SDK probes the GCE metadata server (169.254.169.254) on start; there is none here.
process.env.METADATA_SERVER_DETECTION ??= 'none';

// Its own project: this suite tests query semantics with index checks off (indexChecksOff).
const PROJECT_ID = 'demo-emulator-core';
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** Resolves with the gRPC status code of a rejected promise (fails if it resolves). */
async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    assert.equal(typeof code, 'number', `expected a gRPC error, got ${String(err)}`);
    return code as number;
  }
  assert.fail('expected the call to fail');
}

describe('firestore core (through firebase-admin)', function () {
  this.timeout(60_000);
  let emulator: FirestoreEmulator | undefined;
  let host: string;
  const apps: App[] = [];
  let db: Firestore;
  let root: CollectionReference;

  function newApp(projectId: string): Firestore {
    const app = initializeApp({ projectId }, `firestore-core-${RUN}-${apps.length}`);
    apps.push(app);
    return getFirestore(app);
  }

  before(async () => {
    if (!process.env.FIRESTORE_EMULATOR_HOST) {
      emulator = new FirestoreEmulator({ projectId: PROJECT_ID });
      const port = await emulator.listen('127.0.0.1', 0);
      process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
    }
    host = process.env.FIRESTORE_EMULATOR_HOST ?? '';
    await indexChecksOff(host, PROJECT_ID);
    db = newApp(PROJECT_ID);
    root = db.collection(`core-${RUN}`);
  });

  after(async () => {
    for (const app of apps) await deleteApp(app);
    if (emulator) {
      await emulator.close();
      delete process.env.FIRESTORE_EMULATOR_HOST;
    }
  });

  describe('documents', () => {
    it('sets, reads, updates nested and quoted fields, and deletes', async () => {
      const ref = root.doc('crud');
      const w = await ref.set({ a: 1, m: { x: 'y', keep: true }, arr: [1, 'two', null] });
      const snap = await ref.get();
      assert.deepEqual(snap.data(), { a: 1, m: { x: 'y', keep: true }, arr: [1, 'two', null] });
      assert.ok(snap.createTime?.isEqual(w.writeTime));
      assert.ok(snap.updateTime?.isEqual(w.writeTime));

      await ref.update('m.x', 'z', 'b', 2, new FieldPath('dotted.key', 'in'), 5);
      const after = await ref.get();
      assert.deepEqual(after.get('m'), { x: 'z', keep: true });
      assert.equal(after.get('b'), 2);
      assert.deepEqual(after.get(new FieldPath('dotted.key')), { in: 5 });
      assert.ok(after.createTime?.isEqual(w.writeTime), 'createTime is kept by updates');
      assert.ok(after.updateTime && after.updateTime > w.writeTime);

      await ref.update({ 'm.keep': FieldValue.delete() });
      assert.deepEqual((await ref.get()).get('m'), { x: 'z' });

      await ref.set({ merged: true }, { merge: true });
      assert.equal((await ref.get()).get('a'), 1);

      await ref.delete();
      assert.equal((await ref.get()).exists, false);
    });

    it('create fails with ALREADY_EXISTS, update of a missing document with NOT_FOUND', async () => {
      const ref = root.doc('create-once');
      await ref.create({ n: 1 });
      assert.equal(await codeOf(ref.create({ n: 2 })), grpc.status.ALREADY_EXISTS);
      assert.equal(await codeOf(root.doc('nope').update({ n: 1 })), grpc.status.NOT_FOUND);
      assert.equal((await ref.get()).get('n'), 1);
    });

    it('honours updateTime preconditions', async () => {
      const ref = root.doc('precondition');
      const first = await ref.set({ v: 1 });
      await ref.set({ v: 2 });
      const stale = { lastUpdateTime: first.writeTime };
      assert.equal(await codeOf(ref.update({ v: 3 }, stale)), grpc.status.FAILED_PRECONDITION);
      assert.equal(await codeOf(ref.delete(stale)), grpc.status.FAILED_PRECONDITION);
      const current = (await ref.get()).updateTime;
      assert.ok(current);
      await ref.update({ v: 4 }, { lastUpdateTime: current });
      assert.equal((await ref.get()).get('v'), 4);
    });

    it('a write that changes nothing keeps the previous update time', async () => {
      const ref = root.doc('noop');
      const first = await ref.set({ same: 1 });
      const second = await ref.set({ same: 1 });
      assert.ok(second.writeTime.isEqual(first.writeTime));
    });

    it('getAll returns found and missing documents in request order', async () => {
      await root.doc('ga1').set({ i: 1 });
      const snaps = await db.getAll(root.doc('ga-missing'), root.doc('ga1'));
      assert.deepEqual(
        snaps.map((s) => [s.id, s.exists]),
        [
          ['ga-missing', false],
          ['ga1', true],
        ],
      );
      assert.ok(snaps[0].readTime && snaps[1].readTime);
      const masked = await db.getAll(root.doc('ga1'), { fieldMask: [] });
      assert.deepEqual(masked[0].data(), {});
    });
  });

  describe('transforms', () => {
    it('serverTimestamp resolves to the commit time', async () => {
      const ref = root.doc('ts');
      const w = await ref.set({
        t: FieldValue.serverTimestamp(),
        nested: { t: FieldValue.serverTimestamp() },
      });
      const snap = await ref.get();
      assert.ok((snap.get('t') as Timestamp).isEqual(w.writeTime));
      assert.ok((snap.get('nested.t') as Timestamp).isEqual(w.writeTime));
    });

    it('increment keeps integers integral, switches to double, and saturates at int64 bounds', async () => {
      const ref = root.doc('inc');
      await ref.set({ i: 1, d: 1.5, s: 'text' });
      await ref.update({
        i: FieldValue.increment(2),
        d: FieldValue.increment(1),
        s: FieldValue.increment(3),
        missing: FieldValue.increment(7),
      });
      const snap = await ref.get();
      assert.deepEqual(snap.data(), { i: 3, d: 2.5, s: 3, missing: 7 });
      await ref.update({ i: FieldValue.increment(0.5) });
      assert.equal((await ref.get()).get('i'), 3.5);

      // int64 saturation, checked on the wire value (the JS SDK would round to a double).
      const name = `projects/${PROJECT_ID}/databases/(default)/documents/${root.id}/inc-big`;
      await rawCommit([
        {
          update: {
            name,
            fields: {
              hi: { integerValue: '9223372036854775800' },
              lo: { integerValue: '-9223372036854775800' },
            },
          },
        },
      ]);
      await rawCommit([
        {
          transform: {
            document: name,
            fieldTransforms: [
              { fieldPath: 'hi', increment: { integerValue: '100' } },
              { fieldPath: 'lo', increment: { integerValue: '-100' } },
            ],
          },
        },
      ]);
      const raw = await rawGet(`${root.id}/inc-big`);
      assert.equal(raw.fields?.hi?.integerValue, '9223372036854775807');
      assert.equal(raw.fields?.lo?.integerValue, '-9223372036854775808');
    });

    it('maximum and minimum (via raw transforms) follow the mixed-type rules', async () => {
      const name = `projects/${PROJECT_ID}/databases/(default)/documents/${root.id}/maxmin`;
      await rawCommit([
        { update: { name, fields: { a: { integerValue: '3' }, b: { doubleValue: 2.5 } } } },
      ]);
      await rawCommit([
        {
          transform: {
            document: name,
            fieldTransforms: [
              { fieldPath: 'a', maximum: { doubleValue: 3.0 } },
              { fieldPath: 'b', minimum: { integerValue: '1' } },
              { fieldPath: 'c', maximum: { integerValue: '9' } },
            ],
          },
        },
      ]);
      const raw = await rawGet(`${root.id}/maxmin`);
      assert.deepEqual(
        raw.fields?.a?.integerValue,
        '3',
        'equivalent operand keeps the stored value',
      );
      assert.deepEqual(raw.fields?.b?.integerValue, '1', 'the smaller operand wins with its type');
      assert.deepEqual(raw.fields?.c?.integerValue, '9', 'a missing field takes the operand');
    });

    it('arrayUnion and arrayRemove', async () => {
      const ref = root.doc('arr');
      await ref.set({ a: [1, 2, 'x', 2] });
      await ref.update({ a: FieldValue.arrayUnion(2, 3, 3, 1.0, 'y') });
      assert.deepEqual((await ref.get()).get('a'), [1, 2, 'x', 2, 3, 'y']);
      await ref.update({ a: FieldValue.arrayRemove(2, 'x') });
      assert.deepEqual((await ref.get()).get('a'), [1, 3, 'y']);
      await ref.update({ b: FieldValue.arrayRemove(1), c: FieldValue.arrayUnion({ k: 1 }) });
      const snap = await ref.get();
      assert.deepEqual(snap.get('b'), []);
      assert.deepEqual(snap.get('c'), [{ k: 1 }]);
    });
  });

  describe('limits and atomicity', () => {
    it('accepts more than 500 writes in one commit (no per-commit write limit since 2023)', async () => {
      const batch = db.batch();
      for (let i = 0; i < 501; i++) batch.set(root.doc(`many-${i}`), { i });
      await batch.commit();
      assert.equal((await root.doc('many-500').get()).get('i'), 500);
    });

    it('counts field transforms per document across the writes of one commit', async () => {
      const fields: Record<string, FieldValue> = {};
      for (let i = 0; i < 300; i++) fields[`n${i}`] = FieldValue.increment(1);
      const other: Record<string, FieldValue> = {};
      for (let i = 0; i < 201; i++) other[`m${i}`] = FieldValue.increment(1);
      const batch = db.batch();
      batch.set(root.doc('transforms-a'), fields);
      batch.set(root.doc('transforms-a'), other, { merge: true });
      assert.equal(await codeOf(batch.commit()), grpc.status.INVALID_ARGUMENT);
      // 300 + 201 on two different documents is fine.
      const ok = db.batch();
      ok.set(root.doc('transforms-b'), fields);
      ok.set(root.doc('transforms-c'), other);
      await ok.commit();
    });

    it('rejects a document over 1 MiB and accepts one just under', async () => {
      const big = 'x'.repeat(1024 * 1024);
      assert.equal(await codeOf(root.doc('huge').set({ s: big })), grpc.status.INVALID_ARGUMENT);
      await root.doc('almost').set({ s: 'x'.repeat(1024 * 1024 - 200) });
    });

    it('applies a batch all or nothing', async () => {
      await root.doc('exists').set({ v: 1 });
      const batch = db.batch();
      batch.set(root.doc('atomic-1'), { v: 1 });
      batch.update(root.doc('exists'), { v: 2 });
      batch.create(root.doc('exists'), { v: 3 });
      assert.equal(await codeOf(batch.commit()), grpc.status.ALREADY_EXISTS);
      assert.equal((await root.doc('atomic-1').get()).exists, false);
      assert.equal((await root.doc('exists').get()).get('v'), 1);
    });
  });

  describe('transactions', () => {
    it('20 concurrent read-modify-write transactions never lose an increment', async () => {
      const counter = root.doc('counter');
      await counter.set({ n: 0 });
      await Promise.all(
        Array.from({ length: 20 }, () =>
          db.runTransaction(async (t) => {
            const snap = await t.get(counter);
            t.update(counter, { n: (snap.get('n') as number) + 1 });
          }),
        ),
      );
      assert.equal((await counter.get()).get('n'), 20);
    });

    it('six concurrent queue consumers never claim the same item', async () => {
      const queue = root.doc('queue-parent').collection('queue');
      const batch = db.batch();
      for (let i = 0; i < 18; i++)
        batch.set(queue.doc(`job-${String(i).padStart(2, '0')}`), { status: 'new' });
      await batch.commit();
      const claims: string[][] = [];
      await Promise.all(
        Array.from({ length: 6 }, async (_, consumer) => {
          const mine: string[] = [];
          claims.push(mine);
          for (;;) {
            const id = await db.runTransaction(async (t) => {
              const q = await t.get(queue.where('status', '==', 'new').limit(1));
              if (q.empty) return null;
              const doc = q.docs[0];
              t.update(doc.ref, { status: 'claimed', by: consumer });
              return doc.id;
            });
            if (id === null) break;
            mine.push(id);
          }
        }),
      );
      const all = claims.flat();
      assert.equal(all.length, 18);
      assert.equal(new Set(all).size, 18, `duplicate claims: ${JSON.stringify(claims)}`);
      const docs = await queue.get();
      for (const d of docs.docs) {
        assert.equal(d.get('status'), 'claimed');
        assert.ok(claims[d.get('by') as number].includes(d.id));
      }
    });

    it('a read-only transaction reads one consistent snapshot', async () => {
      const ref = root.doc('snapshot');
      await ref.set({ v: 1 });
      const seen = await db.runTransaction(
        async (t) => {
          const first = (await t.get(ref)).get('v') as number;
          await ref.set({ v: 2 });
          const second = (await t.get(ref)).get('v') as number;
          return [first, second];
        },
        { readOnly: true },
      );
      assert.deepEqual(seen, [1, 1]);
      assert.equal((await ref.get()).get('v'), 2);
    });

    it('reads at a past readTime see the old version', async () => {
      const ref = root.doc('readtime');
      const w1 = await ref.set({ v: 1 });
      await ref.set({ v: 2 });
      const old = await db.runTransaction((t) => t.get(ref), {
        readOnly: true,
        readTime: w1.writeTime,
      });
      assert.equal(old.get('v'), 1);
    });

    it('transactions that lock documents in opposite orders both complete (deadlock resolved)', async () => {
      const a = root.doc('dl-a');
      const b = root.doc('dl-b');
      await a.set({ n: 0 });
      await b.set({ n: 0 });
      let firstReads = 0;
      let release: () => void = () => undefined;
      const bothRead = new Promise<void>((resolve) => (release = resolve));
      const run = (x: typeof a, y: typeof a) =>
        db.runTransaction(async (t) => {
          const sx = await t.get(x);
          if (++firstReads === 2) release();
          // Make both transactions hold their first lock before asking for the second.
          await Promise.race([bothRead, new Promise((r) => setTimeout(r, 2000))]);
          const sy = await t.get(y);
          t.update(x, { n: (sx.get('n') as number) + 1 });
          t.update(y, { n: (sy.get('n') as number) + 1 });
        });
      await Promise.all([run(a, b), run(b, a)]);
      assert.equal((await a.get()).get('n'), 2);
      assert.equal((await b.get()).get('n'), 2);
    });

    it('a transaction whose read was overwritten outside it is aborted and retried', async () => {
      const ref = root.doc('conflict');
      await ref.set({ v: 0 });
      let attempts = 0;
      await db.runTransaction(async (t) => {
        attempts++;
        const v = (await t.get(ref)).get('v') as number;
        if (attempts === 1) await ref.set({ v: 100 });
        t.set(ref, { v: v + 1 });
      });
      assert.equal(attempts, 2);
      assert.equal((await ref.get()).get('v'), 101);
    });
  });

  describe('bulk and listing', () => {
    it('BulkWriter writes 1000 documents', async () => {
      const col = root.doc('bulk').collection('items');
      const writer = db.bulkWriter();
      for (let i = 0; i < 1000; i++) void writer.set(col.doc(`d${i}`), { i });
      await writer.close();
      const count = await col.count().get();
      assert.equal(count.data().count, 1000);
    });

    it('BulkWriter reports per-write failures without failing the others', async () => {
      const col = root.doc('bulk-fail').collection('items');
      await col.doc('taken').set({ v: 1 });
      const writer = db.bulkWriter();
      writer.onWriteError(() => false);
      const ok = writer.create(col.doc('fresh'), { v: 1 });
      const bad = writer.create(col.doc('taken'), { v: 2 });
      await writer.close();
      await ok;
      assert.equal(await codeOf(bad), grpc.status.ALREADY_EXISTS);
    });

    it('listCollections and listDocuments (including missing parents)', async () => {
      const parent = root.doc('lister');
      await parent.collection('b').doc('1').set({});
      await parent.collection('a').doc('1').set({});
      await parent.collection('c').doc('ghost').collection('deep').doc('x').set({});
      const ids = (await parent.listCollections()).map((c) => c.id);
      assert.deepEqual(ids, ['a', 'b', 'c']);
      const docs = await parent.collection('c').listDocuments();
      assert.deepEqual(
        docs.map((d) => d.id),
        ['ghost'],
      );
      const rootIds = (await db.listCollections()).map((c) => c.id);
      assert.ok(rootIds.includes(root.id));
    });

    it('getPartitions splits a collection group into cursor ranges that cover it', async () => {
      const group = `part-${RUN}`;
      const batch = db.batch();
      for (let i = 0; i < 30; i++)
        batch.set(
          root
            .doc(`p${i % 3}`)
            .collection(group)
            .doc(`d${i}`),
          { i },
        );
      await batch.commit();
      const seen: number[] = [];
      let parts = 0;
      for await (const partition of db.collectionGroup(group).getPartitions(4)) {
        parts++;
        const snap = await partition.toQuery().get();
        seen.push(...snap.docs.map((d) => d.get('i') as number));
      }
      assert.equal(parts, 4);
      assert.deepEqual(
        seen.sort((a, b) => a - b),
        Array.from({ length: 30 }, (_, i) => i),
      );
    });

    it('recursiveDelete removes a collection with nested and parentless documents', async () => {
      const col = root.doc('rd').collection('tree');
      await col.doc('a').set({ v: 1 });
      await col.doc('a').collection('sub').doc('s1').set({ v: 2 });
      await col.doc('phantom').collection('sub').doc('s2').set({ v: 3 });
      await db.recursiveDelete(col);
      assert.equal((await col.listDocuments()).length, 0);
      assert.equal((await col.doc('phantom').collection('sub').doc('s2').get()).exists, false);
      assert.equal(
        (await db.collectionGroup('sub').where('v', '>', 0).get()).docs.filter((d) =>
          d.ref.path.startsWith(col.path),
        ).length,
        0,
      );
    });
  });

  describe('emulator endpoints and raw requests', () => {
    it('DELETE /emulator/v1/.../documents clears one project and GET / answers Ok', async () => {
      const other = newApp(`demo-core-clear-${RUN}`);
      const ref = other.collection('c').doc('d');
      await ref.set({ v: 1 });
      await root.doc('survivor').set({ v: 1 });
      const res = await fetch(
        `http://${host}/emulator/v1/projects/demo-core-clear-${RUN}/databases/(default)/documents`,
        { method: 'DELETE' },
      );
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {});
      assert.equal((await ref.get()).exists, false);
      assert.equal((await root.doc('survivor').get()).exists, true);
      const ok = await fetch(`http://${host}/`);
      assert.equal(ok.status, 200);
      assert.equal((await ok.text()).trim(), 'Ok');
    });

    it('answers a malformed request with INVALID_ARGUMENT', async () => {
      const client = new grpc.Client(host, grpc.credentials.createInsecure());
      try {
        const code = await new Promise<number>((resolve) => {
          client.makeUnaryRequest(
            '/google.firestore.v1.Firestore/Commit',
            (b: Buffer) => b,
            (b: Buffer) => b,
            // Field 1 (database) claims 255 bytes but the message ends.
            Buffer.from([0x0a, 0xff, 0x01]),
            (err) => resolve(err?.code ?? 0),
          );
        });
        assert.equal(code, grpc.status.INVALID_ARGUMENT);
      } finally {
        client.close();
      }
    });

    it('rejects invalid names and field paths with INVALID_ARGUMENT', async () => {
      const base = `projects/${PROJECT_ID}/databases/(default)/documents`;
      const cases: unknown[][] = [
        [{ update: { name: `${base}/only-collection`, fields: {} } }],
        [{ update: { name: `${base}/c/__reserved__`, fields: {} } }],
        [
          {
            update: { name: `${base}/c/d`, fields: { a: { integerValue: '1' } } },
            updateMask: { fieldPaths: ['a..b'] },
          },
        ],
        [{ update: { name: `${base}/c/d`, fields: {} }, updateMask: { fieldPaths: ['bad-name'] } }],
        [{ update: { name: `${base}/c/d`, fields: { __x__: { integerValue: '1' } } } }],
        [{}],
      ];
      for (const writes of cases) {
        const code = await codeOf(rawCommit(writes));
        assert.equal(code, grpc.status.INVALID_ARGUMENT, JSON.stringify(writes));
      }
      // Backticked segments are valid field paths.
      await rawCommit([
        {
          update: {
            name: `${base}/${root.id}/ticks`,
            fields: { 'a-b': { mapValue: { fields: { 'c.d': { integerValue: '1' } } } } },
          },
          updateMask: { fieldPaths: ['`a-b`.`c.d`'] },
        },
      ]);
      const raw = await rawGet(`${root.id}/ticks`);
      assert.equal(raw.fields?.['a-b']?.mapValue?.fields?.['c.d']?.integerValue, '1');
    });
  });

  describe('REST-style RPCs and paging (raw gRPC)', () => {
    const base = () => `projects/${PROJECT_ID}/databases/(default)/documents/${root.id}/rest`;

    it('CreateDocument, UpdateDocument and DeleteDocument', async () => {
      const client = rawClient();
      try {
        const created = (await call(client, 'CreateDocument', {
          parent: base(),
          collectionId: 'items',
          documentId: 'one',
          document: { fields: { a: { integerValue: '1' } } },
        })) as { name: string; fields: Record<string, RawValue> };
        assert.equal(created.name, `${base()}/items/one`);
        assert.equal(
          await codeOf(
            call(client, 'CreateDocument', {
              parent: base(),
              collectionId: 'items',
              documentId: 'one',
              document: {},
            }),
          ),
          grpc.status.ALREADY_EXISTS,
        );
        const auto = (await call(client, 'CreateDocument', {
          parent: base(),
          collectionId: 'items',
          document: {},
        })) as { name: string };
        assert.match(auto.name, /\/items\/[A-Za-z0-9]{20}$/);
        const updated = (await call(client, 'UpdateDocument', {
          document: { name: created.name, fields: { b: { integerValue: '2' } } },
          updateMask: { fieldPaths: ['b'] },
          mask: { fieldPaths: ['b'] },
        })) as { fields: Record<string, RawValue> };
        assert.deepEqual(Object.keys(updated.fields), ['b']);
        await call(client, 'DeleteDocument', {
          name: created.name,
          currentDocument: { exists: true },
        });
        assert.equal(
          await codeOf(
            call(client, 'DeleteDocument', {
              name: created.name,
              currentDocument: { exists: true },
            }),
          ),
          grpc.status.NOT_FOUND,
        );
      } finally {
        client.close();
      }
    });

    it('ListCollectionIds and ListDocuments page through results', async () => {
      const parent = `${base()}/pages/p`;
      const batch = db.batch();
      for (const c of ['c1', 'c2', 'c3']) batch.set(db.doc(`${root.id}/rest/pages/p/${c}/x`), {});
      for (let i = 0; i < 5; i++) batch.set(db.doc(`${root.id}/rest/pages/p/c1/d${i}`), {});
      await batch.commit();
      const client = rawClient();
      try {
        const ids: string[] = [];
        let pageToken = '';
        do {
          const res = (await call(client, 'ListCollectionIds', {
            parent,
            pageSize: 2,
            pageToken,
          })) as {
            collectionIds: string[];
            nextPageToken: string;
          };
          assert.ok(res.collectionIds.length <= 2);
          ids.push(...res.collectionIds);
          pageToken = res.nextPageToken;
        } while (pageToken);
        assert.deepEqual(ids, ['c1', 'c2', 'c3']);

        const names: string[] = [];
        do {
          const res = (await call(client, 'ListDocuments', {
            parent,
            collectionId: 'c1',
            pageSize: 4,
            pageToken,
          })) as { documents: { name: string }[]; nextPageToken: string };
          names.push(...res.documents.map((d) => d.name.slice(d.name.lastIndexOf('/') + 1)));
          pageToken = res.nextPageToken;
        } while (pageToken);
        assert.deepEqual(names, ['d0', 'd1', 'd2', 'd3', 'd4', 'x']);
      } finally {
        client.close();
      }
    });
  });

  describe('lifecycle and persistence (own in-process emulator)', () => {
    it('onCommit reports every changed document once per commit, in proto3 JSON', async () => {
      const own = new FirestoreEmulator({ projectId: PROJECT_ID });
      const port = await own.listen('127.0.0.1', 0);
      const events: CommitEvent[] = [];
      const off = own.onCommit((e) => events.push(e));
      const client = new (
        loadFirestoreProtos() as unknown as {
          google: { firestore: { v1: { Firestore: grpc.ServiceClientConstructor } } };
        }
      ).google.firestore.v1.Firestore(
        `127.0.0.1:${port}`,
        grpc.credentials.createInsecure(),
      ) as unknown as RawClient;
      try {
        const database = `projects/${PROJECT_ID}/databases/(default)`;
        const name = `${database}/documents/ev/one`;
        await call(client, 'Commit', {
          database,
          writes: [
            { update: { name, fields: { n: { integerValue: '1' } } } },
            {
              update: { name, fields: {} },
              updateMask: { fieldPaths: [] },
              updateTransforms: [{ fieldPath: 't', setToServerValue: 'REQUEST_TIME' }],
            },
          ],
        });
        await call(client, 'Commit', {
          database,
          writes: [{ delete: name }, { delete: `${name}-missing` }],
        });
        assert.equal(events.length, 2);
        const [created, deleted] = events;
        assert.equal(created.projectId, PROJECT_ID);
        assert.equal(created.databaseId, '(default)');
        assert.equal(created.changes.length, 1);
        const after = created.changes[0].after;
        assert.ok(after && !created.changes[0].before);
        assert.deepEqual(after.fields.n, { integerValue: '1' });
        assert.deepEqual(after.fields.t, { timestampValue: created.commitTime });
        assert.equal(after.updateTime, created.commitTime);
        assert.equal(deleted.changes.length, 1);
        assert.ok(deleted.changes[0].before && !deleted.changes[0].after);
      } finally {
        off();
        client.close();
        await own.close();
      }
    });

    it('close() ends open Listen streams and export/import round-trips documents', async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fs-export-'));
      const first = new FirestoreEmulator({ projectId: PROJECT_ID });
      const second = new FirestoreEmulator({ projectId: PROJECT_ID });
      const firstPort = await first.listen('127.0.0.1', 0);
      const secondPort = await second.listen('127.0.0.1', 0);
      // A raw Listen stream, as the SDK's onSnapshot opens it.
      const pkg = loadFirestoreProtos() as unknown as {
        google: { firestore: { v1: { Firestore: grpc.ServiceClientConstructor } } };
      };
      const client = new pkg.google.firestore.v1.Firestore(
        `127.0.0.1:${firstPort}`,
        grpc.credentials.createInsecure(),
      ) as unknown as grpc.Client & { Listen(): grpc.ClientDuplexStream<unknown, unknown> };
      try {
        const database = `projects/${PROJECT_ID}/databases/(default)`;
        const name = `${database}/documents/persist/doc`;
        await new Promise<void>((resolve, reject) =>
          (client as unknown as RawClient).Commit(
            {
              database,
              writes: [
                {
                  update: {
                    name,
                    fields: {
                      s: { stringValue: 'x' },
                      b: { bytesValue: Buffer.from([1, 2]) },
                      t: { timestampValue: { seconds: '1700000000', nanos: 123456000 } },
                      m: {
                        mapValue: { fields: { a: { arrayValue: { values: [{ nullValue: 0 }] } } } },
                      },
                    },
                  },
                },
              ],
            },
            (err) => (err ? reject(err) : resolve()),
          ),
        );
        const stream = client.Listen();
        const ended = new Promise<void>((resolve) => {
          stream.on('error', () => resolve());
          stream.on('end', () => resolve());
        });
        stream.on('data', () => undefined);
        stream.write({ database, addTarget: { targetId: 1, documents: { documents: [name] } } });
        assert.equal(await first.exportData(dir), 1);
        await first.close();
        await ended;

        assert.equal(await second.importData(dir), 1);
        const other = new pkg.google.firestore.v1.Firestore(
          `127.0.0.1:${secondPort}`,
          grpc.credentials.createInsecure(),
        ) as unknown as RawClient;
        try {
          const doc = await new Promise<RawDoc & Record<string, unknown>>((resolve, reject) =>
            other.GetDocument({ name }, (err, res) =>
              err ? reject(err) : resolve(res as RawDoc & Record<string, unknown>),
            ),
          );
          const fields = doc.fields as Record<string, Record<string, unknown>>;
          assert.equal(fields.s.stringValue, 'x');
          assert.deepEqual([...(fields.b.bytesValue as Buffer)], [1, 2]);
          assert.deepEqual(fields.t.timestampValue, { seconds: '1700000000', nanos: 123456000 });
        } finally {
          other.close();
        }
      } finally {
        client.close();
        await first.close();
        await second.close();
        await fs.rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('lock waits (own in-process emulator, to see which reads wait)', () => {
    it('a deadlock through a transaction with two reads waiting at once is resolved at once', async () => {
      const own = new FirestoreEmulator({ projectId: PROJECT_ID });
      const port = await own.listen('127.0.0.1', 0);
      const app = initializeApp({ projectId: PROJECT_ID }, `firestore-core-${RUN}-locks`);
      const saved = process.env.FIRESTORE_EMULATOR_HOST;
      process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
      // The client reads the variable once, when it is created.
      const ownDb = getFirestore(app);
      if (saved === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
      else process.env.FIRESTORE_EMULATOR_HOST = saved;
      // Which documents have reads waiting for their lock, from the server's lock table.
      const core = own['core'];
      const waitingOn = (id: string): boolean =>
        core.txns['waiters'].has(`projects/${PROJECT_ID}/databases/(default)/documents/dl3/${id}`);
      const until = async (what: string, probe: () => boolean): Promise<void> => {
        const deadline = Date.now() + 10_000;
        while (!probe()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      const ref = (id: string) => ownDb.doc(`dl3/${id}`);
      const gate = () => {
        let open: () => void = () => undefined;
        const opened = new Promise<void>((resolve) => (open = resolve));
        return { open, opened };
      };
      try {
        await Promise.all(['x', 'y', 'z'].map((id) => ref(id).set({ n: 0 })));
        const [t2Locked, t3Locked, t1Locked, t2Go, t3Go] = [gate(), gate(), gate(), gate(), gate()];
        // t2 holds x, t3 holds y, t1 holds z and then waits for x and y at the same time.
        const t2 = ownDb.runTransaction(async (t) => {
          const x = await t.get(ref('x'));
          t2Locked.open();
          await t2Go.opened;
          await t.get(ref('z'));
          t.update(x.ref, { n: (x.get('n') as number) + 1 });
        });
        const t3 = ownDb.runTransaction(async (t) => {
          const y = await t.get(ref('y'));
          t3Locked.open();
          await t3Go.opened;
          t.update(y.ref, { n: (y.get('n') as number) + 1 });
        });
        await Promise.all([t2Locked.opened, t3Locked.opened]);
        const t1 = ownDb.runTransaction(async (t) => {
          const z = await t.get(ref('z'));
          t1Locked.open();
          await Promise.all([t.get(ref('x')), t.get(ref('y'))]);
          t.update(z.ref, { n: (z.get('n') as number) + 1 });
        });
        await t1Locked.opened;
        await until('t1 to wait for x and y', () => waitingOn('x') && waitingOn('y'));
        // t3 finishes: t1 gets y and goes on waiting for x (held by t2).
        t3Go.open();
        await t3;
        // t2 now asks for z (held by t1): a deadlock, which Firestore resolves at once.
        const started = Date.now();
        t2Go.open();
        await Promise.all([t1, t2]);
        const took = Date.now() - started;
        assert.ok(took < 5000, `the deadlock took ${took} ms to resolve`);
        for (const id of ['x', 'y', 'z']) assert.equal((await ref(id).get()).get('n'), 1);
      } finally {
        await deleteApp(app);
        await own.close();
      }
    });
  });

  // ---- raw gRPC helpers ----

  interface RawValue {
    integerValue?: string;
    mapValue?: { fields?: Record<string, RawValue> };
  }
  interface RawDoc {
    fields?: Record<string, RawValue>;
  }
  type RawClient = grpc.Client & {
    Commit(req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void): void;
    GetDocument(req: unknown, cb: (err: grpc.ServiceError | null, res: RawDoc) => void): void;
  };

  function rawClient(): RawClient {
    const pkg = loadFirestoreProtos() as unknown as {
      google: { firestore: { v1: { Firestore: grpc.ServiceClientConstructor } } };
    };
    // The admin token, as firebase-admin sends it: these requests are not judged by rules.
    const asOwner: grpc.Interceptor = (options, next) =>
      new grpc.InterceptingCall(next(options), {
        start(metadata, listener, start) {
          metadata.set('authorization', 'Bearer owner');
          start(metadata, listener);
        },
      });
    return new pkg.google.firestore.v1.Firestore(host, grpc.credentials.createInsecure(), {
      interceptors: [asOwner],
    }) as unknown as RawClient;
  }

  function call(client: RawClient, method: string, req: unknown): Promise<unknown> {
    const fn = (client as unknown as Record<string, unknown>)[method] as (
      this: RawClient,
      r: unknown,
      cb: (err: grpc.ServiceError | null, res: unknown) => void,
    ) => void;
    return new Promise((resolve, reject) =>
      fn.call(client, req, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  async function rawCommit(writes: unknown[]): Promise<unknown> {
    const client = rawClient();
    try {
      return await new Promise((resolve, reject) =>
        client.Commit(
          { database: `projects/${PROJECT_ID}/databases/(default)`, writes },
          (err, res) => (err ? reject(err) : resolve(res)),
        ),
      );
    } finally {
      client.close();
    }
  }

  async function rawGet(path: string): Promise<RawDoc> {
    const client = rawClient();
    try {
      return await new Promise<RawDoc>((resolve, reject) =>
        client.GetDocument(
          { name: `projects/${PROJECT_ID}/databases/(default)/documents/${path}` },
          (err, res) => (err ? reject(err) : resolve(res)),
        ),
      );
    } finally {
      client.close();
    }
  }
});
