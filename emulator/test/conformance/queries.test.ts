// Query filters: every field operator, null and NaN filters, document-id filters and composite
// AND/OR filters.
// Docs: https://firebase.google.com/docs/firestore/query-data/queries,
// https://firebase.google.com/docs/firestore/query-data/queries#not_equal_
// https://firebase.google.com/docs/firestore/query-data/queries#or_queries
import { strict as assert } from 'node:assert';
import {
  CollectionReference,
  FieldPath,
  Filter,
  Firestore,
  Query,
  WhereFilterOp,
} from 'firebase-admin/firestore';
import { Code, expectCode, getDb, uniqueName } from './setup';

interface Item {
  id: string;
  data: Record<string, unknown>;
}

// A small fixture; documents are named so that __name__ order differs from value order.
const ITEMS: Item[] = [
  { id: 'a', data: { n: 3, s: 'pear', tags: ['red', 'sweet'], group: 'g1', m: { k: 1 } } },
  { id: 'b', data: { n: 1, s: 'apple', tags: ['green'], group: 'g2', m: { k: 2 } } },
  { id: 'c', data: { n: 2, s: 'fig', tags: [], group: 'g1' } },
  { id: 'd', data: { n: 5, s: 'kiwi', tags: ['green', 'sour'], group: 'g3', m: { k: 1 } } },
  { id: 'e', data: { n: null, s: 'lime', tags: ['sour'], group: 'g2' } },
  { id: 'f', data: { n: NaN, s: 'date', group: 'g3' } },
  { id: 'g', data: { s: 'plum', tags: ['red'], group: 'g1' } },
  { id: 'h', data: { n: 4.5, tags: [{ c: 'red' }], group: 'g2', list: [1, 2] } },
  { id: 'i', data: { n: 'text', group: 'g3', list: [2, 1] } },
];

