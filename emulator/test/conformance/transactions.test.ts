// Transactions: serializable read-modify-write under contention, queue consumers that never claim
// the same document, read-only transactions, retries after a conflicting write, getAll.
// Docs: https://firebase.google.com/docs/firestore/manage-data/transactions,
// https://firebase.google.com/docs/firestore/transaction-data-contention
import { strict as assert } from 'node:assert';
import { CollectionReference, FieldValue, Firestore, Timestamp } from 'firebase-admin/firestore';
import { Code, getDb, grpcCode, uniqueName } from './setup';

describe('conformance: transactions', function () {
  this.timeout(60_000);
  let db: Firestore;
  let col: CollectionReference;

  before(async () => {
    db = await getDb();
    col = db.collection(uniqueName('transactions'));
  });

  it('reads and writes commit atomically', async () => {
    const from = col.doc('acct-a');
    const to = col.doc('acct-b');
    await from.set({ balance: 100 });
    await to.set({ balance: 0 });
    await db.runTransaction(async (tx) => {
      const [f, t] = await tx.getAll(from, to);
      tx.update(from, { balance: f.get('balance') - 30 });
      tx.update(to, { balance: t.get('balance') + 30 });
    });
    const [f, t] = await db.getAll(from, to);
    assert.equal(f.get('balance'), 70);
    assert.equal(t.get('balance'), 30);
  });

  it('20 concurrent read-modify-write increments end at 20', async () => {
    const ref = col.doc('counter');
    await ref.set({ n: 0 });
    // Generous attempts: contention is the point here, and the SDK retries ABORTED commits.
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.runTransaction(
          async (tx) => {
            const snap = await tx.get(ref);
            tx.update(ref, { n: snap.get('n') + 1 });
          },
          { maxAttempts: 50 },
        ),
      ),
    );
    assert.equal((await ref.get()).get('n'), 20);
  });

  it('6 concurrent queue consumers never claim the same document', async () => {
    const queue = col.doc('queue').collection('items');
    const total = 18;
    const batch = db.batch();
    for (let i = 0; i < total; i++) {
      batch.set(queue.doc(`job${String(i).padStart(2, '0')}`), { status: 'ready', order: i });
    }
    await batch.commit();

    const claims: Array<{ consumer: number; id: string }> = [];
    async function consume(consumer: number): Promise<void> {
      // Bounded: each round either claims a job, finds the queue empty, or retries.
      for (let round = 0; round < total * 10; round++) {
        let claimed: string | null;
        try {
          claimed = await db.runTransaction(
            async (tx) => {
              const snap = await tx.get(
                queue.where('status', '==', 'ready').orderBy('order').limit(1),
              );
              if (snap.empty) return null;
              const doc = snap.docs[0];
              tx.update(doc.ref, { status: 'claimed', by: consumer });
              return doc.id;
            },
            { maxAttempts: 20 },
          );
        } catch (e) {
          // Contention may exhaust the attempts; that is allowed, a double claim is not.
          if (grpcCode(e) === Code.ABORTED) continue;
          throw e;
        }
        if (claimed === null) return;
        claims.push({ consumer, id: claimed });
      }
      throw new Error(`consumer ${consumer} did not drain the queue`);
    }

    await Promise.all(Array.from({ length: 6 }, (_, i) => consume(i)));
    const ids = claims.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, `a job was claimed twice: ${ids.join(',')}`);
    assert.equal(ids.length, total);
    const stored = await queue.get();
    for (const doc of stored.docs) {
      assert.equal(doc.get('status'), 'claimed');
      const claim = claims.find((c) => c.id === doc.id);
      assert.ok(claim, `${doc.id} claimed in the store but by no committed transaction`);
      assert.equal(doc.get('by'), claim.consumer);
    }
  });

  it('a transaction whose read was overwritten by another writer is retried and sees the new value', async () => {
    const ref = col.doc('conflict');
    await ref.set({ n: 0 });
    let attempts = 0;
    let outside: Promise<unknown> | undefined;
    await db.runTransaction(
      async (tx) => {
        attempts += 1;
        const snap = await tx.get(ref);
        if (attempts === 1) {
          // A write outside the transaction after our read. Servers that lock the document
          // (the official emulator, production) hold it until we finish; servers with
          // optimistic checks let it commit and abort us. Either way no update may be lost.
          outside = ref.set({ n: 100 });
          await Promise.race([
            outside,
            new Promise((resolve) => setTimeout(resolve, 1_000).unref()),
          ]);
        }
        tx.set(ref, { n: snap.get('n') + 1 });
      },
      { maxAttempts: 5 },
    );
    await outside;
    const n = (await ref.get()).get('n');
    // Serial orders: transaction then writer -> 100; writer then retried transaction -> 101.
    assert.ok(n === 100 || n === 101, `lost update: n = ${n}`);
    if (n === 101) assert.ok(attempts >= 2, 'the transaction committed on a stale read');
  });

  it('concurrent transactions that create a missing document elect exactly one creator', async () => {
    const ref = col.doc('elect');
    const winners = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        db.runTransaction(
          async (tx) => {
            const snap = await tx.get(ref);
            if (snap.exists) return false;
            tx.set(ref, { owner: i });
            return true;
          },
          { maxAttempts: 30 },
        ),
      ),
    );
    const owners = winners.flatMap((won, i) => (won ? [i] : []));
    assert.equal(owners.length, 1, `creators: ${owners.join(',')}`);
    assert.equal((await ref.get()).get('owner'), owners[0]);
  });

  it('serializable isolation prevents write skew', async () => {
    // Invariant x + y >= 1. Each transaction reads both and zeroes one only if both are set.
    // Under snapshot isolation both could commit (write skew); serializable allows one.
    const x = col.doc('skew-x');
    const y = col.doc('skew-y');
    await x.set({ v: 1 });
    await y.set({ v: 1 });
    // Both first attempts read before either writes; the barrier is bounded so a server that
    // makes the second reader wait cannot deadlock the test.
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const barrier = async (): Promise<void> => {
      arrived += 1;
      if (arrived === 2) release();
      await Promise.race([bothRead, new Promise((r) => setTimeout(r, 1_000).unref())]);
    };
    const attempt = (target: typeof x) =>
      db.runTransaction(
        async (tx) => {
          const [sx, sy] = await tx.getAll(x, y);
          if (arrived < 2) await barrier();
          if (sx.get('v') + sy.get('v') >= 2) tx.update(target, { v: 0 });
        },
        { maxAttempts: 30 },
      );
    await Promise.all([attempt(x), attempt(y)]);
    const [fx, fy] = await db.getAll(x, y);
    assert.ok(fx.get('v') + fy.get('v') >= 1, `write skew: x=${fx.get('v')} y=${fy.get('v')}`);
  });

  it('two transactions that read then write the same document serialise', async () => {
    const ref = col.doc('rw-pair');
    await ref.set({ log: [] });
    await Promise.all(
      ['t1', 't2', 't3'].map((name) =>
        db.runTransaction(
          async (tx) => {
            const snap = await tx.get(ref);
            tx.update(ref, { log: [...(snap.get('log') as string[]), name] });
          },
          { maxAttempts: 30 },
        ),
      ),
    );
    const log = (await ref.get()).get('log') as string[];
    assert.deepEqual([...log].sort(), ['t1', 't2', 't3']);
  });

  it('a transaction that throws writes nothing', async () => {
    const ref = col.doc('throws');
    await ref.set({ v: 1 });
    await assert.rejects(
      db.runTransaction(async (tx) => {
        await tx.get(ref);
        tx.set(ref, { v: 2 });
        tx.set(col.doc('throws-new'), { v: 1 });
        throw new Error('user abort');
      }),
      /user abort/,
    );
    assert.equal((await ref.get()).get('v'), 1);
    assert.equal((await col.doc('throws-new').get()).exists, false);
    // The rollback released whatever the transaction held: a plain write goes through.
    await ref.set({ v: 3 });
    assert.equal((await ref.get()).get('v'), 3);
  });

  it('a failing precondition inside a transaction rolls it back', async () => {
    const existing = col.doc('tx-existing');
    await existing.set({ v: 1 });
    let error: unknown;
    try {
      await db.runTransaction(async (tx) => {
        tx.set(col.doc('tx-side-effect'), { v: 1 });
        tx.create(existing, { v: 2 });
      });
    } catch (e) {
      error = e;
    }
    assert.equal(grpcCode(error), Code.ALREADY_EXISTS);
    assert.equal((await col.doc('tx-side-effect').get()).exists, false);
    assert.equal((await existing.get()).get('v'), 1);
  });

  it('getAll in a transaction returns found and missing documents in order', async () => {
    const a = col.doc('ga-a');
    const b = col.doc('ga-b');
    const missing = col.doc('ga-missing');
    await a.set({ v: 'a' });
    await b.set({ v: 'b' });
    const got = await db.runTransaction(async (tx) => {
      const snaps = await tx.getAll(b, missing, a);
      tx.set(missing, { v: 'created', seen: snaps.map((s) => s.exists) });
      return snaps.map((s) => [s.id, s.exists, s.get('v')]);
    });
    assert.deepEqual(got, [
      ['ga-b', true, 'b'],
      ['ga-missing', false, undefined],
      ['ga-a', true, 'a'],
    ]);
    assert.deepEqual((await missing.get()).get('seen'), [true, false, true]);
  });

  it('queries and aggregations inside a transaction', async () => {
    const sub = col.doc('txq').collection('items');
    await sub.doc('1').set({ n: 1 });
    await sub.doc('2').set({ n: 2 });
    const result = await db.runTransaction(async (tx) => {
      const q = await tx.get(sub.where('n', '>', 0));
      const c = await tx.get(sub.count());
      tx.set(sub.doc('3'), { n: 3 });
      return { size: q.size, count: c.data().count };
    });
    assert.deepEqual(result, { size: 2, count: 2 });
    assert.equal((await sub.count().get()).data().count, 3);
  });

  it('read-only transactions read consistently and cannot write', async () => {
    const a = col.doc('ro-a');
    await a.set({ v: 1 });
    const v = await db.runTransaction(async (tx) => (await tx.get(a)).get('v'), { readOnly: true });
    assert.equal(v, 1);
    await assert.rejects(
      db.runTransaction(
        async (tx) => {
          tx.set(a, { v: 2 });
        },
        { readOnly: true },
      ),
    );
    assert.equal((await a.get()).get('v'), 1);
  });

  it('a read-only transaction with readTime reads the past version', async () => {
    const ref = col.doc('ro-readtime');
    const first = await ref.set({ v: 'old' });
    await ref.set({ v: 'new' });
    const pastTime: Timestamp = first.writeTime;
    const v = await db.runTransaction(async (tx) => (await tx.get(ref)).get('v'), {
      readOnly: true,
      readTime: pastTime,
    });
    assert.equal(v, 'old');
  });

  it('a read-only transaction with readTime runs queries at that time', async () => {
    const sub = col.doc('ro-query').collection('items');
    await sub.doc('a').set({ v: 1 });
    const at = (await sub.doc('b').set({ v: 2 })).writeTime;
    await sub.doc('c').set({ v: 3 });
    await sub.doc('a').update({ v: 10 });
    await sub.doc('b').delete();
    const seen = await db.runTransaction(
      async (tx) => (await tx.get(sub.orderBy('v'))).docs.map((d) => [d.id, d.get('v')]),
      { readOnly: true, readTime: at },
    );
    assert.deepEqual(seen, [
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('a read-only transaction before a document existed sees it missing', async () => {
    const before = (await col.doc('ro-marker').set({ m: 1 })).writeTime;
    const ref = col.doc('ro-born-later');
    await ref.set({ v: 1 });
    const existed = await db.runTransaction(async (tx) => (await tx.getAll(ref))[0].exists, {
      readOnly: true,
      readTime: before,
    });
    assert.equal(existed, false);
  });

  it('writes in a transaction may use field transforms', async () => {
    const ref = col.doc('tx-transform');
    await ref.set({ n: 1 });
    await db.runTransaction(async (tx) => {
      await tx.get(ref);
      tx.update(ref, { n: FieldValue.increment(5), t: FieldValue.serverTimestamp() });
    });
    const snap = await ref.get();
    assert.equal(snap.get('n'), 6);
    assert.ok(snap.get('t') instanceof Timestamp);
  });
});
