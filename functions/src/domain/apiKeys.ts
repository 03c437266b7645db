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
  expiresAt: Date;
}

const DAY_MS = 86_400_000;
// A full date and time with its offset: "2027-01-31" alone or a local time would be read in
// the server's time zone, which the caller cannot see.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * `expiresAt`: absent means `ttlDays` from now; otherwise a future time no later than that, so
 * no key lives longer than the organisation's policy allows.
 */
function readExpiry(body: Body, now: Date, ttlDays: number, errors: FieldError[]): Date {
  const latest = new Date(now.getTime() + ttlDays * DAY_MS);
  const raw = body.expiresAt;
  if (raw === undefined) return latest;
  const ms = typeof raw === 'string' && ISO_TIME.test(raw.trim()) ? Date.parse(raw.trim()) : NaN;
  if (Number.isNaN(ms)) {
    errors.push({
      field: 'expiresAt',
      message:
        'must be an ISO 8601 time with its offset, e.g. "2027-06-30T00:00:00Z" (omit it for the default)',
    });
  } else if (ms <= now.getTime()) {
    errors.push({ field: 'expiresAt', message: 'is in the past: a key must expire in the future' });
  } else if (ms > latest.getTime()) {
    errors.push({
      field: 'expiresAt',
      message: `is more than ${ttlDays} days ahead (at most ${latest.toISOString()})`,
    });
  } else {
    return new Date(ms);
  }
  return latest;
}

export function validateNewApiKey(body: Body, now: Date, ttlDays: number): Validated<NewApiKey> {
  const errors: FieldError[] = unknownFields(body, ['name', 'role', 'expiresAt']);
  const name = readString(body, 'name', { required: true, max: 100 }, errors);
  const grantable = ROLES.filter((r) => r !== 'owner');
  let role: NewApiKey['role'] = 'viewer';
  if (!isRole(body.role) || body.role === 'owner') {
    errors.push({ field: 'role', message: `must be one of ${grantable.join(', ')}` });
  } else {
    role = body.role;
  }
  const expiresAt = readExpiry(body, now, ttlDays, errors);
  return result({ name: name ?? '', role, expiresAt }, errors);
}
