// Documents: create/set/update/delete, preconditions, merge and mergeFields, nested field paths,
// special characters in field names, and getAll with missing documents.
// Docs: https://firebase.google.com/docs/firestore/manage-data/add-data,
// https://firebase.google.com/docs/firestore/manage-data/delete-data,
// https://firebase.google.com/docs/firestore/quotas (field name constraints).
import { strict as assert } from 'node:assert';
import { CollectionReference, FieldPath, FieldValue, Firestore } from 'firebase-admin/firestore';
import { Code, expectCode, getDb, uniqueName } from './setup';

describe('conformance: documents', function () {
  this.timeout(20_000);
  let db: Firestore;
  let col: CollectionReference;

  before(async () => {
    db = await getDb();
    col = db.collection(uniqueName('documents'));
  });

  describe('create', () => {
    it('creates a missing document and reports createTime == updateTime', async () => {
      const ref = col.doc('create-new');
      const result = await ref.create({ a: 1 });
      const snap = await ref.get();
      assert.equal(snap.exists, true);
      assert.deepEqual(snap.data(), { a: 1 });
      assert.ok(snap.createTime && snap.updateTime);
      assert.ok(snap.createTime.isEqual(snap.updateTime));
      assert.ok(result.writeTime.isEqual(snap.updateTime));
    });

    it('fails with ALREADY_EXISTS when the document exists', async () => {
      const ref = col.doc('create-existing');
      await ref.set({ a: 1 });
      await expectCode(ref.create({ a: 2 }), Code.ALREADY_EXISTS);
      assert.deepEqual((await ref.get()).data(), { a: 1 });
    });

    it('auto-generated ids from add() are 20 characters and unique', async () => {
      const sub = col.doc('add-parent').collection('items');
      const a = await sub.add({ n: 1 });
      const b = await sub.add({ n: 2 });
      assert.notEqual(a.id, b.id);
      assert.equal(a.id.length, 20);
      assert.deepEqual((await a.get()).data(), { n: 1 });
    });
  });

  describe('set', () => {
    it('replaces the whole document without merge', async () => {
      const ref = col.doc('set-replace');
      await ref.set({ a: 1, b: { c: 2, d: 3 } });
      await ref.set({ b: { c: 9 } });
      assert.deepEqual((await ref.get()).data(), { b: { c: 9 } });
    });

    it('keeps createTime and advances updateTime on overwrite', async () => {
      const ref = col.doc('set-times');
      await ref.set({ v: 1 });
      const first = await ref.get();
      await ref.set({ v: 2 });
      const second = await ref.get();
      assert.ok(first.createTime && second.createTime && first.updateTime && second.updateTime);
      assert.ok(second.createTime.isEqual(first.createTime));
      assert.ok(second.updateTime.toMillis() >= first.updateTime.toMillis());
      assert.ok(!second.updateTime.isEqual(first.updateTime));
    });

    it('merge: true deep-merges maps and keeps untouched fields', async () => {
      const ref = col.doc('set-merge');
      await ref.set({ a: 1, m: { x: 1, y: 2 }, keep: 'k' });
      await ref.set({ m: { y: 20, z: 30 }, b: 2 }, { merge: true });
      assert.deepEqual((await ref.get()).data(), {
        a: 1,
        b: 2,
        keep: 'k',
        m: { x: 1, y: 20, z: 30 },
      });
    });

    it('merge: true creates a missing document', async () => {
      const ref = col.doc('set-merge-missing');
      await ref.set({ m: { a: 1 } }, { merge: true });
      assert.deepEqual((await ref.get()).data(), { m: { a: 1 } });
    });

    it('merge: true with FieldValue.delete() removes the field', async () => {
      const ref = col.doc('set-merge-delete');
      await ref.set({ a: 1, m: { x: 1, y: 2 } });
      await ref.set({ a: FieldValue.delete(), m: { x: FieldValue.delete() } }, { merge: true });
      assert.deepEqual((await ref.get()).data(), { m: { y: 2 } });
    });

    it('mergeFields writes only the listed fields, including nested paths', async () => {
      const ref = col.doc('set-merge-fields');
      await ref.set({ a: 1, b: 2, m: { x: 1, y: 2 } });
      await ref.set(
        { a: 10, b: 20, m: { x: 10, y: 20 } },
        { mergeFields: ['a', new FieldPath('m', 'y')] },
      );
      assert.deepEqual((await ref.get()).data(), { a: 10, b: 2, m: { x: 1, y: 20 } });
    });

    it('mergeFields naming a whole map replaces the stored map', async () => {
      const ref = col.doc('set-merge-fields-map');
      await ref.set({ m: { x: 1, y: 2 }, other: 1 });
      await ref.set({ m: { z: 3 } }, { mergeFields: ['m'] });
      assert.deepEqual((await ref.get()).data(), { m: { z: 3 }, other: 1 });
    });

    it('writes an empty document', async () => {
      const ref = col.doc('set-empty');
      await ref.set({});
      const snap = await ref.get();
      assert.equal(snap.exists, true);
      assert.deepEqual(snap.data(), {});
    });
  });

  describe('update', () => {
    it('fails with NOT_FOUND on a missing document and does not create it', async () => {
      const ref = col.doc('update-missing');
      await expectCode(ref.update({ a: 1 }), Code.NOT_FOUND);
      assert.equal((await ref.get()).exists, false);
    });

    it('dotted field paths update nested fields and keep their siblings', async () => {
      const ref = col.doc('update-dotted');
      await ref.set({ m: { x: 1, y: 2 }, top: 1 });
      await ref.update({ 'm.x': 10, 'n.deep.er': true });
      assert.deepEqual((await ref.get()).data(), {
        m: { x: 10, y: 2 },
        n: { deep: { er: true } },
        top: 1,
      });
    });

    it('a map value replaces the whole map', async () => {
      const ref = col.doc('update-map');
      await ref.set({ m: { x: 1, y: 2 } });
      await ref.update({ m: { z: 3 } });
      assert.deepEqual((await ref.get()).data(), { m: { z: 3 } });
    });

    it('FieldValue.delete() removes top-level and nested fields', async () => {
      const ref = col.doc('update-delete');
      await ref.set({ a: 1, m: { x: 1, y: 2 } });
      await ref.update({ a: FieldValue.delete(), 'm.x': FieldValue.delete() });
      assert.deepEqual((await ref.get()).data(), { m: { y: 2 } });
    });

    it('deleting a missing field is a no-op', async () => {
      const ref = col.doc('update-delete-missing');
      await ref.set({ a: 1 });
      await ref.update({ nope: FieldValue.delete(), 'm.nope': FieldValue.delete() });
      assert.deepEqual((await ref.get()).data(), { a: 1 });
    });

    it('updating a nested path through a non-map value replaces it with a map', async () => {
      const ref = col.doc('update-through-scalar');
      await ref.set({ a: 5 });
      await ref.update({ 'a.b': 1 });
      assert.deepEqual((await ref.get()).data(), { a: { b: 1 } });
    });

    it('lastUpdateTime precondition: matching succeeds, stale fails with FAILED_PRECONDITION', async () => {
      const ref = col.doc('update-precondition');
      const w1 = await ref.set({ v: 1 });
      const w2 = await ref.update({ v: 2 }, { lastUpdateTime: w1.writeTime });
      await expectCode(
        ref.update({ v: 3 }, { lastUpdateTime: w1.writeTime }),
        Code.FAILED_PRECONDITION,
      );
      assert.equal((await ref.get()).get('v'), 2);
      await ref.update({ v: 4 }, { lastUpdateTime: w2.writeTime });
      assert.equal((await ref.get()).get('v'), 4);
    });
  });

  describe('delete', () => {
    it('deletes an existing document', async () => {
      const ref = col.doc('delete-existing');
      await ref.set({ a: 1 });
      await ref.delete();
      const snap = await ref.get();
      assert.equal(snap.exists, false);
      assert.equal(snap.data(), undefined);
    });

    it('deleting a missing document succeeds', async () => {
      await col.doc('delete-never-existed').delete();
    });

    it('exists: true precondition on a missing document fails with NOT_FOUND', async () => {
      await expectCode(
        col.doc('delete-missing-precondition').delete({ exists: true }),
        Code.NOT_FOUND,
      );
    });

    it('stale lastUpdateTime fails with FAILED_PRECONDITION and keeps the document', async () => {
      const ref = col.doc('delete-stale');
      const w1 = await ref.set({ v: 1 });
      await ref.set({ v: 2 });
      await expectCode(ref.delete({ lastUpdateTime: w1.writeTime }), Code.FAILED_PRECONDITION);
      assert.equal((await ref.get()).exists, true);
    });

    it('deleting a document leaves its subcollections', async () => {
      const parent = col.doc('delete-parent');
      await parent.set({ a: 1 });
      await parent.collection('kids').doc('k').set({ b: 2 });
      await parent.delete();
      assert.equal((await parent.get()).exists, false);
      assert.deepEqual((await parent.collection('kids').doc('k').get()).data(), { b: 2 });
    });

    it('a re-created document gets a new createTime', async () => {
      const ref = col.doc('delete-recreate');
      await ref.set({ v: 1 });
      const first = await ref.get();
      await ref.delete();
      await ref.create({ v: 2 });
      const second = await ref.get();
      assert.ok(first.createTime && second.createTime);
      assert.ok(second.createTime.toMillis() >= first.createTime.toMillis());
      assert.ok(!second.createTime.isEqual(first.createTime));
    });
  });

  describe('field names', () => {
    it('set treats a dotted key as one literal field name', async () => {
      const ref = col.doc('names-dotted-literal');
      await ref.set({ 'a.b': 1 });
      const snap = await ref.get();
      assert.equal(snap.get(new FieldPath('a.b')), 1);
      assert.equal(snap.get('a'), undefined);
      assert.deepEqual(snap.data(), { 'a.b': 1 });
    });

    it('FieldPath addresses names with dots, spaces, backticks, unicode and symbols', async () => {
      const ref = col.doc('names-special');
      const names = ['a.b', 'with space', 'back`tick', 'ünï©ødé 🚀', '$-/+', '1starts-with-digit'];
      const data: Record<string, number> = {};
      names.forEach((n, i) => (data[n] = i));
      await ref.set(data);
      await ref.update(new FieldPath('with space'), 100, new FieldPath('a.b', 'inner'), 7);
      const snap = await ref.get();
      assert.equal(snap.get(new FieldPath('with space')), 100);
      assert.deepEqual(snap.get(new FieldPath('a.b')), { inner: 7 });
      assert.equal(snap.get(new FieldPath('back`tick')), 2);
      assert.equal(snap.get(new FieldPath('ünï©ødé 🚀')), 3);
      assert.equal(snap.get(new FieldPath('$-/+')), 4);
      assert.equal(snap.get(new FieldPath('1starts-with-digit')), 5);
    });

    it('queries can filter on fields with special characters', async () => {
      const sub = col.doc('names-query').collection('items');
      await sub.doc('one').set({ 'x.y': 1, 'sp ace': 'a' });
      await sub.doc('two').set({ 'x.y': 2, 'sp ace': 'b' });
      const byDotted = await sub.where(new FieldPath('x.y'), '==', 2).get();
      assert.deepEqual(
        byDotted.docs.map((d) => d.id),
        ['two'],
      );
      const bySpace = await sub.where(new FieldPath('sp ace'), '==', 'a').get();
      assert.deepEqual(
        bySpace.docs.map((d) => d.id),
        ['one'],
      );
    });

    it('a document id matching __.*__ is rejected with INVALID_ARGUMENT', async () => {
      await expectCode(col.doc('__reserved__').set({ a: 1 }), Code.INVALID_ARGUMENT);
    });

    it('a document id over 1,500 bytes is rejected with INVALID_ARGUMENT', async () => {
      await expectCode(col.doc('x'.repeat(1501)).set({ a: 1 }), Code.INVALID_ARGUMENT);
      // 1,500 bytes is allowed; multibyte characters count in UTF-8 bytes.
      await col.doc('y'.repeat(1500)).set({ a: 1 });
      await expectCode(col.doc('é'.repeat(751)).set({ a: 1 }), Code.INVALID_ARGUMENT);
    });

    it('a document name over 6 KiB is rejected with INVALID_ARGUMENT', async () => {
      // Every id is under the 1,500-byte id limit, but the whole name is about 7 KB.
      const seg = 'n'.repeat(1400);
      const ref = col.doc(seg).collection(seg).doc(seg).collection(seg).doc(seg);
      await expectCode(ref.set({ a: 1 }), Code.INVALID_ARGUMENT);
    });

    it('a collection id matching __.*__ is rejected with INVALID_ARGUMENT', async () => {
      await expectCode(
        col.doc('p').collection('__sub__').doc('d').set({ a: 1 }),
        Code.INVALID_ARGUMENT,
      );
    });

    it('set with merge treats a dotted key as one literal field name', async () => {
      const ref = col.doc('names-merge-dotted');
      await ref.set({ a: { b: 1 } });
      await ref.set({ 'a.b': 2 }, { merge: true });
      const snap = await ref.get();
      assert.equal(snap.get('a.b'), 1);
      assert.equal(snap.get(new FieldPath('a.b')), 2);
    });

    it('document ids may contain unicode, spaces and symbols', async () => {
      const ids = ['with space', 'ünïcödé-🚀', 'a+b=c&d', 'quote\'"', '%2F'];
      for (const id of ids) await col.doc('ids').collection('x').doc(id).set({ id });
      for (const id of ids) {
        const snap = await col.doc('ids').collection('x').doc(id).get();
        assert.equal(snap.get('id'), id);
      }
      const listed = await col.doc('ids').collection('x').get();
      assert.deepEqual(listed.docs.map((d) => d.id).sort(), [...ids].sort());
    });
  });

  describe('getAll', () => {
    it('returns snapshots in argument order, missing ones with exists=false', async () => {
      const a = col.doc('getall-a');
      const b = col.doc('getall-b');
      const missing = col.doc('getall-missing');
      await a.set({ n: 'a' });
      await b.set({ n: 'b' });
      const snaps = await db.getAll(b, missing, a);
      assert.deepEqual(
        snaps.map((s) => s.id),
        ['getall-b', 'getall-missing', 'getall-a'],
      );
      assert.deepEqual(
        snaps.map((s) => s.exists),
        [true, false, true],
      );
      assert.equal(snaps[0].get('n'), 'b');
      assert.equal(snaps[1].readTime !== undefined, true);
    });

    it('many documents come back in argument order', async () => {
      const refs = Array.from({ length: 150 }, (_, i) => col.doc(`getall-many-${i}`));
      const batch = db.batch();
      refs.forEach((r, i) => {
        if (i % 3 !== 0) batch.set(r, { i });
      });
      await batch.commit();
      const reversed = [...refs].reverse();
      const snaps = await db.getAll(...reversed);
      assert.deepEqual(
        snaps.map((s) => s.id),
        reversed.map((r) => r.id),
      );
      snaps.forEach((s, k) => {
        const i = 149 - k;
        assert.equal(s.exists, i % 3 !== 0);
        if (s.exists) assert.equal(s.get('i'), i);
      });
    });

    it('a read after a write never has an earlier readTime than the write', async () => {
      const ref = col.doc('getall-readtime');
      const w = await ref.set({ v: 1 });
      const snap = await ref.get();
      assert.ok(snap.readTime.toMillis() >= w.writeTime.toMillis());
      assert.ok(snap.updateTime && snap.updateTime.isEqual(w.writeTime));
    });

    it('a field mask returns only the listed fields', async () => {
      const ref = col.doc('getall-mask');
      await ref.set({ a: 1, b: 2, m: { x: 1, y: 2 } });
      const [snap] = await db.getAll(ref, { fieldMask: ['a', 'm.y'] });
      assert.deepEqual(snap.data(), { a: 1, m: { y: 2 } });
    });
  });
});
