// Who may call what: every route of the organisations API against no token, bad tokens, each
// role, a member of another organisation and API keys, through the local stack with real tokens.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { allows, ROLES, type Permission, type Role } from '../src/domain/roles';
import {
  addMember,
  call,
  callPatiently,
  createOrg,
  newAddress,
  newUser,
  signInAgain,
  type Reply,
  unique,
  updateAuthUser,
  withClaims,
  withEmailVerified,
} from './support/api';

interface Ctx {
  orgId: string;
  owner: SignedIn;
}

interface RouteCase {
  name: string;
  /** null: any signed-in user, in no organisation. */
  permission: Permission | null;
  success: number;
  /** false: a route about who may act, refused to every API key (403 key_not_allowed). */
  apiKeys?: false;
  /** Builds a fresh request (its own target), so every call can succeed on its own. */
  make(ctx: Ctx): Promise<{ method: string; path: string; body?: unknown }>;
}

async function ownerCall(ctx: Ctx, method: string, path: string, body?: unknown): Promise<Reply> {
  // The owner sets up every case of the matrix, several hundred requests: past its per-caller
  // burst it is told to wait, and does, as a well-behaved client would (Retry-After).
  const reply = await callPatiently(method, path, { token: ctx.owner.idToken, body });
  assert.ok(
    reply.status < 300,
    `setup ${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`,
  );
  return reply;
}

