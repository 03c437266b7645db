// Who is calling: a Firebase ID token (a person, through an app) or an organisation API key (a
// script). Both arrive as `Authorization: Bearer <token>`.
import type { Request } from 'express';
import { FirebaseAuthError } from 'firebase-admin/auth';
import { apiKeyId, apiKeyMatches, looksLikeApiKey } from '../domain/apiKeys';
import { AppError } from '../domain/errors';
import type { Role } from '../domain/roles';
import { findApiKey, noteApiKeyUse } from '../data/apiKeys';
import { auth } from '../data/firebase';
import { keyLookupFailed, limitKeyLookups } from './rateLimits';

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

async function verifyUser(token: string): Promise<UserCaller> {
  try {
    // checkRevoked also refuses disabled users and tokens issued before a sign-out-everywhere.
    const decoded = await auth().verifyIdToken(token, true);
    return {
      kind: 'user',
      uid: decoded.uid,
      email: decoded.email ?? null,
      emailVerified: decoded.email_verified === true,
    };
  } catch (err) {
    throw new AppError('unauthenticated', idTokenProblem(err));
  }
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
  if (!looksLikeApiKey(token)) return verifyUser(token);
  if (!orgId) {
    throw new AppError(
      'permission_denied',
      'API keys work only on their organisation’s routes (/v1/orgs/{orgId}/...)',
    );
  }
  return verifyApiKey(req, token, orgId);
}
