// Pure rules of access: roles, path ids, API key format and hashing, organisation fields.
import { strict as assert } from 'node:assert';
import {
  apiKeyId,
  apiKeyMatches,
  generateApiKey,
  hashApiKey,
  validateNewApiKey,
} from '../src/domain/apiKeys';
import {
  acceptProblem,
  invitationState,
  newInvitationId,
  normalizeEmail,
} from '../src/domain/invitations';
import { RateLimiter } from '../src/domain/rateLimit';
import { idProblem, isValidId } from '../src/domain/ids';
import {
  assetUrlTemplateProblem,
  organizationTimeZone,
  validateNewOrganization,
} from '../src/domain/organization';
import {
  allows,
  mayAssignRole,
  outlivesMaker,
  roleChangeProblem,
  ROLES,
} from '../src/domain/roles';

describe('roles', () => {
  it('rank owner > admin > editor > analyst > viewer for every permission', () => {
    const table = ROLES.map((role) => [
      role,
      allows(role, 'read'),
      allows(role, 'readAnalytics'),
      allows(role, 'write'),
      allows(role, 'manage'),
    ]);
    assert.deepEqual(table, [
      ['owner', true, true, true, true],
      ['admin', true, true, true, true],
      ['editor', true, true, true, false],
      ['analyst', true, true, false, false],
      ['viewer', true, false, false, false],
    ]);
  });

  it('only an owner grants owner; others grant up to their own role', () => {
    assert.equal(mayAssignRole('owner', 'owner'), true);
    assert.equal(mayAssignRole('admin', 'owner'), false);
    assert.equal(mayAssignRole('admin', 'admin'), true);
    assert.equal(mayAssignRole('editor', 'admin'), false);
  });

  it('the last owner can be neither demoted nor removed; a second one can', () => {
    assert.equal(roleChangeProblem('owner', 'owner', 'admin', 1)?.code, 'conflict');
    assert.equal(roleChangeProblem('owner', 'owner', null, 1)?.code, 'conflict');
    assert.equal(roleChangeProblem('owner', 'owner', null, 2), undefined);
    assert.equal(roleChangeProblem('admin', 'owner', null, 2)?.code, 'permission_denied');
    assert.equal(roleChangeProblem('owner', 'owner', 'owner', 1), undefined);
  });
});

describe('path ids', () => {
  it('accept letters, digits, _ and - up to 128', () => {
    for (const id of ['a', 'CAMERA_a1b2c3d4', 'x-y_z', 'a'.repeat(128)])
      assert.ok(isValidId(id), id);
  });
  it('refuse what could leave its path segment', () => {
    for (const id of ['', '.', '..', 'a/b', 'a\\b', 'a.b', 'a b', 'ä', 'a'.repeat(129), '%2e']) {
      assert.ok(!isValidId(id), id);
      assert.ok(idProblem(id), id);
    }
  });
});

describe('API keys', () => {
  it('look like qrk_<16 hex>_<43 base64url> and are different every time', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    assert.match(a.key, /^qrk_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.key, b.key);
    assert.equal(apiKeyId(a.key), a.keyId);
    assert.equal(a.hash, hashApiKey(a.key));
  });
  it('match only their own hash', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    assert.ok(apiKeyMatches(a.key, a.hash));
    assert.ok(!apiKeyMatches(b.key, a.hash));
    assert.ok(!apiKeyMatches(a.key, 'not-hex'));
    assert.equal(apiKeyId('qrk_nothex_x'), undefined);
  });
});

describe('organisation fields', () => {
  it('time zones: IANA names, canonical case; no offsets or made-up zones', () => {
    assert.equal(organizationTimeZone('europe/berlin'), 'Europe/Berlin');
    assert.equal(organizationTimeZone('UTC'), 'UTC');
    for (const zone of ['+01:00', 'Mars/Olympus', '', 'GMT+25'])
      assert.equal(organizationTimeZone(zone), undefined, zone);
  });
  it('assetUrlTemplate: https with {assetId}', () => {
    assert.equal(assetUrlTemplateProblem('https://a.example/x/{assetId}?v=1'), undefined);
    assert.match(assetUrlTemplateProblem('https://a.example/x') ?? '', /\{assetId\}/);
    assert.match(assetUrlTemplateProblem('http://a.example/{assetId}') ?? '', /https/);
    assert.match(assetUrlTemplateProblem('https://u:p@a.example/{assetId}') ?? '', /password/);
  });
  it('a new organisation needs a name and reports every bad field', () => {
    const result = validateNewOrganization({ orgId: 'a/b', timeZone: 'nowhere' });
    assert.equal(result.ok, false);
    if (!result.ok)
      assert.deepEqual(result.errors.map((e) => e.field).sort(), ['name', 'orgId', 'timeZone']);
  });
});

