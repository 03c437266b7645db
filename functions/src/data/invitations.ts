// Invitation documents: organizations/{orgId}/invitations/{invitationId}. An admin invites an
// email; the person who signs in with that email, verified, accepts and becomes a member.
import {
  Timestamp,
  type DocumentReference,
  type DocumentSnapshot,
  type Transaction,
} from 'firebase-admin/firestore';
import { AppError, conflict } from '../domain/errors';
import {
  acceptProblem,
  invitationState,
  newInvitationId,
  type InvitationState,
  type InvitationStatus,
  type Invitee,
} from '../domain/invitations';
import { isRole, outlivesMaker, type Role } from '../domain/roles';
import { invitationAccepted, invitationCreated, invitationRevoked } from '../logs';
import { db } from './firebase';
import { INVITATIONS, ORGS, invitationsRef, memberRef } from './paths';
import { forgetRole } from './roleCache';
import { iso } from './timestamps';
import type { Member } from './members';

const DAY_MS = 86_400_000;

export interface Invitation {
  invitationId: string;
  orgId: string;
  email: string;
  role: Role;
  status: InvitationState;
  invitedBy: string | null;
  createdAt: string | null;
  expiresAt: string | null;
  acceptedAt: string | null;
  acceptedBy: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

/** The reply of `POST .../members` with an email. */
export interface InvitationSent {
  invitationId: string;
  status: 'invited';
  email: string;
  role: Role;
  expiresAt: string;
}

function statusOf(value: unknown): InvitationStatus {
  return value === 'accepted' || value === 'revoked' ? value : 'pending';
}

function expiryOf(data: FirebaseFirestore.DocumentData): Date {
  const value: unknown = data.expiresAt;
  return value instanceof Timestamp ? value.toDate() : new Date(0);
}

function toInvitation(
  orgId: string,
  invitationId: string,
  data: FirebaseFirestore.DocumentData,
  now: Date,
): Invitation {
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    invitationId,
    orgId,
    email: String(data.email ?? ''),
    role: isRole(data.role) ? data.role : 'viewer',
    status: invitationState(statusOf(data.status), expiryOf(data), now),
    invitedBy: text(data.invitedBy),
    createdAt: iso(data.createdAt),
    expiresAt: iso(data.expiresAt),
    acceptedAt: iso(data.acceptedAt),
    acceptedBy: text(data.acceptedBy),
    revokedAt: iso(data.revokedAt),
    revokedBy: text(data.revokedBy),
  };
}

/**
 * Invites `email` (normalised already) with `role`. A pending, unexpired invitation of the same
 * email is refreshed rather than doubled: same id, the new role, inviter and expiry.
 */
export async function createInvitation(
  orgId: string,
  input: { email: string; role: Role },
  inviter: { uid: string; role: Role },
  ttlDays: number,
): Promise<InvitationSent> {
  const invitedBy = inviter.uid;
  const now = Timestamp.now();
  const expiresAt = Timestamp.fromMillis(now.toMillis() + ttlDays * DAY_MS);
  const { id, refreshed } = await db().runTransaction(async (tx) => {
    const open = await tx.get(
      invitationsRef(orgId).where('email', '==', input.email).where('status', '==', 'pending'),
    );
    const live = open.docs.find((doc) => expiryOf(doc.data()).getTime() > now.toMillis());
    const fields = { role: input.role, invitedBy, expiresAt, updatedAt: now };
    const liveRole: unknown = live?.get('role');
    if (live && isRole(liveRole) && outlivesMaker(liveRole, inviter.role)) {
      throw new AppError(
        'permission_denied',
        'This address has a pending owner invitation: only an owner may change it',
      );
    }
    if (live) {
      tx.update(live.ref, fields);
      return { id: live.id, refreshed: true };
    }
    const ref = invitationsRef(orgId).doc(newInvitationId());
    tx.create(ref, {
      invitationId: ref.id,
      email: input.email,
      status: 'pending' satisfies InvitationStatus,
      createdAt: now,
      ...fields,
    });
    return { id: ref.id, refreshed: false };
  });
  invitationCreated({ orgId, invitationId: id, role: input.role, invitedBy, refreshed });
  return {
    invitationId: id,
    status: 'invited',
    email: input.email,
    role: input.role,
    expiresAt: expiresAt.toDate().toISOString(),
  };
}

/** Every invitation of the organisation, newest first, with its state. */
export async function listInvitations(orgId: string): Promise<Invitation[]> {
  const snap = await invitationsRef(orgId).orderBy('createdAt', 'desc').get();
  const now = new Date();
  return snap.docs.map((doc) => toInvitation(orgId, doc.id, doc.data(), now));
}

/**
 * Withdraws a pending invitation (kept, marked revoked, so the invitee is told 410). Revoking an
 * owner invitation needs an owner, as granting the role does.
 */
