// Index checks end to end, through the unmodified firebase-admin SDK: the emulator reads its
// own temporary firestore.indexes.json (never the project's), refuses with FAILED_PRECONDITION
// the queries production could not serve, names the entry to add, and re-reads the file when it
// changes. Expectations come from the Firestore documentation on index types and on queries
// that single-field indexes support (see firestore-indexes-unit.test.ts for the rule list).
import { strict as assert } from 'node:assert';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, deleteApp, initializeApp } from 'firebase-admin/app';
import {
  AggregateField,
  CollectionReference,
  Firestore,
  Query,
  getFirestore,
} from 'firebase-admin/firestore';
import { FirestoreEmulator } from '../src/firestore/server';
import { RUN, waitFor } from './firestore-query-harness';

process.env.METADATA_SERVER_DETECTION ??= 'none';

const PROJECT = 'demo-index-checks';
const FAILED_PRECONDITION = 9;

interface IndexFile {
  indexes?: unknown[];
  fieldOverrides?: unknown[];
}

/** The gRPC code and message of a rejected promise; fails when it resolves. */
async function failure(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: unknown; details?: unknown; message?: unknown };
    assert.equal(typeof e.code, 'number', `expected a gRPC error, got ${String(err)}`);
    return { code: e.code as number, message: String(e.details ?? e.message) };
  }
  return assert.fail('expected the query to be refused');
}

/** The JSON entry at the end of a missing-index message. */
function entryOf(message: string): unknown {
  return JSON.parse(message.slice(message.indexOf('{')));
}

