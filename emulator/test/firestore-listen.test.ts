// End-to-end Listen tests through unmodified firebase-admin: onSnapshot on queries (plain, with
// limit, with limitToLast) and on documents sees added, modified and removed documents.
import { strict as assert } from 'node:assert';
import {
  CollectionReference,
  DocumentSnapshot,
  Firestore,
  Query,
  QuerySnapshot,
} from 'firebase-admin/firestore';
import { Harness, RUN, connect, waitFor } from './firestore-query-harness';

interface Recorder<S> {
  snapshots: S[];
  errors: unknown[];
  /** Waits for the first snapshot after `count` snapshots that satisfies `accept`. */
  next(accept: (s: S) => boolean, description: string, count?: number): Promise<S>;
}

function recorder<S>(): Recorder<S> & { onNext: (s: S) => void; onError: (e: unknown) => void } {
  const snapshots: S[] = [];
  const errors: unknown[] = [];
  return {
    snapshots,
    errors,
    onNext: (s) => snapshots.push(s),
    onError: (e) => errors.push(e),
    next: (accept, description, count = 0) =>
      waitFor(() => {
        if (errors.length > 0) throw new Error(`listener failed: ${String(errors[0])}`);
        return snapshots.slice(count).find(accept);
      }, description),
  };
}

const idsOf = (s: QuerySnapshot): string[] => s.docs.map((d) => d.id);
const changesOf = (s: QuerySnapshot): string[] =>
  s.docChanges().map((c) => `${c.type}:${c.doc.id}`);

