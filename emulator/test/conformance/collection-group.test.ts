// Collection group queries across nested paths.
// Docs: https://firebase.google.com/docs/firestore/query-data/queries#collection-group-query
import { strict as assert } from 'node:assert';
import { CollectionReference, FieldPath, Firestore, Query } from 'firebase-admin/firestore';
import { getDb, uniqueName } from './setup';

describe('conformance: collection group queries', function () {
  this.timeout(20_000);
  let db: Firestore;
  let root: CollectionReference;
  // The group id is unique to this run: a collection group spans the whole database.
  let group: string;

  before(async () => {
    db = await getDb();
    root = db.collection(uniqueName('cg'));
    group = `${uniqueName('cggroup')}`.replace(/-/g, '_');
    const batch = db.batch();
    batch.set(root.doc('a').collection(group).doc('x1'), { n: 1, kind: 'top' });
    batch.set(root.doc('a').collection(group).doc('x2'), { n: 2, kind: 'top' });
    batch.set(root.doc('b').collection('mid').doc('m').collection(group).doc('y1'), {
      n: 3,
      kind: 'deep',
    });
    // The same group id nested under a document of the group itself.
    batch.set(root.doc('a').collection(group).doc('x1').collection(group).doc('z1'), {
      n: 4,
      kind: 'deep',
    });
    // Same document id in a collection with a different id: must not match.
    batch.set(root.doc('a').collection(`${group}x`).doc('x1'), { n: 5, kind: 'other' });
    batch.set(root.doc('c').collection('other').doc('w'), { n: 6, kind: 'other' });
    await batch.commit();
  });

  async function paths(query: Query): Promise<string[]> {
    return (await query.get()).docs.map((d) => d.ref.path);
  }

  it('finds documents of every collection with the id, at any depth', async () => {
    const got = (await paths(db.collectionGroup(group))).sort();
    assert.deepEqual(
      got,
      [
        `${root.id}/a/${group}/x1`,
        `${root.id}/a/${group}/x1/${group}/z1`,
        `${root.id}/a/${group}/x2`,
        `${root.id}/b/mid/m/${group}/y1`,
      ].sort(),
    );
  });

  it('results are ordered by full document path by default', async () => {
    const got = await paths(db.collectionGroup(group));
    const sorted = [...got].sort((x, y) => {
      const xs = x.split('/');
      const ys = y.split('/');
      for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
        const c = Buffer.compare(Buffer.from(xs[i]), Buffer.from(ys[i]));
        if (c !== 0) return c;
      }
      return xs.length - ys.length;
    });
    assert.deepEqual(got, sorted);
  });

  it('filters, orderBy and limit apply across the group', async () => {
    const q = db.collectionGroup(group).where('kind', '==', 'deep').orderBy('n', 'desc');
    assert.deepEqual(
      (await q.get()).docs.map((d) => d.id),
      ['z1', 'y1'],
    );
    const top2 = await db.collectionGroup(group).orderBy('n').limit(2).get();
    assert.deepEqual(
      top2.docs.map((d) => d.id),
      ['x1', 'x2'],
    );
  });

  it('a documentId range restricts the group to one parent path', async () => {
    const parent = root.doc('a');
    const q = db
      .collectionGroup(group)
      .orderBy(FieldPath.documentId())
      .startAt(parent.path)
      .endAt(`${parent.path}\uf8ff`);
    assert.deepEqual(
      (await q.get()).docs.map((d) => d.id),
      ['x1', 'z1', 'x2'],
    );
  });

  it('aggregations work on a collection group', async () => {
    const snap = await db.collectionGroup(group).count().get();
    assert.equal(snap.data().count, 4);
  });

  it('a cursor from a snapshot pages through the group', async () => {
    const first = await db.collectionGroup(group).orderBy('n').limit(1).get();
    const rest = await db.collectionGroup(group).orderBy('n').startAfter(first.docs[0]).get();
    assert.deepEqual(
      rest.docs.map((d) => d.get('n')),
      [2, 3, 4],
    );
  });

  it('a group id that matches no collection returns nothing', async () => {
    const snap = await db.collectionGroup(`${group}_none`).get();
    assert.equal(snap.size, 0);
  });
});
