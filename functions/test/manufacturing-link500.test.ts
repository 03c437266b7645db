// The largest link: 500 codes in one transaction, which writes 1 001 documents (500 codes, 500
// queue entries, the master). Firestore has had no cap on the number of writes in one commit
// since 2023 (what remains is 10 MiB a request), and the local Firestore follows it.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { createOrg, newUser } from './support/api';
import {
  batchCodeDocs,
  newOrder,
  post,
  queueEntries,
  preparedBatch,
  type Json,
} from './support/manufacturing';

describe('manufacturing: a 500-code link, 1 001 writes in one transaction', function () {
  this.timeout(120_000);

  it('links 500 codes in one transaction', async () => {
    const owner: SignedIn = await newUser('owner');
    const orgId = await createOrg(owner);
    const orderId = await newOrder(owner, orgId);
    const batchId = await preparedBatch(owner, orgId, orderId, 600);
    const master = await post<Json>(
      owner.idToken,
      `/v1/orgs/${orgId}/masters`,
      { orderId, expectedUnits: 500 },
      201,
    );
    const linked = await post<{ linkedCount: number; linkedCodes: string[] }>(
      owner.idToken,
      `/v1/orgs/${orgId}/masters/${String(master.masterCode)}/link-from-queue`,
      { orderId, batchId, targetUnits: 500 },
    );
    assert.equal(linked.linkedCount, 500);
    const codes = await batchCodeDocs(orgId, batchId);
    const packed = [...codes.values()].filter((c) => c.status === 'packed');
    assert.equal(packed.length, 500);
    assert.deepEqual(
      packed.map((c) => c.seq).sort((a, b) => a - b),
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    const consumed = (await queueEntries(orgId, batchId)).filter((e) => e.status === 'consumed');
    assert.equal(consumed.length, 500);
  });
});
