// The batchCreated trigger in isolation (firebase-functions-test) next to the real one the host
// fires: duplicated events generate each code once, and a code that collides with an existing
// one takes its sequence number's next candidate.
import { strict as assert } from 'node:assert';
import functionsTest from 'firebase-functions-test';
import { Timestamp } from 'firebase-admin/firestore';
import { db } from '../src/data/firebase';
import { newBatchSecret, unitCode } from '../src/domain/manufacturing/codes';
import { batchCreated } from '../src/triggers/batchCreated';
import { unique } from './support/api';
import { batchCodeDocs } from './support/manufacturing';
import { waitFor } from './support/wait';

describe('batchCreated trigger (firebase-functions-test and the host together)', function () {
  this.timeout(60_000);
  const fft = functionsTest(
    JSON.parse(process.env.FIREBASE_CONFIG ?? '{}') as { projectId: string },
  );
  const wrapped = fft.wrap(batchCreated);
  after(() => fft.cleanup());

  /** A batch document written straight to Firestore (the host's trigger fires for it too). */
  async function writeBatch(orgId: string, units: number, secret: string, prefix = 'T-') {
    const orderId = 'order-1';
    const ref = db().collection(`organizations/${orgId}/orders/${orderId}/batches`).doc();
    const data = {
      orderId,
      units,
      prefix,
      status: 'generating',
      generatedCount: 0,
      progress: 0,
      codeSecret: secret,
      createdAt: Timestamp.now(),
      createdBy: 'test',
    };
    await ref.create(data);
    const event = {
      data: fft.firestore.makeDocumentSnapshot(data, ref.path),
      params: { orgId, orderId, batchId: ref.id },
      id: `evt-${ref.id}`,
      time: new Date().toISOString(),
    };
    return { ref, orderId, batchId: ref.id, event };
  }

  it('a duplicated event, three generators at once, makes each code once', async () => {
    const orgId = unique('org');
    const secret = newBatchSecret();
    const { ref, batchId, event } = await writeBatch(orgId, 1200, secret);
    await Promise.all([wrapped(event), wrapped(event)]);
    await waitFor(async () => (await ref.get()).get('status') === 'ready');
    // The host's own delivery may still be finishing its last page.
    await waitFor(async () => (await batchCodeDocs(orgId, batchId)).size === 1200);
    const codes = await batchCodeDocs(orgId, batchId);
    assert.deepEqual(
      [...codes.values()].map((c) => c.seq).sort((a, b) => a - b),
      Array.from({ length: 1200 }, (_, i) => i + 1),
    );
    for (const [code, c] of codes) assert.equal(code, unitCode(secret, 'T-', c.seq));
    const batch = (await ref.get()).data()!;
    assert.equal(batch.generatedCount, 1200);
    assert.equal(batch.progress, 100);
    // Once ready, another delivery does nothing.
    await wrapped(event);
    assert.equal((await batchCodeDocs(orgId, batchId)).size, 1200);
  });

  it('a collision with an existing code takes the next candidate and leaves the other alone', async () => {
    const orgId = unique('org');
    const secret = newBatchSecret();
    const taken = unitCode(secret, 'T-', 5);
    await db()
      .doc(`organizations/${orgId}/codes/${taken}`)
      .create({ batchId: 'someone-else', seq: 77, status: 'shipped' });
    const { ref, batchId } = await writeBatch(orgId, 10, secret);
    await waitFor(async () => (await ref.get()).get('status') === 'ready');
    const codes = await batchCodeDocs(orgId, batchId);
    assert.equal(codes.size, 10);
    const fifth = [...codes.entries()].find(([, c]) => c.seq === 5)!;
    assert.equal(fifth[0], unitCode(secret, 'T-', 5, 1));
    const other = (await db().doc(`organizations/${orgId}/codes/${taken}`).get()).data()!;
    assert.deepEqual(other, { batchId: 'someone-else', seq: 77, status: 'shipped' });
  });
});