describe('conformance: query filters', function () {
  this.timeout(20_000);
  let col: CollectionReference;

  before(async () => {
    const db: Firestore = await getDb();
    col = db.collection(uniqueName('queries'));
    const batch = db.batch();
    for (const item of ITEMS) batch.set(col.doc(item.id), item.data);
    await batch.commit();
  });

  async function ids(query: Query): Promise<string[]> {
    return (await query.get()).docs.map((d) => d.id);
  }
  async function sortedIds(query: Query): Promise<string[]> {
    return (await ids(query)).sort();
  }
  function where(field: string | FieldPath, op: WhereFilterOp, value: unknown): Query {
    return col.where(field, op, value);
  }

  it('a collection query without filters returns every document in __name__ order', async () => {
    assert.deepEqual(await ids(col), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
  });

  it('== matches exact values of the same type', async () => {
    assert.deepEqual(await ids(where('n', '==', 1)), ['b']);
    assert.deepEqual(await ids(where('n', '==', 4.5)), ['h']);
    assert.deepEqual(await ids(where('n', '==', 'text')), ['i']);
    assert.deepEqual(await ids(where('n', '==', '1')), []);
    assert.deepEqual(await ids(where('m', '==', { k: 1 })), ['a', 'd']);
    assert.deepEqual(await ids(where('list', '==', [1, 2])), ['h']);
    assert.deepEqual(await ids(where('m.k', '==', 2)), ['b']);
  });

  // NaN sorts below every number; whether it matches an upper-bounded range (`<`, `<=`) is not
  // documented, so those assertions leave the NaN document out.
  const withoutNaN = (list: string[]): string[] => list.filter((id) => id !== 'f');

  it('< <= > >= match only values of the same type, ordered by that field', async () => {
    assert.deepEqual(withoutNaN(await ids(where('n', '<', 3))), ['b', 'c']);
    assert.deepEqual(withoutNaN(await ids(where('n', '<=', 3))), ['b', 'c', 'a']);
    assert.deepEqual(await ids(where('n', '>', 3)), ['h', 'd']);
    assert.deepEqual(await ids(where('n', '>=', 3)), ['a', 'h', 'd']);
    assert.deepEqual(await ids(where('s', '>=', 'kiwi')), ['d', 'e', 'a', 'g']);
    assert.deepEqual(await ids(where('s', '<', 'b')), ['b']);
    assert.deepEqual(await ids(where('n', '>', 'a')), ['i']);
  });

  it('!= matches every existing, non-null value of any type except the one given', async () => {
    // Ordered by n: NaN, then numbers, then strings.
    assert.deepEqual(await ids(where('n', '!=', 3)), ['f', 'b', 'c', 'h', 'd', 'i']);
    assert.deepEqual(await ids(where('s', '!=', 'pear')), ['b', 'f', 'c', 'd', 'e', 'g']);
  });

  it('in matches any of up to 30 values, of mixed types', async () => {
    assert.deepEqual(await sortedIds(where('n', 'in', [1, 5, 'text', 99])), ['b', 'd', 'i']);
    assert.deepEqual(await sortedIds(where('list', 'in', [[2, 1], [9]])), ['i']);
    const thirty = Array.from({ length: 29 }, (_, i) => 100 + i).concat([2]);
    assert.deepEqual(await ids(where('n', 'in', thirty)), ['c']);
  });

  it('not-in excludes the values and documents where the field is missing or null', async () => {
    assert.deepEqual(await ids(where('n', 'not-in', [1, 2, 'text'])), ['f', 'a', 'h', 'd']);
    assert.deepEqual(await sortedIds(where('group', 'not-in', ['g1', 'g2'])), ['d', 'f', 'i']);
  });

  it('array-contains matches arrays that hold the value', async () => {
    assert.deepEqual(await sortedIds(where('tags', 'array-contains', 'red')), ['a', 'g']);
    assert.deepEqual(await sortedIds(where('tags', 'array-contains', { c: 'red' })), ['h']);
    assert.deepEqual(await ids(where('tags', 'array-contains', 'blue')), []);
    assert.deepEqual(await sortedIds(where('list', 'array-contains', 2)), ['h', 'i']);
  });

  it('array-contains-any matches arrays holding any of the values, each document once', async () => {
    assert.deepEqual(await sortedIds(where('tags', 'array-contains-any', ['red', 'sour'])), [
      'a',
      'd',
      'e',
      'g',
    ]);
    assert.deepEqual(await sortedIds(where('tags', 'array-contains-any', ['green', 'x'])), [
      'b',
      'd',
    ]);
  });

  it('== null matches only explicit nulls; != null matches every other existing value', async () => {
    assert.deepEqual(await ids(where('n', '==', null)), ['e']);
    assert.deepEqual(await sortedIds(where('n', '!=', null)), ['a', 'b', 'c', 'd', 'f', 'h', 'i']);
  });

  it('== NaN matches only NaN', async () => {
    assert.deepEqual(await ids(where('n', '==', NaN)), ['f']);
  });

  it('multiple equality filters combine with AND', async () => {
    const q = col.where('group', '==', 'g1').where('tags', 'array-contains', 'red');
    assert.deepEqual(await sortedIds(q), ['a', 'g']);
    const q2 = col.where('group', '==', 'g1').where('n', '>', 2);
    assert.deepEqual(await ids(q2), ['a']);
  });

  it('Filter.or returns the union of its branches, each document once', async () => {
    const q = col.where(Filter.or(Filter.where('n', '==', 1), Filter.where('group', '==', 'g3')));
    assert.deepEqual(await ids(q), ['b', 'd', 'f', 'i']);
    const overlapping = col.where(
      Filter.or(Filter.where('group', '==', 'g1'), Filter.where('tags', 'array-contains', 'red')),
    );
    assert.deepEqual(await ids(overlapping), ['a', 'c', 'g']);
  });

  it('Filter.and and nested Filter.or compose', async () => {
    const q = col.where(
      Filter.and(
        Filter.where('group', 'in', ['g1', 'g2']),
        Filter.or(Filter.where('n', '<', 2), Filter.where('s', '==', 'plum')),
      ),
    );
    // 'g' matches s == 'plum' but has no n: the inequality on n orders the whole query by n, and
    // ordering by a field excludes documents without it, in every branch of the disjunction.
    assert.deepEqual(await sortedIds(q), ['b']);
    const orOfAnds = col.where(
      Filter.or(
        Filter.and(Filter.where('group', '==', 'g1'), Filter.where('n', '==', 3)),
        Filter.and(Filter.where('group', '==', 'g2'), Filter.where('n', '==', 4.5)),
      ),
    );
    assert.deepEqual(await sortedIds(orOfAnds), ['a', 'h']);
  });

  it('Filter.or with orderBy and limit orders and cuts the union', async () => {
    const q = col
      .where(Filter.or(Filter.where('group', '==', 'g2'), Filter.where('group', '==', 'g3')))
      .orderBy('group', 'desc')
      .limit(4);
    // g3: d, f, i; g2: b, e, h. Descending group, then descending name.
    assert.deepEqual(await ids(q), ['i', 'f', 'd', 'h']);
  });

  it('array-contains combines with in on another field', async () => {
    const q = col.where('tags', 'array-contains', 'red').where('group', 'in', ['g1', 'g2']);
    assert.deepEqual(await ids(q), ['a', 'g']);
  });

  it('Filter.or with range filters on one field', async () => {
    const q = col.where(Filter.or(Filter.where('n', '<', 2), Filter.where('n', '>', 4)));
    assert.deepEqual(withoutNaN(await sortedIds(q)), ['b', 'd', 'h']);
  });

  it('an OR of an inequality and an equality excludes documents missing the inequality field', async () => {
    const q = col.where(Filter.or(Filter.where('n', '>', 4), Filter.where('s', '==', 'plum')));
    // 'g' (s == 'plum') has no n, so the implicit orderBy on n excludes it.
    assert.deepEqual(await ids(q), ['h', 'd']);
    const eqOnly = col.where(
      Filter.or(Filter.where('n', '==', 5), Filter.where('s', '==', 'plum')),
    );
    assert.deepEqual(await ids(eqOnly), ['d', 'g']);
  });

  it('documentId filters compare document names', async () => {
    const id = FieldPath.documentId();
    assert.deepEqual(await ids(where(id, '==', 'c')), ['c']);
    assert.deepEqual(await ids(where(id, '>', 'g')), ['h', 'i']);
    assert.deepEqual(await ids(where(id, 'in', ['b', 'zz', 'a'])), ['a', 'b']);
    assert.deepEqual(await ids(where(id, '<', col.doc('c'))), ['a', 'b']);
    assert.deepEqual(await ids(where(id, 'not-in', ['a', 'b', 'c', 'd', 'e', 'f', 'g'])), [
      'h',
      'i',
    ]);
  });

  it('equality on empty maps and empty arrays', async () => {
    const sub = col.doc('empties').collection('items');
    await sub.doc('m').set({ x: {} });
    await sub.doc('a').set({ x: [] });
    await sub.doc('n').set({ x: null });
    assert.deepEqual(await ids(sub.where('x', '==', {})), ['m']);
    assert.deepEqual(await ids(sub.where('x', '==', [])), ['a']);
  });

  it('filters on a missing nested path match nothing', async () => {
    assert.deepEqual(await ids(where('m.nope', '==', 1)), []);
    assert.deepEqual(await ids(where('nope', '!=', 1)), []);
  });

  describe('limits on filters', () => {
    it('in with more than 30 values is rejected with INVALID_ARGUMENT', async () => {
      const values = Array.from({ length: 31 }, (_, i) => i);
      await expectCode(where('n', 'in', values).get(), Code.INVALID_ARGUMENT);
    });

    it('array-contains-any with more than 30 values is rejected with INVALID_ARGUMENT', async () => {
      const values = Array.from({ length: 31 }, (_, i) => `t${i}`);
      await expectCode(where('tags', 'array-contains-any', values).get(), Code.INVALID_ARGUMENT);
    });

    it('not-in with more than 10 values is rejected with INVALID_ARGUMENT', async () => {
      const values = Array.from({ length: 11 }, (_, i) => i);
      await expectCode(where('n', 'not-in', values).get(), Code.INVALID_ARGUMENT);
    });

    // Query limitations: not-in cannot be combined with in, array-contains-any or OR (the v1 API
    // reference for IN says "no NOT_IN filters in the same query").
    it('in combined with not-in is rejected with INVALID_ARGUMENT', async () => {
      await expectCode(
        col.where('group', 'in', ['g1']).where('n', 'not-in', [1]).get(),
        Code.INVALID_ARGUMENT,
      );
    });
  });

  it('a collection query sees only that collection, not same-named ones elsewhere', async () => {
    const db = col.firestore;
    const scoped = db.collection(uniqueName('queries-scope'));
    await scoped.doc('a').collection('items').doc('1').set({ k: 1 });
    await scoped.doc('b').collection('items').doc('2').set({ k: 1 });
    await scoped.doc('a').collection('items').doc('1').collection('items').doc('3').set({ k: 1 });
    const got = await scoped.doc('a').collection('items').where('k', '==', 1).get();
    assert.deepEqual(
      got.docs.map((d) => d.ref.path),
      [`${scoped.id}/a/items/1`],
    );
    assert.equal((await scoped.get()).size, 0);
  });
});
