// The per-instance caches of sign-in, roles, API keys and scan URLs (issue 27): each is bounded in
// time, and a change is seen at once on the instance that made it. "Another instance" is an app
// made in this process (createApp) next to the stack's own, the params set small in this process.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { createApp } from '../src/http/app';
import { addMember, call, createOrg, newUser, signInAgain, updateAuthUser } from './support/api';
import { waitForQr } from './support/equipment';
import { serve, type RunningServer } from './support/httpServer';
import { documentReads } from './support/stack';
import { waitFor } from './support/wait';

/** Runs `work` with params set in this process (the in-process app reads them per request). */
async function withParams<T>(params: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(params).map((k) => [k, process.env[k]]));
  Object.assign(process.env, params);
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Long enough that nothing expires during a test: the cache is what answers. */
const LONG = '600';

describe('caches of sign-in, roles and keys (bounded staleness)', () => {
  let owner: SignedIn;
  let orgId: string;
  let other: RunningServer;

  before(async () => {
    owner = await newUser('cache-owner');
    orgId = await createOrg(owner);
    other = await serve(createApp());
  });
  after(async () => {
    await other.close();
  });

  const onOther = async (path: string, token: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${other.url}${path}`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
    const text = await res.text();
    return { status: res.status, text, headers: res.headers };
  };
  const memberPath = (uid: string) => `organizations/${orgId}/members/${uid}`;

  it('a removed member is refused at once on the instance that removed them', async () => {
    const member = await newUser('removed-here');
    await addMember(orgId, owner, member, 'editor');
    assert.equal((await call('GET', `/v1/orgs/${orgId}`, { token: member.idToken })).status, 200);
    const removed = await call('DELETE', `/v1/orgs/${orgId}/members/${member.uid}`, {
      token: owner.idToken,
    });
    assert.equal(removed.status, 204);
    const after = await call<{ error: { code: string } }>('GET', `/v1/orgs/${orgId}`, {
      token: member.idToken,
    });
    assert.equal(after.status, 403);
    assert.equal(after.body.error.code, 'permission_denied');
  });

  it('a demoted member loses the higher role at once on the instance that demoted them', async () => {
    const member = await newUser('demoted-here');
    await addMember(orgId, owner, member, 'admin');
    const make = () =>
      call('POST', `/v1/orgs/${orgId}/locations`, {
        token: member.idToken,
        body: { name: `Shelf ${Math.random()}` },
      });
    assert.equal((await make()).status, 201);
    const demoted = await call('PATCH', `/v1/orgs/${orgId}/members/${member.uid}`, {
      token: owner.idToken,
      body: { role: 'viewer' },
    });
    assert.equal(demoted.status, 200);
    assert.equal((await make()).status, 403);
  });

  it('a member removed elsewhere is refused once ROLE_CACHE_SECONDS have passed (and at once with 0)', async () => {
    const member = await newUser('removed-elsewhere');
    await addMember(orgId, owner, member, 'viewer');
    const path = `/v1/orgs/${orgId}`;
    await withParams({ ROLE_CACHE_SECONDS: LONG }, async () => {
      assert.equal((await onOther(path, member.idToken)).status, 200);
      const reads = (await documentReads(memberPath(member.uid))).reads;
      assert.equal((await onOther(path, member.idToken)).status, 200);
      assert.equal((await documentReads(memberPath(member.uid))).reads, reads, 'role cached');
      // Removed through the stack's instance: this one has not heard of it.
      const removed = await call('DELETE', `/v1/orgs/${orgId}/members/${member.uid}`, {
        token: owner.idToken,
      });
      assert.equal(removed.status, 204);
      assert.equal((await onOther(path, member.idToken)).status, 200, 'still cached here');
    });
    await withParams({ ROLE_CACHE_SECONDS: '1' }, () =>
      waitFor(async () => (await onOther(path, member.idToken)).status === 403),
    );
    // With 0 nothing is cached: a member added back is let in on the next request.
    await addMember(orgId, owner, member, 'viewer');
    await withParams({ ROLE_CACHE_SECONDS: '0' }, async () => {
      assert.equal((await onOther(path, member.idToken)).status, 200);
    });
  });

  it('a revoked API key stops at once on the revoking instance, elsewhere within ROLE_CACHE_SECONDS', async () => {
    const make = async () => {
      const made = await call<{ key: string; keyId: string }>(
        'POST',
        `/v1/orgs/${orgId}/api-keys`,
        { token: owner.idToken, body: { name: 'cached', role: 'viewer' } },
      );
      assert.equal(made.status, 201);
      return made.body;
    };
    const revoke = async (keyId: string) => {
      const reply = await call('DELETE', `/v1/orgs/${orgId}/api-keys/${keyId}`, {
        token: owner.idToken,
      });
      assert.equal(reply.status, 204);
    };
    const path = `/v1/orgs/${orgId}`;

    const here = await make();
    assert.equal((await call('GET', path, { token: here.key })).status, 200);
    assert.equal((await call('GET', path, { token: here.key })).status, 200);
    await revoke(here.keyId);
    assert.equal((await call('GET', path, { token: here.key })).status, 401);

    const elsewhere = await make();
    const keyPath = `organizations/${orgId}/apiKeys/${elsewhere.keyId}`;
    await withParams({ ROLE_CACHE_SECONDS: LONG }, async () => {
      assert.equal((await onOther(path, elsewhere.key)).status, 200);
      const reads = (await documentReads(keyPath)).reads;
      assert.equal((await onOther(path, elsewhere.key)).status, 200);
      assert.equal((await documentReads(keyPath)).reads, reads, 'key record cached');
      await revoke(elsewhere.keyId);
      assert.equal((await onOther(path, elsewhere.key)).status, 200, 'still cached here');
    });
    await withParams({ ROLE_CACHE_SECONDS: '1' }, () =>
      waitFor(async () => (await onOther(path, elsewhere.key)).status === 401),
    );
  });

  it('a disabled user is refused once AUTH_RECHECK_SECONDS have passed, at once with 0', async () => {
    const user = await newUser('disabled-later');
    await addMember(orgId, owner, user, 'viewer');
    const path = `/v1/orgs/${orgId}`;
    await withParams({ AUTH_RECHECK_SECONDS: LONG }, async () => {
      assert.equal((await onOther(path, user.idToken)).status, 200);
      await updateAuthUser(user.uid, { disableUser: true });
      assert.equal((await onOther(path, user.idToken)).status, 200, 'checked a moment ago');
    });
    await withParams({ AUTH_RECHECK_SECONDS: '0' }, async () => {
      const refused = await onOther(path, user.idToken);
      assert.equal(refused.status, 401);
      assert.match(refused.text, /disabled/);
    });
    await withParams({ AUTH_RECHECK_SECONDS: '1' }, async () => {
      const refused = await waitFor(async () => {
        const reply = await onOther(path, user.idToken);
        return reply.status === 401 && reply;
      });
      assert.match(refused.text, /disabled/);
    });
  });

  it('a token issued after the cached check is checked at once', async () => {
    const user = await newUser('newer-token');
    await addMember(orgId, owner, user, 'viewer');
    const path = `/v1/orgs/${orgId}`;
    await withParams({ AUTH_RECHECK_SECONDS: LONG }, async () => {
      assert.equal((await onOther(path, user.idToken)).status, 200);
      const checkedBy = Date.now();
      // Token times are whole seconds: wait for the next one, so the new token is newer.
      await waitFor(async () => Math.floor(Date.now() / 1000) * 1000 > checkedBy);
      const fresh = await signInAgain(user.email);
      await updateAuthUser(user.uid, { disableUser: true });
      assert.equal((await onOther(path, user.idToken)).status, 200, 'the old token: cached check');
      const refused = await onOther(path, fresh.idToken);
      assert.equal(refused.status, 401, 'the newer token: checked again');
      assert.match(refused.text, /disabled/);
    });
  });
});

describe('reads of authorised GETs in the steady state', () => {
  let owner: SignedIn;
  let orgId: string;
  let assetId: string;

  before(async () => {
    owner = await newUser('reads-owner');
    orgId = await createOrg(owner);
    const made = await call<{ assetId: string }>('POST', `/v1/orgs/${orgId}/equipment`, {
      token: owner.idToken,
      body: { name: 'Lens', category: 'LENS' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assetId = made.body.assetId;
    // The QR trigger reads and writes the item once: let it finish before counting reads.
    await waitForQr(orgId, assetId);
  });

  const itemPath = () => `organizations/${orgId}/equipment/${assetId}`;
  const memberPath = () => `organizations/${orgId}/members/${owner.uid}`;

  it('GET equipment/{assetId}: one read of the item, none of the member', async () => {
    const get = () =>
      call('GET', `/v1/orgs/${orgId}/equipment/${assetId}`, { token: owner.idToken });
    assert.equal((await get()).status, 200);
    const [item, member] = [await documentReads(itemPath()), await documentReads(memberPath())];
    const reply = await get();
    assert.equal(reply.status, 200);
    assert.match(
      reply.headers.get('server-timing') ?? '',
      /token;dur=[\d.]+.*role;dur=[\d.]+.*resource;dur=/,
    );
    assert.equal((await documentReads(itemPath())).reads, item.reads + 1);
    assert.equal((await documentReads(memberPath())).reads, member.reads);
  });

  it('GET equipment/{assetId} of a member not yet cached: the member and the item read once each', async () => {
    const viewer = await newUser('first-get');
    await addMember(orgId, owner, viewer, 'viewer');
    const viewerDoc = `organizations/${orgId}/members/${viewer.uid}`;
    const before = [await documentReads(itemPath()), await documentReads(viewerDoc)];
    const reply = await call<{ assetId: string }>('GET', `/v1/orgs/${orgId}/equipment/${assetId}`, {
      token: viewer.idToken,
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.assetId, assetId);
    const after = [await documentReads(itemPath()), await documentReads(viewerDoc)];
    assert.deepEqual(
      after.map((r, k) => r.reads - before[k].reads),
      [1, 1],
    );
    const outsider = await newUser('first-get-outsider');
    const refused = await call('GET', `/v1/orgs/${orgId}/equipment/${assetId}`, {
      token: outsider.idToken,
    });
    assert.equal(refused.status, 403);
    assert.doesNotMatch(JSON.stringify(refused.body), /Lens/);
  });

  it('the QR image: a repeat is rendered from the cache and a 304 answered, neither reading the item', async () => {
    const image = `/v1/orgs/${orgId}/equipment/${assetId}/qr?size=300`;
    const first = await call('GET', image, { token: owner.idToken });
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag');
    assert.ok(etag);
    const before = await documentReads(itemPath());
    const again = await call('GET', image, { token: owner.idToken });
    assert.equal(again.status, 200);
    assert.match(again.headers.get('server-timing') ?? '', /render;dur=[\d.]+;desc="hit"/);
    assert.equal(again.headers.get('etag'), etag);
    const cached = await call('GET', image, {
      token: owner.idToken,
      headers: { 'if-none-match': etag },
    });
    assert.equal(cached.status, 304);
    assert.equal(cached.headers.get('etag'), etag);
    const after = await documentReads(itemPath());
    assert.deepEqual(after, before, 'no read, no transaction');

    // Deleted on this instance: the next conditional request is a 404 at once.
    const deleted = await call('DELETE', `/v1/orgs/${orgId}/equipment/${assetId}`, {
      token: owner.idToken,
    });
    assert.equal(deleted.status, 204);
    const gone = await call('GET', image, {
      token: owner.idToken,
      headers: { 'if-none-match': etag },
    });
    assert.equal(gone.status, 404);
  });
});

describe('standalone QR code images from the instance cache', () => {
  it('a repeat reads nothing; a code deleted on this instance is a 404 at once', async () => {
    const owner = await newUser('qr-cache');
    const orgId = await createOrg(owner);
    const made = await call<{ qrId: string }>('POST', `/v1/orgs/${orgId}/qr-codes`, {
      token: owner.idToken,
      body: { url: 'https://example.com/cached', tracked: true },
    });
    assert.equal(made.status, 201);
    const image = `/v1/orgs/${orgId}/qr-codes/${made.body.qrId}/image`;
    const codeDoc = `organizations/${orgId}/qrCodes/${made.body.qrId}`;
    assert.equal((await call('GET', image, { token: owner.idToken })).status, 200);
    const before = await documentReads(codeDoc);
    const again = await call('GET', image, { token: owner.idToken });
    assert.equal(again.status, 200);
    assert.match(again.headers.get('server-timing') ?? '', /render;dur=[\d.]+;desc="hit"/);
    assert.deepEqual(await documentReads(codeDoc), before);
    const deleted = await call('DELETE', `/v1/orgs/${orgId}/qr-codes/${made.body.qrId}`, {
      token: owner.idToken,
    });
    assert.equal(deleted.status, 204);
    assert.equal((await call('GET', image, { token: owner.idToken })).status, 404);
  });
});
