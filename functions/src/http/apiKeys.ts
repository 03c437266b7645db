// /v1/orgs/{orgId}/api-keys: keys for scripts and integrations. The key is shown once, at creation.
// Only people manage keys (PEOPLE_ONLY), so every key has a member as its maker.
import { Router } from 'express';
import { z } from 'zod';
import { apiKeyTtlDays } from '../config';
import { validateNewApiKey } from '../domain/apiKeys';
import { AppError } from '../domain/errors';
import { mayAssignRole } from '../domain/roles';
import { createApiKey, listApiKeys, revokeApiKey } from '../data/apiKeys';
import { callerId } from './auth';
import { orgEndpoint } from './declare';
import { PEOPLE_ONLY } from './routes';
import { empty, json } from './schemas/replies';
import { apiKeySchema, newApiKeyBody } from './schemas/organizations';

export const apiKeysRouter = Router();

const tags = ['api-keys'];

orgEndpoint(
  apiKeysRouter,
  'manage',
  {
    method: 'post',
    path: '/api-keys',
    summary: 'Make an API key; the key itself is in this reply only',
    description:
      'Its role is at most the caller’s own. Send it as Authorization: Bearer <key>. The key is ' +
      'deleted when its maker leaves or can no longer grant its role.',
    tags,
    body: {
      schema: newApiKeyBody,
      validate: (body) => validateNewApiKey(body, new Date(), apiKeyTtlDays()),
    },
    replies: {
      201: json(
        'The new key (Cache-Control: no-store)',
        apiKeySchema.extend({ key: z.string().meta({ description: 'Shown only once' }) }),
      ),
    },
  },
  async (_req, res, access) => {
    if (!mayAssignRole(access.role, access.body.role)) {
      throw new AppError(
        'permission_denied',
        `A key's role can be at most your own (${access.role})`,
      );
    }
    const created = await createApiKey(access.orgId, access.body, callerId(access.caller));
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(created);
  },
  PEOPLE_ONLY,
);

orgEndpoint(
  apiKeysRouter,
  'manage',
  {
    method: 'get',
    path: '/api-keys',
    summary: 'The organisation’s API keys (never the keys themselves)',
    tags,
    replies: { 200: json('The keys', z.object({ apiKeys: z.array(apiKeySchema) })) },
  },
  async (_req, res, { orgId }) => {
    res.json({ apiKeys: await listApiKeys(orgId) });
  },
  PEOPLE_ONLY,
);

orgEndpoint(
  apiKeysRouter,
  'manage',
  {
    method: 'delete',
    path: '/api-keys/:keyId',
    summary: 'Revoke an API key',
    tags,
    replies: { 204: empty('Revoked') },
  },
  async (_req, res, access) => {
    await revokeApiKey(access.orgId, access.params.keyId, callerId(access.caller));
    res.status(204).end();
  },
  PEOPLE_ONLY,
);
