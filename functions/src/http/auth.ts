// Who is calling: a Firebase ID token (a person, through an app) or an organisation API key (a
// script). Both arrive as `Authorization: Bearer <token>`.
import type { Request } from 'express';
import { FirebaseAuthError, type DecodedIdToken } from 'firebase-admin/auth';
import { authRecheckMs } from '../config';
import { apiKeyId, apiKeyMatches, looksLikeApiKey } from '../domain/apiKeys';
import { AppError } from '../domain/errors';
import type { Role } from '../domain/roles';
import { TimedCache } from '../domain/timedCache';
import { findApiKey, noteApiKeyUse } from '../data/apiKeys';
import { auth, verifyIdTokenLocally } from '../data/firebase';
import { keyLookupFailed, limitKeyLookups } from './rateLimits';
import { timed } from './serverTiming';

export interface UserCaller {
  kind: 'user';
  uid: string;
  email: string | null;
  /** Firebase Auth has confirmed the email belongs to this user (the token's email_verified). */
  emailVerified: boolean;
}

export interface ApiKeyCaller {
  kind: 'apiKey';
  keyId: string;
  orgId: string;
  role: Role;
}

export type Caller = UserCaller | ApiKeyCaller;

/** How a caller is named in `createdBy`, `addedBy` and logs. */
export function callerId(caller: Caller): string {
  return caller.kind === 'user' ? caller.uid : `apiKey:${caller.keyId}`;
}

function bearerToken(req: Request): string {
  const header = req.header('authorization');
  if (!header) {
    throw new AppError(
      'unauthenticated',
      'Sign in: send Authorization: Bearer <Firebase ID token or API key>',
    );
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    throw new AppError('unauthenticated', 'The Authorization header must be "Bearer <token>"');
  }
  return match[1];
}

/** Words for the caller, by Firebase Auth's error code; anything else is "invalid". */
function idTokenProblem(err: unknown): string {
  const code = err instanceof FirebaseAuthError ? err.code : '';
  switch (code) {
    case 'auth/id-token-expired':
      return 'The ID token has expired: get a fresh one';
    case 'auth/id-token-revoked':
      return 'The ID token was revoked: sign in again';
    case 'auth/user-disabled':
      return 'This user account is disabled';
    case 'auth/user-not-found':
      return 'This user account no longer exists';
    default:
      return 'The ID token is not valid for this project';
  }
}

/** What one Auth `getUser` said about a user: enough to refuse disabled users and old tokens. */
interface UserCheck {
  checkedAt: number;
  disabled: boolean;
  /** Tokens signed in before this (a sign-out everywhere) are revoked; 0 when never. */
  validSince: number;
}

/** Users whose state an instance remembers; one entry is about 100 bytes. */
const USER_CHECKS_MAX = 10_000;
const userChecks = new TimedCache<UserCheck>(USER_CHECKS_MAX);

async function checkUser(uid: string): Promise<UserCheck> {
  const checkedAt = Date.now();
  const user = await auth().getUser(uid);
  const validAfter = user.tokensValidAfterTime ? Date.parse(user.tokensValidAfterTime) : 0;
  const check = {
    checkedAt,
    disabled: user.disabled,
    validSince: Number.isFinite(validAfter) ? validAfter : 0,
  };
  userChecks.set(uid, check, checkedAt);
  return check;
}

/**
 * What `verifyIdToken(token, true)` checks after the signature (disabled user, token from before
 * a sign-out everywhere), from a check at most `recheckMs` old; a token issued after that check
 * was made is checked again at once.
 */
async function refuseRevoked(decoded: DecodedIdToken, recheckMs: number): Promise<void> {
  const cached = userChecks.get(decoded.uid, recheckMs);
  const check =
    cached && decoded.iat * 1000 <= cached.checkedAt ? cached : await checkUser(decoded.uid);
  if (check.disabled) throw new AppError('unauthenticated', 'This user account is disabled');
  if (decoded.auth_time * 1000 < check.validSince) {
    throw new AppError('unauthenticated', 'The ID token was revoked: sign in again');
  }
}

async function verifyUser(token: string): Promise<UserCaller> {
  const recheckMs = authRecheckMs();
  let decoded: DecodedIdToken;
  try {
    // The signature and claims are checked locally (the keys are cached); with no recheck time,
    // checkRevoked asks Auth on every request, as before the cache.
    if (recheckMs === 0) {
      decoded = await auth().verifyIdToken(token, true);
    } else {
      decoded = await verifyIdTokenLocally(token);
      await refuseRevoked(decoded, recheckMs);
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('unauthenticated', idTokenProblem(err));
  }
  return {
    kind: 'user',
    uid: decoded.uid,
    email: decoded.email ?? null,
    emailVerified: decoded.email_verified === true,
  };
}

async function verifyApiKey(req: Request, key: string, orgId: string): Promise<ApiKeyCaller> {
  const keyId = apiKeyId(key);
  const refused = new AppError('unauthenticated', 'The API key is not valid for this organisation');
  if (!keyId) throw refused;
  // Before the read: an address that keeps sending unknown keys stops costing lookups.
  limitKeyLookups(req);
  const record = await findApiKey(orgId, keyId);
  // A key of another organisation is simply not found here: keys are stored per organisation.
  if (!record || !apiKeyMatches(key, record.hash)) {
    keyLookupFailed(req);
    throw refused;
  }
  if (record.expiresAt && record.expiresAt.getTime() <= Date.now()) {
    keyLookupFailed(req);
    throw new AppError(
      'unauthenticated',
      `The API key expired at ${record.expiresAt.toISOString()}: ask an admin for a new one`,
    );
  }
  await noteApiKeyUse(orgId, keyId, record);
  return { kind: 'apiKey', keyId, orgId, role: record.role };
}

/**
 * The caller of a request. `orgId` is the organisation in the path, where there is one: API
 * keys belong to one organisation and work only on its routes.
 */
export async function authenticate(req: Request, orgId?: string): Promise<Caller> {
  const token = bearerToken(req);
  if (!looksLikeApiKey(token)) return timed(req, 'token', () => verifyUser(token));
  if (!orgId) {
    throw new AppError(
      'permission_denied',
      'API keys work only on their organisation’s routes (/v1/orgs/{orgId}/...)',
    );
  }
  return timed(req, 'token', () => verifyApiKey(req, token, orgId));
}