describe('firestore listen through firebase-admin', function () {
  this.timeout(30_000);
  let h: Harness;
  let db: Firestore;
  const unsubscribes: Array<() => void> = [];

  before(async () => {
    h = await connect('firestore-listen-test');
    db = h.db;
  });
  afterEach(() => {
    for (const u of unsubscribes.splice(0)) u();
  });
  after(async () => {
    await h?.stop();
  });

  function watch(query: Query) {
    const r = recorder<QuerySnapshot>();
    unsubscribes.push(query.onSnapshot(r.onNext, r.onError));
    return r;
  }

  it('a query listener sees the initial result, then added, modified and removed documents', async () => {
    const col: CollectionReference = db.collection(`l-query-${RUN}`);
    await col.doc('pre').set({ keep: true, v: 0 });
    await col.doc('skip').set({ keep: false, v: 0 });
    const r = watch(col.where('keep', '==', true));

    const first = await r.next(() => true, 'initial snapshot');
    assert.deepEqual(idsOf(first), ['pre']);
    assert.deepEqual(changesOf(first), ['added:pre']);

    let n = r.snapshots.length;
    await col.doc('new').set({ keep: true, v: 1 });
    let s = await r.next((x) => x.size === 2, 'added', n);
    assert.deepEqual(changesOf(s), ['added:new']);

    n = r.snapshots.length;
    await col.doc('new').update({ v: 2 });
    s = await r.next((x) => x.docChanges().length > 0, 'modified', n);
    assert.deepEqual(changesOf(s), ['modified:new']);
    assert.equal(s.docs.find((d) => d.id === 'new')?.get('v'), 2);

    n = r.snapshots.length;
    await col.doc('pre').update({ keep: false });
    s = await r.next((x) => x.size === 1, 'removed by no longer matching', n);
    assert.deepEqual(changesOf(s), ['removed:pre']);

    n = r.snapshots.length;
    await col.doc('new').delete();
    s = await r.next((x) => x.size === 0, 'removed by delete', n);
    assert.deepEqual(changesOf(s), ['removed:new']);

    // Writes that do not touch the result raise no snapshot; the next relevant one does.
    n = r.snapshots.length;
    await col.doc('skip').update({ v: 5 });
    await db.collection(`l-elsewhere-${RUN}`).doc('x').set({ keep: true });
    await col.doc('last').set({ keep: true });
    s = await r.next((x) => x.size === 1, 'added after unrelated writes', n);
    assert.deepEqual(changesOf(s), ['added:last']);
    assert.equal(r.snapshots.length, n + 1, 'unrelated writes raised no snapshot');
  });

  it('a limit query listener keeps the top documents when a better one arrives', async () => {
    const col = db.collection(`l-limit-${RUN}`);
    await Promise.all([
      col.doc('b').set({ n: 2 }),
      col.doc('c').set({ n: 3 }),
      col.doc('d').set({ n: 4 }),
    ]);
    const r = watch(col.orderBy('n').limit(2));
    await r.next((s) => s.size === 2, 'initial snapshot');
    assert.deepEqual(idsOf(r.snapshots[0]), ['b', 'c']);

    let n = r.snapshots.length;
    await col.doc('a').set({ n: 1 });
    let s = await r.next((x) => x.docs[0]?.id === 'a', 'a enters, c leaves', n);
    assert.deepEqual(idsOf(s), ['a', 'b']);
    assert.deepEqual(changesOf(s).sort(), ['added:a', 'removed:c']);

    n = r.snapshots.length;
    await col.doc('a').delete();
    s = await r.next((x) => x.docs[0]?.id === 'b', 'c comes back', n);
    assert.deepEqual(idsOf(s), ['b', 'c']);
  });

  it('a limitToLast listener shows the last documents in query order', async () => {
    const col = db.collection(`l-last-${RUN}`);
    await Promise.all([
      col.doc('a').set({ n: 1 }),
      col.doc('b').set({ n: 2 }),
      col.doc('c').set({ n: 3 }),
    ]);
    const r = watch(col.orderBy('n').limitToLast(2));
    const first = await r.next((s) => s.size === 2, 'initial snapshot');
    assert.deepEqual(idsOf(first), ['b', 'c']);
    const n = r.snapshots.length;
    await col.doc('d').set({ n: 4 });
    const s = await r.next((x) => x.docs[1]?.id === 'd', 'd enters at the end', n);
    assert.deepEqual(idsOf(s), ['c', 'd']);
  });

  it('a document listener sees creation, updates and deletion', async () => {
    const ref = db.doc(`l-doc-${RUN}/one`);
    const r = recorder<DocumentSnapshot>();
    unsubscribes.push(ref.onSnapshot(r.onNext, r.onError));
    const first = await r.next(() => true, 'initial snapshot');
    assert.equal(first.exists, false);

    let n = r.snapshots.length;
    await ref.set({ v: 1 });
    let s = await r.next((x) => x.exists, 'created', n);
    assert.deepEqual(s.data(), { v: 1 });

    n = r.snapshots.length;
    await ref.update({ v: 2 });
    s = await r.next((x) => x.get('v') === 2, 'updated', n);
    assert.deepEqual(s.data(), { v: 2 });

    n = r.snapshots.length;
    await ref.delete();
    s = await r.next((x) => !x.exists, 'deleted', n);
    assert.equal(s.exists, false);
  });

  it('a collection group listener sees documents at any depth', async () => {
    const group = `l-group-${RUN}`;
    const r = watch(db.collectionGroup(group).where('v', '>', 0));
    await r.next(() => true, 'initial snapshot');
    const n = r.snapshots.length;
    await db.doc(`l-parent-${RUN}/p/${group}/deep`).set({ v: 1 });
    const s = await r.next((x) => x.size === 1, 'deep document added', n);
    assert.deepEqual(changesOf(s), ['added:deep']);
  });

  it('several listeners on one client work independently and stop on unsubscribe', async () => {
    const col = db.collection(`l-many-${RUN}`);
    const a = watch(col.where('k', '==', 'a'));
    const b = watch(col.where('k', '==', 'b'));
    await a.next(() => true, 'a initial');
    await b.next(() => true, 'b initial');
    await col.doc('x').set({ k: 'a' });
    await a.next((s) => s.size === 1, 'a sees x');
    assert.equal(
      b.snapshots.every((s) => s.size === 0),
      true,
    );
    const stop = unsubscribes.pop();
    stop?.();
    const before = b.snapshots.length;
    await col.doc('y').set({ k: 'b' });
    await col.doc('z').set({ k: 'a' });
    await a.next((s) => s.size === 2, 'a sees z');
    assert.equal(b.snapshots.length, before, 'no snapshot after unsubscribe');
  });
});
