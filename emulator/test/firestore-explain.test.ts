// Query Explain (explain_options on RunQuery and RunAggregationQuery, explain.ts) through the
// unmodified firebase-admin SDK's explain() and plain REST, written from Google's "Query
// Explain" documentation and query_profile.proto: planning without running, execution stats
// for analyze, and a plan summary naming the indexes our planner serves the query from (from a
// firestore.indexes.json this suite writes). Starts its own emulator on a free port.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, deleteApp, initializeApp } from 'firebase-admin/app';
import {
  AggregateField,
  CollectionReference,
  Firestore,
  getFirestore,
} from 'firebase-admin/firestore';
import { FirestoreEmulator } from '../src/firestore/server';

process.env.METADATA_SERVER_DETECTION ??= 'none';

const PROJECT = 'demo-explain';
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const GROUP = `explain-${RUN}`;

const INDEXES = {
  indexes: [
    {
      collectionGroup: GROUP,
      queryScope: 'COLLECTION',
      fields: [
        { fieldPath: 'a', order: 'ASCENDING' },
        { fieldPath: 'b', order: 'DESCENDING' },
      ],
    },
    {
      collectionGroup: GROUP,
      queryScope: 'COLLECTION',
      fields: [{ fieldPath: 'embedding', vectorConfig: { dimension: 3, flat: {} } }],
    },
  ],
  fieldOverrides: [],
};

