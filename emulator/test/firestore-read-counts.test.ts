// The local Firestore's own read counter (not a Google API): GET .../documents/{path}:reads says
// how often a document was read, and how often inside a read-write transaction, so a test can
// show that a request costs one read or opens no transaction without timing anything.
import { strict as assert } from 'node:assert';
import type { Firestore } from 'firebase-admin/firestore';
import { emulatorHost, getDb, PROJECT_ID, uniqueName } from './conformance/setup';

describe('Firestore read counts (local stack extension)', function () {
  this.timeout(20_000);
  let db: Firestore;
  before(async () => {
    db = await getDb();
  });

  async function readsOf(path: string): Promise<{ reads: number; transactionalReads: number }> {
    const name = `projects/${PROJECT_ID}/databases/(default)/documents/${path}`;
    const res = await fetch(`http://${await emulatorHost()}/emulator/v1/${name}:reads`);
    assert.equal(res.status, 200);
    return (await res.json()) as { reads: number; transactionalReads: number };
  }

  it('counts plain gets, batch gets and query results, and reads in transactions apart', async () => {
    const col = uniqueName('reads');
    const a = db.collection(col).doc('a');
    const b = db.collection(col).doc('b');
    await db.batch().set(a, { n: 1 }).set(b, { n: 2 }).commit();
    assert.deepEqual(
      await readsOf(a.path),
      { reads: 0, transactionalReads: 0 },
      'writes are not reads',
    );

    await a.get();
    await db.getAll(a, b);
    await db.collection(col).where('n', '==', 1).get();
    assert.deepEqual(await readsOf(a.path), { reads: 3, transactionalReads: 0 });
    assert.deepEqual(await readsOf(b.path), { reads: 1, transactionalReads: 0 });

    await db.runTransaction(async (tx) => {
      await tx.get(a);
      tx.update(a, { n: 3 });
    });
    assert.deepEqual(await readsOf(a.path), { reads: 4, transactionalReads: 1 });
    // A read-only transaction takes no lock.
    await db.runTransaction((tx) => tx.get(b), { readOnly: true });
    assert.deepEqual(await readsOf(b.path), { reads: 2, transactionalReads: 0 });
  });

  it('a document never read, or missing, counts zero; a missing document read counts', async () => {
    const path = `${uniqueName('reads')}/nothing`;
    assert.deepEqual(await readsOf(path), { reads: 0, transactionalReads: 0 });
    await db.doc(path).get();
    assert.deepEqual(await readsOf(path), { reads: 1, transactionalReads: 0 });
  });
});
