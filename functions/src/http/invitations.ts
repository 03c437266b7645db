// Invitations: an admin's list and withdrawal under /v1/orgs/{orgId}/invitations (created by
// POST .../members with an email); the invitee's own list and acceptance under /v1/invitations.
import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../domain/errors';
import { normalizeEmail } from '../domain/invitations';
import {
  acceptInvitation,
  invitationsFor,
  listInvitations,
  revokeInvitation,
} from '../data/invitations';
import { callerId } from './auth';
import { orgEndpoint, userEndpoint } from './declare';
import { PEOPLE_ONLY } from './routes';
import { empty, json } from './schemas/replies';
import { invitationSchema, memberSchema } from './schemas/organizations';

export const invitationsRouter = Router();

const tags = ['invitations'];

orgEndpoint(
  invitationsRouter,
  'manage',
  {
    method: 'get',
    path: '/invitations',
    summary: 'The invitations sent, in every state (pending, accepted, revoked, expired)',
    tags,
    replies: {
      200: json('The invitations', z.object({ invitations: z.array(invitationSchema) })),
    },
  },
  async (_req, res, { orgId }) => {
    res.json({ invitations: await listInvitations(orgId) });
  },
  PEOPLE_ONLY,
);

orgEndpoint(
  invitationsRouter,
  'manage',
  {
    method: 'delete',
    path: '/invitations/:invitationId',
    summary: 'Withdraw a pending invitation',
    tags,
    replies: { 204: empty('Withdrawn') },
  },
  async (_req, res, access) => {
    await revokeInvitation(access.orgId, access.params.invitationId, {
      uid: callerId(access.caller),
      role: access.role,
    });
    res.status(204).end();
  },
  PEOPLE_ONLY,
);

userEndpoint(
  invitationsRouter,
  {
    method: 'get',
    path: '/v1/invitations',
    summary: 'The pending invitations sent to the caller’s verified email address',
    description:
      'An unverified address (or an account without one) is a 403 permission_denied with ' +
      'details.reason email_not_verified or no_email.',
    tags,
    replies: {
      200: json(
        'Pending, unexpired invitations, soonest expiry first',
        z.object({
          invitations: z.array(invitationSchema.extend({ organizationName: z.string() })),
        }),
      ),
    },
  },
  async (_req, res, { caller }) => {
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
  },
);

userEndpoint(
  invitationsRouter,
  {
    method: 'post',
    path: '/v1/invitations/:invitationId/accept',
    summary: 'Accept an invitation sent to the caller’s verified email address',
    description:
      'The caller becomes a member with the invited role. Another or an unverified address is ' +
      'a 403; an invitation already accepted, withdrawn or expired is a 410 gone.',
    tags,
    replies: {
      201: json('The new membership', memberSchema.extend({ orgId: z.string() })),
    },
  },
  async (_req, res, { caller, params }) => {
    const member = await acceptInvitation(params.invitationId, caller);
    res.status(201).location(`/v1/orgs/${member.orgId}/members/${member.uid}`).json(member);
  },
);
