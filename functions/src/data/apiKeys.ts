// API key records: organizations/{orgId}/apiKeys/{keyId}, holding a hash of the key, never the key.
import { Timestamp, type DocumentReference, type Transaction } from 'firebase-admin/firestore';
import { roleCacheMs } from '../config';
import { AppError } from '../domain/errors';
import { generateApiKey, type NewApiKey } from '../domain/apiKeys';
import { isRole, outlivesMaker, type Role } from '../domain/roles';
import { cacheKey, TimedCache } from '../domain/timedCache';
import { apiKeyRevoked } from '../logs';
import { apiKeysRef, deletionNoteRef } from './paths';
import { deletionNote } from './activityStamps';
import { db } from './firebase';
import { iso } from './timestamps';

export interface ApiKeyInfo {
  keyId: string;
  name: string;
  role: Role;
  createdAt: string | null;
  createdBy: string | null;
  lastUsedAt: string | null;
  /** null for keys made before keys expired: they keep working until revoked. */
  expiresAt: string | null;
}

export interface ApiKeyRecord {
  role: Role;
  hash: string;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}

/** lastUsedAt is written at most this often, so a busy script does not write on every call. */
const LAST_USED_RESOLUTION_MS = 60_000;

function toInfo(keyId: string, data: FirebaseFirestore.DocumentData): ApiKeyInfo {
  return {
    keyId,
    name: String(data.name ?? ''),
    role: isRole(data.role) ? data.role : 'viewer',
    createdAt: iso(data.createdAt),
    createdBy: typeof data.createdBy === 'string' ? data.createdBy : null,
    lastUsedAt: iso(data.lastUsedAt),
    expiresAt: iso(data.expiresAt),
  };
}

export async function createApiKey(
  orgId: string,
  input: NewApiKey,
  createdBy: string,
): Promise<ApiKeyInfo & { key: string }> {
  const { keyId, key, hash } = generateApiKey();
  const data = {
    name: input.name,
    role: input.role,
    hash,
    createdAt: Timestamp.now(),
    createdBy,
    lastUsedAt: null,
    expiresAt: Timestamp.fromDate(input.expiresAt),
  };
  await apiKeysRef(orgId).doc(keyId).create(data);
  return { ...toInfo(keyId, data), key };
}

export async function listApiKeys(orgId: string): Promise<ApiKeyInfo[]> {
  const snap = await apiKeysRef(orgId).orderBy('createdAt').get();
  return snap.docs.map((doc) => toInfo(doc.id, doc.data()));
}

export async function revokeApiKey(orgId: string, keyId: string, by: string): Promise<void> {
  const ref = apiKeysRef(orgId).doc(keyId);
  const snap = await ref.get();
  if (!snap.exists) throw new AppError('not_found', `API key ${keyId} not found`);
  const batch = db().batch();
  // Who revoked it, for the api_key.revoked event (docs/events.md#actors).
  batch.set(deletionNoteRef(orgId, 'apiKeys', keyId), deletionNote(by));
  batch.delete(ref);
  await batch.commit();
  forgetApiKey(orgId, keyId);
  apiKeyRevoked({ orgId, keyId, reason: 'deleted', by });
}

/** Key records an instance remembers; an entry is about 250 bytes. */
const KEYS_MAX = 5_000;
/**
 * Key records by organisation and key id, for ROLE_CACHE_SECONDS: a revoked key keeps working at
 * most that long on other instances. Unknown keys are not remembered (they are limited per
 * address instead), so a key made a moment ago works at once.
 */
const keys = new TimedCache<ApiKeyRecord>(KEYS_MAX);

export async function findApiKey(orgId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
  const key = cacheKey(orgId, keyId);
  const cached = keys.get(key, roleCacheMs());
  if (cached) return cached;
  const startedAt = Date.now();
  const data = (await apiKeysRef(orgId).doc(keyId).get()).data();
  if (!data || !isRole(data.role) || typeof data.hash !== 'string') return undefined;
  const lastUsed: unknown = data.lastUsedAt;
  const expires: unknown = data.expiresAt;
  const record = {
    role: data.role,
    hash: data.hash,
    lastUsedAt: lastUsed instanceof Timestamp ? lastUsed.toDate() : null,
    expiresAt: expires instanceof Timestamp ? expires.toDate() : null,
  };
  keys.set(key, record, startedAt);
  return record;
}

/** This instance forgets the key's record: its deletion takes effect here at once. */
export function forgetApiKey(orgId: string, keyId: string): void {
  keys.forget(cacheKey(orgId, keyId));
}

/** Firestore's limit on the values of one `in` filter. */
const IN_LIMIT = 30;
/** Generations of keys made by keys (possible before keys were refused there) that are followed. */
const MAX_KEY_GENERATIONS = 10;

/**
 * Inside the member-change transaction (reads only): the keys that must go when member `uid`
 * ends up with role `to` (`null`: removed), namely those they made with a role they can no
 * longer grant, and every key those keys made in their turn (`createdBy: apiKey:{keyId}`, from
 * before keys were refused on the key routes). Keys without `createdBy` stay.
 */
export async function keysOutlivingMaker(
  tx: Transaction,
  orgId: string,
  uid: string,
  to: Role | null,
): Promise<DocumentReference[]> {
  const made = await tx.get(apiKeysRef(orgId).where('createdBy', '==', uid));
  const doomed = made.docs
    .filter((doc) => {
      const role: unknown = doc.get('role');
      return !isRole(role) || outlivesMaker(role, to);
    })
    .map((doc) => doc.ref);
  let parents = doomed.map((ref) => `apiKey:${ref.id}`);
  for (let generation = 0; parents.length > 0 && generation < MAX_KEY_GENERATIONS; generation++) {
    const children: DocumentReference[] = [];
    for (let i = 0; i < parents.length; i += IN_LIMIT) {
      const page = parents.slice(i, i + IN_LIMIT);
      const snap = await tx.get(apiKeysRef(orgId).where('createdBy', 'in', page));
      children.push(...snap.docs.map((doc) => doc.ref));
    }
    const fresh = children.filter((ref) => !doomed.some((d) => d.id === ref.id));
    doomed.push(...fresh);
    parents = fresh.map((ref) => `apiKey:${ref.id}`);
  }
  return doomed;
}

/** Records that a key was used, at most once a minute per key. */
export async function noteApiKeyUse(
  orgId: string,
  keyId: string,
  record: ApiKeyRecord,
): Promise<void> {
  const now = Date.now();
  if (record.lastUsedAt && now - record.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  // The record may be this instance's cached one: it now says the key was used, so the next
  // minute of calls writes nothing.
  record.lastUsedAt = new Date(now);
  // update() fails if the key was revoked in the meantime; that is fine, the key is gone.
  await apiKeysRef(orgId)
    .doc(keyId)
    .update({ lastUsedAt: Timestamp.fromMillis(now) })
    .catch(() => undefined);
}
