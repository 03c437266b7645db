// /v1/orgs: create an organisation, list mine, read and change one.
import { Router } from 'express';
import { orgCreationLimits } from '../config';
import { AppError } from '../domain/errors';
import { validateNewOrganization, validateOrganizationChanges } from '../domain/organization';
import {
  createOrganization,
  getOrganization,
  organizationsOf,
  updateOrganization,
} from '../data/organizations';
import { jsonBody, valid } from './body';
import { orgRoute, userRoute } from './routes';

export const organizationsRouter = Router();

userRoute(organizationsRouter, 'post', '/v1/orgs', async (req, res, caller) => {
  const limits = orgCreationLimits();
  // A throwaway address could otherwise mint organisations (and their quotas) without end.
  if (limits.requireVerifiedEmail && !caller.emailVerified) {
    throw new AppError(
      'permission_denied',
      'Verify your email address before creating an organisation (open the link we sent you), then sign in again',
      { reason: 'email_not_verified' },
    );
  }
  const input = valid(validateNewOrganization(jsonBody(req)));
  const org = await createOrganization(input, caller, limits.perUser);
  res
    .status(201)
    .location(`/v1/orgs/${org.orgId}`)
    .json({ ...org, role: 'owner' });
});

userRoute(organizationsRouter, 'get', '/v1/orgs', async (_req, res, caller) => {
  res.json({ organizations: await organizationsOf(caller.uid) });
});

orgRoute(organizationsRouter, 'get', '', 'read', async (_req, res, { orgId, role }) => {
  res.json({ ...(await getOrganization(orgId)), role });
});

orgRoute(organizationsRouter, 'patch', '', 'manage', async (req, res, { orgId, role }) => {
  const changes = valid(validateOrganizationChanges(jsonBody(req)));
  res.json({ ...(await updateOrganization(orgId, changes)), role });
});