const routes: RouteCase[] = [
  {
    name: 'POST /v1/orgs',
    permission: null,
    success: 201,
    make: async () => ({ method: 'POST', path: '/v1/orgs', body: { name: 'Another org' } }),
  },
  {
    name: 'GET /v1/orgs',
    permission: null,
    success: 200,
    make: async () => ({ method: 'GET', path: '/v1/orgs' }),
  },
  {
    name: 'GET /v1/orgs/{orgId}',
    permission: 'read',
    success: 200,
    make: async (ctx) => ({ method: 'GET', path: `/v1/orgs/${ctx.orgId}` }),
  },
  {
    name: 'PATCH /v1/orgs/{orgId}',
    permission: 'manage',
    success: 200,
    make: async (ctx) => ({
      method: 'PATCH',
      path: `/v1/orgs/${ctx.orgId}`,
      body: { name: 'Renamed' },
    }),
  },
  {
    name: 'GET members',
    permission: 'manage',
    apiKeys: false,
    success: 200,
    make: async (ctx) => ({ method: 'GET', path: `/v1/orgs/${ctx.orgId}/members` }),
  },
  {
    name: 'POST members (by uid)',
    permission: 'manage',
    apiKeys: false,
    success: 201,
    make: async (ctx) => {
      const user = await newUser('newcomer');
      return {
        method: 'POST',
        path: `/v1/orgs/${ctx.orgId}/members`,
        body: { uid: user.uid, role: 'viewer' },
      };
    },
  },
  {
    name: 'POST members (by email: an invitation)',
    permission: 'manage',
    apiKeys: false,
    success: 202,
    make: async (ctx) => ({
      method: 'POST',
      path: `/v1/orgs/${ctx.orgId}/members`,
      body: { email: `${unique('invitee')}@example.com`, role: 'viewer' },
    }),
  },
  {
    name: 'GET invitations',
    permission: 'manage',
    apiKeys: false,
    success: 200,
    make: async (ctx) => ({ method: 'GET', path: `/v1/orgs/${ctx.orgId}/invitations` }),
  },
  {
    name: 'DELETE invitations/{invitationId}',
    permission: 'manage',
    apiKeys: false,
    success: 204,
    make: async (ctx) => {
      const sent = await ownerCall(ctx, 'POST', `/v1/orgs/${ctx.orgId}/members`, {
        email: `${unique('withdrawn')}@example.com`,
        role: 'viewer',
      });
      return {
        method: 'DELETE',
        path: `/v1/orgs/${ctx.orgId}/invitations/${String(sent.body.invitationId)}`,
      };
    },
  },
  {
    name: 'GET /v1/invitations',
    permission: null,
    success: 200,
    make: async () => ({ method: 'GET', path: '/v1/invitations' }),
  },
  {
    name: 'PATCH members/{uid}',
    permission: 'manage',
    apiKeys: false,
    success: 200,
    make: async (ctx) => {
      const user = await newUser('target');
      await addMember(ctx.orgId, ctx.owner, user, 'viewer');
      return {
        method: 'PATCH',
        path: `/v1/orgs/${ctx.orgId}/members/${user.uid}`,
        body: { role: 'analyst' },
      };
    },
  },
  {
    name: 'DELETE members/{uid}',
    permission: 'manage',
    apiKeys: false,
    success: 204,
    make: async (ctx) => {
      const user = await newUser('leaver');
      await addMember(ctx.orgId, ctx.owner, user, 'viewer');
      return { method: 'DELETE', path: `/v1/orgs/${ctx.orgId}/members/${user.uid}` };
    },
  },
  {
    name: 'POST api-keys',
    permission: 'manage',
    apiKeys: false,
    success: 201,
    make: async (ctx) => ({
      method: 'POST',
      path: `/v1/orgs/${ctx.orgId}/api-keys`,
      body: { name: 'ci', role: 'viewer' },
    }),
  },
  {
    name: 'GET api-keys',
    permission: 'manage',
    apiKeys: false,
    success: 200,
    make: async (ctx) => ({ method: 'GET', path: `/v1/orgs/${ctx.orgId}/api-keys` }),
  },
  {
    name: 'DELETE api-keys/{keyId}',
    permission: 'manage',
    apiKeys: false,
    success: 204,
    make: async (ctx) => {
      const key = await ownerCall(ctx, 'POST', `/v1/orgs/${ctx.orgId}/api-keys`, {
        name: 'old',
        role: 'viewer',
      });
      return { method: 'DELETE', path: `/v1/orgs/${ctx.orgId}/api-keys/${String(key.body.keyId)}` };
    },
  },
  {
    name: 'GET locations',
    permission: 'read',
    success: 200,
    make: async (ctx) => ({ method: 'GET', path: `/v1/orgs/${ctx.orgId}/locations` }),
  },
  {
    name: 'POST locations',
    permission: 'manage',
    success: 201,
    make: async (ctx) => ({
      method: 'POST',
      path: `/v1/orgs/${ctx.orgId}/locations`,
      body: { name: unique('Shelf') },
    }),
  },
  {
    name: 'PATCH locations/{locationId}',
    permission: 'manage',
    success: 200,
    make: async (ctx) => {
      const loc = await ownerCall(ctx, 'POST', `/v1/orgs/${ctx.orgId}/locations`, {
        name: unique('Bin'),
      });
      return {
        method: 'PATCH',
        path: `/v1/orgs/${ctx.orgId}/locations/${String(loc.body.locationId)}`,
        body: { description: 'top shelf' },
      };
    },
  },
  {
    name: 'DELETE locations/{locationId}',
    permission: 'manage',
    success: 200,
    make: async (ctx) => {
      const loc = await ownerCall(ctx, 'POST', `/v1/orgs/${ctx.orgId}/locations`, {
        name: unique('Box'),
      });
      return {
        method: 'DELETE',
        path: `/v1/orgs/${ctx.orgId}/locations/${String(loc.body.locationId)}`,
      };
    },
  },
];

