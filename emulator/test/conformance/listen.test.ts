// Realtime listeners (Listen): onSnapshot on queries and documents sees added, modified and
// removed documents.
// Docs: https://firebase.google.com/docs/firestore/query-data/listen
import { strict as assert } from 'node:assert';
import {
  CollectionReference,
  DocumentChangeType,
  DocumentSnapshot,
  Firestore,
  Query,
  QuerySnapshot,
} from 'firebase-admin/firestore';
import { getDb, uniqueName, waitFor } from './setup';

interface Change {
  type: DocumentChangeType;
  id: string;
  v: unknown;
}

describe('conformance: listeners', function () {
  this.timeout(30_000);
  let db: Firestore;
  let root: CollectionReference;
  const unsubscribes: Array<() => void> = [];

  before(async () => {
    db = await getDb();
    root = db.collection(uniqueName('listen'));
  });

  afterEach(() => {
    for (const u of unsubscribes.splice(0)) u();
  });

  /** Subscribes to a query and records every snapshot and change it delivers. */
  function watchQuery(query: Query) {
    const snapshots: QuerySnapshot[] = [];
    const changes: Change[] = [];
    const errors: unknown[] = [];
    unsubscribes.push(
      query.onSnapshot(
        (snap) => {
          snapshots.push(snap);
          for (const c of snap.docChanges())
            changes.push({ type: c.type, id: c.doc.id, v: c.doc.get('v') });
        },
        (err) => errors.push(err),
      ),
    );
    return { snapshots, changes, errors };
  }

  function has(changes: Change[], type: DocumentChangeType, id: string, v?: unknown): boolean {
    return changes.some((c) => c.type === type && c.id === id && (v === undefined || c.v === v));
  }

  it('a query listener gets the initial result, then added, modified and removed changes', async () => {
    const col = root.doc('q1').collection('items');
    await col.doc('pre').set({ v: 0, keep: true });
    const w = watchQuery(col.where('keep', '==', true));

    await waitFor(() => (w.snapshots.length > 0 ? true : undefined), 'initial snapshot');
    assert.deepEqual(
      w.snapshots[0].docs.map((d) => d.id),
      ['pre'],
    );
    assert.ok(has(w.changes, 'added', 'pre', 0));

    await col.doc('new').set({ v: 1, keep: true });
    await waitFor(() => (has(w.changes, 'added', 'new', 1) ? true : undefined), 'added change');

    await col.doc('new').update({ v: 2 });
    await waitFor(
      () => (has(w.changes, 'modified', 'new', 2) ? true : undefined),
      'modified change',
    );

    await col.doc('pre').delete();
    await waitFor(
      () => (has(w.changes, 'removed', 'pre') ? true : undefined),
      'removed change (delete)',
    );

    // Leaving the filter is a removal too.
    await col.doc('new').update({ keep: false });
    await waitFor(
      () => (has(w.changes, 'removed', 'new') ? true : undefined),
      'removed change (filter)',
    );

    // A document that never matched produces no change.
    await col.doc('other').set({ v: 9, keep: false });
    await col.doc('marker').set({ v: 'm', keep: true });
    await waitFor(() => (has(w.changes, 'added', 'marker') ? true : undefined), 'marker added');
    assert.ok(!w.changes.some((c) => c.id === 'other'));
    const last = w.snapshots[w.snapshots.length - 1];
    assert.deepEqual(
      last.docs.map((d) => d.id),
      ['marker'],
    );
    assert.deepEqual(w.errors, []);
  });

  it('an ordered, limited query listener keeps its window', async () => {
    const col = root.doc('q2').collection('items');
    await col.doc('a').set({ v: 1 });
    await col.doc('b').set({ v: 2 });
    await col.doc('c').set({ v: 3 });
    const w = watchQuery(col.orderBy('v').limit(2));
    await waitFor(() => (w.snapshots.length > 0 ? true : undefined), 'initial snapshot');
    assert.deepEqual(
      w.snapshots[0].docs.map((d) => d.id),
      ['a', 'b'],
    );
    await col.doc('z').set({ v: 0 });
    await waitFor(() => {
      const last = w.snapshots[w.snapshots.length - 1];
      return last.docs.map((d) => d.id).join(',') === 'z,a' ? true : undefined;
    }, 'window becomes z,a');
    assert.ok(has(w.changes, 'removed', 'b'));
    assert.ok(has(w.changes, 'added', 'z'));
  });

  it('a limitToLast query listener keeps the last documents in query order', async () => {
    const col = root.doc('q5').collection('items');
    await col.doc('a').set({ v: 1 });
    await col.doc('b').set({ v: 2 });
    await col.doc('c').set({ v: 3 });
    const w = watchQuery(col.orderBy('v').limitToLast(2));
    await waitFor(() => (w.snapshots.length > 0 ? true : undefined), 'initial snapshot');
    assert.deepEqual(
      w.snapshots[0].docs.map((d) => d.id),
      ['b', 'c'],
    );
    await col.doc('d').set({ v: 4 });
    await waitFor(() => {
      const last = w.snapshots[w.snapshots.length - 1];
      return last.docs.map((d) => d.id).join(',') === 'c,d' ? true : undefined;
    }, 'window becomes c,d');
  });

  it('a document listener sees missing, created, modified and deleted states', async () => {
    const ref = root.doc('watched');
    const snaps: DocumentSnapshot[] = [];
    unsubscribes.push(ref.onSnapshot((s) => snaps.push(s)));
    await waitFor(() => (snaps.length > 0 ? true : undefined), 'initial document snapshot');
    assert.equal(snaps[0].exists, false);

    await ref.set({ v: 1 });
    await waitFor(
      () => (snaps.some((s) => s.exists && s.get('v') === 1) ? true : undefined),
      'created',
    );
    await ref.update({ v: 2 });
    await waitFor(() => (snaps.some((s) => s.get('v') === 2) ? true : undefined), 'modified');
    await ref.delete();
    await waitFor(
      () => (snaps.length > 0 && !snaps[snaps.length - 1].exists ? true : undefined),
      'deleted',
    );
    // Snapshots arrive in commit order.
    const seen = snaps.map((s) => (s.exists ? s.get('v') : null));
    const firstTwo = seen.indexOf(2);
    assert.ok(seen.indexOf(1) < firstTwo);
    assert.equal(seen[seen.length - 1], null);
  });

  it('a listener on a collection group sees writes in nested collections', async () => {
    const group = uniqueName('listengroup').replace(/-/g, '_');
    const w = watchQuery(db.collectionGroup(group));
    await waitFor(() => (w.snapshots.length > 0 ? true : undefined), 'initial snapshot');
    assert.equal(w.snapshots[0].size, 0);
    await root.doc('p').collection(group).doc('one').set({ v: 1 });
    await root.doc('q').collection('x').doc('y').collection(group).doc('two').set({ v: 2 });
    await waitFor(
      () => (has(w.changes, 'added', 'one') && has(w.changes, 'added', 'two') ? true : undefined),
      'both group documents added',
    );
  });

  it('batched writes arrive in one consistent snapshot', async () => {
    const col = root.doc('q3').collection('items');
    const w = watchQuery(col);
    await waitFor(() => (w.snapshots.length > 0 ? true : undefined), 'initial snapshot');
    const batch = db.batch();
    for (let i = 0; i < 5; i++) batch.set(col.doc(`b${i}`), { v: i });
    await batch.commit();
    await waitFor(() => (w.snapshots.some((s) => s.size === 5) ? true : undefined), 'all five');
    // No snapshot shows the batch half-applied.
    for (const s of w.snapshots)
      assert.ok(s.size === 0 || s.size === 5, `partial batch: ${s.size}`);
  });

  it('the initial snapshot holds every matching document of a larger collection', async () => {
    const col = root.doc('q6').collection('items');
    const batch = db.batch();
    for (let i = 0; i < 250; i++) batch.set(col.doc(`d${String(i).padStart(3, '0')}`), { v: i });
    await batch.commit();
    const w = watchQuery(col.where('v', '>=', 50));
    await waitFor(() => (w.snapshots.length > 0 ? true : undefined), 'initial snapshot');
    const first = w.snapshots[0];
    assert.equal(first.size, 200);
    assert.equal(first.docs[0].id, 'd050');
    assert.equal(first.docs[199].id, 'd249');
  });

  it('writes committed by a transaction reach listeners', async () => {
    const ref = root.doc('tx-watched');
    const snaps: DocumentSnapshot[] = [];
    unsubscribes.push(ref.onSnapshot((s) => snaps.push(s)));
    await waitFor(() => (snaps.length > 0 ? true : undefined), 'initial document snapshot');
    await db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      tx.set(ref, { v: snap.exists ? 'again' : 'first' });
    });
    await waitFor(
      () => (snaps.some((s) => s.exists && s.get('v') === 'first') ? true : undefined),
      'transactional write seen',
    );
  });

  it('a document deleted and re-created is seen as existing again', async () => {
    const ref = root.doc('recreated');
    await ref.set({ v: 1 });
    const snaps: DocumentSnapshot[] = [];
    unsubscribes.push(ref.onSnapshot((s) => snaps.push(s)));
    await waitFor(() => (snaps.length > 0 ? true : undefined), 'initial document snapshot');
    assert.equal(snaps[0].exists, true);
    await ref.delete();
    await ref.set({ v: 2 });
    await waitFor(() => {
      const last = snaps[snaps.length - 1];
      return last.exists && last.get('v') === 2 ? true : undefined;
    }, 're-created document seen');
  });

  it('unsubscribing stops delivery', async () => {
    const col = root.doc('q4').collection('items');
    const snapshots: QuerySnapshot[] = [];
    const stop = col.onSnapshot((s) => snapshots.push(s));
    await waitFor(() => (snapshots.length > 0 ? true : undefined), 'initial snapshot');
    stop();
    const count = snapshots.length;
    // A second listener proves the write was delivered to listeners still subscribed.
    const w = watchQuery(col);
    await col.doc('after').set({ v: 1 });
    await waitFor(
      () => (has(w.changes, 'added', 'after') ? true : undefined),
      'other listener sees it',
    );
    assert.equal(snapshots.length, count);
  });
});
