// Ordering, cursors, offset, limit, limitToLast and projections.
// Docs: https://firebase.google.com/docs/firestore/query-data/order-limit-data,
// https://firebase.google.com/docs/firestore/query-data/query-cursors,
// https://firebase.google.com/docs/firestore/manage-data/data-types#value_type_ordering
import { strict as assert } from 'node:assert';
import {
  CollectionReference,
  FieldPath,
  Firestore,
  GeoPoint,
  Query,
  Timestamp,
} from 'firebase-admin/firestore';
import { getDb, uniqueName } from './setup';

describe('conformance: ordering, cursors and limits', function () {
  this.timeout(20_000);
  let db: Firestore;
  let root: CollectionReference;
  let col: CollectionReference;

  // Scores with ties so that the implicit __name__ tiebreak is visible.
  const SCORES: Record<string, Record<string, unknown>> = {
    d1: { score: 10, name: 'delta', city: 'x' },
    d2: { score: 20, name: 'alpha', city: 'y' },
    d3: { score: 10, name: 'charlie', city: 'y' },
    d4: { score: 30, name: 'bravo', city: 'x' },
    d5: { score: 20, name: 'echo', city: 'x' },
    d6: { name: 'foxtrot', city: 'y' },
  };

  before(async () => {
    db = await getDb();
    root = db.collection(uniqueName('ordering'));
    col = root.doc('scores').collection('items');
    const batch = db.batch();
    for (const [id, data] of Object.entries(SCORES)) batch.set(col.doc(id), data);
    await batch.commit();
  });

  async function ids(query: Query): Promise<string[]> {
    return (await query.get()).docs.map((d) => d.id);
  }

  describe('orderBy', () => {
    it('ascending ties break by document name ascending', async () => {
      assert.deepEqual(await ids(col.orderBy('score')), ['d1', 'd3', 'd2', 'd5', 'd4']);
    });

    it('descending ties break by document name descending', async () => {
      assert.deepEqual(await ids(col.orderBy('score', 'desc')), ['d4', 'd5', 'd2', 'd3', 'd1']);
    });

    it('documents missing the ordered field are excluded', async () => {
      const got = await ids(col.orderBy('score'));
      assert.ok(!got.includes('d6'));
      assert.equal((await col.orderBy('name').get()).size, 6);
    });

    it('orderBy a nested field path', async () => {
      const nested = root.doc('nested-order').collection('items');
      await nested.doc('a').set({ m: { k: 2 } });
      await nested.doc('b').set({ m: { k: 1 } });
      await nested.doc('c').set({ m: { j: 0 } });
      await nested.doc('d').set({ m: { k: 3 } });
      assert.deepEqual(await ids(nested.orderBy('m.k')), ['b', 'a', 'd']);
      assert.deepEqual(await ids(nested.orderBy('m.k', 'desc').limit(1)), ['d']);
    });

    it('multiple orderBy fields with mixed directions', async () => {
      assert.deepEqual(await ids(col.orderBy('city').orderBy('score', 'desc')), [
        'd4',
        'd5',
        'd1',
        'd2',
        'd3',
      ]);
    });

    it('orderBy documentId descending', async () => {
      assert.deepEqual(await ids(col.orderBy(FieldPath.documentId(), 'desc')), [
        'd6',
        'd5',
        'd4',
        'd3',
        'd2',
        'd1',
      ]);
    });

    it('an inequality filter orders implicitly by its field, then by name', async () => {
      assert.deepEqual(await ids(col.where('score', '>', 10)), ['d2', 'd5', 'd4']);
      assert.deepEqual(await ids(col.where('score', '!=', 20)), ['d1', 'd3', 'd4']);
    });

    it('an inequality filter with an explicit orderBy on the same field honours its direction', async () => {
      assert.deepEqual(await ids(col.where('score', '>=', 20).orderBy('score', 'desc')), [
        'd4',
        'd5',
        'd2',
      ]);
    });

    it('equality filter plus orderBy on another field', async () => {
      assert.deepEqual(await ids(col.where('city', '==', 'x').orderBy('name')), ['d4', 'd1', 'd5']);
    });
  });

  describe('limit, offset, limitToLast', () => {
    it('limit returns the first n results', async () => {
      assert.deepEqual(await ids(col.orderBy('score').limit(2)), ['d1', 'd3']);
    });

    it('offset skips results before limit applies', async () => {
      assert.deepEqual(await ids(col.orderBy('score').offset(2).limit(2)), ['d2', 'd5']);
      assert.deepEqual(await ids(col.orderBy('score').offset(10)), []);
    });

    it('limitToLast returns the last n results in query order', async () => {
      assert.deepEqual(await ids(col.orderBy('score').limitToLast(2)), ['d5', 'd4']);
      assert.deepEqual(await ids(col.orderBy('score', 'desc').limitToLast(3)), ['d2', 'd3', 'd1']);
    });

    it('limitToLast with a cursor', async () => {
      assert.deepEqual(await ids(col.orderBy('score').endBefore(30).limitToLast(2)), ['d2', 'd5']);
    });
  });

  describe('cursors', () => {
    const ordered = (): Query => col.orderBy('score');

    it('startAt and startAfter with a value', async () => {
      assert.deepEqual(await ids(ordered().startAt(20)), ['d2', 'd5', 'd4']);
      assert.deepEqual(await ids(ordered().startAfter(20)), ['d4']);
      assert.deepEqual(await ids(ordered().startAt(15)), ['d2', 'd5', 'd4']);
    });

    it('endAt and endBefore with a value', async () => {
      assert.deepEqual(await ids(ordered().endAt(20)), ['d1', 'd3', 'd2', 'd5']);
      assert.deepEqual(await ids(ordered().endBefore(20)), ['d1', 'd3']);
    });

    it('start and end cursors combine', async () => {
      assert.deepEqual(await ids(ordered().startAfter(10).endAt(20)), ['d2', 'd5']);
      assert.deepEqual(await ids(ordered().startAt(25).endAt(15)), []);
    });

    it('a cursor with values for several orderBy fields', async () => {
      const q = col.orderBy('score').orderBy('name');
      assert.deepEqual(await ids(q.startAfter(10, 'charlie')), ['d1', 'd2', 'd5', 'd4']);
      assert.deepEqual(await ids(q.startAt(20, 'echo')), ['d5', 'd4']);
    });

    it('a cursor on fewer fields than the ordering compares only those fields', async () => {
      const q = col.orderBy('score').orderBy('name');
      assert.deepEqual(await ids(q.startAfter(10)), ['d2', 'd5', 'd4']);
    });

    it('DocumentSnapshot cursors continue after ties by document name', async () => {
      const d3 = await col.doc('d3').get();
      assert.deepEqual(await ids(ordered().startAfter(d3)), ['d2', 'd5', 'd4']);
      const d1 = await col.doc('d1').get();
      assert.deepEqual(await ids(ordered().startAfter(d1)), ['d3', 'd2', 'd5', 'd4']);
      assert.deepEqual(await ids(ordered().startAt(d3)), ['d3', 'd2', 'd5', 'd4']);
      const d5 = await col.doc('d5').get();
      assert.deepEqual(await ids(ordered().endBefore(d5)), ['d1', 'd3', 'd2']);
      const d2 = await col.doc('d2').get();
      assert.deepEqual(await ids(ordered().endAt(d2)), ['d1', 'd3', 'd2']);
    });

    it('DocumentSnapshot cursors in descending order', async () => {
      const d5 = await col.doc('d5').get();
      assert.deepEqual(await ids(col.orderBy('score', 'desc').startAfter(d5)), ['d2', 'd3', 'd1']);
    });

    it('a DocumentSnapshot cursor without orderBy pages by name', async () => {
      const d2 = await col.doc('d2').get();
      assert.deepEqual(await ids(col.startAfter(d2).limit(2)), ['d3', 'd4']);
    });

    it('documentId cursors', async () => {
      const q = col.orderBy(FieldPath.documentId());
      assert.deepEqual(await ids(q.startAfter('d4')), ['d5', 'd6']);
      assert.deepEqual(await ids(q.startAt('d2').endBefore('d4')), ['d2', 'd3']);
    });

    it('cursor values of another type compare by the cross-type order', async () => {
      // Every score is a number, and numbers sort before strings and after booleans.
      assert.deepEqual(await ids(ordered().startAt('a')), []);
      assert.deepEqual(await ids(ordered().startAfter(true)), ['d1', 'd3', 'd2', 'd5', 'd4']);
      assert.deepEqual(await ids(ordered().endBefore('')), ['d1', 'd3', 'd2', 'd5', 'd4']);
    });

    it('paging with startAfter(lastSnapshot) visits every document exactly once', async () => {
      const seen: string[] = [];
      let page = await col.orderBy('score').limit(2).get();
      while (!page.empty) {
        seen.push(...page.docs.map((d) => d.id));
        const last = page.docs[page.docs.length - 1];
        page = await col.orderBy('score').startAfter(last).limit(2).get();
      }
      assert.deepEqual(seen, ['d1', 'd3', 'd2', 'd5', 'd4']);
    });
  });

  describe('select', () => {
    it('returns only the selected fields', async () => {
      const snap = await col.orderBy('score').select('name').limit(2).get();
      assert.deepEqual(
        snap.docs.map((d) => d.data()),
        [{ name: 'delta' }, { name: 'charlie' }],
      );
    });

    it('select() with no fields returns documents with no data', async () => {
      const snap = await col.select().get();
      assert.equal(snap.size, 6);
      for (const d of snap.docs) assert.deepEqual(d.data(), {});
    });

    it('selecting a field no document has still returns every document, with no data', async () => {
      const snap = await col.select('nope').get();
      assert.equal(snap.size, 6);
      for (const d of snap.docs) assert.deepEqual(d.data(), {});
    });

    it('selecting a nested field path returns just that subfield', async () => {
      const ref = root.doc('select-nested').collection('x').doc('only');
      await ref.set({ m: { a: 1, b: 2 }, c: 3 });
      const snap = await ref.parent.select('m.b').get();
      assert.deepEqual(snap.docs[0].data(), { m: { b: 2 } });
    });
  });

  describe('value ordering across types', () => {
    it('orders null < booleans < NaN < numbers < timestamps < strings < bytes < references < geopoints < arrays < maps', async () => {
      const typed = root.doc('types').collection('items');
      const values: Array<[string, unknown]> = [
        ['v00-null', null],
        ['v01-false', false],
        ['v02-true', true],
        ['v03-nan', NaN],
        ['v04-neginf', -Infinity],
        ['v05-neg', -1],
        ['v06-zero', 0],
        ['v07-half', 0.5],
        ['v08-one', 1],
        ['v09-big', 1e10],
        ['v10-inf', Infinity],
        ['v11-ts-old', new Timestamp(-100, 0)],
        ['v12-ts-new', new Timestamp(1_700_000_000, 0)],
        ['v13-str-empty', ''],
        ['v14-str-a', 'a'],
        ['v15-str-b', 'b'],
        ['v16-bytes-empty', Buffer.alloc(0)],
        ['v17-bytes-00', Buffer.from([0])],
        ['v18-bytes-ff', Buffer.from([255])],
        ['v19-ref-a', db.doc('a/b')],
        ['v20-ref-a-sub', db.doc('a/b/c/d')],
        ['v21-ref-b', db.doc('b/a')],
        ['v22-geo', new GeoPoint(-10, 100)],
        ['v23-geo', new GeoPoint(0, -50)],
        ['v24-geo', new GeoPoint(0, 50)],
        ['v25-arr-empty', []],
        ['v26-arr-1', [1]],
        ['v27-arr-1-2', [1, 2]],
        ['v28-arr-2', [2]],
        ['v29-map-empty', {}],
        ['v30-map-a1', { a: 1 }],
        ['v31-map-a1-b0', { a: 1, b: 0 }],
        ['v32-map-a2', { a: 2 }],
        ['v33-map-b', { b: 0 }],
      ];
      // Write in reverse so insertion order cannot explain the result.
      const batch = db.batch();
      for (const [id, v] of [...values].reverse()) batch.set(typed.doc(id), { v });
      batch.set(typed.doc('zz-missing'), { other: 1 });
      await batch.commit();
      const expected = values.map(([id]) => id);
      assert.deepEqual(await ids(typed.orderBy('v')), expected);
      assert.deepEqual(await ids(typed.orderBy('v', 'desc')), [...expected].reverse());
    });

    it('document ids order as strings by UTF-8 bytes', async () => {
      const named = root.doc('ids').collection('items');
      const idList = ['10', '9', 'B', 'a', 'é', 'z', '\uffff', '😀'];
      const batch = db.batch();
      for (const id of idList) batch.set(named.doc(id), { id });
      await batch.commit();
      const expected = [...idList].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      assert.deepEqual(await ids(named), expected);
      assert.deepEqual(
        await ids(named.orderBy(FieldPath.documentId(), 'desc')),
        [...expected].reverse(),
      );
    });

    it('numbers compare by value across integers and doubles', async () => {
      const nums = root.doc('nums').collection('items');
      const batch = db.batch();
      batch.set(nums.doc('a'), { v: 2 });
      batch.set(nums.doc('b'), { v: 1.5 });
      batch.set(nums.doc('c'), { v: -3 });
      batch.set(nums.doc('d'), { v: 2.0000001 });
      batch.set(nums.doc('e'), { v: -2.5 });
      await batch.commit();
      assert.deepEqual(await ids(nums.orderBy('v')), ['c', 'e', 'b', 'a', 'd']);
    });

    it('strings order by UTF-8 encoded bytes, not UTF-16 code units', async () => {
      const strs = root.doc('strings').collection('items');
      const values = [
        '',
        'B',
        'a',
        'aa',
        'b',
        'é',
        'z',
        '\u00ff',
        '\u0800',
        '\uffff',
        '😀',
        '𝄞',
        'a\u0000',
      ];
      const batch = db.batch();
      values.forEach((v, i) => batch.set(strs.doc(`s${String(i).padStart(2, '0')}`), { v }));
      await batch.commit();
      const expected = [...values].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      // U+FFFF sorts before U+1F600 in UTF-8 but after it in UTF-16: this checks the encoding.
      assert.ok(expected.indexOf('\uffff') < expected.indexOf('😀'));
      const snap = await strs.orderBy('v').get();
      assert.deepEqual(
        snap.docs.map((d) => d.get('v')),
        expected,
      );
      const range = await strs.where('v', '>', '\uffff').orderBy('v').get();
      assert.deepEqual(range.docs.map((d) => d.get('v')).sort(), ['😀', '𝄞'].sort());
    });

    it('range filters never cross type boundaries', async () => {
      const mixed = root.doc('mixed').collection('items');
      const batch = db.batch();
      batch.set(mixed.doc('num'), { v: 5 });
      batch.set(mixed.doc('str'), { v: '5' });
      batch.set(mixed.doc('ts'), { v: new Timestamp(5, 0) });
      batch.set(mixed.doc('bool'), { v: true });
      batch.set(mixed.doc('nul'), { v: null });
      batch.set(mixed.doc('arr'), { v: [5] });
      await batch.commit();
      assert.deepEqual(await ids(mixed.where('v', '>', 0)), ['num']);
      assert.deepEqual(await ids(mixed.where('v', '<', 'zzz')), ['str']);
      assert.deepEqual(await ids(mixed.where('v', '>=', false)), ['bool']);
      assert.deepEqual(await ids(mixed.where('v', '>', new Timestamp(0, 0))), ['ts']);
      assert.deepEqual(await ids(mixed.where('v', '<', [9])), ['arr']);
    });
  });
});
