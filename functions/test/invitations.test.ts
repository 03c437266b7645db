// Members added by email: an invitation that only the owner of the verified address can accept,
// through the local stack with real ID tokens (emailVerified set explicitly on each user).
import { strict as assert } from 'node:assert';
import { Timestamp } from 'firebase-admin/firestore';
import type { SignedIn } from 'emulator';
import { db } from '../src/data/firebase';
import {
  addMember,
  call,
  createOrg,
  newUser,
  rawCall,
  signInAgain,
  unique,
  withEmailVerified,
  type Reply,
} from './support/api';

type ErrorReply = { error: { code: string; message: string; details?: { reason?: string } } };
type Sent = {
  invitationId: string;
  status: string;
  email: string;
  role: string;
  expiresAt: string;
};
type Listed = {
  invitationId: string;
  orgId: string;
  organizationName?: string;
  email: string;
  role: string;
  status: string;
  invitedBy: string | null;
  expiresAt: string;
};

const verifiedUser = async (label: string) => withEmailVerified(await newUser(label), true);

describe('invitations', function () {
  this.timeout(60_000);
  let owner: SignedIn;
  let orgId: string;

  beforeEach(async () => {
    owner = await verifiedUser('owner');
    orgId = await createOrg(owner, 'Invite org');
  });

  async function invite(
    email: string,
    role = 'editor',
    by: SignedIn = owner,
  ): Promise<Reply<Sent>> {
    const reply = await call<Sent>('POST', `/v1/orgs/${orgId}/members`, {
      token: by.idToken,
      body: { email, role },
    });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    return reply;
  }

  const accept = (invitationId: string, user: SignedIn) =>
    call<ErrorReply & Record<string, unknown>>('POST', `/v1/invitations/${invitationId}/accept`, {
      token: user.idToken,
    });

  function expectError(
    reply: Reply<ErrorReply>,
    status: number,
    code: string,
    reason?: string,
  ): void {
    assert.equal(reply.status, status, JSON.stringify(reply.body));
    assert.equal(reply.body.error.code, code);
    if (reason) assert.equal(reply.body.error.details?.reason, reason);
  }

  const memberDoc = (uid: string) => db().doc(`organizations/${orgId}/members/${uid}`).get();
  const invitationDoc = (id: string) => db().doc(`organizations/${orgId}/invitations/${id}`).get();

  it('the verified invitee sees it in GET /v1/invitations and accepts: 201 with the membership, added by the inviter', async () => {
    const erin = await verifiedUser('erin');
    const sent = await invite(` ${erin.email.toUpperCase()}`, 'analyst');
    const stored = await invitationDoc(sent.body.invitationId);
    assert.equal(stored.get('email'), erin.email, 'stored trimmed and in lower case');
    assert.equal(stored.get('status'), 'pending');

    const mine = await call<{ invitations: Listed[] }>('GET', '/v1/invitations', {
      token: erin.idToken,
    });
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    const listed = mine.body.invitations.find((i) => i.invitationId === sent.body.invitationId);
    assert.ok(listed, JSON.stringify(mine.body));
    assert.deepEqual(
      [listed.orgId, listed.organizationName, listed.role, listed.status, listed.invitedBy],
      [orgId, 'Invite org', 'analyst', 'pending', owner.uid],
    );

    const accepted = await accept(sent.body.invitationId, erin);
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    assert.deepEqual(
      [accepted.body.orgId, accepted.body.uid, accepted.body.role, accepted.body.email],
      [orgId, erin.uid, 'analyst', erin.email],
    );
    assert.equal(accepted.body.addedBy, owner.uid);
    const member = await memberDoc(erin.uid);
    assert.deepEqual(
      [member.get('role'), member.get('addedBy'), member.get('email')],
      ['analyst', owner.uid, erin.email],
    );
    const after = await invitationDoc(sent.body.invitationId);
    assert.deepEqual([after.get('status'), after.get('acceptedBy')], ['accepted', erin.uid]);
    const read = await call('GET', `/v1/orgs/${orgId}`, { token: erin.idToken });
    assert.equal(read.body.role, 'analyst');

    expectError(await accept(sent.body.invitationId, erin), 410, 'gone', 'accepted');
    const none = await call<{ invitations: Listed[] }>('GET', '/v1/invitations', {
      token: erin.idToken,
    });
    assert.ok(!none.body.invitations.some((i) => i.invitationId === sent.body.invitationId));
  });

  it('whoever registered the address first without verifying it cannot see or accept it (403), nor can another account', async () => {
    const victimEmail = `${unique('victim')}@example.com`;
    // The squatter signs up with the address first; it is not theirs, so it stays unverified.
    const squatter = await withEmailVerified(await signInAgain(victimEmail), false);
    const sent = await invite(victimEmail, 'admin');
    const listed = await call<ErrorReply>('GET', '/v1/invitations', {
      token: squatter.idToken,
    });
    expectError(listed, 403, 'permission_denied', 'email_not_verified');
    expectError(
      await accept(sent.body.invitationId, squatter),
      403,
      'permission_denied',
      'email_not_verified',
    );
    const other = await verifiedUser('other');
    expectError(
      await accept(sent.body.invitationId, other),
      403,
      'permission_denied',
      'other_email',
    );
    assert.equal((await memberDoc(squatter.uid)).exists, false);
    assert.equal((await memberDoc(other.uid)).exists, false);

    // Once the real owner of the address has verified it, it works.
    const verified = await withEmailVerified(squatter, true);
    const ok = await accept(sent.body.invitationId, verified);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
  });

  it('410 once expired or withdrawn; an admin lists them with their state', async () => {
    const fay = await verifiedUser('fay');
    const expiring = await invite(fay.email, 'viewer');
    await db()
      .doc(`organizations/${orgId}/invitations/${expiring.body.invitationId}`)
      .update({ expiresAt: Timestamp.fromMillis(Date.now() - 60_000) });
    expectError(await accept(expiring.body.invitationId, fay), 410, 'gone', 'expired');
    const mine = await call<{ invitations: Listed[] }>('GET', '/v1/invitations', {
      token: fay.idToken,
    });
    assert.ok(!mine.body.invitations.some((i) => i.invitationId === expiring.body.invitationId));

    const gus = await verifiedUser('gus');
    const withdrawn = await invite(gus.email, 'viewer');
    const del = await call(
      'DELETE',
      `/v1/orgs/${orgId}/invitations/${withdrawn.body.invitationId}`,
      {
        token: owner.idToken,
      },
    );
    assert.equal(del.status, 204);
    expectError(await accept(withdrawn.body.invitationId, gus), 410, 'gone', 'revoked');
    const again = await call(
      'DELETE',
      `/v1/orgs/${orgId}/invitations/${withdrawn.body.invitationId}`,
      { token: owner.idToken },
    );
    assert.equal(again.status, 204, 'withdrawing twice is harmless');
    const unknown = await call<ErrorReply>('DELETE', `/v1/orgs/${orgId}/invitations/nope`, {
      token: owner.idToken,
    });
    expectError(unknown, 404, 'not_found');

    const list = await call<{ invitations: Listed[] }>('GET', `/v1/orgs/${orgId}/invitations`, {
      token: owner.idToken,
    });
    assert.equal(list.status, 200);
    const states = Object.fromEntries(list.body.invitations.map((i) => [i.invitationId, i.status]));
    assert.equal(states[expiring.body.invitationId], 'expired');
    assert.equal(states[withdrawn.body.invitationId], 'revoked');
    assert.equal((await memberDoc(fay.uid)).exists, false);
    assert.equal((await memberDoc(gus.uid)).exists, false);
  });

  it('re-inviting a pending address refreshes the same invitation: its id, the new role, a new expiry', async () => {
    const email = `${unique('again')}@example.com`;
    const first = await invite(email, 'viewer');
    await db()
      .doc(`organizations/${orgId}/invitations/${first.body.invitationId}`)
      .update({ expiresAt: Timestamp.fromMillis(Date.now() + 3_600_000) });
    const second = await invite(email, 'editor');
    assert.equal(second.body.invitationId, first.body.invitationId);
    assert.equal(second.body.role, 'editor');
    const stored = await invitationDoc(first.body.invitationId);
    assert.equal(stored.get('role'), 'editor');
    assert.ok(
      (stored.get('expiresAt') as Timestamp).toMillis() > Date.now() + 86_400_000,
      'the expiry was pushed out again',
    );
    const all = await db()
      .collection(`organizations/${orgId}/invitations`)
      .where('email', '==', email)
      .get();
    assert.equal(all.size, 1);
  });

  it('an existing member accepting: 409 already_member, and their role stays', async () => {
    const hal = await verifiedUser('hal');
    await addMember(orgId, owner, hal, 'viewer');
    const sent = await invite(hal.email, 'admin');
    expectError(await accept(sent.body.invitationId, hal), 409, 'conflict', 'already_member');
    assert.equal((await memberDoc(hal.uid)).get('role'), 'viewer');
  });

  it('roles: an admin invites up to admin and may not withdraw an owner invitation', async () => {
    const admin = await verifiedUser('admin');
    await addMember(orgId, owner, admin, 'admin');
    const asOwner = await call<ErrorReply>('POST', `/v1/orgs/${orgId}/members`, {
      token: admin.idToken,
      body: { email: `${unique('boss')}@example.com`, role: 'owner' },
    });
    expectError(asOwner, 403, 'permission_denied');
    await invite(`${unique('peer')}@example.com`, 'admin', admin);
    const coowner = `${unique('coowner')}@example.com`;
    const ownerInvite = await invite(coowner, 'owner');
    const downgrade = await call<ErrorReply>('POST', `/v1/orgs/${orgId}/members`, {
      token: admin.idToken,
      body: { email: coowner, role: 'viewer' },
    });
    expectError(downgrade, 403, 'permission_denied');
    assert.equal((await invitationDoc(ownerInvite.body.invitationId)).get('role'), 'owner');
    const withdraw = await call<ErrorReply>(
      'DELETE',
      `/v1/orgs/${orgId}/invitations/${ownerInvite.body.invitationId}`,
      { token: admin.idToken },
    );
    expectError(withdraw, 403, 'permission_denied');
  });

  it('removing or demoting the inviter withdraws their pending invitations that they could no longer send', async () => {
    const admin = await verifiedUser('admin');
    await addMember(orgId, owner, admin, 'admin');
    const ida = await verifiedUser('ida');
    const jon = await verifiedUser('jon');
    const asAdmin = await invite(ida.email, 'admin', admin);
    const asViewer = await invite(jon.email, 'viewer', admin);
    const demote = await call('PATCH', `/v1/orgs/${orgId}/members/${admin.uid}`, {
      token: owner.idToken,
      body: { role: 'editor' },
    });
    assert.equal(demote.status, 200);
    expectError(await accept(asAdmin.body.invitationId, ida), 410, 'gone', 'revoked');
    assert.equal((await invitationDoc(asViewer.body.invitationId)).get('status'), 'pending');

    const remove = await call('DELETE', `/v1/orgs/${orgId}/members/${admin.uid}`, {
      token: owner.idToken,
    });
    assert.equal(remove.status, 204);
    expectError(await accept(asViewer.body.invitationId, jon), 410, 'gone', 'revoked');
    assert.equal((await memberDoc(ida.uid)).exists, false);
    assert.equal((await memberDoc(jon.uid)).exists, false);
  });

  it('an unknown id is 404, a malformed one 400 before any read; API keys may not list or accept', async () => {
    const kim = await verifiedUser('kim');
    expectError(await accept('x'.repeat(32), kim), 404, 'not_found');
    const bad = await rawCall('POST', '/v1/invitations/a.b/accept', kim.idToken);
    assert.equal(bad.status, 400, bad.text);
    const key = await call('POST', `/v1/orgs/${orgId}/api-keys`, {
      token: owner.idToken,
      body: { name: 'script', role: 'admin' },
    });
    const byKey = await call<ErrorReply>('GET', '/v1/invitations', { token: String(key.body.key) });
    expectError(byKey, 403, 'permission_denied');
    const sent = await invite(kim.email);
    const acceptByKey = await call<ErrorReply>(
      'POST',
      `/v1/invitations/${sent.body.invitationId}/accept`,
      { token: String(key.body.key) },
    );
    expectError(acceptByKey, 403, 'permission_denied');
    const noToken = await call<ErrorReply>(
      'POST',
      `/v1/invitations/${sent.body.invitationId}/accept`,
    );
    expectError(noToken, 401, 'unauthenticated');
  });
});
