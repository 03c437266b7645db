// /v1/orgs: create an organisation, list mine, read and change one.
import { Router } from 'express';
import { z } from 'zod';
import { orgCreationLimits } from '../config';
import { AppError } from '../domain/errors';
import { validateNewOrganization, validateOrganizationChanges } from '../domain/organization';
import {
  createOrganization,
  getOrganization,
  organizationsOf,
  updateOrganization,
} from '../data/organizations';
import { orgEndpoint, userEndpoint } from './declare';
import { json } from './schemas/replies';
import {
  myOrganizationSchema,
  newOrganizationBody,
  organizationChangesBody,
} from './schemas/organizations';

export const organizationsRouter = Router();

const tags = ['organizations'];

userEndpoint(
  organizationsRouter,
  {
    method: 'post',
    path: '/v1/orgs',
    summary: 'Create an organisation; the caller becomes its owner',
    description:
      'Needs a verified email address while ORG_CREATE_REQUIRES_VERIFIED_EMAIL is on (403 ' +
      'permission_denied, reason email_not_verified); at most ORGS_PER_USER organisations per ' +
      'person (429 quota_exceeded); an orgId that is taken is a 409.',
    tags,
    body: { schema: newOrganizationBody, validate: validateNewOrganization },
    replies: { 201: json('The new organisation, with role owner', myOrganizationSchema) },
  },
  async (_req, res, { caller, body }) => {
    const org = await createOrganization(body, caller, orgCreationLimits().perUser);
    res
      .status(201)
      .location(`/v1/orgs/${org.orgId}`)
      .json({ ...org, role: 'owner' });
  },
  (caller) => {
    // A throwaway address could otherwise mint organisations (and their quotas) without end.
    if (orgCreationLimits().requireVerifiedEmail && !caller.emailVerified) {
      throw new AppError(
        'permission_denied',
        'Verify your email address before creating an organisation (open the link we sent you), then sign in again',
        { reason: 'email_not_verified' },
      );
    }
  },
);

userEndpoint(
  organizationsRouter,
  {
    method: 'get',
    path: '/v1/orgs',
    summary: 'The organisations the caller belongs to, with their role in each',
    tags,
    replies: {
      200: json(
        'The caller’s organisations',
        z.object({ organizations: z.array(myOrganizationSchema) }),
      ),
    },
  },
  async (_req, res, { caller }) => {
    res.json({ organizations: await organizationsOf(caller.uid) });
  },
);

orgEndpoint(
  organizationsRouter,
  'read',
  {
    method: 'get',
    path: '',
    summary: 'An organisation, with the caller’s role in it',
    tags,
    replies: { 200: json('The organisation', myOrganizationSchema) },
  },
  async (_req, res, { orgId, role }) => {
    res.json({ ...(await getOrganization(orgId)), role });
  },
);

orgEndpoint(
  organizationsRouter,
  'manage',
  {
    method: 'patch',
    path: '',
    summary: 'Change an organisation’s name, time zone, asset URL template or redirect hosts',
    tags,
    body: { schema: organizationChangesBody, validate: validateOrganizationChanges },
    replies: { 200: json('The organisation as it is now', myOrganizationSchema) },
  },
  async (_req, res, { orgId, role, body }) => {
    res.json({ ...(await updateOrganization(orgId, body)), role });
  },
);
