// Every Firestore value type survives a round trip through the server.
// Docs: https://firebase.google.com/docs/firestore/manage-data/data-types
import { strict as assert } from 'node:assert';
import {
  CollectionReference,
  DocumentReference,
  FieldValue,
  Firestore,
  GeoPoint,
  Timestamp,
} from 'firebase-admin/firestore';
import { getDb, newFirestore, uniqueName } from './setup';

describe('conformance: data types', function () {
  this.timeout(20_000);
  let db: Firestore;
  let bigDb: Firestore;
  let col: CollectionReference;
  let bigCol: CollectionReference;

  before(async () => {
    db = await getDb();
    bigDb = await newFirestore({ settings: { useBigInt: true } });
    col = db.collection(uniqueName('types'));
    bigCol = bigDb.collection(col.id);
  });

  it('int64 edges round-trip exactly (useBigInt)', async () => {
    const ref = bigCol.doc('int64');
    const values = {
      max: 9223372036854775807n,
      min: -9223372036854775808n,
      zero: 0n,
      beyondSafe: 9007199254740993n,
      negative: -42n,
    };
    await ref.set(values);
    assert.deepEqual((await ref.get()).data(), values);
  });

  it('int64 values are queryable by exact value', async () => {
    const sub = bigCol.doc('int64-query').collection('items');
    await sub.doc('a').set({ n: 9007199254740993n });
    await sub.doc('b').set({ n: 9007199254740992n });
    const snap = await sub.where('n', '==', 9007199254740993n).get();
    assert.deepEqual(
      snap.docs.map((d) => d.id),
      ['a'],
    );
    const gt = await sub.where('n', '>', 9007199254740992n).get();
    assert.deepEqual(
      gt.docs.map((d) => d.id),
      ['a'],
    );
  });

  it('doubles round-trip, including extremes and fractions', async () => {
    const ref = col.doc('doubles');
    const values = {
      half: 0.5,
      pi: Math.PI,
      tiny: Number.MIN_VALUE,
      huge: Number.MAX_VALUE,
      negative: -1.25e-300,
      big: 1e21,
    };
    await ref.set(values);
    assert.deepEqual((await ref.get()).data(), values);
  });

  it('NaN, Infinity and -Infinity round-trip', async () => {
    const ref = col.doc('special-doubles');
    await ref.set({ nan: NaN, inf: Infinity, ninf: -Infinity });
    const snap = await ref.get();
    assert.ok(Number.isNaN(snap.get('nan')));
    assert.equal(snap.get('inf'), Infinity);
    assert.equal(snap.get('ninf'), -Infinity);
  });

  it('-0 reads back as a zero and equals 0 in queries', async () => {
    const sub = col.doc('negzero').collection('items');
    await sub.doc('neg').set({ z: -0 });
    const snap = await sub.doc('neg').get();
    assert.equal(snap.get('z'), 0);
    const byZero = await sub.where('z', '==', 0).get();
    assert.deepEqual(
      byZero.docs.map((d) => d.id),
      ['neg'],
    );
  });

  it('integers and doubles with the same value are equal in queries', async () => {
    const sub = col.doc('numeq').collection('items');
    await sub.doc('int').set({ n: 3 });
    await sub.doc('dbl').set({ n: 3.5 });
    const snap = await sub.where('n', 'in', [3, 3.5]).get();
    assert.deepEqual(snap.docs.map((d) => d.id).sort(), ['dbl', 'int']);
    const lt = await sub.where('n', '<', 3.25).get();
    assert.deepEqual(
      lt.docs.map((d) => d.id),
      ['int'],
    );
  });

  it('timestamps keep microseconds; nanoseconds below that are truncated', async () => {
    const ref = col.doc('timestamps');
    await ref.set({
      micro: new Timestamp(1_700_000_000, 123_456_000),
      nano: new Timestamp(1_700_000_000, 123_456_789),
      epoch: new Timestamp(0, 0),
      beforeEpoch: new Timestamp(-1, 999_999_000),
      min: new Timestamp(-62135596800, 0),
      max: new Timestamp(253402300799, 999_999_000),
      date: new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 5)),
    });
    const snap = await ref.get();
    assert.ok(snap.get('micro').isEqual(new Timestamp(1_700_000_000, 123_456_000)));
    assert.ok(snap.get('nano').isEqual(new Timestamp(1_700_000_000, 123_456_000)));
    assert.ok(snap.get('epoch').isEqual(new Timestamp(0, 0)));
    assert.ok(snap.get('beforeEpoch').isEqual(new Timestamp(-1, 999_999_000)));
    assert.ok(snap.get('min').isEqual(new Timestamp(-62135596800, 0)));
    assert.ok(snap.get('max').isEqual(new Timestamp(253402300799, 999_999_000)));
    assert.equal(
      (snap.get('date') as Timestamp).toDate().toISOString(),
      '2024-02-29T12:00:00.005Z',
    );
  });

  it('strings round-trip, including unicode, NUL and the empty string', async () => {
    const ref = col.doc('strings');
    const values = {
      empty: '',
      unicode: 'héllo wörld — 日本語 🚀 \u{10FFFF}',
      nul: 'a\u0000b',
      newline: 'line1\nline2\r\n',
      long: 'z'.repeat(100_000),
    };
    await ref.set(values);
    assert.deepEqual((await ref.get()).data(), values);
  });

  it('bytes round-trip exactly', async () => {
    const ref = col.doc('bytes');
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await ref.set({ all, empty: Buffer.alloc(0), u8: new Uint8Array([0, 255, 7]) });
    const snap = await ref.get();
    assert.ok(Buffer.isBuffer(snap.get('all')));
    assert.ok(all.equals(snap.get('all')));
    assert.equal((snap.get('empty') as Buffer).length, 0);
    assert.ok(Buffer.from([0, 255, 7]).equals(snap.get('u8')));
  });

  it('GeoPoints round-trip', async () => {
    const ref = col.doc('geo');
    await ref.set({ p: new GeoPoint(-33.865143, 151.2099), edge: new GeoPoint(90, -180) });
    const snap = await ref.get();
    assert.ok(snap.get('p') instanceof GeoPoint);
    assert.ok(snap.get('p').isEqual(new GeoPoint(-33.865143, 151.2099)));
    assert.ok(snap.get('edge').isEqual(new GeoPoint(90, -180)));
  });

  it('vector values round-trip', async () => {
    const ref = col.doc('vector');
    await ref.set({ embedding: FieldValue.vector([1, 2.5, -3]) });
    const value: unknown = (await ref.get()).get('embedding');
    assert.ok(value !== null && typeof value === 'object' && 'toArray' in value);
    assert.deepEqual((value as { toArray(): number[] }).toArray(), [1, 2.5, -3]);
  });

  it('document references round-trip and are queryable', async () => {
    const sub = col.doc('refs').collection('items');
    const target = col.doc('some').collection('deep').doc('target');
    await sub.doc('a').set({ r: target, rs: [target, col.doc('other')] });
    const snap = await sub.doc('a').get();
    const r = snap.get('r');
    assert.ok(r instanceof DocumentReference);
    assert.equal(r.path, target.path);
    assert.ok(r.isEqual(target));
    assert.equal((snap.get('rs') as DocumentReference[])[1].path, col.doc('other').path);
    const found = await sub.where('r', '==', target).get();
    assert.deepEqual(
      found.docs.map((d) => d.id),
      ['a'],
    );
  });

  it('null and booleans round-trip', async () => {
    const ref = col.doc('nulls');
    await ref.set({ n: null, t: true, f: false, m: { n: null } });
    assert.deepEqual((await ref.get()).data(), { n: null, t: true, f: false, m: { n: null } });
  });

  it('nested maps and arrays round-trip, including empty ones and arrays in maps', async () => {
    const ref = col.doc('nested');
    const ts = new Timestamp(1_600_000_000, 1000);
    const value = {
      emptyMap: {},
      emptyArray: [],
      arr: [1, 'two', null, true, { inner: [1, { deeper: 'x' }] }, 2.5],
      map: { a: { b: { c: { d: [ts, new GeoPoint(1, 2)] } } } },
    };
    await ref.set(value);
    const got = (await ref.get()).data();
    assert.ok(got);
    assert.deepEqual(got.emptyMap, {});
    assert.deepEqual(got.emptyArray, []);
    assert.deepEqual(got.arr, [1, 'two', null, true, { inner: [1, { deeper: 'x' }] }, 2.5]);
    const d: unknown[] = got.map.a.b.c.d;
    assert.ok((d[0] as Timestamp).isEqual(ts));
    assert.ok((d[1] as GeoPoint).isEqual(new GeoPoint(1, 2)));
  });

  it('map keys keep their values regardless of key order or unicode', async () => {
    const ref = col.doc('map-keys');
    const value = { m: { z: 1, a: 2, é: 3, '🚀': 4, '10': 5, '9': 6 } };
    await ref.set(value);
    assert.deepEqual((await ref.get()).data(), value);
  });
});
