// Webhooks (admins and up): subscribe a URL to event types, answer its signing secret once,
// rotate it, see each delivery with its attempts, send one again or a test ping. Deliveries go
// out through the delivery task queue (tasks/deliveries.ts); no handler sends a request itself.
import { Router } from 'express';
import { conflict } from '../domain/errors';
import { testEvent } from '../domain/webhooks/ping';
import { getStoredDelivery, listDeliveries, newDelivery } from '../data/deliveries';
import {
  countWebhooks,
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  patchWebhook,
  rotateSecret,
  type Stamp,
} from '../data/webhooks';
import { enqueueDelivery } from '../data/webhooksQueue';
import { callerId, type Caller } from './auth';
import { orgEndpoint } from './declare';
import { empty, json } from './schemas/replies';
import { z } from 'zod';
import {
  createdWebhookSchema,
  deliveriesQueryShape,
  deliverySchema,
  newWebhookBody,
  queuedSchema,
  rotatedSchema,
  validateNewWebhook,
  validateWebhookPatch,
  webhookPatchBody,
  webhookSchema,
} from './schemas/webhooks';

export const webhooksRouter = Router();
const tags = ['webhooks'];

/** Webhooks one organisation may have: each adds a write per matching event (the outbox). */
export const MAX_WEBHOOKS = 20;

const stampOf = (caller: Caller): Stamp => ({ by: callerId(caller), via: 'api' });

async function queue(orgId: string, webhookId: string, deliveryId: string): Promise<void> {
  await enqueueDelivery(
    { orgId, webhookId, deliveryId, attempt: 1 },
    `${orgId}-${webhookId}-${deliveryId}-a1`,
    0,
  );
}

orgEndpoint(
  webhooksRouter,
  'manage',
  {
    method: 'post',
    path: '/webhooks',
    summary: 'Subscribe a URL to events; the reply carries the signing secret, this once',
    tags,
    body: { schema: newWebhookBody, validate: validateNewWebhook },
    replies: { 201: json('The webhook and its secret', createdWebhookSchema) },
  },
  async (_req, res, { orgId, caller, body }) => {
    const input = body;
    if ((await countWebhooks(orgId)) >= MAX_WEBHOOKS) {
      throw conflict('webhook_limit', `An organisation may have ${MAX_WEBHOOKS} webhooks`, {
        limit: MAX_WEBHOOKS,
      });
    }
    const made = await createWebhook(orgId, input, stampOf(caller));
    res.status(201).location(`/v1/orgs/${orgId}/webhooks/${made.webhookId}`).json(made);
  },
);

orgEndpoint(
  webhooksRouter,
  'manage',
  {
    method: 'get',
    path: '/webhooks',
    summary: 'The organisation’s webhooks (never their secrets)',
    tags,
    replies: { 200: json('The webhooks', z.object({ webhooks: z.array(webhookSchema) })) },
  },
  async (_req, res, { orgId }) => {
    res.json({ webhooks: await listWebhooks(orgId) });
  },
);

orgEndpoint(
  webhooksRouter,
  'manage',
  {
    method: 'get',
    path: '/webhooks/:webhookId',
    summary: 'One webhook, with why it was disabled if it was',
    tags,
    replies: { 200: json('The webhook', webhookSchema) },
  },
  async (_req, res, { orgId, params }) => {
    res.json(await getWebhook(orgId, params.webhookId));
  },
);

orgEndpoint(
  webhooksRouter,
  'manage',
  {
    method: 'patch',
    path: '/webhooks/:webhookId',
    summary: 'Change the URL, events or description; active: true switches it on again',
    tags,
    body: { schema: webhookPatchBody, validate: validateWebhookPatch },
    replies: { 200: json('The webhook', webhookSchema) },
  },
  async (_req, res, { orgId, params, caller, body }) => {
    res.json(await patchWebhook(orgId, params.webhookId, body, stampOf(caller)));
  },
);

orgEndpoint(
  webhooksRouter,
  'manage',
  {
    method: 'delete',
    path: '/webhooks/:webhookId',
    summary: 'Delete a webhook with its secret, waiting events and deliveries',
    tags,
    replies: { 204: empty('Deleted') },
  },
  async (_req, res, { orgId, params, caller }) => {
    await deleteWebhook(orgId, params.webhookId, stampOf(caller));
    res.status(204).end();
  },
);

orgEndpoint(
  webhooksRouter,
  'manage',
  {
    method: 'post',
    path: '/webhooks/:webhookId/rotate-secret',
    summary: 'A new signing secret, answered once; the old one also signs for 24 hours',
    tags,
    replies: { 200: json('The new secret', rotatedSchema) },
  },
  async (_req, res, { orgId, params, caller }) => {
    res.json(await rotateSecret(orgId, params.webhookId, stampOf(caller)));
  },
);

orgEndpoint(
  webhooksRouter,
  'manage',
  {
    method: 'get',
    path: '/webhooks/:webhookId/deliveries',
    summary:
      'Deliveries, newest first, each with its attempts (status, response code, duration, error)',
    tags,
    query: deliveriesQueryShape,
    replies: {
      200: json(
        'A page of deliveries',
        z.object({ deliveries: z.array(deliverySchema), nextPageToken: z.string().nullable() }),
      ),
    },
  },
  async (_req, res, { orgId, params, query }) => {
    await getWebhook(orgId, params.webhookId);
    res.json(
      await listDeliveries(orgId, params.webhookId, {
        limit: query.limit,
        pageToken: query.pageToken,
      }),
    );
  },
);

orgEndpoint(
  webhooksRouter,
  'manage',
  {
    method: 'post',
    path: '/webhooks/:webhookId/deliveries/:deliveryId/redeliver',
    summary: 'Send a delivery’s events again, as a new delivery',
    tags,
    replies: { 202: json('Queued', queuedSchema) },
  },
  async (_req, res, { orgId, params }) => {
    const hook = await getWebhook(orgId, params.webhookId);
    if (!hook.active)
      throw conflict('webhook_disabled', 'The webhook is disabled: switch it on first');
    const original = await getStoredDelivery(orgId, params.webhookId, params.deliveryId);
    const deliveryId = await newDelivery(
      orgId,
      params.webhookId,
      original.events,
      original.deliveryId,
    );
    await queue(orgId, params.webhookId, deliveryId);
    res.status(202).json({ deliveryId, status: 'pending' });
  },
);

orgEndpoint(
  webhooksRouter,
  'manage',
  {
    method: 'post',
    path: '/webhooks/:webhookId/test',
    summary: 'Send a webhook.test ping (signed like every delivery)',
    tags,
    replies: { 202: json('Queued', queuedSchema) },
  },
  async (_req, res, { orgId, params, caller }) => {
    const hook = await getWebhook(orgId, params.webhookId);
    if (!hook.active)
      throw conflict('webhook_disabled', 'The webhook is disabled: switch it on first');
    const actor =
      caller.kind === 'apiKey'
        ? ({ kind: 'apiKey', id: caller.keyId } as const)
        : ({ kind: 'user', id: caller.uid } as const);
    const ping = testEvent(orgId, params.webhookId, actor);
    const deliveryId = await newDelivery(orgId, params.webhookId, [ping]);
    await queue(orgId, params.webhookId, deliveryId);
    res.status(202).json({ deliveryId, status: 'pending' });
  },
);
