// Helpers for the manufacturing tests: an order with a generated batch and a completed prep job,
// made through the API and awaited by polling.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { db } from '../../src/data/firebase';
import { callPatiently } from './api';
import { waitFor } from './wait';

export type Json = Record<string, unknown>;

// Arrange steps: a 429 rate_limited (the per-caller burst, which these helpers' many requests
// can outrun) is waited out; rate limits are tested elsewhere with `call`.
export async function post<T = Json>(token: string, path: string, body: unknown, status = 200) {
  const reply = await callPatiently<T>('POST', path, { token, body });
  assert.equal(reply.status, status, `${path}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

export async function get<T = Json>(token: string, path: string) {
  const reply = await callPatiently<T>('GET', path, { token });
  assert.equal(reply.status, 200, `${path}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

export async function newOrder(owner: SignedIn, orgId: string): Promise<string> {
  const body = await post<{ orderId: string }>(
    owner.idToken,
    `/v1/orgs/${orgId}/orders`,
    { name: 'Order' },
    201,
  );
  return body.orderId;
}

/** A batch of `units` codes, waited for until ready. */
export async function readyBatch(
  owner: SignedIn,
  orgId: string,
  orderId: string,
  units: number,
  prefix?: string,
): Promise<string> {
  const { batchId } = await post<{ batchId: string }>(
    owner.idToken,
    `/v1/orgs/${orgId}/orders/${orderId}/batches`,
    { units, ...(prefix === undefined ? {} : { prefix }) },
    202,
  );
  await waitFor(
    async () => {
      const b = await get<{ status: string }>(
        owner.idToken,
        `/v1/orgs/${orgId}/orders/${orderId}/batches/${batchId}`,
      );
      assert.notEqual(b.status, 'failed');
      return b.status === 'ready';
    },
    { timeoutMs: 60_000 },
  );
  return batchId;
}

export interface JobView {
  jobId: string;
  status: string;
  progress: number;
  preparedCount: number;
  remainingToPrepare: number;
  totalAvailableInBatch: number;
  resultSummary: {
    prepared: number;
    duplicates: number;
    invalid: number;
    totalAvailable: number;
    excludedCount: number;
  } | null;
  errorMessage: string | null;
}

/** A ready batch of `units` codes, prepared into the queue by a completed prep job. */
export async function preparedBatch(
  owner: SignedIn,
  orgId: string,
  orderId: string,
  units: number,
): Promise<string> {
  const batchId = await readyBatch(owner, orgId, orderId, units);
  const job = await post<{ jobId: string }>(
    owner.idToken,
    `/v1/orgs/${orgId}/prep-jobs`,
    { orderId, batchId },
    202,
  );
  await waitForJob(owner, orgId, job.jobId);
  return batchId;
}

export async function waitForJob(
  owner: SignedIn,
  orgId: string,
  jobId: string,
  status = 'completed',
): Promise<JobView> {
  return waitFor(
    async () => {
      const job = await get<JobView>(owner.idToken, `/v1/orgs/${orgId}/prep-jobs/${jobId}`);
      return job.status === status ? job : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

/** Codes of a batch straight from Firestore: code -> {seq, status, masterCode}. */
export async function batchCodeDocs(orgId: string, batchId: string) {
  const snap = await db()
    .collection(`organizations/${orgId}/codes`)
    .where('batchId', '==', batchId)
    .get();
  return new Map(
    snap.docs.map((d) => [
      d.id,
      {
        seq: Number(d.get('seq')),
        status: String(d.get('status')),
        masterCode: (d.get('masterCode') as string | null) ?? null,
      },
    ]),
  );
}

/** Queue entries of a batch straight from Firestore. */
export async function queueEntries(orgId: string, batchId: string) {
  const snap = await db()
    .collection(`organizations/${orgId}/preparedCodes`)
    .where('batchId', '==', batchId)
    .get();
  return snap.docs.map((d) => ({
    id: d.id,
    code: String(d.get('code')),
    seq: Number(d.get('seq')),
    status: String(d.get('status')),
    jobId: String(d.get('jobId')),
    masterCode: (d.get('masterCode') as string | undefined) ?? null,
  }));
}
