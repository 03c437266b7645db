// Aggregation queries: count, sum and average, on filtered, limited and empty result sets.
// Docs: https://firebase.google.com/docs/firestore/query-data/aggregation-queries
import { strict as assert } from 'node:assert';
import { AggregateField, CollectionReference, Firestore } from 'firebase-admin/firestore';
import { getDb, newFirestore, uniqueName } from './setup';

describe('conformance: aggregations', function () {
  this.timeout(20_000);
  let db: Firestore;
  let col: CollectionReference;

  before(async () => {
    db = await getDb();
    col = db.collection(uniqueName('aggregations'));
    const batch = db.batch();
    batch.set(col.doc('a'), { g: 'x', n: 1, d: 0.5 });
    batch.set(col.doc('b'), { g: 'x', n: 2, d: 1.5 });
    batch.set(col.doc('c'), { g: 'x', n: 3, d: 'not a number' });
    batch.set(col.doc('d'), { g: 'y', n: 10 });
    batch.set(col.doc('e'), { g: 'y', n: 'ten' });
    batch.set(col.doc('f'), { g: 'z' });
    await batch.commit();
  });

  it('count() counts every matching document', async () => {
    assert.equal((await col.count().get()).data().count, 6);
    assert.equal((await col.where('g', '==', 'x').count().get()).data().count, 3);
  });

  it('count() honours limit', async () => {
    assert.equal((await col.limit(4).count().get()).data().count, 4);
    assert.equal((await col.where('g', '==', 'y').limit(10).count().get()).data().count, 2);
  });

  it('count() on an empty result is 0', async () => {
    assert.equal((await col.where('g', '==', 'none').count().get()).data().count, 0);
    assert.equal((await db.collection(`${col.id}-empty`).count().get()).data().count, 0);
  });

  it('sum() of integers is an integer; non-numeric values are ignored', async () => {
    const snap = await col
      .aggregate({ total: AggregateField.sum('n'), count: AggregateField.count() })
      .get();
    assert.equal(snap.data().total, 16);
    // Next to sum('n'), count() counts only the documents that have n (whatever its type), as
    // production does (nodejs-firestore system test "performs aggregations on documents with
    // all aggregated fields"); alone it counts all 6.
    assert.equal(snap.data().count, 5);
    assert.equal((await col.count().get()).data().count, 6);
  });

  it('sum() with doubles is a double', async () => {
    const snap = await col
      .where('g', '==', 'x')
      .aggregate({ s: AggregateField.sum('d') })
      .get();
    assert.equal(snap.data().s, 2);
  });

  it('average() averages only numeric values', async () => {
    const snap = await col.aggregate({ avg: AggregateField.average('n') }).get();
    assert.equal(snap.data().avg, 4);
    const dbl = await col.aggregate({ avg: AggregateField.average('d') }).get();
    assert.equal(dbl.data().avg, 1);
  });

  it('on an empty set sum is 0 and average is null', async () => {
    const snap = await col
      .where('g', '==', 'none')
      .aggregate({
        s: AggregateField.sum('n'),
        a: AggregateField.average('n'),
        c: AggregateField.count(),
      })
      .get();
    assert.equal(snap.data().s, 0);
    assert.equal(snap.data().a, null);
    assert.equal(snap.data().c, 0);
  });

  it('average over documents with no numeric value is null', async () => {
    const snap = await col
      .where('g', '==', 'z')
      .aggregate({ a: AggregateField.average('n') })
      .get();
    assert.equal(snap.data().a, null);
  });

  it('aggregations respect filters and several run at once', async () => {
    const snap = await col
      .where('n', '>=', 2)
      .aggregate({
        c: AggregateField.count(),
        s: AggregateField.sum('n'),
        a: AggregateField.average('n'),
      })
      .get();
    assert.deepEqual(snap.data(), { c: 3, s: 15, a: 5 });
  });

  it('sum() includes NaN and infinities per IEEE rules', async () => {
    const sub = col.doc('special').collection('items');
    await sub.doc('one').set({ v: 1 });
    await sub.doc('inf').set({ v: Infinity });
    assert.equal((await sub.aggregate({ s: AggregateField.sum('v') }).get()).data().s, Infinity);
    await sub.doc('nan').set({ v: NaN });
    assert.ok(Number.isNaN((await sub.aggregate({ s: AggregateField.sum('v') }).get()).data().s));
  });

  it('count() honours cursors and offset', async () => {
    // After 2 come 3, 10 and the string 'ten' (strings sort after numbers).
    assert.equal((await col.orderBy('n').startAfter(2).count().get()).data().count, 3);
    assert.equal((await col.orderBy('n').endAt(2).count().get()).data().count, 2);
    assert.equal((await col.offset(4).count().get()).data().count, 2);
  });

  it('readTime is reported', async () => {
    const snap = await col.count().get();
    assert.ok(snap.readTime.toMillis() > 0);
  });

  it('average() of integers is a double', async () => {
    const sub = col.doc('avg-int').collection('items');
    await sub.doc('1').set({ v: 1 });
    await sub.doc('2').set({ v: 2 });
    assert.equal((await sub.aggregate({ a: AggregateField.average('v') }).get()).data().a, 1.5);
  });

  it('sum() of integers that overflows int64 becomes a double', async () => {
    const bigDb = await newFirestore({ settings: { useBigInt: true } });
    const sub = bigDb.collection(col.id).doc('overflow').collection('items');
    await sub.doc('1').set({ v: 9223372036854775807n });
    await sub.doc('2').set({ v: 1n });
    const s = (await sub.aggregate({ s: AggregateField.sum('v') }).get()).data().s;
    assert.equal(typeof s, 'number', `expected a double, got ${typeof s} ${String(s)}`);
    assert.equal(s, 9223372036854775808);
  });
});
