// Pure rules of access: roles, path ids, API key format and hashing, organisation fields.
import { strict as assert } from 'node:assert';
import { apiKeyId, apiKeyMatches, generateApiKey, hashApiKey } from '../src/domain/apiKeys';
import { idProblem, isValidId } from '../src/domain/ids';
import {
  assetUrlTemplateProblem,
  organizationTimeZone,
  validateNewOrganization,
} from '../src/domain/organization';
import { allows, mayAssignRole, roleChangeProblem, ROLES } from '../src/domain/roles';

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
