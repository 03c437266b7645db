// API key records: organizations/{orgId}/apiKeys/{keyId}, holding a hash of the key, never the key.
import { Timestamp } from 'firebase-admin/firestore';
import { AppError } from '../domain/errors';
import { generateApiKey, type NewApiKey } from '../domain/apiKeys';
import { isRole, type Role } from '../domain/roles';
import { apiKeysRef } from './paths';
import { iso } from './timestamps';

export interface ApiKeyInfo {
  keyId: string;
  name: string;
  role: Role;
  createdAt: string | null;
  createdBy: string | null;
  lastUsedAt: string | null;
}

export interface ApiKeyRecord {
  role: Role;
  hash: string;
  lastUsedAt: Date | null;
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
  };
}

export async function createApiKey(
  orgId: string,
  input: NewApiKey,
  createdBy: string,
): Promise<ApiKeyInfo & { key: string }> {
  const { keyId, key, hash } = generateApiKey();
  const data = { ...input, hash, createdAt: Timestamp.now(), createdBy, lastUsedAt: null };
  await apiKeysRef(orgId).doc(keyId).create(data);
  return { ...toInfo(keyId, data), key };
}

export async function listApiKeys(orgId: string): Promise<ApiKeyInfo[]> {
  const snap = await apiKeysRef(orgId).orderBy('createdAt').get();
  return snap.docs.map((doc) => toInfo(doc.id, doc.data()));
}

export async function revokeApiKey(orgId: string, keyId: string): Promise<void> {
  const ref = apiKeysRef(orgId).doc(keyId);
  const snap = await ref.get();
  if (!snap.exists) throw new AppError('not_found', `API key ${keyId} not found`);
  await ref.delete();
}

export async function findApiKey(orgId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
  const data = (await apiKeysRef(orgId).doc(keyId).get()).data();
  if (!data || !isRole(data.role) || typeof data.hash !== 'string') return undefined;
  const lastUsed: unknown = data.lastUsedAt;
  return {
    role: data.role,
    hash: data.hash,
    lastUsedAt: lastUsed instanceof Timestamp ? lastUsed.toDate() : null,
  };
}

/** Records that a key was used, at most once a minute per key. */
export async function noteApiKeyUse(
  orgId: string,
  keyId: string,
  record: ApiKeyRecord,
): Promise<void> {
  const now = Date.now();
  if (record.lastUsedAt && now - record.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  // update() fails if the key was revoked in the meantime; that is fine, the key is gone.
  await apiKeysRef(orgId)
    .doc(keyId)
    .update({ lastUsedAt: Timestamp.fromMillis(now) })
    .catch(() => undefined);
}