describe('firestore index checks (own emulator, own index file)', function () {
  this.timeout(30_000);
  let dir: string;
  let file: string;
  let server: FirestoreEmulator;
  let app: App;
  let db: Firestore;
  let col: CollectionReference;
  const logs: string[] = [];
  let previousHost: string | undefined;

  /** Writes the index file and waits until the emulator logged that it re-read it. */
  async function declare(content: IndexFile | string): Promise<void> {
    const before = logs.length;
    const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
    await fsp.writeFile(file, text);
    await waitFor(
      () => (logs.slice(before).some((l) => l.includes(file)) ? true : undefined),
      'the emulator to log that it re-read the index file',
    );
  }

  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'fs-indexes-'));
    file = path.join(dir, 'firestore.indexes.json');
    await fsp.writeFile(file, JSON.stringify({ indexes: [], fieldOverrides: [] }));
    server = new FirestoreEmulator({
      projectId: PROJECT,
      indexes: { file, log: (line) => logs.push(line) },
    });
    const port = await server.listen('127.0.0.1', 0);
    // The SDK reads FIRESTORE_EMULATOR_HOST when the app's Firestore is created.
    previousHost = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
    app = initializeApp({ projectId: PROJECT }, `index-checks-${RUN}`);
    db = getFirestore(app);
    col = db.collection(`cities-${RUN}`);
    await db.doc('init/x').get(); // the client connects now, while the variable points here
    const batch = db.batch();
    const cities = [
      {
        id: 'sf',
        state: 'CA',
        country: 'USA',
        population: 860,
        name: 'San Francisco',
        regions: ['west_coast', 'norcal'],
      },
      {
        id: 'la',
        state: 'CA',
        country: 'USA',
        population: 3900,
        name: 'Los Angeles',
        regions: ['west_coast', 'socal'],
      },
      {
        id: 'dc',
        state: null,
        country: 'USA',
        population: 680,
        name: 'Washington',
        regions: ['east_coast'],
      },
      {
        id: 'tok',
        state: null,
        country: 'Japan',
        population: 9000,
        name: 'Tokyo',
        regions: ['kanto', 'honshu'],
      },
      {
        id: 'bj',
        state: null,
        country: 'China',
        population: 21500,
        name: 'Beijing',
        regions: ['jingjinji', 'hebei'],
      },
    ];
    for (const { id, ...data } of cities) batch.set(col.doc(id), data);
    await batch.commit();
  });

  after(async () => {
    await deleteApp(app);
    if (previousHost === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = previousHost;
    await server.close();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  const ids = async (q: Query) => (await q.get()).docs.map((d) => d.id);

  it('serves single-field queries and merged equality queries with no index declared', async () => {
    assert.deepEqual(await ids(col.where('state', '==', 'CA').orderBy('__name__')), ['la', 'sf']);
    assert.deepEqual(await ids(col.where('population', '>', 5000)), ['tok', 'bj']);
    assert.deepEqual(await ids(col.orderBy('population', 'desc').limit(2)), ['bj', 'tok']);
    assert.deepEqual(await ids(col.where('regions', 'array-contains', 'west_coast')), ['la', 'sf']);
    // Several equality filters: served by merging the single-field indexes.
    assert.deepEqual(
      await ids(
        col
          .where('state', '==', 'CA')
          .where('country', '==', 'USA')
          .where('name', '==', 'Los Angeles'),
      ),
      ['la'],
    );
  });

  it('refuses equality plus orderBy on another field until the entry from the message is declared', async () => {
    const q = col.where('country', '==', 'USA').orderBy('population', 'desc');
    const refused = await failure(q.get());
    assert.equal(refused.code, FAILED_PRECONDITION);
    assert.match(refused.message, /The query requires an index/);
    assert.ok(refused.message.includes(file), 'the message names the index file');
    const entry = entryOf(refused.message);
    assert.deepEqual(entry, {
      collectionGroup: col.id,
      queryScope: 'COLLECTION',
      fields: [
        { fieldPath: 'country', order: 'ASCENDING' },
        { fieldPath: 'population', order: 'DESCENDING' },
      ],
    });
    await declare({ indexes: [entry] });
    assert.deepEqual(await ids(q), ['la', 'sf', 'dc']);
  });

  it('a range on one field ordered by another needs the composite index in that order and direction', async () => {
    const q = col.where('population', '>', 700).orderBy('name', 'desc');
    const right = {
      collectionGroup: col.id,
      queryScope: 'COLLECTION',
      fields: [
        { fieldPath: 'name', order: 'DESCENDING' },
        { fieldPath: 'population', order: 'DESCENDING' },
      ],
    };
    assert.deepEqual(entryOf((await failure(q.get())).message), right);
    // Declared in the wrong order, or the wrong direction: still refused.
    await declare({
      indexes: [
        { ...right, fields: [right.fields[1], right.fields[0]] },
        { ...right, fields: [right.fields[0], { fieldPath: 'population', order: 'ASCENDING' }] },
      ],
    });
    assert.equal((await failure(q.get())).code, FAILED_PRECONDITION);
    await declare({ indexes: [right] });
    assert.deepEqual(await ids(q), ['tok', 'sf', 'la', 'bj']);
  });

  it('array-contains with orderBy on another field needs a composite index with arrayConfig', async () => {
    const q = col.where('regions', 'array-contains', 'west_coast').orderBy('population');
    const entry = entryOf((await failure(q.get())).message);
    assert.deepEqual(entry, {
      collectionGroup: col.id,
      queryScope: 'COLLECTION',
      fields: [
        { fieldPath: 'regions', arrayConfig: 'CONTAINS' },
        { fieldPath: 'population', order: 'ASCENDING' },
      ],
    });
    await declare({ indexes: [entry] });
    assert.deepEqual(await ids(q), ['sf', 'la']);
  });

  it('a collection-group query on a field needs the field override with COLLECTION_GROUP scope', async () => {
    const group = `members-${RUN}`;
    await db.doc(`orgs/a/${group}/u1`).set({ uid: 'u1' });
    await db.doc(`orgs/b/${group}/u1`).set({ uid: 'u1' });
    const q = db.collectionGroup(group).where('uid', '==', 'u1');
    const refused = await failure(q.get());
    assert.equal(refused.code, FAILED_PRECONDITION);
    assert.match(refused.message, /COLLECTION_GROUP/);
    const entry = entryOf(refused.message);
    assert.deepEqual(entry, {
      collectionGroup: group,
      fieldPath: 'uid',
      indexes: [
        { order: 'ASCENDING', queryScope: 'COLLECTION' },
        { order: 'DESCENDING', queryScope: 'COLLECTION' },
        { arrayConfig: 'CONTAINS', queryScope: 'COLLECTION' },
        { order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' },
      ],
    });
    // The same query on one collection is served by the automatic collection-scope index.
    assert.equal((await db.collection(`orgs/a/${group}`).where('uid', '==', 'u1').get()).size, 1);
    await declare({ fieldOverrides: [entry] });
    assert.equal((await q.get()).size, 2);
  });

  it('an exempted field is refused even for a simple filter', async () => {
    await declare({
      fieldOverrides: [{ collectionGroup: col.id, fieldPath: 'name', indexes: [] }],
    });
    const refused = await failure(col.where('name', '==', 'Tokyo').get());
    assert.equal(refused.code, FAILED_PRECONDITION);
    assert.deepEqual(entryOf(refused.message), {
      collectionGroup: col.id,
      fieldPath: 'name',
      indexes: [{ order: 'ASCENDING', queryScope: 'COLLECTION' }],
    });
    assert.equal((await failure(col.orderBy('name').get())).code, FAILED_PRECONDITION);
    // Other fields keep their automatic indexes.
    assert.deepEqual(await ids(col.where('country', '==', 'Japan')), ['tok']);
  });

  it('aggregation queries are checked the same way', async () => {
    await declare({ indexes: [] });
    const q = col.where('country', '==', 'USA').orderBy('population', 'desc');
    assert.equal((await failure(q.count().get())).code, FAILED_PRECONDITION);
    const sum = q.aggregate({ total: AggregateField.sum('population') }).get();
    assert.equal((await failure(sum)).code, FAILED_PRECONDITION);
    assert.equal((await col.where('country', '==', 'USA').count().get()).data().count, 3);
  });

  it('Listen targets are checked the same way', async () => {
    const q = col.where('country', '==', 'USA').orderBy('population', 'desc');
    const err = await new Promise<Error>((resolve, reject) => {
      const stop = q.onSnapshot(
        () => {
          stop();
          reject(new Error('the listener got a snapshot of a query that needs an index'));
        },
        (e) => resolve(e),
      );
    });
    // firebase-admin turns a target removed with a cause into Error("Error <code>: <message>").
    assert.match(err.message, /^Error 9: The query requires an index/);
    // A served query listens as usual.
    const snap = await new Promise<number>((resolve, reject) => {
      const stop = col.where('country', '==', 'USA').onSnapshot((s) => {
        stop();
        resolve(s.size);
      }, reject);
    });
    assert.equal(snap, 3);
  });

  it('an invalid file is reported and the last good configuration stays', async () => {
    const entry = {
      collectionGroup: col.id,
      queryScope: 'COLLECTION',
      fields: [
        { fieldPath: 'country', order: 'ASCENDING' },
        { fieldPath: 'population', order: 'DESCENDING' },
      ],
    };
    await declare({ indexes: [entry] });
    const q = col.where('country', '==', 'USA').orderBy('population', 'desc');
    assert.equal((await q.get()).size, 3);
    const before = logs.length;
    await declare('{ "indexes": [ { "collectionGroup": ');
    assert.ok(
      logs.slice(before).some((l) => /is invalid .*keeping the last good/.test(l)),
      `expected an "invalid, keeping the last good" log line, got ${logs.slice(before).join(' | ')}`,
    );
    assert.equal((await q.get()).size, 3);
    await declare({
      indexes: [{ collectionGroup: col.id, fields: [{ fieldPath: 'a', order: 'UP' }] }],
    });
    assert.match(logs[logs.length - 1], /order/);
    assert.equal((await q.get()).size, 3);
    // A valid file again replaces it.
    await declare({ indexes: [] });
    assert.match(logs[logs.length - 1], /reloaded/);
    assert.equal((await failure(q.get())).code, FAILED_PRECONDITION);
  });

  it('a malformed query is INVALID_ARGUMENT before any index check', async () => {
    // `in` takes at most 30 values (documented query limitation), and this query would also
    // need a composite index: the caller hears about the bad filter first.
    const values = Array.from({ length: 31 }, (_, i) => `c${i}`);
    const q = col.where('country', 'in', values).orderBy('population');
    const refused = await failure(q.get());
    assert.equal(refused.code, 3);
  });

  it('reports which declared entries served queries and which did not', async () => {
    const used = {
      collectionGroup: col.id,
      queryScope: 'COLLECTION',
      fields: [
        { fieldPath: 'country', order: 'ASCENDING' },
        { fieldPath: 'name', order: 'ASCENDING' },
      ],
    };
    const unused = {
      collectionGroup: col.id,
      queryScope: 'COLLECTION',
      fields: [
        { fieldPath: 'state', order: 'ASCENDING' },
        { fieldPath: 'name', order: 'DESCENDING' },
      ],
    };
    const exemption = { collectionGroup: col.id, fieldPath: 'notes', indexes: [] };
    await declare({ indexes: [used, unused], fieldOverrides: [exemption] });
    await col.where('country', '==', 'USA').orderBy('name').get();
    const report = server.indexUsage();
    assert.ok(report);
    assert.deepEqual(
      report.used.map((u) => u.entry),
      [used],
    );
    assert.deepEqual(
      report.unused.map((u) => u.entry),
      [unused],
    );
    assert.deepEqual(
      report.exemptions.map((u) => u.entry),
      [exemption],
    );
  });

  it('a database can be given its own configuration, or no checks, over HTTP', async () => {
    await declare({ indexes: [] });
    const host = process.env.FIRESTORE_EMULATOR_HOST ?? '';
    const url = `http://${host}/emulator/v1/projects/${PROJECT}/databases/(default)/indexConfig`;
    const q = col.where('country', '==', 'USA').orderBy('population', 'desc');
    assert.equal((await failure(q.get())).code, FAILED_PRECONDITION);
    let res = await fetch(url, { method: 'PUT', body: JSON.stringify({ checks: false }) });
    assert.equal(res.status, 200);
    assert.equal((await q.get()).size, 3);
    res = await fetch(url, { method: 'PUT', body: '{"indexes": [{"collectionGroup": 1}]}' });
    assert.equal(res.status, 400);
    res = await fetch(url, { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.equal((await failure(q.get())).code, FAILED_PRECONDITION);
  });

  it('an emulator with checks turned off (FIRESTORE_INDEX_CHECKS=off) serves every query', async () => {
    const lax = new FirestoreEmulator({ projectId: PROJECT, indexes: { file, enabled: false } });
    const port = await lax.listen('127.0.0.1', 0);
    const saved = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
    const laxApp = initializeApp({ projectId: PROJECT }, `index-checks-off-${RUN}`);
    try {
      const laxDb = getFirestore(laxApp);
      const c = laxDb.collection('c');
      await c.doc('a').set({ x: 1, y: 2 });
      assert.equal((await c.where('x', '==', 1).orderBy('y', 'desc').get()).size, 1);
      assert.equal(lax.indexUsage(), undefined);
    } finally {
      await deleteApp(laxApp);
      process.env.FIRESTORE_EMULATOR_HOST = saved;
      await lax.close();
    }
  });
});
