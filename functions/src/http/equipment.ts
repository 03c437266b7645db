// /v1/orgs/{orgId}/equipment: the inventory. Fixed paths (export.csv, bulk-upload,
// batch-generate-qr, qr-jobs/...) are mounted before the /equipment/:assetId routes, so that an
// asset id route never captures them (export.csv would even fail its id check).
import { Router } from 'express';
import { z } from 'zod';
import { validateEquipment } from '../domain/equipment';
import { parseIdempotencyKey, requestFingerprint } from '../domain/idempotency';
import {
  createEquipment,
  deleteEquipment,
  equipmentDocument,
  getEquipmentWithTags,
  listEquipment,
  updateEquipment,
} from '../data/equipment';
import { regenerateEquipmentQr } from '../data/equipmentQr';
import { idempotencyRecord } from '../data/idempotency';
import { listNotSeenSince } from '../data/ledgerSightings';
import { callerId } from './auth';
import { orgEndpoint } from './declare';
import { timed } from './serverTiming';
import { equipmentExportRouter } from './equipmentExport';
import { equipmentJobsRouter } from './equipmentJobs';
import { equipmentUploadRouter } from './equipmentUpload';
import { empty, json } from './schemas/replies';
import {
  equipmentListQuery,
  equipmentPageSchema,
  equipmentPatchBody,
  equipmentQrSchema,
  equipmentSchema,
  equipmentWithTagsSchema,
  newEquipmentBody,
} from './schemas/equipment';

export const equipmentRouter = Router();
equipmentRouter.use(equipmentExportRouter, equipmentUploadRouter, equipmentJobsRouter);

const tags = ['equipment'];

orgEndpoint(
  equipmentRouter,
  'write',
  {
    method: 'post',
    path: '/equipment',
    summary: 'Create an item; its QR code is made in the background',
    description:
      'An Idempotency-Key header makes a retry return the first reply (Idempotent-Replayed: true).',
    tags,
    body: { schema: newEquipmentBody, validate: (body) => validateEquipment(body, 'create') },
    replies: {
      201: json(
        'The new item’s id; the code is being made',
        z.object({ assetId: z.string(), qrCodeGenerating: z.literal(true) }),
      ),
    },
  },
  async (req, res, access) => {
    const key = parseIdempotencyKey(req.get('idempotency-key'));
    const caller = callerId(access.caller);
    // The fingerprint is of the body as sent, so a retry with other fields is told apart.
    const sent = req.body as Record<string, unknown> | undefined;
    const reply = await createEquipment(access.orgId, access.body, {
      createdBy: caller,
      source: 'api',
      idempotency:
        key === undefined
          ? undefined
          : idempotencyRecord(
              access.orgId,
              caller,
              key,
              requestFingerprint('POST /equipment', sent ?? {}),
            ),
    });
    if (reply.replayed) res.set('Idempotent-Replayed', 'true');
    res.status(reply.status).json(reply.body);
  },
);

orgEndpoint(
  equipmentRouter,
  'read',
  {
    method: 'get',
    path: '/equipment',
    summary: 'List the items by asset id, filtered by category, location or QR status',
    tags,
    query: equipmentListQuery,
    replies: { 200: json('A page of items', equipmentPageSchema) },
  },
  async (_req, res, { orgId, query }) => {
    const { category, locationId, qr, limit, pageToken, notSeenSince } = query;
    const filter = {
      ...(category ? { category } : {}),
      ...(locationId !== undefined ? { locationId } : {}),
      ...(qr ? { qr } : {}),
    };
    if (notSeenSince) {
      res.json(await listNotSeenSince(orgId, filter, notSeenSince, { limit, pageToken }));
      return;
    }
    res.json(await listEquipment(orgId, filter, { limit, pageToken }));
  },
);

orgEndpoint(
  equipmentRouter,
  'read',
  {
    method: 'get',
    path: '/equipment/:assetId',
    summary: 'One item',
    tags,
    replies: { 200: json('The item, with the codes of its tags', equipmentWithTagsSchema) },
    prefetch: ({ orgId, assetId }) => equipmentDocument(orgId, assetId),
  },
  async (req, res, { orgId, params, prefetched }) => {
    res.json(
      await timed(req, 'resource', () => getEquipmentWithTags(orgId, params.assetId, prefetched)),
    );
  },
);

orgEndpoint(
  equipmentRouter,
  'write',
  {
    method: 'patch',
    path: '/equipment/:assetId',
    summary: 'Change an item’s fields (null clears an optional one)',
    tags,
    body: { schema: equipmentPatchBody, validate: (body) => validateEquipment(body, 'update') },
    replies: { 200: json('The item as it now is', equipmentSchema) },
  },
  async (_req, res, { orgId, params, body, caller }) => {
    res.json(await updateEquipment(orgId, params.assetId, body, callerId(caller)));
  },
);

orgEndpoint(
  equipmentRouter,
  'write',
  {
    method: 'delete',
    path: '/equipment/:assetId',
    summary: 'Delete an item, its QR image and its scan URL',
    tags,
    // 204 like every other delete of the API (it answered 200 {assetId, deleted: true} before).
    replies: { 204: empty('Deleted') },
  },
  async (_req, res, { orgId, params, caller }) => {
    await deleteEquipment(orgId, params.assetId, callerId(caller));
    res.status(204).end();
  },
);

orgEndpoint(
  equipmentRouter,
  'write',
  {
    method: 'post',
    path: '/equipment/:assetId/generate-qr',
    summary: 'Make the item’s QR code now (again)',
    tags,
    replies: { 200: json('The stored code', equipmentQrSchema) },
  },
  async (_req, res, { orgId, params }) => {
    res.json(await regenerateEquipmentQr(orgId, params.assetId));
  },
);