describe('firestore query explain', function () {
  this.timeout(30_000);
  let dir: string;
  let emulator: FirestoreEmulator;
  let app: App;
  let db: Firestore;
  let col: CollectionReference;
  let port: number;
  let saved: string | undefined;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'explain-'));
    const file = path.join(dir, 'firestore.indexes.json');
    await fs.writeFile(file, JSON.stringify(INDEXES));
    emulator = new FirestoreEmulator({
      projectId: PROJECT,
      log: () => undefined,
      indexes: { file, log: () => undefined },
    });
    port = await emulator.listen('127.0.0.1', 0);
    saved = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
    app = initializeApp({ projectId: PROJECT }, `explain-${RUN}`);
    db = getFirestore(app);
    col = db.collection(GROUP);
    const batch = db.batch();
    batch.set(col.doc('d1'), { a: 1, b: 1, foo: 1 });
    batch.set(col.doc('d2'), { a: 1, b: 2, foo: 2 });
    batch.set(col.doc('d3'), { a: 2, b: 3, foo: 1 });
    await batch.commit();
  });

  after(async () => {
    await deleteApp(app);
    if (saved === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = saved;
    await emulator.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('plans without running: the automatic index, no stats, no snapshot', async () => {
    const res = await col.where('foo', '>', 1).explain();
    assert.deepEqual(res.metrics.planSummary.indexesUsed, [
      { query_scope: 'Collection', properties: '(foo ASC, __name__ ASC)' },
    ]);
    assert.equal(res.metrics.executionStats, null);
    assert.equal(res.snapshot, null);
  });

  it('names the declared composite index that serves the query', async () => {
    const res = await col.where('a', '==', 1).orderBy('b', 'desc').explain({ analyze: false });
    assert.deepEqual(res.metrics.planSummary.indexesUsed, [
      { query_scope: 'Collection', properties: '(a ASC, b DESC, __name__ DESC)' },
    ]);
    // A query no index serves is refused before it is planned, as it would be run.
    await assert.rejects(col.where('a', '==', 1).orderBy('foo').explain(), /requires an index/);
    // A query on __name__ alone reads the built-in document-name index.
    const byName = await col.explain();
    assert.deepEqual(byName.metrics.planSummary.indexesUsed, [
      { query_scope: 'Collection', properties: '(__name__ ASC)' },
    ]);
  });

  it('analyze runs the query and reports execution stats', async () => {
    const res = await col.where('foo', '==', 1).explain({ analyze: true });
    assert.ok(res.snapshot);
    assert.deepEqual(
      res.snapshot.docs.map((d) => d.id),
      ['d1', 'd3'],
    );
    const stats = res.metrics.executionStats;
    assert.ok(stats);
    assert.equal(stats.resultsReturned, 2);
    assert.equal(stats.readOperations, 2);
    assert.ok(stats.executionDuration.seconds > 0 || stats.executionDuration.nanoseconds > 0);
    assert.equal(stats.debugStats.documents_scanned, '2');
    assert.ok('billing_details' in stats.debugStats);
    // No match still bills one read (production's minimum query cost).
    const none = await col.where('foo', '==', 12345).explain({ analyze: true });
    assert.equal(none.snapshot?.size, 0);
    assert.equal(none.metrics.executionStats?.resultsReturned, 0);
    assert.equal(none.metrics.executionStats?.readOperations, 1);
  });

  it('explains aggregation queries, planned and analyzed', async () => {
    const agg = col
      .where('a', '==', 1)
      .aggregate({ n: AggregateField.count(), s: AggregateField.sum('b') });
    const planned = await agg.explain();
    assert.equal(planned.snapshot, null);
    assert.equal(planned.metrics.executionStats, null);
    assert.ok(planned.metrics.planSummary.indexesUsed.length > 0);
    const analyzed = await agg.explain({ analyze: true });
    assert.deepEqual(analyzed.snapshot?.data(), { n: 2, s: 3 });
    assert.equal(analyzed.metrics.executionStats?.resultsReturned, 1);
  });

  it('names the vector index of a findNearest query', async () => {
    const vq = col.findNearest({
      vectorField: 'embedding',
      queryVector: [1, 2, 3],
      limit: 5,
      distanceMeasure: 'COSINE',
    });
    // VectorQuery.explain() exists at run time; this SDK version's typings lack it.
    const explainable = vq as unknown as {
      explain(): Promise<{ metrics: { planSummary: { indexesUsed: Record<string, unknown>[] } } }>;
    };
    const res = await explainable.explain();
    assert.deepEqual(res.metrics.planSummary.indexesUsed, [
      { query_scope: 'Collection', properties: '(embedding VECTOR<3>)' },
    ]);
    // With index checks on, a vector query no vector index serves is refused, as in production.
    const wrongDimension = col.findNearest({
      vectorField: 'embedding',
      queryVector: [1, 2],
      limit: 5,
      distanceMeasure: 'COSINE',
    });
    await assert.rejects(wrongDimension.get(), /vector index.*"dimension":2/);
  });

  it('answers explain over REST in proto3 JSON (Struct as JSON, Duration as seconds)', async () => {
    const url = `http://127.0.0.1:${port}/v1/projects/${PROJECT}/databases/(default)/documents:runQuery`;
    const query = {
      from: [{ collectionId: GROUP }],
      where: {
        fieldFilter: { field: { fieldPath: 'foo' }, op: 'EQUAL', value: { integerValue: '2' } },
      },
    };
    const plan = await fetch(url, {
      method: 'POST',
      headers: { authorization: 'Bearer owner' },
      body: JSON.stringify({ structuredQuery: query, explainOptions: {} }),
    });
    assert.equal(plan.status, 200);
    assert.deepEqual(await plan.json(), [
      {
        explainMetrics: {
          planSummary: {
            indexesUsed: [{ query_scope: 'Collection', properties: '(foo ASC, __name__ ASC)' }],
          },
        },
      },
    ]);
    const run = await fetch(url, {
      method: 'POST',
      headers: { authorization: 'Bearer owner' },
      body: JSON.stringify({ structuredQuery: query, explainOptions: { analyze: true } }),
    });
    const body = (await run.json()) as {
      document?: unknown;
      explainMetrics?: { executionStats: Record<string, unknown> };
    }[];
    assert.equal(body.length, 1);
    assert.ok(body[0].document);
    const stats = body[0].explainMetrics?.executionStats;
    assert.equal(stats?.resultsReturned, '1');
    assert.match(String(stats?.executionDuration), /^\d+(\.\d+)?s$/);
  });
});
