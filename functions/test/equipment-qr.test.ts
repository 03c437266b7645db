// The equipment QR trigger and the backfill: an item written straight to Firestore gets its code;
// a duplicated event uploads once and never overwrites a newer state; a Storage failure is
// recorded, retried a bounded number of times, and fixed by a regenerate; backfill jobs report
// progress and make every missing code.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import functionsTest from 'firebase-functions-test';
import { db } from '../src/data/firebase';
import { bucket } from '../src/data/storage';
import { equipmentCreated } from '../src/triggers/equipmentCreated';
import { call, newUser, unique } from './support/api';
import {
  assertQrStored,
  equipmentDoc,
  orgWithLocations,
  qrPngPath,
  storedObject,
  waitForQr,
} from './support/equipment';
import { waitFor } from './support/wait';

type Job = { status: string; total: number; done: number; failed: number; progress: number };

/**
 * Makes Storage refuse the trigger's upload, deterministically: an object is already at the
 * item's PNG path (put there by someone with gsutil, say) and carries no Firebase download token.
 * The trigger uploads only if the path is free (a generation-0 precondition), so Storage answers
 * 412, and with no token to reuse the attempt fails. A regenerate replaces the object.
 */
async function occupyPngPath(orgId: string, assetId: string): Promise<void> {
  await bucket()
    .file(qrPngPath(orgId, assetId))
    .save(Buffer.from('not a QR code'), { resumable: false, contentType: 'text/plain' });
}

describe('equipment QR trigger', function () {
  this.timeout(60_000);
  const fft = functionsTest(
    JSON.parse(process.env.FIREBASE_CONFIG ?? '{}') as { projectId: string },
  );
  const wrapped = fft.wrap(equipmentCreated);
  after(() => fft.cleanup());

  let owner: SignedIn;
  let orgId: string;
  before(async () => {
    owner = await newUser('qr-owner');
    orgId = await orgWithLocations(owner, 'QR org');
  });

  function eventFor(assetId: string, data: Record<string, unknown>) {
    return {
      data: fft.firestore.makeDocumentSnapshot(data, `organizations/${orgId}/equipment/${assetId}`),
      params: { orgId, assetId },
      id: `evt-${assetId}`,
      time: new Date().toISOString(),
    };
  }

  it('an item written straight to Firestore (firebase-admin) gets its code', async () => {
    const assetId = unique('CAMERA');
    await equipmentDoc(orgId, assetId).set({ name: 'Client camera', category: 'CAMERA' });
    await assertQrStored(orgId, assetId);
    const data = (await equipmentDoc(orgId, assetId).get()).data();
    assert.equal(data?.qrStatus, 'ready');
    assert.equal(data?.qrCodeAttempts, 1);
    assert.equal(data?.source, 'client');
    assert.ok(data?.createdAt, 'createdAt set from the document create time');
    assert.ok(data?.qrCodeGeneratedAt);
    // The scan token points back at the item.
    const token = (
      await db()
        .doc(`scanTokens/${String(data?.scanToken)}`)
        .get()
    ).data();
    assert.deepEqual(
      { orgId: token?.orgId, kind: token?.kind, id: token?.id },
      { orgId, kind: 'equipment', id: assetId },
    );
  });

  it('a duplicated event uploads once and never overwrites a newer state', async () => {
    const assetId = unique('LENS');
    const fields = { name: 'Dup lens', category: 'LENS' };
    await equipmentDoc(orgId, assetId).set(fields);
    const event = eventFor(assetId, fields);
    // Two deliveries at once, and the host's own delivery of the real event.
    await Promise.all([wrapped(event), wrapped(event)]);
    const ready = await waitForQr(orgId, assetId);
    await assertQrStored(orgId, assetId);
    const tokens = await db()
      .collection('scanTokens')
      .where('orgId', '==', orgId)
      .where('id', '==', assetId)
      .get();
    assert.equal(tokens.size, 1, 'one scan token for the item');
    const { metadata } = await storedObject(qrPngPath(orgId, assetId));
    const uploadedToken = String(
      (metadata.metadata as Record<string, string>).firebaseStorageDownloadTokens,
    );
    assert.ok(String(ready.qrCodeUrl).endsWith(`token=${uploadedToken}`));

    // A regenerate makes a newer state; the old event delivered again leaves it alone.
    const regenerated = await call<{ qrCodeUrl: string }>(
      'POST',
      `/v1/orgs/${orgId}/equipment/${assetId}/generate-qr`,
      { token: owner.idToken },
    );
    assert.equal(regenerated.status, 200);
    const before = await equipmentDoc(orgId, assetId).get();
    const generation = (await storedObject(qrPngPath(orgId, assetId))).metadata.generation;
    await wrapped(event);
    const after = await equipmentDoc(orgId, assetId).get();
    assert.equal(after.updateTime?.isEqual(before.updateTime!), true, 'document unchanged');
    assert.equal(after.get('qrCodeUrl'), regenerated.body.qrCodeUrl);
    assert.equal((await storedObject(qrPngPath(orgId, assetId))).metadata.generation, generation);
  });

  it('a Storage failure is recorded and retried at most 3 times; a regenerate fixes it', async () => {
    const assetId = unique('AUDIO');
    await occupyPngPath(orgId, assetId);
    const fields = { name: 'Unlucky mic', category: 'AUDIO' };
    await equipmentDoc(orgId, assetId).set(fields);
    // This delivery fails and throws, so that the platform retries it.
    await assert.rejects(wrapped(eventFor(assetId, fields)), /QR code attempt \d failed/);
    const failed = await waitFor(
      async () => {
        const data = (await equipmentDoc(orgId, assetId).get()).data();
        return data && data.qrCodeAttempts >= 3 ? data : undefined;
      },
      { timeoutMs: 20_000 },
    );
    assert.equal(failed.qrStatus, 'failed');
    assert.equal(failed.qrCodeGenerated, false);
    assert.match(String(failed.qrCodeError), /pre-?condition/i);
    // Listed as failed.
    const list = await call<{ equipment: { assetId: string }[] }>(
      'GET',
      `/v1/orgs/${orgId}/equipment?qr=failed`,
      { token: owner.idToken },
    );
    assert.ok(list.body.equipment.some((e) => e.assetId === assetId));
    // After the last attempt the trigger gives up quietly (no more retries) and changes nothing.
    const attempts = failed.qrCodeAttempts as number;
    await wrapped(eventFor(assetId, fields));
    assert.equal((await equipmentDoc(orgId, assetId).get()).get('qrCodeAttempts'), attempts);

    const reply = await call('POST', `/v1/orgs/${orgId}/equipment/${assetId}/generate-qr`, {
      token: owner.idToken,
    });
    assert.equal(reply.status, 200);
    await assertQrStored(orgId, assetId);
    const fixed = (await equipmentDoc(orgId, assetId).get()).data();
    assert.equal(fixed?.qrCodeError, undefined);
  });

  it('a code deleted while its trigger runs leaves no PNG behind', async () => {
    const assetId = unique('OTHER');
    const fields = { name: 'Short-lived', category: 'OTHER' };
    await equipmentDoc(orgId, assetId).set(fields);
    await equipmentDoc(orgId, assetId).delete();
    await wrapped(eventFor(assetId, fields));
    const [exists] = await bucket().file(qrPngPath(orgId, assetId)).exists();
    assert.equal(exists, false);
  });
});

