// Who may call a /v1 route: the path ids, who is calling and their role, checked before the
// handler runs (by the declarations of http/declare.ts), so no handler can forget.
import type { Request, Response } from 'express';
import type { DocumentReference, DocumentSnapshot } from 'firebase-admin/firestore';
import { AppError } from '../domain/errors';
import { check, idSchema } from '../domain/schemas/kit';
import { allows, PERMISSIONS, type Permission, type Role } from '../domain/roles';
import { roleAndDocument, roleOf } from '../data/members';
import { authenticate, callerId, type Caller, type UserCaller } from './auth';
import { limitCaller, limitOrganization } from './rateLimits';
import { timed } from './serverTiming';

export interface OrgAccess {
  orgId: string;
  role: Role;
  caller: Caller;
  /** The route's `prefetch` document, when it was read with the member document. */
  prefetched?: DocumentSnapshot;
}

export type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** Every path parameter is an id that reaches a Firestore path: refuse bad ones before any read. */
export function parsePathParams(params: Record<string, string>): void {
  for (const [name, value] of Object.entries(params)) {
    const parsed = check(idSchema, value);
    if (!parsed.ok) {
      const [error] = parsed.errors;
      throw new AppError('invalid_argument', `The ${name} in the path ${error.message}`, {
        field: name,
        errors: [{ field: name, message: error.message }],
      });
    }
  }
}

export interface OrgRouteOptions {
  /**
   * false: a route about who may act (members, invitations, API keys), for people only. A key
   * that could add members or make keys would let access outlive the person who made it.
   */
  apiKeys: boolean;
}

/** The options of the member, invitation and API-key routes. */
export const PEOPLE_ONLY: OrgRouteOptions = { apiKeys: false };

/** Who is calling, their role, and the rate limits, for `permission` in `orgId`. */
export async function authorizeOrg(
  req: Request,
  orgId: string,
  permission: Permission,
  options: OrgRouteOptions = { apiKeys: true },
  prefetch?: DocumentReference,
): Promise<OrgAccess> {
  const caller = await authenticate(req, orgId);
  limitCaller(callerId(caller));
  if (caller.kind === 'apiKey' && !options.apiKeys) {
    throw new AppError(
      'key_not_allowed',
      'API keys may not manage members, invitations or API keys: sign in as an admin',
    );
  }
  // With a prefetch, a role that must be read comes in one getAll with the route's document.
  const { role, document: prefetched } =
    caller.kind === 'apiKey'
      ? { role: caller.role, document: undefined }
      : await timed(req, 'role', async () =>
          prefetch
            ? roleAndDocument(orgId, caller.uid, prefetch)
            : { role: await roleOf(orgId, caller.uid), document: undefined },
        );
  // The same reply whether or not the organisation exists: outsiders learn nothing.
  if (!role) throw new AppError('permission_denied', 'You are not a member of this organisation');
  if (!allows(role, permission)) {
    throw new AppError(
      'permission_denied',
      `This needs the ${PERMISSIONS[permission]} role or higher; you are ${role}`,
    );
  }
  // Counted only for callers who may act here, so outsiders cannot spend a team's budget.
  limitOrganization(orgId);
  return { orgId, role, caller, ...(prefetched ? { prefetched } : {}) };
}

/** The signed-in person calling (an ID token, not an API key), rate-limited. */
export async function signedInUser(req: Request): Promise<UserCaller> {
  const caller = await authenticate(req);
  if (caller.kind !== 'user') {
    throw new AppError('permission_denied', 'This route needs a signed-in user, not an API key');
  }
  limitCaller(callerId(caller));
  return caller;
}

/** `/v1/orgs//members` would otherwise fall through to a 404: an empty id is a bad request. */
export const rejectEmptyPathSegments = (req: Request, _res: Response, next: () => void): void => {
  const segments = req.path.split('/').slice(1);
  // A single trailing slash is harmless; an empty segment anywhere else is an empty id.
  if (segments.slice(0, -1).includes('')) {
    throw new AppError('invalid_argument', 'The path has an empty id (two slashes in a row)');
  }
  next();
};
