// /v1/orgs/{orgId}/members: who belongs to the organisation, with which role.
import { Router } from 'express';
import { AppError } from '../domain/errors';
import { validateMemberChange, validateNewMember } from '../domain/members';
import { mayAssignRole } from '../domain/roles';
import { addMember, changeMember, listMembers } from '../data/members';
import { findUser } from '../data/users';
import { callerId } from './auth';
import { jsonBody, valid } from './body';
import { orgRoute } from './routes';

export const membersRouter = Router();

orgRoute(membersRouter, 'get', '/members', 'manage', async (_req, res, { orgId }) => {
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