describe('what outlives its maker', () => {
  it('a key or invitation goes when its maker is removed or can no longer grant its role', () => {
    assert.equal(outlivesMaker('viewer', null), true);
    assert.equal(outlivesMaker('admin', 'editor'), true);
    assert.equal(outlivesMaker('editor', 'editor'), false);
    assert.equal(outlivesMaker('analyst', 'editor'), false);
    assert.equal(outlivesMaker('owner', 'admin'), true);
    assert.equal(outlivesMaker('admin', 'owner'), false);
  });
});

describe('API key expiry', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const expiry = (expiresAt: unknown) =>
    validateNewApiKey({ name: 'k', role: 'viewer', expiresAt }, now, 365);

  it('defaults to the TTL, takes a time with its offset up to it, refuses the rest', () => {
    const absent = validateNewApiKey({ name: 'k', role: 'viewer' }, now, 365);
    assert.ok(absent.ok);
    assert.equal(absent.value.expiresAt.toISOString(), '2027-12-01T00:00:00.000Z');
    const chosen = expiry('2027-03-01T12:00:00+01:00');
    assert.ok(chosen.ok);
    assert.equal(chosen.value.expiresAt.toISOString(), '2027-03-01T11:00:00.000Z');
    const edge = expiry('2027-12-01T00:00:00Z');
    assert.ok(edge.ok, 'exactly the TTL is allowed');
    for (const bad of ['2027-12-01T00:00:01Z', '2026-11-30T23:59:59Z', '2026-12-01T00:00:00Z']) {
      assert.equal(expiry(bad).ok, false, bad);
    }
    for (const bad of ['2027-03-01', '2027-03-01T12:00', 'soon', null, 1_800_000_000]) {
      const r = expiry(bad);
      assert.ok(!r.ok && r.errors[0].field === 'expiresAt', String(bad));
    }
  });
});

describe('invitations', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  it('ids are 32 url-safe characters, different each time; emails compare trimmed, lower case', () => {
    const ids = new Set(Array.from({ length: 100 }, newInvitationId));
    assert.equal(ids.size, 100);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(normalizeEmail('  Bob@Example.COM '), 'bob@example.com');
  });

  it('a pending invitation past its expiry reads as expired', () => {
    assert.equal(invitationState('pending', new Date(now.getTime() - 1), now), 'expired');
    assert.equal(invitationState('pending', new Date(now.getTime() + 1), now), 'pending');
    assert.equal(invitationState('revoked', new Date(now.getTime() - 1), now), 'revoked');
  });

  it('only the verified invitee accepts, and the email is checked before the state', () => {
    const inv = (state: 'pending' | 'expired' | 'revoked' | 'accepted') => ({
      email: 'bob@example.com',
      state,
    });
    const bob = { email: 'Bob@example.com', emailVerified: true };
    assert.equal(acceptProblem(inv('pending'), bob), undefined);
    assert.equal(
      acceptProblem(inv('expired'), { ...bob, email: 'eve@example.com' })?.reason,
      'other_email',
    );
    assert.equal(
      acceptProblem(inv('pending'), { email: null, emailVerified: false })?.reason,
      'other_email',
    );
    assert.equal(
      acceptProblem(inv('pending'), { ...bob, emailVerified: false })?.reason,
      'email_not_verified',
    );
    assert.deepEqual(
      (['expired', 'revoked', 'accepted'] as const).map((s) => {
        const p = acceptProblem(inv(s), bob);
        return [p?.code, p?.reason];
      }),
      [
        ['gone', 'expired'],
        ['gone', 'revoked'],
        ['gone', 'accepted'],
      ],
    );
  });
});

describe('rate limiter: peek', () => {
  it('peek reports without spending; take spends', () => {
    const limiter = new RateLimiter(60, 2); // a bucket of 2
    const t = 1_000_000;
    for (let i = 0; i < 5; i++) assert.equal(limiter.peek('a', t).allowed, true);
    limiter.take('a', t);
    limiter.take('a', t);
    assert.equal(limiter.peek('a', t).allowed, false);
    assert.equal(limiter.peek('a', t + 1000).allowed, true, 'refilled one a second');
  });
});
