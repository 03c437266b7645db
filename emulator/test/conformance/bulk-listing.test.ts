// BulkWriter (BatchWrite), recursiveDelete, listCollections and listDocuments.
// Docs: https://cloud.google.com/nodejs/docs/reference/firestore/latest/firestore/bulkwriter,
// https://firebase.google.com/docs/firestore/manage-data/delete-data#collections,
// https://cloud.google.com/firestore/docs/reference/rest/v1/projects.databases.documents/listDocuments
import { strict as assert } from 'node:assert';
import { CollectionReference, Firestore } from 'firebase-admin/firestore';
import { Code, getDb, grpcCode, uniqueName } from './setup';

describe('conformance: BulkWriter, recursiveDelete and listing', function () {
  this.timeout(60_000);
  let db: Firestore;
  let root: CollectionReference;

  before(async () => {
    db = await getDb();
    root = db.collection(uniqueName('bulk'));
  });

  it('BulkWriter writes 1000 documents, then recursiveDelete removes them and their subcollections', async () => {
    const col = root.doc('bulk').collection('items');
    const writer = db.bulkWriter();
    const failures: unknown[] = [];
    writer.onWriteError((err) => {
      failures.push(err);
      return false;
    });
    for (let i = 0; i < 1000; i++) {
      void writer.set(col.doc(`d${String(i).padStart(4, '0')}`), { i, even: i % 2 === 0 });
    }
    // Some nested data for recursiveDelete to find.
    void writer.set(col.doc('d0000').collection('sub').doc('s1'), { nested: true });
    void writer.set(col.doc('ghost-parent').collection('sub').doc('s2'), { nested: true });
    await writer.close();
    assert.deepEqual(failures, []);

    assert.equal((await col.count().get()).data().count, 1000);
    assert.equal((await col.where('even', '==', true).count().get()).data().count, 500);
    // listDocuments pages through every document, plus the missing one with a subcollection.
    assert.equal((await col.listDocuments()).length, 1001);
    const sample = await col.doc('d0999').get();
    assert.equal(sample.get('i'), 999);

    await db.recursiveDelete(col);
    assert.equal((await col.count().get()).data().count, 0);
    assert.equal((await col.doc('d0000').collection('sub').count().get()).data().count, 0);
    assert.equal((await col.doc('ghost-parent').collection('sub').count().get()).data().count, 0);
    assert.deepEqual(await col.listDocuments(), []);
  });

  it('BulkWriter reports per-write failures without failing the others', async () => {
    const col = root.doc('bulk-errors').collection('items');
    await col.doc('exists').set({ v: 1 });
    const writer = db.bulkWriter();
    const codes: number[] = [];
    writer.onWriteError((err) => {
      codes.push(err.code);
      return false;
    });
    const created = writer.create(col.doc('exists'), { v: 2 }).catch((e: unknown) => grpcCode(e));
    const updated = writer.update(col.doc('missing'), { v: 2 }).catch((e: unknown) => grpcCode(e));
    const ok = writer.set(col.doc('fine'), { v: 3 });
    await writer.close();
    assert.equal(await created, Code.ALREADY_EXISTS);
    assert.equal(await updated, Code.NOT_FOUND);
    assert.ok((await ok).writeTime);
    assert.deepEqual([...codes].sort(), [Code.NOT_FOUND, Code.ALREADY_EXISTS].sort());
    assert.equal((await col.doc('fine').get()).get('v'), 3);
    assert.equal((await col.doc('exists').get()).get('v'), 1);
  });

  it('recursiveDelete on a document deletes it and everything below it', async () => {
    const doc = root.doc('tree');
    await doc.set({ top: true });
    await doc.collection('a').doc('1').set({});
    await doc.collection('a').doc('1').collection('b').doc('2').set({});
    await root.doc('tree-sibling').set({ keep: true });
    await db.recursiveDelete(doc);
    assert.equal((await doc.get()).exists, false);
    assert.deepEqual(await doc.listCollections(), []);
    assert.equal((await root.doc('tree-sibling').get()).exists, true);
  });

  describe('listCollections and listDocuments', () => {
    let parent: CollectionReference;

    before(async () => {
      parent = root.doc('listing').collection('docs');
      await parent.doc('real').set({ v: 1 });
      await parent.doc('real').collection('c1').doc('x').set({});
      await parent.doc('real').collection('c2').doc('y').set({});
      await parent.doc('real').collection('c2').doc('y').collection('deeper').doc('z').set({});
      // A missing document that only has a subcollection.
      await parent.doc('ghost').collection('c3').doc('z').set({});
      await parent.doc('another').set({ v: 2 });
    });

    it('listCollections returns the direct subcollections of a document', async () => {
      const cols = await parent.doc('real').listCollections();
      assert.deepEqual(cols.map((c) => c.id).sort(), ['c1', 'c2']);
    });

    it('listCollections works on a missing document that has subcollections', async () => {
      const cols = await parent.doc('ghost').listCollections();
      assert.deepEqual(
        cols.map((c) => c.id),
        ['c3'],
      );
      assert.equal((await parent.doc('ghost').get()).exists, false);
    });

    it('listCollections on a document with none returns an empty list', async () => {
      assert.deepEqual(await parent.doc('another').listCollections(), []);
      assert.deepEqual(await parent.doc('never').listCollections(), []);
    });

    it('root listCollections includes this suite’s root collection', async () => {
      const cols = await db.listCollections();
      assert.ok(cols.some((c) => c.id === root.id));
    });

    it('listDocuments includes missing documents that have subcollections', async () => {
      const refs = await parent.listDocuments();
      assert.deepEqual(refs.map((r) => r.id).sort(), ['another', 'ghost', 'real']);
    });

    it('a plain query does not return missing documents', async () => {
      const snap = await parent.get();
      assert.deepEqual(snap.docs.map((d) => d.id).sort(), ['another', 'real']);
    });

    it('listDocuments of an empty collection is empty', async () => {
      assert.deepEqual(await root.doc('nothing').collection('here').listDocuments(), []);
    });
  });
});
