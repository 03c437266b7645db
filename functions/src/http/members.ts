// /v1/orgs/{orgId}/members: who belongs to the organisation, with which role.
import { Router } from 'express';
import { AppError } from '../domain/errors';
import { validateMemberChange, validateNewMember, type MemberRef } from '../domain/members';
import { mayAssignRole } from '../domain/roles';
import { auth } from '../data/firebase';
import { addMember, changeMember, listMembers } from '../data/members';
import { callerId } from './auth';
import { jsonBody, valid } from './body';
import { orgRoute } from './routes';

export const membersRouter = Router();

/** The Firebase Auth user behind an email or uid; 404 when there is none. */
async function findUser(who: MemberRef): Promise<{ uid: string; email: string | null }> {
  try {
    const user =
      'email' in who ? await auth().getUserByEmail(who.email) : await auth().getUser(who.uid);
    return { uid: user.uid, email: user.email ?? null };
  } catch (err) {
    if ((err as { code?: unknown }).code === 'auth/user-not-found') {
      const name = 'email' in who ? `email ${who.email}` : `uid ${who.uid}`;
      throw new AppError(
        'not_found',
        `No user with ${name}: they must sign in to the app once before they can be added`,
      );
    }
    throw err;
  }
}

orgRoute(membersRouter, 'get', '/members', 'read', async (_req, res, { orgId }) => {
  res.json({ members: await listMembers(orgId) });
});

orgRoute(membersRouter, 'post', '/members', 'manage', async (req, res, access) => {
  const { who, role } = valid(validateNewMember(jsonBody(req)));
  if (!mayAssignRole(access.role, role)) {
    throw new AppError(
      'permission_denied',
      role === 'owner'
        ? 'Only an owner may grant the owner role'
        : `An ${access.role} may only grant roles up to their own`,
    );
  }
  const user = await findUser(who);
  const member = await addMember(access.orgId, { ...user, role }, callerId(access.caller));
  res.status(201).json(member);
});

orgRoute(membersRouter, 'patch', '/members/:uid', 'manage', async (req, res, access) => {
  const { role } = valid(validateMemberChange(jsonBody(req)));
  const member = await changeMember(access.orgId, req.params.uid as string, role, access.role);
  res.json(member);
});

orgRoute(membersRouter, 'delete', '/members/:uid', 'manage', async (req, res, access) => {
  await changeMember(access.orgId, req.params.uid as string, null, access.role);
  res.status(204).end();
});
