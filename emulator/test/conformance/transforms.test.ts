// Field transforms: serverTimestamp, increment, arrayUnion, arrayRemove.
// Docs: https://firebase.google.com/docs/firestore/manage-data/add-data#server_timestamp,
// https://firebase.google.com/docs/firestore/manage-data/add-data#increment_a_numeric_value,
// https://cloud.google.com/firestore/docs/reference/rest/v1/Write#FieldTransform
import { strict as assert } from 'node:assert';
import {
  CollectionReference,
  FieldValue,
  Firestore,
  GeoPoint,
  Timestamp,
} from 'firebase-admin/firestore';
import { Code, expectCode, getDb, newFirestore, uniqueName } from './setup';

describe('conformance: field transforms', function () {
  this.timeout(20_000);
  let db: Firestore;
  let bigDb: Firestore;
  let col: CollectionReference;

  before(async () => {
    db = await getDb();
    bigDb = await newFirestore({ settings: { useBigInt: true } });
    col = db.collection(uniqueName('transforms'));
  });

  describe('serverTimestamp', () => {
    it('resolves to the commit time (the write time and the document updateTime)', async () => {
      const ref = col.doc('ts-set');
      const before = Date.now();
      const result = await ref.set({ t: FieldValue.serverTimestamp(), n: 1 });
      const snap = await ref.get();
      const t = snap.get('t');
      assert.ok(t instanceof Timestamp, 'serverTimestamp must read back as a Timestamp');
      assert.ok(t.isEqual(result.writeTime));
      assert.ok(snap.updateTime && t.isEqual(snap.updateTime));
      // Same machine, so the server clock is close to ours.
      assert.ok(Math.abs(t.toMillis() - before) < 60_000);
    });

    it('works in update with nested paths and in set with merge', async () => {
      const ref = col.doc('ts-nested');
      await ref.set({ m: { keep: 1 } });
      await ref.update({ 'm.t': FieldValue.serverTimestamp() });
      await ref.set({ other: { t: FieldValue.serverTimestamp() } }, { merge: true });
      const snap = await ref.get();
      assert.equal(snap.get('m.keep'), 1);
      assert.ok(snap.get('m.t') instanceof Timestamp);
      assert.ok(snap.get('other.t') instanceof Timestamp);
      assert.ok(snap.updateTime && snap.get('other.t').isEqual(snap.updateTime));
    });

    it('all server timestamps in one batch get the same value', async () => {
      const batch = db.batch();
      const a = col.doc('ts-batch-a');
      const b = col.doc('ts-batch-b');
      batch.set(a, { t: FieldValue.serverTimestamp() });
      batch.set(b, { t: FieldValue.serverTimestamp(), u: FieldValue.serverTimestamp() });
      await batch.commit();
      const [sa, sb] = await db.getAll(a, b);
      assert.ok(sa.get('t').isEqual(sb.get('t')));
      assert.ok(sb.get('t').isEqual(sb.get('u')));
    });
  });

  describe('increment', () => {
    it('adds integers and keeps an integer type', async () => {
      const ref = bigDb.collection(col.id).doc('inc-int');
      await ref.set({ n: 5 });
      await ref.update({ n: FieldValue.increment(3) });
      await ref.update({ n: FieldValue.increment(-10) });
      assert.equal((await ref.get()).get('n'), -2n);
    });

    it('a missing field is set to the operand', async () => {
      const ref = col.doc('inc-missing');
      await ref.set({ other: true });
      await ref.update({ n: FieldValue.increment(7), 'm.d': FieldValue.increment(1.5) });
      const snap = await ref.get();
      assert.equal(snap.get('n'), 7);
      assert.equal(snap.get('m.d'), 1.5);
    });

    it('a missing document is created by set with an increment', async () => {
      const ref = col.doc('inc-missing-doc');
      await ref.set({ n: FieldValue.increment(2) });
      assert.equal((await ref.get()).get('n'), 2);
    });

    it('update with a transform on a missing document fails with NOT_FOUND', async () => {
      const ref = col.doc('inc-update-missing');
      await expectCode(ref.update({ n: FieldValue.increment(1) }), Code.NOT_FOUND);
      assert.equal((await ref.get()).exists, false);
    });

    it('a non-numeric field is replaced by the operand', async () => {
      const ref = col.doc('inc-non-numeric');
      await ref.set({ s: 'text', b: true, a: [1], m: { x: 1 }, z: null });
      await ref.update({
        s: FieldValue.increment(1),
        b: FieldValue.increment(2),
        a: FieldValue.increment(3),
        m: FieldValue.increment(4.5),
        z: FieldValue.increment(5),
      });
      assert.deepEqual((await ref.get()).data(), { s: 1, b: 2, a: 3, m: 4.5, z: 5 });
    });

    it('mixing integer and double yields a double', async () => {
      const ref = col.doc('inc-mixed');
      await ref.set({ i: 1, d: 0.5 });
      await ref.update({ i: FieldValue.increment(0.25), d: FieldValue.increment(2) });
      const snap = await ref.get();
      assert.equal(snap.get('i'), 1.25);
      assert.equal(snap.get('d'), 2.5);
    });

    it('integer overflow saturates at the int64 bounds', async () => {
      const ref = bigDb.collection(col.id).doc('inc-overflow');
      const max = 9223372036854775807n;
      const min = -9223372036854775808n;
      await ref.set({ hi: max - 1n, lo: min + 1n });
      await ref.update({ hi: FieldValue.increment(10), lo: FieldValue.increment(-10) });
      const snap = await ref.get();
      assert.equal(snap.get('hi'), max);
      assert.equal(snap.get('lo'), min);
    });

    it('increments within one batch on the same document accumulate', async () => {
      const ref = col.doc('inc-batch');
      await ref.set({ n: 0 });
      const batch = db.batch();
      batch.update(ref, { n: FieldValue.increment(1) });
      batch.update(ref, { n: FieldValue.increment(2) });
      batch.set(ref, { n: FieldValue.increment(3) }, { merge: true });
      await batch.commit();
      assert.equal((await ref.get()).get('n'), 6);
    });

    it('concurrent increments never lose an update', async () => {
      const ref = col.doc('inc-concurrent');
      await ref.set({ n: 0 });
      await Promise.all(
        Array.from({ length: 25 }, () => ref.update({ n: FieldValue.increment(1) })),
      );
      assert.equal((await ref.get()).get('n'), 25);
    });
  });

  describe('arrayUnion', () => {
    it('appends only elements not already present, in order', async () => {
      const ref = col.doc('union-basic');
      await ref.set({ a: [1, 'x', { k: 1 }] });
      await ref.update({ a: FieldValue.arrayUnion('x', 2, { k: 1 }, { k: 2 }, 2) });
      assert.deepEqual((await ref.get()).get('a'), [1, 'x', { k: 1 }, 2, { k: 2 }]);
    });

    it('a missing or non-array field becomes an array of the elements', async () => {
      const ref = col.doc('union-missing');
      await ref.set({ s: 'not an array' });
      await ref.update({ s: FieldValue.arrayUnion(1, 1, 2), m: FieldValue.arrayUnion('a') });
      const snap = await ref.get();
      assert.deepEqual(snap.get('s'), [1, 2]);
      assert.deepEqual(snap.get('m'), ['a']);
    });

    it('treats equal numbers of different types, NaN and null as present', async () => {
      const ref = col.doc('union-equality');
      await ref.set({ a: [1, NaN, null] });
      await ref.update({ a: FieldValue.arrayUnion(1.0, NaN, null, 1.5) });
      const got: unknown[] = (await ref.get()).get('a');
      assert.equal(got.length, 4);
      assert.equal(got[0], 1);
      assert.ok(Number.isNaN(got[1]));
      assert.equal(got[2], null);
      assert.equal(got[3], 1.5);
    });

    it('keeps existing duplicates', async () => {
      const ref = col.doc('union-dupes');
      await ref.set({ a: [1, 1] });
      await ref.update({ a: FieldValue.arrayUnion(1, 2) });
      assert.deepEqual((await ref.get()).get('a'), [1, 1, 2]);
    });

    it('compares complex values structurally (GeoPoint, Timestamp, reference)', async () => {
      const ref = col.doc('union-complex');
      const ts = new Timestamp(1_700_000_000, 123_000);
      await ref.set({ a: [new GeoPoint(1, 2), ts, col.doc('x')] });
      await ref.update({
        a: FieldValue.arrayUnion(
          new GeoPoint(1, 2),
          new Timestamp(1_700_000_000, 123_000),
          col.doc('x'),
        ),
      });
      assert.equal(((await ref.get()).get('a') as unknown[]).length, 3);
    });
  });

  describe('arrayRemove', () => {
    it('removes every instance of each element', async () => {
      const ref = col.doc('remove-basic');
      await ref.set({ a: [1, 2, 1, 'x', { k: 1 }, 3, 1.0] });
      await ref.update({ a: FieldValue.arrayRemove(1, { k: 1 }, 'absent') });
      assert.deepEqual((await ref.get()).get('a'), [2, 'x', 3]);
    });

    it('a missing or non-array field becomes an empty array', async () => {
      const ref = col.doc('remove-missing');
      await ref.set({ s: 5 });
      await ref.update({ s: FieldValue.arrayRemove(5), m: FieldValue.arrayRemove(1) });
      const snap = await ref.get();
      assert.deepEqual(snap.get('s'), []);
      assert.deepEqual(snap.get('m'), []);
    });
  });

  it('several transforms in one write apply together with plain fields', async () => {
    const ref = col.doc('combined');
    await ref.set({ n: 1, a: ['x'] });
    await ref.set(
      {
        n: FieldValue.increment(1),
        a: FieldValue.arrayUnion('y'),
        t: FieldValue.serverTimestamp(),
        plain: 'p',
      },
      { merge: true },
    );
    const snap = await ref.get();
    assert.equal(snap.get('n'), 2);
    assert.deepEqual(snap.get('a'), ['x', 'y']);
    assert.ok(snap.get('t') instanceof Timestamp);
    assert.equal(snap.get('plain'), 'p');
  });
});
