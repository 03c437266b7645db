// /v1/orgs/{orgId}/members: who belongs to the organisation, with which role. Adding by email
// sends an invitation (http/invitations.ts has the rest of its routes); adding by uid is at once.
import { Router } from 'express';
import { invitationTtlDays } from '../config';
import { AppError } from '../domain/errors';
import { validateMemberChange, validateNewMember } from '../domain/members';
import { mayAssignRole } from '../domain/roles';
import { createInvitation } from '../data/invitations';
import { addMember, changeMember, listMembers } from '../data/members';
import { findUser } from '../data/users';
import { callerId } from './auth';
import { jsonBody, valid } from './body';
import { orgRoute, PEOPLE_ONLY } from './routes';

export const membersRouter = Router();

orgRoute(
  membersRouter,
  'get',
  '/members',
  'manage',
  async (_req, res, { orgId }) => {
    res.json({ members: await listMembers(orgId) });
  },
  PEOPLE_ONLY,
);

orgRoute(
  membersRouter,
  'post',
  '/members',
  'manage',
  async (req, res, access) => {
    const { who, role } = valid(validateNewMember(jsonBody(req)));
    if (!mayAssignRole(access.role, role)) {
      throw new AppError(
        'permission_denied',
        role === 'owner'
          ? 'Only an owner may grant the owner role'
          : `An ${access.role} may only grant roles up to their own`,
      );
    }
    if ('email' in who) {
      // The same 202 whether or not an account has this email: nobody learns which exist, and
      // nobody who registered the address first (unverified) becomes the member.
      const sent = await createInvitation(
        access.orgId,
        { email: who.email, role },
        { uid: callerId(access.caller), role: access.role },
        invitationTtlDays(),
      );
      res.status(202).json(sent);
      return;
    }
    const user = await findUser(who);
    const member = await addMember(access.orgId, { ...user, role }, callerId(access.caller));
    res.status(201).json(member);
  },
  PEOPLE_ONLY,
);

orgRoute(
  membersRouter,
  'patch',
  '/members/:uid',
  'manage',
  async (req, res, access) => {
    const { role } = valid(validateMemberChange(jsonBody(req)));
    const member = await changeMember(access.orgId, req.params.uid as string, role, {
      id: callerId(access.caller),
      role: access.role,
    });
    res.json(member);
  },
  PEOPLE_ONLY,
);

orgRoute(
  membersRouter,
  'delete',
  '/members/:uid',
  'manage',
  async (req, res, access) => {
    await changeMember(access.orgId, req.params.uid as string, null, {
      id: callerId(access.caller),
      role: access.role,
    });
    res.status(204).end();
  },
  PEOPLE_ONLY,
);
