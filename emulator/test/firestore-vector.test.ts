// Vector search (StructuredQuery.find_nearest, vector.ts) through the unmodified firebase-admin
// SDK and plain REST, written from Google's "Search with vector embeddings" documentation and
// the FindNearest messages of query.proto: the three distance measures, prefilters,
// distanceResultField, distanceThreshold, which documents take part, limits, and where vectors
// sort among the other value types. Starts its own emulator (no index checks) on a free port.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { App, deleteApp, initializeApp } from 'firebase-admin/app';
import { CollectionReference, FieldValue, Firestore, getFirestore } from 'firebase-admin/firestore';
import { FirestoreEmulator } from '../src/firestore/server';

process.env.METADATA_SERVER_DETECTION ??= 'none';

const PROJECT = 'demo-vector';
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** Resolves with the gRPC status code of a rejected promise (fails if it resolves). */
async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    return (err as { code: number }).code;
  }
  assert.fail('expected the call to fail');
}

const INVALID_ARGUMENT = 3;

describe('firestore vector search (findNearest)', function () {
  this.timeout(30_000);
  let emulator: FirestoreEmulator;
  let app: App;
  let db: Firestore;
  let port: number;
  let saved: string | undefined;
  let n = 0;

  /** A fresh collection with `docs` (id → data). */
  async function collection(
    docs: Record<string, Record<string, unknown>>,
  ): Promise<CollectionReference> {
    const col = db.collection(`vec-${RUN}-${n++}`);
    const batch = db.batch();
    for (const [id, data] of Object.entries(docs)) batch.set(col.doc(id), data);
    await batch.commit();
    return col;
  }

  const v = (...xs: number[]) => FieldValue.vector(xs);

  before(async () => {
    emulator = new FirestoreEmulator({ projectId: PROJECT, log: () => undefined });
    port = await emulator.listen('127.0.0.1', 0);
    saved = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
    app = initializeApp({ projectId: PROJECT }, `vector-${RUN}`);
    db = getFirestore(app);
  });

  after(async () => {
    await deleteApp(app);
    if (saved === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = saved;
    await emulator.close();
  });

  const points = {
    a: { foo: 'bar', embedding: v(1, 1) },
    b: { foo: 'bar', embedding: v(10, 0) },
    c: { foo: 'bar', embedding: v(20, 0) },
    d: { foo: 'bar', embedding: v(100, 100) },
    e: { foo: 'xxx', embedding: v(10, 10) },
  };

  it('EUCLIDEAN: nearest first, after the prefilter, up to the limit', async () => {
    const col = await collection(points);
    const res = await col
      .where('foo', '==', 'bar')
      .findNearest({
        vectorField: 'embedding',
        queryVector: [10, 10],
        limit: 3,
        distanceMeasure: 'EUCLIDEAN',
      })
      .get();
    // |(10,0)-(10,10)| = 10, |(1,1)-(10,10)| = 12.73, |(20,0)-(10,10)| = 14.14; e is filtered out.
    assert.deepEqual(
      res.docs.map((d) => d.id),
      ['b', 'a', 'c'],
    );
    assert.ok((res.docs[0].get('embedding') as { isEqual(o: unknown): boolean }).isEqual(v(10, 0)));
  });

  it('COSINE and DOT_PRODUCT order by their own measure', async () => {
    const col = await collection(points);
    const cosine = await col
      .where('foo', '==', 'bar')
      .findNearest({
        vectorField: 'embedding',
        queryVector: [1, 1],
        limit: 4,
        distanceMeasure: 'COSINE',
        distanceResultField: 'd',
      })
      .get();
    // (1,1) and (100,100) point the same way (distance 0, up to rounding); (10,0) and (20,0)
    // are 45° off.
    const ids = cosine.docs.map((d) => d.id);
    assert.deepEqual(
      [ids.slice(0, 2).sort(), ids.slice(2).sort()],
      [
        ['a', 'd'],
        ['b', 'c'],
      ],
    );
    assert.ok(Math.abs(cosine.docs[0].get('d') as number) < 1e-12);
    assert.ok(Math.abs((cosine.docs[2].get('d') as number) - (1 - Math.SQRT1_2)) < 1e-12);
    const dot = await col
      .where('foo', '==', 'bar')
      .findNearest({
        vectorField: 'embedding',
        queryVector: [1, 1],
        limit: 3,
        distanceMeasure: 'DOT_PRODUCT',
        distanceResultField: 'd',
      })
      .get();
    // Larger is nearer: 200, 20, 10.
    assert.deepEqual(
      dot.docs.map((d) => d.id),
      ['d', 'c', 'b'],
    );
    assert.deepEqual(
      dot.docs.map((d) => d.get('d')),
      [200, 20, 10],
    );
  });

  it('distanceResultField carries the distance, overwriting a field of that name', async () => {
    const col = await collection({
      a: { embedding: v(3, 4), dist: 'old' },
      b: { embedding: v(0, 1), dist: 'old' },
    });
    const res = await col
      .findNearest({
        vectorField: 'embedding',
        queryVector: [0, 0],
        limit: 5,
        distanceMeasure: 'EUCLIDEAN',
        distanceResultField: 'dist',
      })
      .get();
    assert.deepEqual(
      res.docs.map((d) => [d.id, d.get('dist')]),
      [
        ['b', 1],
        ['a', 5],
      ],
    );
    // Stored documents are unchanged.
    assert.equal((await col.doc('a').get()).get('dist'), 'old');
    // A nested result field.
    const nested = await col
      .findNearest({
        vectorField: 'embedding',
        queryVector: [0, 0],
        limit: 1,
        distanceMeasure: 'EUCLIDEAN',
        distanceResultField: 'meta.distance',
      })
      .get();
    assert.equal(nested.docs[0].get('meta.distance'), 1);
  });

  it('distanceThreshold keeps distances up to it (EUCLIDEAN, COSINE) or similarities from it (DOT_PRODUCT)', async () => {
    const col = await collection(points);
    const q = (
      distanceMeasure: 'EUCLIDEAN' | 'COSINE' | 'DOT_PRODUCT',
      distanceThreshold: number,
    ) =>
      col
        .where('foo', '==', 'bar')
        .findNearest({
          vectorField: 'embedding',
          queryVector: [10, 10],
          limit: 10,
          distanceMeasure,
          distanceThreshold,
        })
        .get()
        .then((r) => r.docs.map((d) => d.id));
    assert.deepEqual(await q('EUCLIDEAN', 13), ['b', 'a']);
    assert.deepEqual((await q('COSINE', 0.01)).sort(), ['a', 'd']);
    // Similarities 2000 and 200 reach 150; 100 and 20 do not.
    assert.deepEqual(await q('DOT_PRODUCT', 150), ['d', 'c']);
  });

  it('skips documents whose field is missing, not a vector, or of another dimension; reads nested fields', async () => {
    const col = await collection({
      a: { embedding: v(9, 9) },
      b: { embedding: [9, 9] },
      c: { embedding: 'nine' },
      d: { embedding: v(9) },
      e: { other: 1 },
      f: { embedding: v(50, 50) },
      g: { nested: { embedding: v(1, 1) } },
    });
    const res = await col
      .findNearest({
        vectorField: 'embedding',
        queryVector: [0, 0],
        limit: 100,
        distanceMeasure: 'EUCLIDEAN',
      })
      .get();
    assert.deepEqual(
      res.docs.map((d) => d.id),
      ['a', 'f'],
    );
    const nested = await col
      .findNearest({
        vectorField: 'nested.embedding',
        queryVector: [0, 0],
        limit: 100,
        distanceMeasure: 'EUCLIDEAN',
      })
      .get();
    assert.deepEqual(
      nested.docs.map((d) => d.id),
      ['g'],
    );
    const none = await col
      .findNearest({
        vectorField: 'missing',
        queryVector: [0, 0],
        limit: 100,
        distanceMeasure: 'EUCLIDEAN',
      })
      .get();
    assert.equal(none.size, 0);
  });

  it('a select() leaves the vector out and keeps the distance field', async () => {
    const col = await collection(points);
    const res = await col
      .where('foo', '==', 'bar')
      .select('foo')
      .findNearest({
        vectorField: 'embedding',
        queryVector: [10, 10],
        limit: 2,
        distanceMeasure: 'EUCLIDEAN',
        distanceResultField: 'd',
      })
      .get();
    assert.deepEqual(
      res.docs.map((d) => d.id),
      ['b', 'a'],
    );
    for (const d of res.docs) {
      assert.equal(d.get('embedding'), undefined);
      assert.equal(d.get('foo'), 'bar');
      assert.equal(typeof d.get('d'), 'number');
    }
  });

  it('refuses bad requests with INVALID_ARGUMENT (limit 1..1000, 1..2048 dimensions)', async () => {
    const col = await collection({ a: { embedding: v(1) } });
    const base = { vectorField: 'embedding', distanceMeasure: 'EUCLIDEAN' as const };
    // The SDK checks some of these itself; the others reach the server.
    assert.equal(
      await codeOf(col.findNearest({ ...base, queryVector: [1], limit: 1001 }).get()),
      INVALID_ARGUMENT,
    );
    const big = Array.from({ length: 2049 }, () => 1);
    assert.equal(
      await codeOf(col.findNearest({ ...base, queryVector: big, limit: 1 }).get()),
      INVALID_ARGUMENT,
    );
    // The nearest neighbours are the order: no orderBy with findNearest.
    assert.equal(
      await codeOf(
        col
          .orderBy('embedding')
          .findNearest({ ...base, queryVector: [1], limit: 1 })
          .get(),
      ),
      INVALID_ARGUMENT,
    );
    // 1000 is allowed, and 2048 dimensions.
    const max = Array.from({ length: 2048 }, (_, i) => i);
    const col2 = await collection({ x: { embedding: FieldValue.vector(max) } });
    const ok = await col2.findNearest({ ...base, queryVector: max, limit: 1000 }).get();
    assert.equal(ok.size, 1);
  });

  it('sorts vectors after arrays and before maps, by dimension first', async () => {
    const col = await collection({
      array: { x: [100, 100, 100] },
      map: { x: { a: 1 } },
      v2big: { x: v(9, 9) },
      v3: { x: v(1, 1, 1) },
      v2small: { x: v(1, 100) },
      v1: { x: v(1000) },
    });
    const res = await col.orderBy('x').get();
    assert.deepEqual(
      res.docs.map((d) => d.id),
      ['array', 'v1', 'v2small', 'v2big', 'v3', 'map'],
    );
    const ranged = await col
      .where('x', '>=', v(0, 0))
      .where('x', '<', v(0, 0, 0))
      .get();
    assert.deepEqual(ranged.docs.map((d) => d.id).sort(), ['v2big', 'v2small']);
  });

  it('serves findNearest over REST with the proto3 JSON vector form', async () => {
    const col = await collection(points);
    const res = await fetch(
      `http://127.0.0.1:${port}/v1/projects/${PROJECT}/databases/(default)/documents:runQuery`,
      {
        method: 'POST',
        headers: { authorization: 'Bearer owner' },
        body: JSON.stringify({
          structuredQuery: {
            from: [{ collectionId: col.id }],
            findNearest: {
              vectorField: { fieldPath: 'embedding' },
              queryVector: {
                mapValue: {
                  fields: {
                    __type__: { stringValue: '__vector__' },
                    value: { arrayValue: { values: [{ doubleValue: 10 }, { doubleValue: 10 }] } },
                  },
                },
              },
              distanceMeasure: 'EUCLIDEAN',
              limit: 1,
              distanceResultField: 'dist',
            },
          },
        }),
      },
    );
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      document: { name: string; fields: Record<string, unknown> };
    }[];
    assert.equal(body.length, 1);
    assert.ok(body[0].document.name.endsWith('/e'));
    assert.deepEqual(body[0].document.fields.dist, { doubleValue: 0 });
  });
});
