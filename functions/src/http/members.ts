// /v1/orgs/{orgId}/members: who belongs to the organisation, with which role. Adding by email
// sends an invitation (http/invitations.ts has the rest of its routes); adding by uid is at once.
// People only (PEOPLE_ONLY): a key that could add members would let access outlive its maker.
import { Router } from 'express';
import { z } from 'zod';
import { invitationTtlDays } from '../config';
import { AppError } from '../domain/errors';
import { validateMemberChange, validateNewMember } from '../domain/members';
import { mayAssignRole } from '../domain/roles';
import { createInvitation } from '../data/invitations';
import { addMember, changeMember, listMembers } from '../data/members';
import { findUser } from '../data/users';
import { callerId } from './auth';
import { orgEndpoint } from './declare';
import { PEOPLE_ONLY } from './routes';
import { empty, json } from './schemas/replies';
import {
  invitationSentSchema,
  memberChangeBody,
  memberSchema,
  newMemberBody,
} from './schemas/organizations';

export const membersRouter = Router();

const tags = ['members'];

orgEndpoint(
  membersRouter,
  'manage',
  {
    method: 'get',
    path: '/members',
    summary: 'The members and their roles',
    tags,
    replies: { 200: json('The members', z.object({ members: z.array(memberSchema) })) },
  },
  async (_req, res, { orgId }) => {
    res.json({ members: await listMembers(orgId) });
  },
  PEOPLE_ONLY,
);

orgEndpoint(
  membersRouter,
  'manage',
  {
    method: 'post',
    path: '/members',
    summary: 'Add a member by uid (at once) or invite one by email',
    description:
      'A role up to the caller’s own (only an owner grants owner). By email: the same 202 ' +
      'whether or not an account has the address; the invitee accepts with POST ' +
      '/v1/invitations/{invitationId}/accept. By uid: 404 for an unknown uid, 409 for a member ' +
      'already there.',
    tags,
    body: { schema: newMemberBody, validate: validateNewMember },
    replies: {
      201: json('Added (by uid)', memberSchema),
      202: json('Invited (by email); valid until expiresAt', invitationSentSchema),
    },
  },
  async (_req, res, access) => {
    const { who, role } = access.body;
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

orgEndpoint(
  membersRouter,
  'manage',
  {
    method: 'patch',
    path: '/members/:uid',
    summary: 'Change a member’s role',
    description:
      'The organisation keeps at least one owner (409). The member’s API keys and invitations ' +
      'with a role they may no longer grant are withdrawn.',
    tags,
    body: { schema: memberChangeBody, validate: validateMemberChange },
    replies: { 200: json('The member with the new role', memberSchema) },
  },
  async (_req, res, access) => {
    const member = await changeMember(access.orgId, access.params.uid, access.body.role, {
      id: callerId(access.caller),
      role: access.role,
    });
    res.json(member);
  },
  PEOPLE_ONLY,
);

orgEndpoint(
  membersRouter,
  'manage',
  {
    method: 'delete',
    path: '/members/:uid',
    summary: 'Remove a member (or leave)',
    description:
      'The organisation keeps at least one owner (409). The API keys the member made and the ' +
      'invitations they sent are withdrawn with them.',
    tags,
    replies: { 204: empty('Removed') },
  },
  async (_req, res, access) => {
    await changeMember(access.orgId, access.params.uid, null, {
      id: callerId(access.caller),
      role: access.role,
    });
    res.status(204).end();
  },
  PEOPLE_ONLY,
);
