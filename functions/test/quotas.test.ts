// Abuse and cost controls through the local stack (issue 19): each quota answers 429
// quota_exceeded with {quota, limit, used, resetsAt} before any write, and an operator's
// quotaOverrides/{orgId} document sets an organisation's limits (small ones here, so that the
// tests reach them with a few requests). Organisations per user and the verified-email rule of
// POST /v1/orgs; client-written items past the item quota are in rules.test.ts.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { db } from '../src/data/firebase';
import { dayKey, nextDayStart } from '../src/domain/quotas';
import { createApp } from '../src/http/app';
import { call, createOrg, newUser, signInAgain, unique, updateAuthUser } from './support/api';
import { upload } from './support/equipment';
import { serve, type NodeHandler } from './support/httpServer';
import { newOrder } from './support/manufacturing';
import { functionUrl } from './support/stack';
import { waitFor } from './support/wait';

type ErrorReply = {
  error: { code: string; message: string; details?: Record<string, unknown> };
};

/** The operator's override, as docs/operations.md says to set it (Admin SDK). */
const setOverride = (orgId: string, limits: Record<string, number>) =>
  db().doc(`quotaOverrides/${orgId}`).set(limits);

const usage = async (orgId: string): Promise<Record<string, unknown>> =>
  (
    await db()
      .doc(`organizations/${orgId}/usage/${dayKey(new Date())}`)
      .get()
  ).data() ?? {};

const count = async (path: string): Promise<number> =>
  (await db().collection(path).count().get()).data().count;

/**
 * The reply of a refusal, checked in full. `resetsAt` is the next UTC midnight for a daily
 * quota (either side of a midnight that passed during the request), null for the others.
 */
function assertQuotaExceeded(
  reply: { status: number; body: unknown },
  quota: string,
  limit: number,
  used: number,
  daily: boolean,
): void {
  assert.equal(reply.status, 429, JSON.stringify(reply.body));
  const { error } = reply.body as ErrorReply;
  assert.equal(error.code, 'quota_exceeded');
  assert.ok(error.message.length > 0);
  assert.deepEqual(Object.keys(error.details ?? {}).sort(), ['limit', 'quota', 'resetsAt', 'used']);
  assert.equal(error.details?.quota, quota);
  assert.equal(error.details?.limit, limit);
  assert.equal(error.details?.used, used);
  if (!daily) {
    assert.equal(error.details?.resetsAt, null);
    return;
  }
  const resetsAt = String(error.details?.resetsAt);
  const now = Date.now();
  const allowed = [
    nextDayStart(new Date(now)).toISOString(),
    nextDayStart(new Date(now - 60_000)).toISOString(),
  ];
  assert.ok(allowed.includes(resetsAt), `resetsAt ${resetsAt}`);
}

function csv(rows: number, assetIds?: string[]): string {
  const lines = assetIds ? ['Asset ID,Name,Category'] : ['Name,Category'];
  for (let i = 0; i < rows; i++) {
    lines.push(assetIds ? `${assetIds[i]},Item ${i},CAMERA` : `Item ${i},CAMERA`);
  }
  return `${lines.join('\n')}\n`;
}

