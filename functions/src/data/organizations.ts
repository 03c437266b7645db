// Organisation documents and the owner membership created with them.
import { Timestamp } from 'firebase-admin/firestore';
import { AppError, conflict } from '../domain/errors';
import type { NewOrganization, OrganizationChanges } from '../domain/organization';
import { ALLOWLIST_POLICY, redirectPolicyOf } from '../domain/redirectHosts';
import type { Role } from '../domain/roles';
import { db } from './firebase';
import { ORGS, memberRef, orgRef } from './paths';
import { forgetRole } from './roleCache';
import { iso } from './timestamps';
import { spendOrganizationIn } from './quotas';

export interface Organization {
  orgId: string;
  name: string;
  timeZone: string;
  assetUrlTemplate: string | null;
  /**
   * Hosts tracked codes redirect to without the interstitial; null for an organisation created
   * before allow lists that has none, whose codes redirect anywhere.
   */
  redirectAllowedHosts: string[] | null;
  businessUrl: string | null;
  createdAt: string | null;
  createdBy: string | null;
  /** Members below editor may check items out (and book them) for themselves (issue 20). */
  selfServiceCheckout: boolean;
  selfServiceStock: boolean;
}

function redirectHostsOf(data: FirebaseFirestore.DocumentData): string[] | null {
  const policy = redirectPolicyOf(data);
  return policy.kind === 'any' ? null : policy.hosts;
}

function toOrganization(orgId: string, data: FirebaseFirestore.DocumentData): Organization {
  return {
    orgId,
    name: String(data.name ?? ''),
    timeZone: String(data.timeZone ?? 'UTC'),
    assetUrlTemplate: typeof data.assetUrlTemplate === 'string' ? data.assetUrlTemplate : null,
    redirectAllowedHosts: redirectHostsOf(data),
    businessUrl: typeof data.businessUrl === 'string' ? data.businessUrl : null,
    createdAt: iso(data.createdAt),
    createdBy: typeof data.createdBy === 'string' ? data.createdBy : null,
    selfServiceCheckout: data.selfServiceCheckout === true,
    selfServiceStock: data.selfServiceStock === true,
  };
}

/**
 * Creates the organisation and makes `owner` its owner, in one transaction, which also counts it
 * against the owner's `perUserLimit` (429 quota_exceeded at the limit, nothing written).
 */
export async function createOrganization(
  input: NewOrganization,
  owner: { uid: string; email: string | null },
  perUserLimit: number,
): Promise<Organization> {
  const ref = input.orgId ? orgRef(input.orgId) : db().collection(ORGS).doc();
  const now = Timestamp.now();
  // A new organisation's codes redirect nowhere unchecked until its admins list hosts; those
  // made before this field existed lack it and keep redirecting anywhere.
  const redirects = { redirectPolicy: ALLOWLIST_POLICY, redirectAllowedHosts: [] as string[] };
  await db().runTransaction(async (tx) => {
    const existing = await tx.get(ref);
    if (existing.exists) {
      throw conflict('org_id_taken', `The organisation id "${ref.id}" is taken; choose another`);
    }
    const countIt = await spendOrganizationIn(tx, owner.uid, perUserLimit);
    countIt();
    tx.create(ref, {
      name: input.name,
      timeZone: input.timeZone,
      createdAt: now,
      createdBy: owner.uid,
      updatedAt: now,
      ...redirects,
    });
    tx.create(memberRef(ref.id, owner.uid), {
      uid: owner.uid,
      role: 'owner' satisfies Role,
      email: owner.email,
      addedAt: now,
      addedBy: owner.uid,
    });
  });
  forgetRole(ref.id, owner.uid);
  return toOrganization(ref.id, {
    name: input.name,
    timeZone: input.timeZone,
    createdAt: now,
    createdBy: owner.uid,
    ...redirects,
  });
}

export async function getOrganization(orgId: string): Promise<Organization> {
  const snap = await orgRef(orgId).get();
  const data = snap.data();
  if (!data) throw new AppError('not_found', `Organisation ${orgId} not found`);
  return toOrganization(orgId, data);
}

export async function updateOrganization(
  orgId: string,
  changes: OrganizationChanges,
): Promise<Organization> {
  const ref = orgRef(orgId);
  return db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const data = snap.data();
    if (!data) throw new AppError('not_found', `Organisation ${orgId} not found`);
    const update = { ...changes, updatedAt: Timestamp.now() };
    tx.update(ref, update);
    return toOrganization(orgId, { ...data, ...update });
  });
}

/**
 * The organisations a user belongs to, with their role: one collection-group query on the
 * member documents (field override in firestore.indexes.json), then one batched read.
 */
export async function organizationsOf(uid: string): Promise<Array<Organization & { role: Role }>> {
  const members = await db().collectionGroup('members').where('uid', '==', uid).get();
  const memberships = members.docs
    .map((doc) => ({ orgRef: doc.ref.parent.parent, role: doc.get('role') as Role }))
    .filter((m): m is { orgRef: FirebaseFirestore.DocumentReference; role: Role } =>
      Boolean(m.orgRef && m.orgRef.parent.id === ORGS),
    );
  if (memberships.length === 0) return [];
  const orgs = await db().getAll(...memberships.map((m) => m.orgRef));
  const result: Array<Organization & { role: Role }> = [];
  orgs.forEach((snap, i) => {
    const data = snap.data();
    if (data) result.push({ ...toOrganization(snap.id, data), role: memberships[i].role });
  });
  return result.sort((a, b) => a.name.localeCompare(b.name) || a.orgId.localeCompare(b.orgId));
}