describe('organisations API: who may call what', function () {
  this.timeout(120_000);
  const ctx = {} as Ctx;
  const members = {} as Record<Role, SignedIn>;
  let outsider: SignedIn;
  const keys = {} as Record<Exclude<Role, 'owner'>, string>;
  let foreignKey: string;

  before(async () => {
    // Verified emails: GET /v1/invitations answers only a verified address.
    ctx.owner = await withEmailVerified(await newUser('owner'));
    ctx.orgId = await createOrg(ctx.owner);
    members.owner = ctx.owner;
    for (const role of ROLES.filter((r) => r !== 'owner')) {
      members[role] = await withEmailVerified(await newUser(role));
      await addMember(ctx.orgId, ctx.owner, members[role], role);
      const key = await ownerCall(ctx, 'POST', `/v1/orgs/${ctx.orgId}/api-keys`, {
        name: `${role} key`,
        role,
      });
      keys[role as Exclude<Role, 'owner'>] = String(key.body.key);
    }
    outsider = await newUser('outsider');
    const otherOrg = await createOrg(outsider);
    const other = await call('POST', `/v1/orgs/${otherOrg}/api-keys`, {
      token: outsider.idToken,
      body: { name: 'foreign', role: 'admin' },
    });
    foreignKey = String(other.body.key);
  });

  async function attempt(
    route: RouteCase,
    token: string | undefined,
    headers?: Record<string, string>,
  ): Promise<Reply> {
    const req = await route.make(ctx);
    // The owner is also a caller under test here: the matrix is about who may call, so a 429
    // from its per-caller budget is waited out rather than taken for an answer.
    return callPatiently(req.method, req.path, { token, body: req.body, headers });
  }

  function expectError(reply: Reply, status: number, code: string): void {
    assert.equal(reply.status, status, JSON.stringify(reply.body));
    assert.equal((reply.body.error as { code: string }).code, code);
  }

  for (const route of routes) {
    describe(route.name, () => {
      it('no token, a garbage token, a foreign-project, an expired token and a disabled user: 401', async () => {
        expectError(await attempt(route, undefined), 401, 'unauthenticated');
        expectError(await attempt(route, 'garbage'), 401, 'unauthenticated');
        const valid = members.viewer.idToken;
        const foreign = withClaims(valid, {
          aud: 'some-other-project',
          iss: 'https://securetoken.google.com/some-other-project',
        });
        expectError(await attempt(route, foreign), 401, 'unauthenticated');
        const hourAgo = Math.floor(Date.now() / 1000) - 7200;
        const expired = withClaims(valid, {
          iat: hourAgo,
          exp: hourAgo + 3600,
          auth_time: hourAgo,
        });
        expectError(await attempt(route, expired), 401, 'unauthenticated');
        const disabled = await newUser('disabled');
        await addMember(ctx.orgId, ctx.owner, disabled, 'owner');
        await updateAuthUser(disabled.uid, { disableUser: true });
        expectError(await attempt(route, disabled.idToken), 401, 'unauthenticated');
      });

      for (const role of ROLES) {
        const allowed = route.permission === null || allows(role, route.permission);
        it(`${role}: ${allowed ? route.success : 403}`, async () => {
          const reply = await attempt(route, members[role].idToken);
          if (allowed) assert.equal(reply.status, route.success, JSON.stringify(reply.body));
          else expectError(reply, 403, 'permission_denied');
        });
      }

      if (route.permission !== null) {
        it('a member of another organisation: 403, the same as for an organisation that does not exist', async () => {
          const reply = await attempt(route, outsider.idToken);
          expectError(reply, 403, 'permission_denied');
          const req = await route.make(ctx);
          const ghostPath = req.path.replace(ctx.orgId, unique('nothing-here'));
          const ghost = await call(req.method, ghostPath, {
            token: outsider.idToken,
            body: req.body,
          });
          expectError(ghost, 403, 'permission_denied');
          assert.deepEqual(ghost.body, reply.body);
        });

        for (const role of ['admin', 'editor', 'viewer'] as const) {
          const permission = route.permission;
          if (route.apiKeys === false) {
            it(`an API key with role ${role}: 403 key_not_allowed (people only)`, async () => {
              expectError(await attempt(route, keys[role]), 403, 'key_not_allowed');
            });
            continue;
          }
          const allowed = allows(role, permission);
          it(`an API key with role ${role}: ${allowed ? route.success : 403}`, async () => {
            const reply = await attempt(route, keys[role]);
            if (allowed) assert.equal(reply.status, route.success, JSON.stringify(reply.body));
            else expectError(reply, 403, 'permission_denied');
          });
        }

        it("another organisation's API key: 401", async () => {
          // From an address of its own: failed key sign-ins are limited per address.
          const headers = { 'x-forwarded-for': newAddress() };
          expectError(await attempt(route, foreignKey, headers), 401, 'unauthenticated');
        });
      } else {
        it('an API key: 403 (keys act only inside their organisation)', async () => {
          expectError(await attempt(route, keys.admin), 403, 'permission_denied');
        });
      }
    });
  }

  it('a fresh token of a re-enabled user works again', async () => {
    const user = await newUser('comeback');
    await addMember(ctx.orgId, ctx.owner, user, 'viewer');
    await updateAuthUser(user.uid, { disableUser: true });
    await updateAuthUser(user.uid, { disableUser: false });
    const again = await signInAgain(user.email);
    const reply = await call('GET', `/v1/orgs/${ctx.orgId}`, { token: again.idToken });
    assert.equal(reply.status, 200);
  });
});