export async function revokeInvitation(
  orgId: string,
  invitationId: string,
  actor: { uid: string; role: Role },
): Promise<void> {
  const ref = invitationsRef(orgId).doc(invitationId);
  const changed = await db().runTransaction(async (tx) => {
    const data = (await tx.get(ref)).data();
    if (!data) throw new AppError('not_found', `Invitation ${invitationId} not found`);
    if (isRole(data.role) && outlivesMaker(data.role, actor.role)) {
      throw new AppError('permission_denied', 'Only an owner may withdraw an owner invitation');
    }
    const status = statusOf(data.status);
    if (status === 'accepted') {
      throw conflict(
        'invitation_accepted',
        'This invitation was accepted already: remove the member instead',
      );
    }
    if (status === 'revoked') return false;
    tx.update(ref, { status: 'revoked', revokedAt: Timestamp.now(), revokedBy: actor.uid });
    return true;
  });
  if (changed) invitationRevoked({ orgId, invitationId, reason: 'withdrawn', by: actor.uid });
}

/**
 * Inside the member-change transaction (reads only): pending invitations that member `uid`
 * sent with a role they can no longer grant once they have role `to` (`null`: removed).
 */
export async function invitationsOutlivingInviter(
  tx: Transaction,
  orgId: string,
  uid: string,
  to: Role | null,
): Promise<DocumentReference[]> {
  const sent = await tx.get(
    invitationsRef(orgId).where('invitedBy', '==', uid).where('status', '==', 'pending'),
  );
  return sent.docs
    .filter((doc) => {
      const role: unknown = doc.get('role');
      return !isRole(role) || outlivesMaker(role, to);
    })
    .map((doc) => doc.ref);
}

/** Marks invitations revoked inside a transaction whose reads are done. */
export function revokeInTransaction(tx: Transaction, refs: DocumentReference[], by: string): void {
  const now = Timestamp.now();
  for (const ref of refs) tx.update(ref, { status: 'revoked', revokedAt: now, revokedBy: by });
}

/** The organisation an invitation document belongs to, or undefined for a stray path. */
function orgIdOf(ref: DocumentReference): string | undefined {
  const org = ref.parent.parent;
  return org && org.parent.id === ORGS ? org.id : undefined;
}

/**
 * The pending, unexpired invitations of a (verified) email across organisations: one
 * collection-group query (composite index `invitations` email + status, group scope), then one
 * batched read of the organisations' names.
 */
export async function invitationsFor(
  email: string,
): Promise<Array<Invitation & { organizationName: string }>> {
  const snap = await db()
    .collectionGroup(INVITATIONS)
    .where('email', '==', email)
    .where('status', '==', 'pending')
    .get();
  const now = new Date();
  const open = snap.docs
    .map((doc) => ({ doc, orgId: orgIdOf(doc.ref) }))
    .filter((x): x is { doc: (typeof snap.docs)[number]; orgId: string } => Boolean(x.orgId))
    .map(({ doc, orgId }) => toInvitation(orgId, doc.id, doc.data(), now))
    .filter((inv) => inv.status === 'pending');
  if (open.length === 0) return [];
  const orgs = await db().getAll(...open.map((inv) => db().collection(ORGS).doc(inv.orgId)));
  return open
    .map((inv, i) => ({ ...inv, organizationName: String(orgs[i].get('name') ?? '') }))
    .sort((a, b) => (a.expiresAt ?? '').localeCompare(b.expiresAt ?? ''));
}

/** The invitation with this id, wherever it is (field override `invitations.invitationId`). */
async function findInvitation(invitationId: string): Promise<DocumentSnapshot | undefined> {
  const snap = await db()
    .collectionGroup(INVITATIONS)
    .where('invitationId', '==', invitationId)
    .limit(2)
    .get();
  return snap.docs.find((doc) => doc.id === invitationId && orgIdOf(doc.ref) !== undefined);
}

/**
 * Accepts an invitation as `caller`, in one transaction: the invitation is still pending and
 * unexpired and for the caller's verified email; the member is created with its role (added by
 * the inviter) and the invitation marked accepted.
 */
export async function acceptInvitation(
  invitationId: string,
  caller: Invitee & { uid: string },
): Promise<Member & { orgId: string }> {
  const found = await findInvitation(invitationId);
  const orgId = found ? orgIdOf(found.ref) : undefined;
  if (!found || !orgId) throw new AppError('not_found', 'No such invitation');
  const member = await db().runTransaction(async (tx) => {
    const snap = await tx.get(found.ref);
    const data = snap.data();
    if (!data) throw new AppError('not_found', 'No such invitation');
    const now = new Date();
    const invitation = toInvitation(orgId, snap.id, data, now);
    const problem = acceptProblem({ email: invitation.email, state: invitation.status }, caller);
    if (problem) throw new AppError(problem.code, problem.message, { reason: problem.reason });
    const ref = memberRef(orgId, caller.uid);
    if ((await tx.get(ref)).exists) {
      throw conflict('already_member', 'You are already a member of this organisation');
    }
    const at = Timestamp.fromDate(now);
    const fields = {
      uid: caller.uid,
      role: invitation.role,
      email: invitation.email,
      addedAt: at,
      addedBy: invitation.invitedBy ?? caller.uid,
    };
    tx.create(ref, fields);
    tx.update(snap.ref, { status: 'accepted', acceptedAt: at, acceptedBy: caller.uid });
    return {
      orgId,
      uid: caller.uid,
      role: invitation.role,
      email: invitation.email,
      addedAt: now.toISOString(),
      addedBy: fields.addedBy,
    };
  });
  forgetRole(orgId, caller.uid);
  invitationAccepted({ orgId, invitationId, uid: caller.uid, role: member.role });
  return member;
}
