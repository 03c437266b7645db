// Batched writes are atomic, and Firestore's documented limits are enforced.
// Docs: https://firebase.google.com/docs/firestore/manage-data/transactions#batched-writes,
// https://firebase.google.com/docs/firestore/quotas
import { strict as assert } from 'node:assert';
import { CollectionReference, Firestore } from 'firebase-admin/firestore';
import { Code, expectCode, getDb, grpcCode, uniqueName } from './setup';

describe('conformance: batches and limits', function () {
  this.timeout(30_000);
  let db: Firestore;
  let col: CollectionReference;

  before(async () => {
    db = await getDb();
    col = db.collection(uniqueName('batches'));
  });

  describe('atomic batches', () => {
    it('commits every write of a batch, with one write time', async () => {
      const batch = db.batch();
      batch.set(col.doc('ok-a'), { v: 1 });
      batch.create(col.doc('ok-b'), { v: 2 });
      batch.set(col.doc('ok-c'), { v: 3 });
      batch.delete(col.doc('ok-c'));
      const results = await batch.commit();
      assert.equal(results.length, 4);
      for (const r of results) assert.ok(r.writeTime.isEqual(results[0].writeTime));
      const [a, b, c] = await db.getAll(col.doc('ok-a'), col.doc('ok-b'), col.doc('ok-c'));
      assert.equal(a.get('v'), 1);
      assert.equal(b.get('v'), 2);
      assert.equal(c.exists, false);
      assert.ok(a.updateTime && a.updateTime.isEqual(results[0].writeTime));
    });

    it('a failing create rolls back the whole batch', async () => {
      await col.doc('rb-existing').set({ v: 'original' });
      await col.doc('rb-touched').set({ v: 'original' });
      const batch = db.batch();
      batch.set(col.doc('rb-new'), { v: 1 });
      batch.update(col.doc('rb-touched'), { v: 'changed' });
      batch.create(col.doc('rb-existing'), { v: 'dup' });
      await expectCode(batch.commit(), Code.ALREADY_EXISTS);
      const [n, t, e] = await db.getAll(
        col.doc('rb-new'),
        col.doc('rb-touched'),
        col.doc('rb-existing'),
      );
      assert.equal(n.exists, false);
      assert.equal(t.get('v'), 'original');
      assert.equal(e.get('v'), 'original');
    });

    it('a failing update of a missing document rolls back the whole batch', async () => {
      const batch = db.batch();
      batch.set(col.doc('rb2-new'), { v: 1 });
      batch.update(col.doc('rb2-missing'), { v: 2 });
      await expectCode(batch.commit(), Code.NOT_FOUND);
      assert.equal((await col.doc('rb2-new').get()).exists, false);
      assert.equal((await col.doc('rb2-missing').get()).exists, false);
    });

    it('a stale lastUpdateTime precondition rolls back the whole batch', async () => {
      const ref = col.doc('rb3-doc');
      const first = await ref.set({ v: 1 });
      await ref.set({ v: 2 });
      const batch = db.batch();
      batch.set(col.doc('rb3-new'), { v: 1 });
      batch.delete(ref, { lastUpdateTime: first.writeTime });
      await expectCode(batch.commit(), Code.FAILED_PRECONDITION);
      assert.equal((await col.doc('rb3-new').get()).exists, false);
      assert.equal((await ref.get()).get('v'), 2);
    });

    it('later writes in a batch see the effect of earlier ones on the same document', async () => {
      const ref = col.doc('seq');
      const batch = db.batch();
      batch.create(ref, { a: 1 });
      batch.update(ref, { b: 2 });
      batch.set(ref, { c: 3 }, { merge: true });
      await batch.commit();
      assert.deepEqual((await ref.get()).data(), { a: 1, b: 2, c: 3 });
    });

    it('an empty batch commits', async () => {
      const results = await db.batch().commit();
      assert.deepEqual(results, []);
    });
  });

  describe('limits', () => {
    it('a batch of 500 writes commits', async () => {
      const batch = db.batch();
      for (let i = 0; i < 500; i++) batch.set(col.doc(`limit500-${i}`), { i });
      await batch.commit();
      const count = await col.where('i', '>=', 0).count().get();
      assert.equal(count.data().count, 500);
    });

    it('a batch of 501 writes is atomic: rejected with INVALID_ARGUMENT and nothing written, or all written', async () => {
      // Older quotas pages listed 500 writes per commit; the current page lists only the 10 MiB
      // request size, so both outcomes are accepted here, but never a partial write.
      const sub = col.doc('limit501').collection('items');
      const batch = db.batch();
      for (let i = 0; i < 501; i++) batch.set(sub.doc(`d${i}`), { i });
      let code: number | undefined;
      try {
        await batch.commit();
      } catch (e) {
        code = grpcCode(e);
        assert.equal(code, Code.INVALID_ARGUMENT, `unexpected error: ${String(e)}`);
      }
      const written = (await sub.count().get()).data().count;
      assert.equal(written, code === undefined ? 501 : 0);
    });

    it('a commit over the 10 MiB request size is rejected and writes nothing', async () => {
      const sub = col.doc('limit-10mib').collection('items');
      const batch = db.batch();
      // 12 documents of ~0.9 MB each: every document is valid, the request is ~11 MB.
      for (let i = 0; i < 12; i++) batch.set(sub.doc(`d${i}`), { s: 'z'.repeat(900_000) });
      let error: unknown;
      try {
        await batch.commit();
      } catch (e) {
        error = e;
      }
      assert.ok(error !== undefined, 'an 11 MB commit must be rejected');
      assert.equal((await sub.count().get()).data().count, 0);
    });

    it('a document just under 1 MiB is accepted', async () => {
      const ref = col.doc('big-ok');
      // 1,000,000 bytes of string value leaves room for the name and field overhead.
      await ref.set({ s: 'x'.repeat(1_000_000) });
      assert.equal(((await ref.get()).get('s') as string).length, 1_000_000);
    });

    it('a document over 1 MiB is rejected with INVALID_ARGUMENT', async () => {
      const ref = col.doc('big-too-large');
      await expectCode(ref.set({ s: 'x'.repeat(1_048_577) }), Code.INVALID_ARGUMENT);
      assert.equal((await ref.get()).exists, false);
    });

    it('document size counts strings in UTF-8 bytes', async () => {
      // 400,000 '€' are 400,000 UTF-16 units but 1,200,000 UTF-8 bytes: over the limit.
      const ref = col.doc('big-multibyte');
      await expectCode(ref.set({ s: '€'.repeat(400_000) }), Code.INVALID_ARGUMENT);
      assert.equal((await ref.get()).exists, false);
    });

    it('a document over 1 MiB in total across fields is rejected', async () => {
      const ref = col.doc('big-many-fields');
      const data: Record<string, string> = {};
      for (let i = 0; i < 11; i++) data[`f${i}`] = 'y'.repeat(100_000);
      await expectCode(ref.set(data), Code.INVALID_ARGUMENT);
    });

    it('growing a document past 1 MiB by update is rejected and keeps the old version', async () => {
      const ref = col.doc('big-grow');
      await ref.set({ a: 'a'.repeat(600_000) });
      await expectCode(ref.update({ b: 'b'.repeat(600_000) }), Code.INVALID_ARGUMENT);
      const snap = await ref.get();
      assert.equal(snap.get('b'), undefined);
      assert.equal((snap.get('a') as string).length, 600_000);
    });

    it('an array directly inside an array is rejected with INVALID_ARGUMENT', async () => {
      // Data types: "an array cannot contain another array value directly".
      const ref = col.doc('nested-array');
      await expectCode(ref.set({ a: [1, [2, 3]] }), Code.INVALID_ARGUMENT);
      assert.equal((await ref.get()).exists, false);
      await ref.set({ a: [1, { inner: [2, 3] }] });
      assert.deepEqual((await ref.get()).get('a'), [1, { inner: [2, 3] }]);
    });

    it('map nesting deeper than 20 levels is rejected with INVALID_ARGUMENT', async () => {
      // Quotas: "Maximum depth of fields in a map or array: 20".
      let deep: Record<string, unknown> = { leaf: 1 };
      for (let i = 0; i < 25; i++) deep = { n: deep };
      let error: unknown;
      try {
        await col.doc('too-deep').set(deep);
      } catch (e) {
        error = e;
      }
      assert.ok(error !== undefined, 'expected the deep document to be rejected');
      // The SDK may reject it before sending; if the server saw it, the code is INVALID_ARGUMENT.
      const code = grpcCode(error);
      assert.ok(code === undefined || code === Code.INVALID_ARGUMENT, `unexpected code ${code}`);
    });
  });
});
