// Organisation API keys: `qrk_<keyId>_<secret>`. The key id finds the stored record; only a
// SHA-256 of the whole key is stored. A fast hash is right here: the secret is 256 random bits,
// so there is nothing to brute-force, unlike a password.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isRole, ROLES, type Role } from './roles';
import {
  type Body,
  type FieldError,
  type Validated,
  readString,
  result,
  unknownFields,
} from './validation';

export const API_KEY_PREFIX = 'qrk_';
const KEY_ID_LENGTH = 16;
const KEY_PATTERN = /^qrk_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedKey {
  keyId: string;
  key: string;
  hash: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): GeneratedKey {
  const keyId = randomBytes(KEY_ID_LENGTH / 2).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const key = `${API_KEY_PREFIX}${keyId}_${secret}`;
  return { keyId, key, hash: hashApiKey(key) };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

/** The key id of a well-formed key, or undefined. */
export function apiKeyId(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/** Compares in constant time, so response timing reveals nothing about the stored hash. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(key), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface NewApiKey {
  name: string;
  role: Exclude<Role, 'owner'>;
}

export function validateNewApiKey(body: Body): Validated<NewApiKey> {
  const errors: FieldError[] = unknownFields(body, ['name', 'role']);
  const name = readString(body, 'name', { required: true, max: 100 }, errors);
  const grantable = ROLES.filter((r) => r !== 'owner');
  let role: NewApiKey['role'] = 'viewer';
  if (!isRole(body.role) || body.role === 'owner') {
    errors.push({ field: 'role', message: `must be one of ${grantable.join(', ')}` });
  } else {
    role = body.role;
  }
  return result({ name: name ?? '', role }, errors);
}
