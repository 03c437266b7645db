// Batched writes are atomic, and Firestore's documented limits are enforced.
// Docs: https://firebase.google.com/docs/firestore/manage-data/transactions#batched-writes,
// https://firebase.google.com/docs/firestore/quotas
import { strict as assert } from 'node:assert';
import { CollectionReference, FieldValue, Firestore } from 'firebase-admin/firestore';
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
    // Since 2023-03-29 production has no limit on the number of writes in a commit or a
    // transaction (release notes; quotas page, "Writes and transactions"). What remains is the
    // 10 MiB request size, 1 MiB per document and 500 field transforms per document.
    for (const count of [1_000, 5_000]) {
      it(`a batch of ${count} writes commits, every write at one time`, async () => {
        const sub = col.doc(`batch-${count}`).collection('items');
        const batch = db.batch();
        for (let i = 0; i < count; i++) batch.set(sub.doc(`d${i}`), { i });
        const results = await batch.commit();
        assert.equal(results.length, count);
        for (const r of results) assert.ok(r.writeTime.isEqual(results[0].writeTime));
        assert.equal((await sub.count().get()).data().count, count);
      });

      it(`a batch of ${count} writes whose last write fails writes nothing`, async () => {
        const sub = col.doc(`batch-fail-${count}`).collection('items');
        await sub.doc('taken').set({ v: 0 });
        const batch = db.batch();
        for (let i = 0; i < count - 1; i++) batch.set(sub.doc(`d${i}`), { i });
        batch.create(sub.doc('taken'), { v: 1 });
        await expectCode(batch.commit(), Code.ALREADY_EXISTS);
        assert.equal((await sub.count().get()).data().count, 1);
      });

      it(`a transaction of ${count} writes commits them all`, async () => {
        const sub = col.doc(`txn-${count}`).collection('items');
        const marker = col.doc(`txn-${count}-marker`);
        await db.runTransaction(async (t) => {
          const seen = await t.get(marker);
          for (let i = 0; i < count; i++) t.set(sub.doc(`d${i}`), { i });
          t.set(marker, { runs: ((seen.get('runs') as number | undefined) ?? 0) + 1 });
        });
        assert.equal((await sub.count().get()).data().count, count);
        assert.equal((await marker.get()).get('runs'), 1);
      });

      it(`a transaction of ${count} writes whose last write fails writes nothing`, async () => {
        const sub = col.doc(`txn-fail-${count}`).collection('items');
        await sub.doc('taken').set({ v: 0 });
        await expectCode(
          db.runTransaction(async (t) => {
            await t.get(sub.doc('taken'));
            for (let i = 0; i < count - 1; i++) t.set(sub.doc(`d${i}`), { i });
            t.create(sub.doc('taken'), { v: 1 });
          }),
          Code.ALREADY_EXISTS,
        );
        assert.equal((await sub.count().get()).data().count, 1);
      });
    }

    it('a commit just over the 10 MiB request size is rejected with INVALID_ARGUMENT and writes nothing', async () => {
      const sub = col.doc('limit-10mib').collection('items');
      const batch = db.batch();
      // Ten 1,000,000-byte documents and one of 486,000 bytes: the field values alone are 240
      // bytes over 10 MiB (10,485,760 bytes); names and encoding add under 2 KB more.
      for (let i = 0; i < 10; i++) batch.set(sub.doc(`d${i}`), { s: 'z'.repeat(1_000_000) });
      batch.set(sub.doc('d10'), { s: 'z'.repeat(486_000) });
      await expectCode(batch.commit(), Code.INVALID_ARGUMENT);
      assert.equal((await sub.count().get()).data().count, 0);
    });

    it('a commit just under the 10 MiB request size is accepted', async () => {
      const sub = col.doc('under-10mib').collection('items');
      const batch = db.batch();
      // 10,478,000 bytes of values plus under 2 KB of names and encoding: under 10,485,760.
      for (let i = 0; i < 10; i++) batch.set(sub.doc(`d${i}`), { s: 'z'.repeat(1_000_000) });
      batch.set(sub.doc('d10'), { s: 'z'.repeat(478_000) });
      await batch.commit();
      assert.equal((await sub.count().get()).data().count, 11);
    });

    it('500 field transforms on one document in one commit are accepted, 501 are rejected', async () => {
      const ok = col.doc('transforms-500');
      const fields: Record<string, FieldValue> = {};
      for (let i = 0; i < 500; i++) fields[`n${i}`] = FieldValue.increment(1);
      await ok.set(fields);
      assert.equal((await ok.get()).get('n499'), 1);
      const tooMany = col.doc('transforms-501');
      // 500 in one write and 1 in another write to the same document, in one batch.
      const batch = db.batch();
      batch.set(tooMany, fields);
      batch.update(tooMany, { extra: FieldValue.increment(1) });
      await expectCode(batch.commit(), Code.INVALID_ARGUMENT);
      assert.equal((await tooMany.get()).exists, false);
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
