// Organisations, members and API keys through the local stack: what each route does and refuses.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { db } from '../src/data/firebase';
import { addMember, call, createOrg, newUser, rawCall, unique } from './support/api';
import { functionUrl } from './support/stack';

type ErrorReply = {
  error: { code: string; message: string; details?: { errors?: Array<{ field: string }> } };
};

describe('organisations', () => {
  let alice: SignedIn;

  before(async () => {
    alice = await newUser('alice');
  });

  it('POST /v1/orgs makes the caller owner, in the same transaction', async () => {
    const orgId = unique('org');
    const reply = await call('POST', '/v1/orgs', {
      token: alice.idToken,
      body: { orgId, name: '  Camera Room ', timeZone: 'america/new_york' },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(reply.body.orgId, orgId);
    assert.equal(reply.body.name, 'Camera Room');
    assert.equal(reply.body.timeZone, 'America/New_York');
    assert.equal(reply.body.role, 'owner');
    const member = await db().doc(`organizations/${orgId}/members/${alice.uid}`).get();
    assert.equal(member.get('role'), 'owner');
    assert.equal(member.get('email'), alice.email);
    assert.deepEqual(Object.keys(member.data() ?? {}).sort(), [
      'addedAt',
      'addedBy',
      'email',
      'role',
      'uid',
    ]);
  });

  it('generates an id when none is given, and defaults the time zone to UTC', async () => {
    const reply = await call('POST', '/v1/orgs', { token: alice.idToken, body: { name: 'Lab' } });
    assert.equal(reply.status, 201);
    assert.match(String(reply.body.orgId), /^[A-Za-z0-9]{20}$/);
    assert.equal(reply.body.timeZone, 'UTC');
  });

  it('409 when the id is taken, and the first owner stays', async () => {
    const orgId = await createOrg(alice);
    const bob = await newUser('bob');
    const reply = await call<ErrorReply>('POST', '/v1/orgs', {
      token: bob.idToken,
      body: { orgId, name: 'Mine now' },
    });
    assert.equal(reply.status, 409);
    assert.equal(reply.body.error.code, 'conflict');
    const members = await db().collection(`organizations/${orgId}/members`).get();
    assert.deepEqual(
      members.docs.map((d) => d.id),
      [alice.uid],
    );
  });

  it('refuses bad input, naming every field', async () => {
    const reply = await call<ErrorReply>('POST', '/v1/orgs', {
      token: alice.idToken,
      body: { orgId: '../escape', name: '', timeZone: 'Mars/Olympus', color: 'red' },
    });
    assert.equal(reply.status, 400);
    const fields = (reply.body.error.details?.errors ?? []).map((e) => e.field).sort();
    assert.deepEqual(fields, ['color', 'name', 'orgId', 'timeZone']);
    for (const body of [[], 'text', 42]) {
      const r = await call<ErrorReply>('POST', '/v1/orgs', { token: alice.idToken, body });
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    const offset = await call<ErrorReply>('POST', '/v1/orgs', {
      token: alice.idToken,
      body: { name: 'x', timeZone: '+02:00' },
    });
    assert.equal(offset.status, 400);
    const long = await call<ErrorReply>('POST', '/v1/orgs', {
      token: alice.idToken,
      body: { name: 'x'.repeat(201) },
    });
    assert.match(long.body.error.message, /at most 200/);
  });

  it('a body that is not JSON is a 415 that says to send JSON', async () => {
    const res = await fetch(`${functionUrl('api')}/v1/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.idToken}` },
      body: new URLSearchParams({ name: 'Form post' }),
    });
    assert.equal(res.status, 415);
    const body = (await res.json()) as ErrorReply;
    assert.equal(body.error.code, 'unsupported_media_type');
    assert.match(body.error.message, /application\/json/);
  });

  it('GET /v1/orgs lists only my organisations, with my role in each', async () => {
    const carol = await newUser('carol');
    const mine = await createOrg(carol, 'B org');
    const theirs = await createOrg(alice, 'A org');
    await addMember(theirs, alice, carol, 'analyst');
    await createOrg(alice, 'not carol’s');
    const reply = await call<{
      organizations: Array<{ orgId: string; role: string; name: string }>;
    }>('GET', '/v1/orgs', { token: carol.idToken });
    assert.equal(reply.status, 200);
    assert.deepEqual(
      reply.body.organizations.map((o) => [o.orgId, o.role]),
      [
        [theirs, 'analyst'],
        [mine, 'owner'],
      ],
    );
  });

  it('PATCH changes name, timeZone and assetUrlTemplate, and checks each', async () => {
    const orgId = await createOrg(alice);
    const ok = await call('PATCH', `/v1/orgs/${orgId}`, {
      token: alice.idToken,
      body: {
        name: 'Renamed',
        timeZone: 'Asia/Tokyo',
        assetUrlTemplate: 'https://assets.example.com/a/{assetId}',
      },
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.timeZone, 'Asia/Tokyo');
    const read = await call('GET', `/v1/orgs/${orgId}`, { token: alice.idToken });
    assert.equal(read.body.assetUrlTemplate, 'https://assets.example.com/a/{assetId}');
    assert.equal(read.body.name, 'Renamed');
    for (const assetUrlTemplate of [
      'http://assets.example.com/{assetId}',
      'https://example.com/no-placeholder',
      'not a url {assetId}',
    ]) {
      const bad = await call<ErrorReply>('PATCH', `/v1/orgs/${orgId}`, {
        token: alice.idToken,
        body: { assetUrlTemplate },
      });
      assert.equal(bad.status, 400, assetUrlTemplate);
      assert.equal(bad.body.error.details?.errors?.[0].field, 'assetUrlTemplate');
    }
    const empty = await call<ErrorReply>('PATCH', `/v1/orgs/${orgId}`, {
      token: alice.idToken,
      body: {},
    });
    assert.equal(empty.status, 400);
    const cleared = await call('PATCH', `/v1/orgs/${orgId}`, {
      token: alice.idToken,
      body: { assetUrlTemplate: null },
    });
    assert.equal(cleared.body.assetUrlTemplate, null);
  });

  it('a new organisation starts with an empty redirectAllowedHosts; admins set it, each entry checked and stored in its canonical form', async () => {
    const orgId = unique('org');
    const made = await call('POST', '/v1/orgs', {
      token: alice.idToken,
      body: { orgId, name: 'Redirects' },
    });
    assert.equal(made.status, 201);
    assert.deepEqual(made.body.redirectAllowedHosts, []);
    const doc = (await db().doc(`organizations/${orgId}`).get()).data() ?? {};
    assert.equal(doc.redirectPolicy, 'allowlist', 'marked as made after allow lists');
    assert.deepEqual(doc.redirectAllowedHosts, []);

    const set = await call('PATCH', `/v1/orgs/${orgId}`, {
      token: alice.idToken,
      body: {
        redirectAllowedHosts: [
          ' Shop.Example.COM. ',
          '*.cdn.example.net',
          'münchen.example',
          'shop.example.com',
        ],
      },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const hosts = ['shop.example.com', '*.cdn.example.net', 'xn--mnchen-3ya.example'];
    assert.deepEqual(set.body.redirectAllowedHosts, hosts, 'lowercase, punycode, no duplicates');
    const read = await call('GET', `/v1/orgs/${orgId}`, { token: alice.idToken });
    assert.deepEqual(read.body.redirectAllowedHosts, hosts);
    const listed = await call<{ organizations: Array<Record<string, unknown>> }>(
      'GET',
      '/v1/orgs',
      {
        token: alice.idToken,
      },
    );
    assert.deepEqual(
      listed.body.organizations.find((o) => o.orgId === orgId)?.redirectAllowedHosts,
      hosts,
    );

    const bad = await call<ErrorReply>('PATCH', `/v1/orgs/${orgId}`, {
      token: alice.idToken,
      body: {
        redirectAllowedHosts: [
          'ok.example.com',
          'https://example.com',
          'example.com:443',
          'example.com/path',
          '10.0.0.1',
          'localhost',
          '*.com',
          'a.*.example.com',
          'exa mple.com',
          '',
          42,
        ],
      },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      (bad.body.error.details?.errors ?? []).map((e) => e.field),
      Array.from({ length: 10 }, (_, i) => `redirectAllowedHosts[${i + 1}]`),
    );
    assert.match(bad.body.error.message, /give only the host, like "example\.com"/);
    for (const redirectAllowedHosts of ['example.com', null, { host: 'example.com' }]) {
      const notList = await call<ErrorReply>('PATCH', `/v1/orgs/${orgId}`, {
        token: alice.idToken,
        body: { redirectAllowedHosts },
      });
      assert.equal(notList.status, 400, JSON.stringify(redirectAllowedHosts));
      assert.match(notList.body.error.message, /must be a list of host names/);
    }
    const tooMany = await call<ErrorReply>('PATCH', `/v1/orgs/${orgId}`, {
      token: alice.idToken,
      body: { redirectAllowedHosts: Array.from({ length: 101 }, (_, i) => `h${i}.example.com`) },
    });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.error.message, /at most 100/);
    const after = await call('GET', `/v1/orgs/${orgId}`, { token: alice.idToken });
    assert.deepEqual(after.body.redirectAllowedHosts, hosts, 'a refused change changes nothing');
  });

  it('only admins and owners change redirectAllowedHosts', async () => {
    const orgId = await createOrg(alice);
    const admin = await newUser('admin');
    const editor = await newUser('editor');
    await addMember(orgId, alice, admin, 'admin');
    await addMember(orgId, alice, editor, 'editor');
    const byEditor = await call<ErrorReply>('PATCH', `/v1/orgs/${orgId}`, {
      token: editor.idToken,
      body: { redirectAllowedHosts: ['evil.example'] },
    });
    assert.equal(byEditor.status, 403);
    const byAdmin = await call('PATCH', `/v1/orgs/${orgId}`, {
      token: admin.idToken,
      body: { redirectAllowedHosts: ['good.example'] },
    });
    assert.equal(byAdmin.status, 200);
    assert.deepEqual(byAdmin.body.redirectAllowedHosts, ['good.example']);
  });
});

describe('path ids', () => {
  let owner: SignedIn;
  let orgId: string;

  before(async () => {
    owner = await newUser('owner');
    orgId = await createOrg(owner);
  });

  const bad: Array<[string, string]> = [
    ['dot-dot org', '/v1/orgs/%2E%2E/members'],
    ['slash in org', '/v1/orgs/a%2Fb/members'],
    ['overlong org', `/v1/orgs/${'a'.repeat(129)}`],
    ['empty org', '/v1/orgs//members'],
    ['dot-dot uid', '/v1/orgs/ORG/members/..'],
    ['slash in uid', '/v1/orgs/ORG/members/a%2Fb'],
    ['overlong location', `/v1/orgs/ORG/locations/${'x'.repeat(200)}`],
    ['dots in key id', '/v1/orgs/ORG/api-keys/a.b'],
  ];

  for (const [name, path] of bad) {
    it(`${name}: 400, also without a token (checked before any read)`, async () => {
      const method = /\/(members|api-keys|locations)\//.test(path) ? 'DELETE' : 'GET';
      const p = path.replace('ORG', orgId);
      for (const token of [owner.idToken, undefined]) {
        // Sent as written: fetch() would resolve ".." and "%2E%2E" segments before sending.
        const reply = await rawCall(method, p, token);
        assert.equal(reply.status, 400, `${p}: ${reply.text}`);
        assert.equal((JSON.parse(reply.text) as ErrorReply).error.code, 'invalid_argument');
      }
    });
  }
});

describe('members', () => {
  let owner: SignedIn;
  let orgId: string;

  beforeEach(async () => {
    owner = await newUser('owner');
    orgId = await createOrg(owner);
  });

  it('adds by uid at once (201), and lists the small member document (admin and up, as in the rules)', async () => {
    const dana = await newUser('dana');
    const reply = await call('POST', `/v1/orgs/${orgId}/members`, {
      token: owner.idToken,
      body: { uid: dana.uid, role: 'editor' },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(reply.body.uid, dana.uid);
    const list = await call<{ members: Array<Record<string, unknown>> }>(
      'GET',
      `/v1/orgs/${orgId}/members`,
      { token: owner.idToken },
    );
    const entry = list.body.members.find((m) => m.uid === dana.uid);
    assert.deepEqual(
      { role: entry?.role, email: entry?.email, addedBy: entry?.addedBy },
      { role: 'editor', email: dana.email, addedBy: owner.uid },
    );
  });

  it('by email: the same 202 invitation whether or not an account exists, and nobody is added yet', async () => {
    const dana = await newUser('dana');
    const known = await call('POST', `/v1/orgs/${orgId}/members`, {
      token: owner.idToken,
      body: { email: `  ${dana.email.toUpperCase()} `, role: 'editor' },
    });
    const ghostEmail = `${unique('ghost')}@example.com`;
    const unknown = await call('POST', `/v1/orgs/${orgId}/members`, {
      token: owner.idToken,
      body: { email: ghostEmail, role: 'editor' },
    });
    for (const [reply, email] of [
      [known, dana.email],
      [unknown, ghostEmail],
    ] as const) {
      assert.equal(reply.status, 202, JSON.stringify(reply.body));
      assert.deepEqual(Object.keys(reply.body).sort(), [
        'email',
        'expiresAt',
        'invitationId',
        'role',
        'status',
      ]);
      assert.equal(reply.body.status, 'invited');
      assert.equal(reply.body.email, email);
      assert.match(String(reply.body.invitationId), /^[A-Za-z0-9_-]{32}$/);
    }
    const member = await db().doc(`organizations/${orgId}/members/${dana.uid}`).get();
    assert.equal(member.exists, false, 'an invitation adds nobody until it is accepted');
  });

  it('404 with a clear message for an unknown uid; 409 for a member already there', async () => {
    const noUid = await call<ErrorReply>('POST', `/v1/orgs/${orgId}/members`, {
      token: owner.idToken,
      body: { uid: 'no-such-uid', role: 'viewer' },
    });
    assert.equal(noUid.status, 404);
    assert.match(noUid.body.error.message, /No user with uid .*sign in/);
    const again = await call<ErrorReply>('POST', `/v1/orgs/${orgId}/members`, {
      token: owner.idToken,
      body: { uid: owner.uid, role: 'viewer' },
    });
    assert.equal(again.status, 409);
  });

  it('refuses a bad role, both email and uid, or neither', async () => {
    for (const body of [
      { email: 'a@example.com', role: 'superuser' },
      { email: 'a@example.com', uid: 'x', role: 'viewer' },
      { role: 'viewer' },
      { email: 'not-an-email', role: 'viewer' },
    ]) {
      const reply = await call('POST', `/v1/orgs/${orgId}/members`, { token: owner.idToken, body });
      assert.equal(reply.status, 400, JSON.stringify(body));
    }
  });

  it('only an owner grants or removes owner; an admin manages up to admin', async () => {
    const admin = await newUser('admin');
    const other = await newUser('other');
    await addMember(orgId, owner, admin, 'admin');
    await addMember(orgId, owner, other, 'viewer');
    const grant = await call<ErrorReply>('PATCH', `/v1/orgs/${orgId}/members/${other.uid}`, {
      token: admin.idToken,
      body: { role: 'owner' },
    });
    assert.equal(grant.status, 403);
    const demoteOwner = await call('PATCH', `/v1/orgs/${orgId}/members/${owner.uid}`, {
      token: admin.idToken,
      body: { role: 'viewer' },
    });
    assert.equal(demoteOwner.status, 403);
    const removeOwner = await call('DELETE', `/v1/orgs/${orgId}/members/${owner.uid}`, {
      token: admin.idToken,
    });
    assert.equal(removeOwner.status, 403);
    const toAdmin = await call('PATCH', `/v1/orgs/${orgId}/members/${other.uid}`, {
      token: admin.idToken,
      body: { role: 'admin' },
    });
    assert.equal(toAdmin.status, 200);
    const byOwner = await call('PATCH', `/v1/orgs/${orgId}/members/${other.uid}`, {
      token: owner.idToken,
      body: { role: 'owner' },
    });
    assert.equal(byOwner.status, 200);
    assert.equal(byOwner.body.role, 'owner');
  });

  it('never loses its last owner (409), also under two concurrent demotions', async () => {
    const self = await call<ErrorReply>('PATCH', `/v1/orgs/${orgId}/members/${owner.uid}`, {
      token: owner.idToken,
      body: { role: 'admin' },
    });
    assert.equal(self.status, 409);
    assert.match(self.body.error.message, /last owner/);
    const leave = await call('DELETE', `/v1/orgs/${orgId}/members/${owner.uid}`, {
      token: owner.idToken,
    });
    assert.equal(leave.status, 409);

    const second = await newUser('second');
    await addMember(orgId, owner, second, 'owner');
    const [a, b] = await Promise.all([
      call('DELETE', `/v1/orgs/${orgId}/members/${second.uid}`, { token: owner.idToken }),
      call('DELETE', `/v1/orgs/${orgId}/members/${owner.uid}`, { token: second.idToken }),
    ]);
    // One removal wins. The other is refused either as the last owner (409) or, when the
    // winner's commit lands before its role check, because its caller is no longer a member
    // (403): both leave exactly one owner.
    const [won, lost] = [a.status, b.status].sort();
    assert.equal(won, 204);
    assert.ok(lost === 409 || lost === 403, String(lost));
    const owners = await db()
      .collection(`organizations/${orgId}/members`)
      .where('role', '==', 'owner')
      .get();
    assert.equal(owners.size, 1);
  });

  it('404 when changing someone who is not a member', async () => {
    const reply = await call('PATCH', `/v1/orgs/${orgId}/members/nobody`, {
      token: owner.idToken,
      body: { role: 'viewer' },
    });
    assert.equal(reply.status, 404);
  });
});

describe('API keys', () => {
  let owner: SignedIn;
  let orgId: string;

  before(async () => {
    owner = await newUser('owner');
    orgId = await createOrg(owner);
  });

  it('create answers the key once; only a hash is stored; list shows no secret', async () => {
    const created = await call('POST', `/v1/orgs/${orgId}/api-keys`, {
      token: owner.idToken,
      body: { name: 'label printer', role: 'editor' },
    });
    assert.equal(created.status, 201);
    const key = String(created.body.key);
    assert.match(key, /^qrk_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/);
    const stored = await db()
      .doc(`organizations/${orgId}/apiKeys/${String(created.body.keyId)}`)
      .get();
    assert.ok(!JSON.stringify(stored.data()).includes(key.slice(21)));
    assert.match(String(stored.get('hash')), /^[a-f0-9]{64}$/);

    const used = await call('GET', `/v1/orgs/${orgId}/locations`, { token: key });
    assert.equal(used.status, 200);
    const list = await call<{ apiKeys: Array<Record<string, unknown>> }>(
      'GET',
      `/v1/orgs/${orgId}/api-keys`,
      {
        token: owner.idToken,
      },
    );
    const entry = list.body.apiKeys.find((k) => k.keyId === created.body.keyId);
    assert.ok(entry);
    assert.deepEqual(Object.keys(entry).sort(), [
      'createdAt',
      'createdBy',
      'expiresAt',
      'keyId',
      'lastUsedAt',
      'name',
      'role',
    ]);
    assert.equal(entry.createdBy, owner.uid);
    assert.ok(entry.lastUsedAt, 'lastUsedAt is set after a use');
    assert.ok(!JSON.stringify(list.body).includes(key));
  });

  it('revoked: the next call is 401', async () => {
    const created = await call('POST', `/v1/orgs/${orgId}/api-keys`, {
      token: owner.idToken,
      body: { name: 'temp', role: 'viewer' },
    });
    const key = String(created.body.key);
    assert.equal((await call('GET', `/v1/orgs/${orgId}`, { token: key })).status, 200);
    const revoked = await call(
      'DELETE',
      `/v1/orgs/${orgId}/api-keys/${String(created.body.keyId)}`,
      { token: owner.idToken },
    );
    assert.equal(revoked.status, 204);
    assert.equal((await call('GET', `/v1/orgs/${orgId}`, { token: key })).status, 401);
    assert.equal(
      (
        await call('DELETE', `/v1/orgs/${orgId}/api-keys/${String(created.body.keyId)}`, {
          token: owner.idToken,
        })
      ).status,
      404,
    );
  });

  it('a tampered key, or a key with a valid id and a wrong secret, is 401', async () => {
    const created = await call('POST', `/v1/orgs/${orgId}/api-keys`, {
      token: owner.idToken,
      body: { name: 'x', role: 'viewer' },
    });
    const key = String(created.body.key);
    const wrongSecret = key.slice(0, -3) + (key.endsWith('AAA') ? 'BBB' : 'AAA');
    assert.equal((await call('GET', `/v1/orgs/${orgId}`, { token: wrongSecret })).status, 401);
    assert.equal((await call('GET', `/v1/orgs/${orgId}`, { token: 'qrk_short' })).status, 401);
  });

  it('roles: never owner, at most the caller’s own', async () => {
    const owned = await call('POST', `/v1/orgs/${orgId}/api-keys`, {
      token: owner.idToken,
      body: { name: 'x', role: 'owner' },
    });
    assert.equal(owned.status, 400);
    const admin = await newUser('admin');
    await addMember(orgId, owner, admin, 'admin');
    const asAdmin = await call('POST', `/v1/orgs/${orgId}/api-keys`, {
      token: admin.idToken,
      body: { name: 'x', role: 'admin' },
    });
    assert.equal(asAdmin.status, 201);
    assert.equal(asAdmin.body.createdBy, admin.uid);
    const adminKey = String(asAdmin.body.key);
    // A key makes no keys: a key that could would outlive the person who made the first.
    const byKey = await call<ErrorReply>('POST', `/v1/orgs/${orgId}/api-keys`, {
      token: adminKey,
      body: { name: 'child', role: 'editor' },
    });
    assert.equal(byKey.status, 403);
    assert.equal(byKey.body.error.code, 'key_not_allowed');
  });
});
