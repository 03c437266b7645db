// End-to-end query tests through unmodified firebase-admin: operators, composite filters,
// collection groups, cursors and page walks, offset/limit/limitToLast, projections,
// aggregations and cross-type ordering. Uses FIRESTORE_EMULATOR_HOST when set, otherwise starts
// the emulator in-process on a free port.
import { strict as assert } from 'node:assert';
import {
  AggregateField,
  CollectionReference,
  FieldPath,
  Filter,
  Firestore,
  GeoPoint,
  Query,
  QueryDocumentSnapshot,
  Timestamp,
} from 'firebase-admin/firestore';
import { Harness, RUN, connect } from './firestore-query-harness';

const ids = (docs: QueryDocumentSnapshot[]): string[] => docs.map((d) => d.id);
async function idsOf(q: Query): Promise<string[]> {
  return ids((await q.get()).docs);
}

/** Writes many documents with BulkWriter (what seeding scripts use). */
async function seed(col: CollectionReference, docs: Record<string, Record<string, unknown>>) {
  const writer = col.firestore.bulkWriter();
  for (const [id, data] of Object.entries(docs)) void writer.set(col.doc(id), data);
  await writer.close();
}

describe('firestore queries through firebase-admin', function () {
  this.timeout(60_000);
  let h: Harness;
  let db: Firestore;

  before(async () => {
    h = await connect('firestore-query-test');
    db = h.db;
  });
  after(async () => {
    await h?.stop();
  });

  describe('filters', () => {
    let col: CollectionReference;
    before(async () => {
      col = db.collection(`q-filters-${RUN}`);
      await seed(col, {
        a: { n: 1, s: 'apple', tags: ['red', 'green'], g: 'x' },
        b: { n: 2.5, s: 'banana', tags: ['yellow'], g: 'x' },
        c: { n: 3, s: 'cherry', tags: ['red'], g: 'y' },
        d: { n: null, s: 'date', g: 'y' },
        e: { n: NaN, g: 'z' },
        f: { s: 'fig', tags: [] },
        h: { n: '4', tags: 'red' },
      });
    });

    it('== != < <= > >=', async () => {
      assert.deepEqual(await idsOf(col.where('n', '==', 1)), ['a']);
      assert.deepEqual(await idsOf(col.where('n', '==', 2.5)), ['b']);
      // != excludes null and missing; ordered by n first (implicit order of the inequality).
      assert.deepEqual(await idsOf(col.where('n', '!=', 1)), ['e', 'b', 'c', 'h']);
      assert.deepEqual(await idsOf(col.where('n', '>', 1)), ['b', 'c']);
      assert.deepEqual(await idsOf(col.where('n', '>=', 1)), ['a', 'b', 'c']);
      assert.deepEqual(await idsOf(col.where('n', '<', 3).where('n', '>', 1)), ['b']);
      assert.deepEqual(await idsOf(col.where('n', '<=', 3).where('n', '>=', 3)), ['c']);
      // Range filters are type-bound: `> ''` matches only strings.
      assert.deepEqual(await idsOf(col.where('n', '>', '')), ['h']);
    });

    it('null and NaN', async () => {
      assert.deepEqual(await idsOf(col.where('n', '==', null)), ['d']);
      assert.deepEqual(await idsOf(col.where('n', '==', NaN)), ['e']);
      assert.deepEqual(await idsOf(col.where('n', '!=', null)), ['e', 'a', 'b', 'c', 'h']);
      assert.deepEqual(await idsOf(col.where('n', '!=', NaN)), ['a', 'b', 'c', 'h']);
    });

    it('in, not-in, array-contains, array-contains-any', async () => {
      assert.deepEqual(await idsOf(col.where('n', 'in', [1, 3, 'nope'])), ['a', 'c']);
      assert.deepEqual(await idsOf(col.where('n', 'not-in', [1, 3])), ['e', 'b', 'h']);
      assert.deepEqual(await idsOf(col.where('tags', 'array-contains', 'red')), ['a', 'c']);
      assert.deepEqual(await idsOf(col.where('tags', 'array-contains-any', ['yellow', 'green'])), [
        'a',
        'b',
      ]);
      assert.deepEqual(await idsOf(col.where(FieldPath.documentId(), 'in', ['b', 'f'])), [
        'b',
        'f',
      ]);
    });

    it('composite OR and nested AND/OR', async () => {
      assert.deepEqual(
        await idsOf(col.where(Filter.or(Filter.where('n', '==', 1), Filter.where('g', '==', 'y')))),
        ['a', 'c', 'd'],
      );
      assert.deepEqual(
        await idsOf(
          col.where(
            Filter.and(
              Filter.where('g', 'in', ['x', 'y']),
              Filter.or(Filter.where('n', '>', 2), Filter.where('s', '==', 'date')),
            ),
          ),
        ),
        // `n > 2` inside the OR still orders the result by n first (null sorts first).
        ['d', 'b', 'c'],
      );
    });

    it('rejects invalid queries with INVALID_ARGUMENT', async () => {
      const many = Array.from({ length: 31 }, (_, i) => i);
      await assert.rejects(col.where('n', 'in', many).get(), (e: { code?: number }) => {
        assert.equal(e.code, 3);
        return true;
      });
    });
  });

  it('collection group queries find the collection at any depth', async () => {
    const group = `q-group-${RUN}`;
    await Promise.all([
      db.doc(`${group}/top`).set({ k: 1 }),
      db.doc(`q-cg-${RUN}/p/${group}/mid`).set({ k: 2 }),
      db.doc(`q-cg-${RUN}/p/sub/q/${group}/deep`).set({ k: 3 }),
      db.doc(`q-cg-${RUN}/p/other/nope`).set({ k: 4 }),
    ]);
    assert.deepEqual(await idsOf(db.collectionGroup(group).orderBy('k')), ['top', 'mid', 'deep']);
    assert.deepEqual(await idsOf(db.collectionGroup(group).where('k', '>=', 2)), ['mid', 'deep']);
    // Scoped to a document: only descendants of it.
    const scoped = db.collectionGroup(group).orderBy(FieldPath.documentId());
    const under = await scoped.startAt(`q-cg-${RUN}/p`).endAt(`q-cg-${RUN}/p\uf8ff`).get();
    assert.deepEqual(ids(under.docs), ['mid', 'deep']);
  });

  describe('cursors, offset, limit, projection', () => {
    let col: CollectionReference;
    const N = 250;
    before(async () => {
      col = db.collection(`q-pages-${RUN}`);
      const docs: Record<string, Record<string, unknown>> = {};
      for (let i = 0; i < N; i++) {
        docs[`d${String(i).padStart(3, '0')}`] = { i, group: i % 7, extra: { x: i, y: i * 10 } };
      }
      await seed(col, docs);
    });

    async function walk(base: Query, pageSize: number): Promise<string[]> {
      const seen: string[] = [];
      let page = await base.limit(pageSize).get();
      while (!page.empty) {
        seen.push(...ids(page.docs));
        page = await base
          .startAfter(page.docs[page.docs.length - 1])
          .limit(pageSize)
          .get();
      }
      return seen;
    }

    it('walks 250 documents in pages of 50 with startAfter', async () => {
      const seen = await walk(col.orderBy('i'), 50);
      assert.equal(seen.length, N);
      assert.deepEqual(
        seen,
        Array.from({ length: N }, (_, i) => `d${String(i).padStart(3, '0')}`),
      );
    });

    it('walks with an orderBy on a non-unique field (ties broken by name)', async () => {
      const seen = await walk(col.orderBy('group', 'desc'), 50);
      assert.equal(new Set(seen).size, N);
      const expected = Array.from({ length: N }, (_, i) => i)
        .sort((a, b) => (b % 7) - (a % 7) || b - a)
        .map((i) => `d${String(i).padStart(3, '0')}`);
      assert.deepEqual(seen, expected);
    });

    it('startAt / startAfter / endAt / endBefore with values', async () => {
      const q = col.orderBy('i');
      assert.deepEqual(await idsOf(q.startAt(247)), ['d247', 'd248', 'd249']);
      assert.deepEqual(await idsOf(q.startAfter(247)), ['d248', 'd249']);
      assert.deepEqual(await idsOf(q.endAt(2)), ['d000', 'd001', 'd002']);
      assert.deepEqual(await idsOf(q.endBefore(2)), ['d000', 'd001']);
      assert.deepEqual(await idsOf(q.startAfter(10).endBefore(13)), ['d011', 'd012']);
      const byGroup = col.orderBy('group').orderBy('i');
      assert.deepEqual(await idsOf(byGroup.startAfter(6, 230).limit(2)), ['d237', 'd244']);
    });

    it('offset, limit and limitToLast', async () => {
      const q = col.orderBy('i');
      assert.deepEqual(await idsOf(q.offset(10).limit(3)), ['d010', 'd011', 'd012']);
      assert.deepEqual(await idsOf(q.limitToLast(3)), ['d247', 'd248', 'd249']);
      assert.deepEqual(await idsOf(q.endBefore(100).limitToLast(2)), ['d098', 'd099']);
      assert.equal((await q.offset(249).get()).size, 1);
    });

    it('select returns only the chosen fields; empty select only names', async () => {
      const snap = await col.where('i', '<', 2).select('i', 'extra.y').get();
      assert.deepEqual(
        snap.docs.map((d) => d.data()),
        [
          { i: 0, extra: { y: 0 } },
          { i: 1, extra: { y: 10 } },
        ],
      );
      const names = await col.where('i', '<', 2).select().get();
      assert.deepEqual(
        names.docs.map((d) => [d.id, d.data()]),
        [
          ['d000', {}],
          ['d001', {}],
        ],
      );
    });

    it('count, sum and avg', async () => {
      const snap = await col
        .where('group', '==', 0)
        .aggregate({
          n: AggregateField.count(),
          total: AggregateField.sum('i'),
          mean: AggregateField.average('i'),
        })
        .get();
      // Alone: next to the others it would empty them (only documents that have every
      // aggregated field are aggregated).
      const none = await col
        .where('group', '==', 0)
        .aggregate({ none: AggregateField.average('missing') })
        .get();
      const members = Array.from({ length: N }, (_, i) => i).filter((i) => i % 7 === 0);
      const total = members.reduce((a, b) => a + b, 0);
      assert.deepEqual(snap.data(), { n: members.length, total, mean: total / members.length });
      assert.deepEqual(none.data(), { none: null });
      assert.equal((await col.count().get()).data().count, N);
      assert.equal((await col.limit(10).count().get()).data().count, 10);
    });
  });

  it('orders values of different types as Firestore does', async () => {
    const col = db.collection(`q-types-${RUN}`);
    const ordered: Array<[string, unknown]> = [
      ['01-null', null],
      ['02-false', false],
      ['03-true', true],
      ['04-nan', NaN],
      ['05-neg', -Infinity],
      ['06-int', 1],
      ['07-double', 1.5],
      ['08-ts', Timestamp.fromMillis(0)],
      ['09-str', 'a'],
      ['10-str-fffd', '\ufffd'],
      ['11-str-emoji', '\u{1F600}'],
      ['12-bytes', Buffer.from([1])],
      ['13-ref', db.doc('a/b')],
      ['14-geo', new GeoPoint(1, 2)],
      ['15-array', [1]],
      ['16-map', { a: 1 }],
    ];
    // Write in reverse so storage order cannot make the test pass by accident.
    await seed(col, Object.fromEntries([...ordered].reverse().map(([id, v]) => [id, { v }])));
    const expected = ordered.map(([id]) => id);
    assert.deepEqual(await idsOf(col.orderBy('v')), expected);
    assert.deepEqual(await idsOf(col.orderBy('v', 'desc')), [...expected].reverse());
    // Ranges stay within one type: numbers only, ints and doubles together.
    assert.deepEqual(await idsOf(col.where('v', '>=', 1)), ['06-int', '07-double']);
  });
});
