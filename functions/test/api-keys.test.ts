// API keys that cannot outlive their maker: expiry, revocation with the member who made them,
// and the per-address limit on failed key sign-ins, through the local stack.
import { strict as assert } from 'node:assert';
import { Timestamp } from 'firebase-admin/firestore';
import type { SignedIn } from 'emulator';
import { db } from '../src/data/firebase';
import { generateApiKey } from '../src/domain/apiKeys';
import { addMember, call, createOrg, newAddress, newUser, type Reply } from './support/api';

type ErrorReply = {
  error: { code: string; message: string; details?: { errors?: Array<{ field: string }> } };
};
const DAY_MS = 86_400_000;

describe('API keys: expiry, makers, failed sign-ins', function () {
  this.timeout(60_000);
  let owner: SignedIn;
  let orgId: string;

  before(async () => {
    owner = await newUser('owner');
    orgId = await createOrg(owner);
  });

  async function makeKey(
    by: SignedIn,
    body: Record<string, unknown>,
  ): Promise<{ keyId: string; key: string; expiresAt: string }> {
    const reply = await call('POST', `/v1/orgs/${orgId}/api-keys`, { token: by.idToken, body });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    return {
      keyId: String(reply.body.keyId),
      key: String(reply.body.key),
      expiresAt: String(reply.body.expiresAt),
    };
  }

  /** A key's status on a read route, from an address of its own (failures are limited). */
  const use = (key: string) =>
    call<ErrorReply>('GET', `/v1/orgs/${orgId}`, {
      token: key,
      headers: { 'x-forwarded-for': newAddress() },
    });

  it('expiresAt: 365 days by default, or a chosen time up to that; past, too far or not a time is 400', async () => {
    const before = Date.now();
    const byDefault = await makeKey(owner, { name: 'default', role: 'viewer' });
    const expires = Date.parse(byDefault.expiresAt);
    assert.ok(expires >= before + 365 * DAY_MS && expires <= Date.now() + 365 * DAY_MS);
    const stored = await db().doc(`organizations/${orgId}/apiKeys/${byDefault.keyId}`).get();
    assert.equal((stored.get('expiresAt') as Timestamp).toMillis(), expires);

    const chosen = new Date(Date.now() + 30 * DAY_MS).toISOString();
    const short = await makeKey(owner, { name: 'month', role: 'viewer', expiresAt: chosen });
    assert.equal(short.expiresAt, chosen);
    assert.equal((await use(short.key)).status, 200);

    for (const expiresAt of [
      new Date(Date.now() - 60_000).toISOString(),
      new Date(Date.now() + 400 * DAY_MS).toISOString(),
      '2027-01-01',
      'tomorrow',
      null,
      42,
    ]) {
      const bad = await call<ErrorReply>('POST', `/v1/orgs/${orgId}/api-keys`, {
        token: owner.idToken,
        body: { name: 'bad', role: 'viewer', expiresAt },
      });
      assert.equal(bad.status, 400, `${String(expiresAt)}: ${JSON.stringify(bad.body)}`);
      assert.deepEqual(
        bad.body.error.details?.errors?.map((e) => e.field),
        ['expiresAt'],
      );
    }
  });

  it('an expired key is 401 and says so; a key made before expiry existed (no expiresAt, no createdBy) keeps working', async () => {
    const made = await makeKey(owner, { name: 'soon', role: 'viewer' });
    const ref = db().doc(`organizations/${orgId}/apiKeys/${made.keyId}`);
    await ref.update({ expiresAt: Timestamp.fromMillis(Date.now() - 1000) });
    const expired = await use(made.key);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error.code, 'unauthenticated');
    assert.match(expired.body.error.message, /expired/);

    const legacy = generateApiKey();
    await db().doc(`organizations/${orgId}/apiKeys/${legacy.keyId}`).set({
      name: 'from last year',
      role: 'editor',
      hash: legacy.hash,
      createdAt: Timestamp.now(),
      lastUsedAt: null,
    });
    assert.equal((await use(legacy.key)).status, 200);
    const list = await call<{ apiKeys: Array<Record<string, unknown>> }>(
      'GET',
      `/v1/orgs/${orgId}/api-keys`,
      { token: owner.idToken },
    );
    const entry = list.body.apiKeys.find((k) => k.keyId === legacy.keyId);
    assert.deepEqual([entry?.expiresAt, entry?.createdBy], [null, null]);
  });

  it('demoting a member revokes the keys above their new role; removing them revokes the rest (and keys those keys made)', async () => {
    const admin = await newUser('admin');
    await addMember(orgId, owner, admin, 'admin');
    const adminKey = await makeKey(admin, { name: 'admin-level', role: 'admin' });
    const editorKey = await makeKey(admin, { name: 'editor-level', role: 'editor' });
    const ownersKey = await makeKey(owner, { name: 'the owner’s', role: 'admin' });
    // A key made by a key, as was possible before keys were refused on the key routes.
    const child = generateApiKey();
    await db()
      .doc(`organizations/${orgId}/apiKeys/${child.keyId}`)
      .set({
        name: 'child',
        role: 'editor',
        hash: child.hash,
        createdAt: Timestamp.now(),
        createdBy: `apiKey:${adminKey.keyId}`,
        lastUsedAt: null,
      });
    for (const k of [adminKey.key, editorKey.key, child.key])
      assert.equal((await use(k)).status, 200);

    const demoted = await call('PATCH', `/v1/orgs/${orgId}/members/${admin.uid}`, {
      token: owner.idToken,
      body: { role: 'editor' },
    });
    assert.equal(demoted.status, 200, JSON.stringify(demoted.body));
    assert.equal(demoted.body.role, 'editor');
    assert.equal((await use(adminKey.key)).status, 401, 'admin key above the new role');
    assert.equal((await use(child.key)).status, 401, 'a key made by a revoked key');
    assert.equal((await use(editorKey.key)).status, 200, 'a key the editor could still make');
    const gone = await db().doc(`organizations/${orgId}/apiKeys/${adminKey.keyId}`).get();
    assert.equal(gone.exists, false, 'revoked keys are deleted');

    const removed = await call('DELETE', `/v1/orgs/${orgId}/members/${admin.uid}`, {
      token: owner.idToken,
    });
    assert.equal(removed.status, 204);
    assert.equal((await use(editorKey.key)).status, 401);
    assert.equal((await use(ownersKey.key)).status, 200, 'another member’s key stays');
  });

  it('a burst of made-up keys from one address ends in 429 before any lookup; other addresses go on', async () => {
    const good = await makeKey(owner, { name: 'good', role: 'viewer' });
    const me = newAddress();
    const replies: Array<Reply<ErrorReply>> = [];
    for (let i = 0; i < 30; i++) {
      replies.push(
        await call<ErrorReply>('GET', `/v1/orgs/${orgId}`, {
          token: generateApiKey().key,
          headers: { 'x-forwarded-for': me },
        }),
      );
    }
    assert.equal(replies[0].status, 401);
    const limited = replies.filter((r) => r.status === 429);
    assert.ok(limited.length > 0, `statuses: ${replies.map((r) => r.status).join(',')}`);
    assert.equal(replies.at(-1)?.status, 429);
    assert.equal(limited[0].body.error.code, 'rate_limited');
    assert.match(limited[0].headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    // Refused before the key is read: even a good key from that address waits.
    const goodHere = await call('GET', `/v1/orgs/${orgId}`, {
      token: good.key,
      headers: { 'x-forwarded-for': me },
    });
    assert.equal(goodHere.status, 429);
    assert.equal((await use(good.key)).status, 200, 'another address is not limited');
    // Good keys spend nothing: a busy script is never limited by this.
    const script = newAddress();
    for (let i = 0; i < 30; i++) {
      const ok = await call('GET', `/v1/orgs/${orgId}`, {
        token: good.key,
        headers: { 'x-forwarded-for': script },
      });
      assert.equal(ok.status, 200);
    }
  });
});