describe('QR backfill jobs', function () {
  this.timeout(60_000);
  let owner: SignedIn;
  let orgId: string;
  before(async () => {
    owner = await newUser('job-owner');
    orgId = await orgWithLocations(owner, 'Job org');
  });

  async function failedItems(count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => unique('TRIPOD'));
    await Promise.all(ids.map((id) => occupyPngPath(orgId, id)));
    await Promise.all(
      ids.map((id) => equipmentDoc(orgId, id).set({ name: `Tripod ${id}`, category: 'TRIPOD' })),
    );
    await Promise.all(
      ids.map((id) =>
        waitFor(async () => (await equipmentDoc(orgId, id).get()).get('qrCodeAttempts') >= 3, {
          timeoutMs: 20_000,
        }),
      ),
    );
    return ids;
  }

  async function finishedJob(jobId: string): Promise<Job> {
    const seen: number[] = [];
    const job = await waitFor(
      async () => {
        const reply = await call<Job>('GET', `/v1/orgs/${orgId}/equipment/qr-jobs/${jobId}`, {
          token: owner.idToken,
        });
        assert.equal(reply.status, 200);
        seen.push(reply.body.progress);
        return reply.body.status === 'done' ? reply.body : undefined;
      },
      { timeoutMs: 30_000 },
    );
    // Progress never goes back.
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
    );
    return job;
  }

  it('{missing: true} remakes every failed code, with progress; {assetIds} counts unknown ids as failed', async () => {
    const ids = await failedItems(12);
    const ok = unique('TRIPOD');
    await equipmentDoc(orgId, ok).set({ name: 'Fine', category: 'TRIPOD' });
    await waitForQr(orgId, ok);

    const started = await call<{ jobId: string }>(
      'POST',
      `/v1/orgs/${orgId}/equipment/batch-generate-qr`,
      { token: owner.idToken, body: { missing: true } },
    );
    assert.equal(started.status, 202);
    const job = await finishedJob(started.body.jobId);
    assert.deepEqual(
      { status: job.status, total: job.total, done: job.done, failed: job.failed },
      { status: 'done', total: 12, done: 12, failed: 0 },
    );
    assert.equal(job.progress, 100);
    for (const id of ids) await assertQrStored(orgId, id);

    const byIds = await call<{ jobId: string }>(
      'POST',
      `/v1/orgs/${orgId}/equipment/batch-generate-qr`,
      { token: owner.idToken, body: { assetIds: [ids[0], ok, 'NOPE_12345678'] } },
    );
    assert.equal(byIds.status, 202);
    const second = await finishedJob(byIds.body.jobId);
    assert.deepEqual(
      { total: second.total, done: second.done, failed: second.failed },
      { total: 3, done: 2, failed: 1 },
    );
  });

  it('refuses bodies that are neither assetIds (1 to 500) nor missing: true', async () => {
    const path = `/v1/orgs/${orgId}/equipment/batch-generate-qr`;
    for (const body of [
      {},
      { missing: false },
      { assetIds: [] },
      { assetIds: ['a/b'] },
      { assetIds: Array.from({ length: 501 }, (_, i) => `A_${i}`) },
      { assetIds: ['A_1'], missing: true },
    ]) {
      const reply = await call('POST', path, { token: owner.idToken, body });
      assert.equal(reply.status, 400, JSON.stringify(body).slice(0, 60));
    }
  });
});
