// /v1/orgs/{orgId}/api-keys: keys for scripts and integrations. The key is shown once, at creation.
// Only people manage keys (PEOPLE_ONLY), so every key has a member as its maker.
import { Router } from 'express';
import { apiKeyTtlDays } from '../config';
import { validateNewApiKey } from '../domain/apiKeys';
import { AppError } from '../domain/errors';
import { mayAssignRole } from '../domain/roles';
import { createApiKey, listApiKeys, revokeApiKey } from '../data/apiKeys';
import { callerId } from './auth';
import { jsonBody, valid } from './body';
import { orgRoute, PEOPLE_ONLY } from './routes';

export const apiKeysRouter = Router();

orgRoute(
  apiKeysRouter,
  'post',
  '/api-keys',
  'manage',
  async (req, res, access) => {
    const input = valid(validateNewApiKey(jsonBody(req), new Date(), apiKeyTtlDays()));
    if (!mayAssignRole(access.role, input.role)) {
      throw new AppError(
        'permission_denied',
        `A key's role can be at most your own (${access.role})`,
      );
    }
    const created = await createApiKey(access.orgId, input, callerId(access.caller));
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(created);
  },
  PEOPLE_ONLY,
);

orgRoute(
  apiKeysRouter,
  'get',
  '/api-keys',
  'manage',
  async (_req, res, { orgId }) => {
    res.json({ apiKeys: await listApiKeys(orgId) });
  },
  PEOPLE_ONLY,
);

orgRoute(
  apiKeysRouter,
  'delete',
  '/api-keys/:keyId',
  'manage',
  async (req, res, access) => {
    await revokeApiKey(access.orgId, req.params.keyId as string, callerId(access.caller));
    res.status(204).end();
  },
  PEOPLE_ONLY,
);
