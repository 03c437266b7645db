// Invitations: an admin's list and withdrawal under /v1/orgs/{orgId}/invitations (created by
// POST .../members with an email); the invitee's own list and acceptance under /v1/invitations.
import { Router } from 'express';
import { AppError } from '../domain/errors';
import { normalizeEmail } from '../domain/invitations';
import {
  acceptInvitation,
  invitationsFor,
  listInvitations,
  revokeInvitation,
} from '../data/invitations';
import { callerId } from './auth';
import { orgRoute, PEOPLE_ONLY, userRoute } from './routes';

export const invitationsRouter = Router();

orgRoute(
  invitationsRouter,
  'get',
  '/invitations',
  'manage',
  async (_req, res, { orgId }) => {
    res.json({ invitations: await listInvitations(orgId) });
  },
  PEOPLE_ONLY,
);

orgRoute(
  invitationsRouter,
  'delete',
  '/invitations/:invitationId',
  'manage',
  async (req, res, access) => {
    await revokeInvitation(access.orgId, req.params.invitationId as string, {
      uid: callerId(access.caller),
      role: access.role,
    });
    res.status(204).end();
  },
  PEOPLE_ONLY,
);

userRoute(invitationsRouter, 'get', '/v1/invitations', async (_req, res, caller) => {
  // Only a verified address sees what was sent to it: whoever registered it first without
  // owning it learns nothing.
  if (!caller.email || !caller.emailVerified) {
    throw new AppError(
      'permission_denied',
      'Verify your email address to see the invitations sent to it',
      { reason: caller.email ? 'email_not_verified' : 'no_email' },
    );
  }
  res.json({ invitations: await invitationsFor(normalizeEmail(caller.email)) });
});

userRoute(
  invitationsRouter,
  'post',
  '/v1/invitations/:invitationId/accept',
  async (req, res, caller) => {
    const member = await acceptInvitation(req.params.invitationId as string, caller);
    res.status(201).location(`/v1/orgs/${member.orgId}/members/${member.uid}`).json(member);
  },
);
