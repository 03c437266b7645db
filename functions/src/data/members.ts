// Member documents: organizations/{orgId}/members/{uid}, small on purpose (client apps read them
// through the rules): uid, role, email, addedAt, addedBy.
import {
  Timestamp,
  type DocumentReference,
  type DocumentSnapshot,
  type Transaction,
} from 'firebase-admin/firestore';
import { AppError, conflict } from '../domain/errors';
import { isRole, roleChangeProblem, type Role } from '../domain/roles';
import { apiKeyRevoked, invitationRevoked } from '../logs';
import { forgetApiKey, keysOutlivingMaker } from './apiKeys';
import { invitationsOutlivingInviter, revokeInTransaction } from './invitations';
import { deletionNoteRef, memberRef, membersRef } from './paths';
import { deletionNote } from './activityStamps';
import { cachedRole, forgetRole, rememberRole } from './roleCache';
import { db } from './firebase';
import { iso } from './timestamps';

export interface Member {
  uid: string;
  role: Role;
  email: string | null;
  addedAt: string | null;
  addedBy: string | null;
}

function toMember(uid: string, data: FirebaseFirestore.DocumentData): Member {
  return {
    uid,
    role: isRole(data.role) ? data.role : 'viewer',
    email: typeof data.email === 'string' ? data.email : null,
    addedAt: iso(data.addedAt),
    addedBy: typeof data.addedBy === 'string' ? data.addedBy : null,
  };
}

/**
 * The caller's role in the organisation, or undefined when they are not a member: read at most
 * once per ROLE_CACHE_SECONDS per instance (not being a member is remembered too).
 */
export async function roleOf(orgId: string, uid: string): Promise<Role | undefined> {
  const cached = cachedRole(orgId, uid);
  if (cached) return cached.role ?? undefined;
  const startedAt = Date.now();
  const snap = await memberRef(orgId, uid).get();
  const role: unknown = snap.get('role');
  const found = snap.exists && isRole(role) ? role : undefined;
  rememberRole(orgId, uid, found, startedAt);
  return found;
}

/**
 * The caller's role and, when it must be read too, the document the route needs, in one getAll
 * (one round trip). With the role cached, only the role: the route reads its document itself.
 */
export async function roleAndDocument(
  orgId: string,
  uid: string,
  ref: DocumentReference,
): Promise<{ role: Role | undefined; document?: DocumentSnapshot }> {
  const cached = cachedRole(orgId, uid);
  if (cached) return { role: cached.role ?? undefined };
  const startedAt = Date.now();
  const [member, document] = await db().getAll(memberRef(orgId, uid), ref);
  const role: unknown = member.get('role');
  const found = member.exists && isRole(role) ? role : undefined;
  rememberRole(orgId, uid, found, startedAt);
  return { role: found, document };
}

export async function listMembers(orgId: string): Promise<Member[]> {
  const snap = await membersRef(orgId).get();
  return snap.docs.map((doc) => toMember(doc.id, doc.data()));
}

export async function addMember(
  orgId: string,
  member: { uid: string; email: string | null; role: Role },
  addedBy: string,
): Promise<Member> {
  const ref = memberRef(orgId, member.uid);
  const data = { ...member, addedAt: Timestamp.now(), addedBy };
  await db().runTransaction(async (tx) => {
    if ((await tx.get(ref)).exists) {
      throw conflict('already_member', `${member.email ?? member.uid} is already a member`);
    }
    tx.create(ref, data);
  });
  forgetRole(orgId, member.uid);
  return toMember(member.uid, data);
}

async function ownerCount(tx: Transaction, orgId: string): Promise<number> {
  const owners = await tx.get(membersRef(orgId).where('role', '==', 'owner'));
  return owners.size;
}

/**
 * Changes a member's role (`to`) or removes them (`to` null), in a transaction that counts the
 * owners, so two admins demoting the last two owners at once cannot leave none. The same
 * transaction deletes the API keys the member made with a role they can no longer grant (and
 * the keys those keys made), and withdraws such invitations they sent: nothing they handed out
 * outlives their right to hand it out.
 */
export async function changeMember(
  orgId: string,
  uid: string,
  to: Role | null,
  actor: { id: string; role: Role },
): Promise<Member | null> {
  const ref = memberRef(orgId, uid);
  const outcome = await db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const data = snap.data();
    if (!data) throw new AppError('not_found', `${uid} is not a member of this organisation`);
    const from: Role = isRole(data.role) ? data.role : 'viewer';
    const owners = from === 'owner' ? await ownerCount(tx, orgId) : 0;
    const problem = roleChangeProblem(actor.role, from, to, owners);
    if (problem?.code === 'conflict') throw conflict('last_owner', problem.message);
    if (problem) throw new AppError(problem.code, problem.message);
    const keys = await keysOutlivingMaker(tx, orgId, uid, to);
    const invitations = await invitationsOutlivingInviter(tx, orgId, uid, to);
    for (const key of keys) tx.delete(key);
    revokeInTransaction(tx, invitations, actor.id);
    // Stamped for the change's event (docs/events.md#actors): the note of a removal, or the
    // role change's updatedBy; the keys taken with the member are the system's doing.
    if (to === null) {
      tx.set(deletionNoteRef(orgId, 'members', uid), deletionNote(actor.id));
      tx.delete(ref);
    } else {
      tx.update(ref, {
        role: to,
        updatedAt: Timestamp.now(),
        updatedBy: actor.id,
        updatedVia: 'api',
      });
    }
    return {
      member: to === null ? null : toMember(uid, { ...data, role: to }),
      keys: keys.map((k) => k.id),
      invitations: invitations.map((i) => i.id),
    };
  });
  forgetRole(orgId, uid);
  for (const keyId of outcome.keys) forgetApiKey(orgId, keyId);
  const reason = to === null ? 'maker_removed' : 'maker_demoted';
  for (const keyId of outcome.keys) apiKeyRevoked({ orgId, keyId, reason, by: actor.id, uid });
  for (const invitationId of outcome.invitations) {
    invitationRevoked({ orgId, invitationId, reason, by: actor.id });
  }
  return outcome.member;
}