describe('quotas', function () {
  this.timeout(120_000);
  let owner: SignedIn;

  before(async () => {
    owner = await newUser('quota-owner');
  });

  describe('equipment items in total (API and CSV)', () => {
    let orgId: string;
    const ids: string[] = [];

    before(async () => {
      orgId = await createOrg(owner);
      await setOverride(orgId, { items: 3 });
    });

    it('the API creates up to the limit, then 429 with nothing written', async () => {
      for (let i = 0; i < 3; i++) {
        const r = await call<{ assetId: string }>('POST', `/v1/orgs/${orgId}/equipment`, {
          token: owner.idToken,
          body: { name: `Camera ${i}`, category: 'CAMERA' },
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        ids.push(r.body.assetId);
      }
      const over = await call('POST', `/v1/orgs/${orgId}/equipment`, {
        token: owner.idToken,
        body: { name: 'One too many', category: 'CAMERA', assetId: 'ONE_TOO_MANY' },
      });
      assertQuotaExceeded(over, 'items', 3, 3, false);
      assert.equal(await count(`organizations/${orgId}/equipment`), 3);
      assert.equal(
        (await db().doc(`organizations/${orgId}/equipment/ONE_TOO_MANY`).get()).exists,
        false,
      );
    });

    it('a CSV that would make new items is refused before any row is saved', async () => {
      const r = await upload(orgId, owner.idToken, csv(2));
      assertQuotaExceeded(r, 'items', 3, 3, false);
      assert.equal(await count(`organizations/${orgId}/equipment`), 3);
      // Refused before the rows were spent.
      assert.equal((await usage(orgId)).rowsPerDay, undefined);
    });

    it('a CSV that only updates existing items passes (its ids are looked up)', async () => {
      const r = await upload<{ updated: number; created: number }>(
        orgId,
        owner.idToken,
        csv(3, ids),
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.updated, 3);
      assert.equal(r.body.created, 0);
    });

    it('an item written past the quota outside the API (source client) is listed as qr=refused', async () => {
      // Written with the Admin SDK as a client app would write it (rules.test.ts does it through
      // the client SDK); the trigger, not the rules, counts.
      const ref = db().doc(`organizations/${orgId}/equipment/${unique('CLIENT')}`);
      await ref.set({ name: 'Past the quota', category: 'OTHER', source: 'client' });
      await waitFor(async () => (await ref.get()).get('qrStatus') === 'refused');
      const list = await call<{ equipment: Array<{ assetId: string; qrStatus: string }> }>(
        'GET',
        `/v1/orgs/${orgId}/equipment?qr=refused`,
        { token: owner.idToken },
      );
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.deepEqual(
        list.body.equipment.map((e) => [e.assetId, e.qrStatus]),
        [[ref.id, 'refused']],
      );
      await ref.delete();
    });

    it('a deleted item frees its place; a raised override applies at once', async () => {
      const del = await call('DELETE', `/v1/orgs/${orgId}/equipment/${ids[0]}`, {
        token: owner.idToken,
      });
      assert.equal(del.status, 204);
      const again = await call('POST', `/v1/orgs/${orgId}/equipment`, {
        token: owner.idToken,
        body: { name: 'In its place', category: 'LENS' },
      });
      assert.equal(again.status, 201, JSON.stringify(again.body));
      await setOverride(orgId, { items: 5 });
      const raised = await upload<{ created: number }>(orgId, owner.idToken, csv(2));
      assert.equal(raised.status, 200, JSON.stringify(raised.body));
      assert.equal(raised.body.created, 2);
      assert.equal(await count(`organizations/${orgId}/equipment`), 5);
    });
  });

  describe('CSV rows per day', () => {
    it('counts the day’s valid rows across uploads; the one over is refused whole', async () => {
      const orgId = await createOrg(owner);
      await setOverride(orgId, { rowsPerDay: 5 });
      const first = await upload<{ created: number }>(orgId, owner.idToken, csv(3));
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal((await usage(orgId)).rowsPerDay, 3);
      const over = await upload(orgId, owner.idToken, csv(3));
      assertQuotaExceeded(over, 'rowsPerDay', 5, 3, true);
      assert.equal(await count(`organizations/${orgId}/equipment`), 3);
      assert.equal((await usage(orgId)).rowsPerDay, 3);
      const fits = await upload<{ created: number }>(orgId, owner.idToken, csv(2));
      assert.equal(fits.status, 200, JSON.stringify(fits.body));
      assert.equal((await usage(orgId)).rowsPerDay, 5);
    });

    it('a streamed upload (no platform-buffered body) is checked before its rows are written', async () => {
      const orgId = await createOrg(owner);
      await setOverride(orgId, { rowsPerDay: 4 });
      const server = await serve(createApp() as unknown as NodeHandler);
      try {
        const post = async (text: string) => {
          const form = new FormData();
          form.append('file', new Blob([text], { type: 'text/csv' }), 'e.csv');
          const res = await fetch(`${server.url}/v1/orgs/${orgId}/equipment/bulk-upload`, {
            method: 'POST',
            headers: { authorization: `Bearer ${owner.idToken}` },
            body: form,
          });
          return { status: res.status, body: (await res.json()) as unknown };
        };
        assert.equal((await post(csv(4))).status, 200);
        assertQuotaExceeded(await post(csv(1)), 'rowsPerDay', 4, 4, true);
        assert.equal(await count(`organizations/${orgId}/equipment`), 4);
      } finally {
        await server.close();
      }
    });
  });

  describe('manufacturing: units per day and batches generating', () => {
    let orgId: string;
    let orderId: string;

    before(async () => {
      orgId = await createOrg(owner);
      orderId = await newOrder(owner, orgId);
    });

    const postBatch = (units: number) =>
      call<{ batchId: string }>('POST', `/v1/orgs/${orgId}/orders/${orderId}/batches`, {
        token: owner.idToken,
        body: { units },
      });

    const batchDone = (batchId: string) =>
      waitFor(
        async () => {
          const s = await db()
            .doc(`organizations/${orgId}/orders/${orderId}/batches/${batchId}`)
            .get();
          return s.get('status') === 'ready';
        },
        { timeoutMs: 60_000 },
      );

    it('units: the day’s batches add up to the limit; over it nothing is written', async () => {
      await setOverride(orgId, { unitsPerDay: 150 });
      const first = await postBatch(100);
      assert.equal(first.status, 202, JSON.stringify(first.body));
      await batchDone(first.body.batchId);
      const over = await postBatch(51);
      assertQuotaExceeded(over, 'unitsPerDay', 150, 100, true);
      // The seconds until the reset, at most a day.
      const retryAfter = Number(over.headers.get('retry-after'));
      assert.ok(retryAfter > 0 && retryAfter <= 86_400, `Retry-After ${retryAfter}`);
      assert.equal(await count(`organizations/${orgId}/orders/${orderId}/batches`), 1);
      assert.equal((await usage(orgId)).unitsPerDay, 100);
      const exact = await postBatch(50);
      assert.equal(exact.status, 202, JSON.stringify(exact.body));
      await batchDone(exact.body.batchId);
      assert.equal((await usage(orgId)).unitsPerDay, 150);
    });

    it('batches generating: a batch still generating blocks the next one at a limit of 1', async () => {
      await setOverride(orgId, { outstandingBatches: 1 });
      const first = await postBatch(10);
      assert.equal(first.status, 202, JSON.stringify(first.body));
      const ref = db().doc(
        `organizations/${orgId}/orders/${orderId}/batches/${first.body.batchId}`,
      );
      await batchDone(first.body.batchId);
      // A batch that is stuck generating (as a slow or failing one would be), set by hand so the
      // test does not depend on how fast the trigger is.
      await ref.update({ status: 'generating' });
      const before = await count(`organizations/${orgId}/orders/${orderId}/batches`);
      assertQuotaExceeded(await postBatch(10), 'outstandingBatches', 1, 1, false);
      assert.equal(await count(`organizations/${orgId}/orders/${orderId}/batches`), before);
      await ref.update({ status: 'ready' });
      const next = await postBatch(10);
      assert.equal(next.status, 202, JSON.stringify(next.body));
      await batchDone(next.body.batchId);
    });
  });

  describe('tags: per day and pools filling', () => {
    it('pools and imports add up to the day’s tags; over it nothing is written', async () => {
      const orgId = await createOrg(owner);
      await setOverride(orgId, { tagsPerDay: 10 });
      const pool = await call('POST', `/v1/orgs/${orgId}/tag-pools`, {
        token: owner.idToken,
        body: { count: 6 },
      });
      assert.equal(pool.status, 202, JSON.stringify(pool.body));
      const over = await call('POST', `/v1/orgs/${orgId}/tag-pools`, {
        token: owner.idToken,
        body: { count: 5 },
      });
      assertQuotaExceeded(over, 'tagsPerDay', 10, 6, true);
      assert.equal(await count(`organizations/${orgId}/tagPools`), 1);
      const codes = (n: number) => Array.from({ length: n }, (_, i) => ({ code: `PRINTED-${i}` }));
      const importOver = await call('POST', `/v1/orgs/${orgId}/tags/import`, {
        token: owner.idToken,
        body: { codes: codes(5) },
      });
      assertQuotaExceeded(importOver, 'tagsPerDay', 10, 6, true);
      const fits = await call<{ imported: number }>('POST', `/v1/orgs/${orgId}/tags/import`, {
        token: owner.idToken,
        body: { codes: codes(4) },
      });
      assert.equal(fits.status, 200, JSON.stringify(fits.body));
      assert.equal(fits.body.imported, 4);
      assert.equal((await usage(orgId)).tagsPerDay, 10);
    });

    it('requests at the same moment cannot both take the last of a day (one transaction each)', async () => {
      const orgId = await createOrg(owner);
      await setOverride(orgId, { tagsPerDay: 10 });
      const replies = await Promise.all(
        Array.from({ length: 4 }, () =>
          call('POST', `/v1/orgs/${orgId}/tag-pools`, { token: owner.idToken, body: { count: 3 } }),
        ),
      );
      const statuses = replies.map((r) => r.status).sort();
      assert.deepEqual(statuses, [202, 202, 202, 429], JSON.stringify(replies.map((r) => r.body)));
      assert.equal((await usage(orgId)).tagsPerDay, 9);
      assert.equal(await count(`organizations/${orgId}/tagPools`), 3);
    });

    it('pools filling: a pool still filling blocks the next one at a limit of 1', async () => {
      const orgId = await createOrg(owner);
      await setOverride(orgId, { outstandingTagPools: 1 });
      const first = await call<{ poolId: string }>('POST', `/v1/orgs/${orgId}/tag-pools`, {
        token: owner.idToken,
        body: { count: 3 },
      });
      assert.equal(first.status, 202, JSON.stringify(first.body));
      const ref = db().doc(`organizations/${orgId}/tagPools/${first.body.poolId}`);
      await waitFor(async () => (await ref.get()).get('status') === 'ready');
      await ref.update({ status: 'creating' }); // stuck, as a slow pool would be
      const over = await call('POST', `/v1/orgs/${orgId}/tag-pools`, {
        token: owner.idToken,
        body: { count: 3 },
      });
      assertQuotaExceeded(over, 'outstandingTagPools', 1, 1, false);
      assert.equal(await count(`organizations/${orgId}/tagPools`), 1);
      await ref.update({ status: 'ready' });
      const next = await call('POST', `/v1/orgs/${orgId}/tag-pools`, {
        token: owner.idToken,
        body: { count: 3 },
      });
      assert.equal(next.status, 202, JSON.stringify(next.body));
    });
  });

  describe('labels per request', () => {
    it('asking for more labels than one request may print is a 429 before the PDF', async () => {
      const orgId = await createOrg(owner);
      await setOverride(orgId, { labelsPerRequest: 2 });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await call<{ assetId: string }>('POST', `/v1/orgs/${orgId}/equipment`, {
          token: owner.idToken,
          body: { name: `Label ${i}`, category: 'TRIPOD' },
        });
        ids.push(r.body.assetId);
      }
      const labels = async (body: unknown) => {
        const res = await fetch(`${functionUrl('api')}/v1/orgs/${orgId}/labels`, {
          method: 'POST',
          headers: { authorization: `Bearer ${owner.idToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const type = res.headers.get('content-type') ?? '';
        return {
          status: res.status,
          type,
          body: type.includes('json') ? ((await res.json()) as unknown) : await res.arrayBuffer(),
        };
      };
      assertQuotaExceeded(
        await labels({ assetIds: ids, template: 'avery-l7651' }),
        'labelsPerRequest',
        2,
        0,
        false,
      );
      // A filter is counted before its items are read.
      assertQuotaExceeded(
        await labels({ filter: { category: 'TRIPOD' }, template: 'avery-l7651' }),
        'labelsPerRequest',
        2,
        0,
        false,
      );
      const fits = await labels({ assetIds: ids.slice(0, 2), template: 'avery-l7651' });
      assert.equal(fits.status, 200);
      assert.equal(fits.type, 'application/pdf');
    });
  });

  describe('organisations per user, and a verified email', () => {
    it('a user creates ORGS_PER_USER (10) organisations, then 429 and the 11th is not made', async () => {
      const person = await newUser('many-orgs');
      for (let i = 0; i < 10; i++) await createOrg(person, `Org ${i}`);
      const orgId = unique('org');
      const over = await call('POST', '/v1/orgs', {
        token: person.idToken,
        body: { orgId, name: 'Eleventh' },
      });
      assertQuotaExceeded(over, 'organizationsPerUser', 10, 10, false);
      assert.equal((await db().doc(`organizations/${orgId}`).get()).exists, false);
      const mine = await call<{ organizations: unknown[] }>('GET', '/v1/orgs', {
        token: person.idToken,
      });
      assert.equal(mine.body.organizations.length, 10);
      // Someone else is not affected.
      await createOrg(await newUser('someone-else'));
    });

    it('creates at the same moment stop at the limit too (counted in the create transaction)', async () => {
      const person = await newUser('racing-orgs');
      for (let i = 0; i < 8; i++) await createOrg(person, `Org ${i}`);
      const replies = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          call('POST', '/v1/orgs', { token: person.idToken, body: { name: `Racing ${i}` } }),
        ),
      );
      const statuses = replies.map((r) => r.status).sort();
      assert.deepEqual(statuses, [201, 201, 429, 429], JSON.stringify(replies.map((r) => r.body)));
      const mine = await call<{ organizations: unknown[] }>('GET', '/v1/orgs', {
        token: person.idToken,
      });
      assert.equal(mine.body.organizations.length, 10);
    });

    it('a user whose email is not verified gets a 403 that says to verify it, and nothing', async () => {
      const person = await newUser('unverified');
      await updateAuthUser(person.uid, { emailVerified: false });
      const token = (await signInAgain(person.email)).idToken;
      const orgId = unique('org');
      const r = await call<ErrorReply>('POST', '/v1/orgs', {
        token,
        body: { orgId, name: 'Not yet' },
      });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'permission_denied');
      assert.match(r.body.error.message, /verify your email/i);
      assert.deepEqual(r.body.error.details, { reason: 'email_not_verified' });
      assert.equal((await db().doc(`organizations/${orgId}`).get()).exists, false);
      // Who may create is settled before the body is read: a bad body is the same 403.
      const badBody = await call<ErrorReply>('POST', '/v1/orgs', { token, body: { name: 7 } });
      assert.equal(badBody.status, 403, JSON.stringify(badBody.body));
      assert.deepEqual(badBody.body.error.details, { reason: 'email_not_verified' });
      // Once verified (a fresh token carries it), the same request works.
      await updateAuthUser(person.uid, { emailVerified: true });
      const verified = (await signInAgain(person.email)).idToken;
      const ok = await call('POST', '/v1/orgs', { token: verified, body: { orgId, name: 'Now' } });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
    });
  });
});
