// /v1/orgs/{orgId}/qr-codes: standalone codes, static or tracked, optionally expiring.
import { Router } from 'express';
import { z } from 'zod';
import { publicBaseUrl } from '../config';
import { validateNewQrCode, validateQrCodePatch } from '../domain/qrCodes';
import {
  createQrCode,
  deleteQrCode,
  getQrCode,
  getQrCodeForImage,
  listQrCodes,
  patchQrCode,
} from '../data/qrCodes';
import { callerId } from './auth';
import { orgEndpoint } from './declare';
import { sendQrImage } from './qrImage';
import { timed } from './serverTiming';
import { empty, json } from './schemas/replies';
import {
  createdQrCodeSchema,
  newQrCodeBody,
  qrCodeListQuery,
  qrCodePatchBody,
  qrCodeSchema,
  qrImageRoute,
} from './schemas/qr';

export const qrCodesRouter = Router();

const tags = ['qr-codes'];

/** The image route of a code, under the public base URL (the `api` function's by default). */
const imagePath = (orgId: string, qrId: string) =>
  `${publicBaseUrl()}/v1/orgs/${orgId}/qr-codes/${qrId}/image`;

orgEndpoint(
  qrCodesRouter,
  'write',
  {
    method: 'post',
    path: '/qr-codes',
    summary: 'Create a standalone QR code (static text or a tracked URL)',
    tags,
    body: { schema: newQrCodeBody, validate: validateNewQrCode },
    replies: { 201: json('The new code', createdQrCodeSchema) },
  },
  async (_req, res, access) => {
    const code = await createQrCode(access.orgId, access.body, callerId(access.caller));
    res.status(201).json({
      qrId: code.qrId,
      data: code.data,
      tracked: code.tracked,
      ...(code.tracked ? { scanUrl: code.scanUrl } : {}),
      ...(code.expiresAt ? { expiresAt: code.expiresAt } : {}),
      ...(code.maxScans !== null ? { maxScans: code.maxScans } : {}),
      ...(code.validFrom ? { validFrom: code.validFrom } : {}),
      ...(code.validUntil ? { validUntil: code.validUntil } : {}),
      imageUrl: imagePath(access.orgId, code.qrId),
    });
  },
);

orgEndpoint(
  qrCodesRouter,
  'read',
  {
    method: 'get',
    path: '/qr-codes',
    summary: 'List the codes, newest first',
    tags,
    query: qrCodeListQuery,
    replies: {
      200: json(
        'A page of codes',
        z.object({ qrCodes: z.array(qrCodeSchema), nextPageToken: z.string().nullable() }),
      ),
    },
  },
  async (_req, res, { orgId, query }) => {
    const page = await listQrCodes(orgId, {
      limit: query.limit,
      pageToken: query.pageToken,
      hideExpired: query.expired === 'false',
    });
    res.json({
      qrCodes: page.qrCodes.map((c) => ({ ...c, imageUrl: imagePath(orgId, c.qrId) })),
      nextPageToken: page.nextPageToken,
    });
  },
);

orgEndpoint(
  qrCodesRouter,
  'read',
  {
    method: 'get',
    path: '/qr-codes/:qrId',
    summary: 'One code (410 once it has expired)',
    tags,
    replies: { 200: json('The code', qrCodeSchema) },
  },
  async (_req, res, { orgId, params }) => {
    const code = await getQrCode(orgId, params.qrId);
    res.json({ ...code, imageUrl: imagePath(orgId, code.qrId) });
  },
);

orgEndpoint(
  qrCodesRouter,
  'read',
  {
    method: 'get',
    path: '/qr-codes/:qrId/image',
    summary: 'The code as a PNG or SVG image, rendered on the fly',
    tags,
    ...qrImageRoute,
  },
  async (req, res, { orgId, params, query }) => {
    const code = await timed(req, 'resource', () => getQrCodeForImage(orgId, params.qrId));
    sendQrImage(req, res, query, code.data, code.label ?? `qr-${code.qrId}`);
  },
);

orgEndpoint(
  qrCodesRouter,
  'write',
  {
    method: 'patch',
    path: '/qr-codes/:qrId',
    summary: 'Change a code’s label, scan limit (maxScans) or window (validFrom, validUntil)',
    description: 'null clears a field. The limit and the window belong to tracked codes.',
    tags,
    body: { schema: qrCodePatchBody, validate: validateQrCodePatch },
    replies: { 200: json('The code as it now is', qrCodeSchema) },
  },
  async (_req, res, { orgId, caller, params, body }) => {
    const code = await patchQrCode(orgId, params.qrId, body, callerId(caller));
    res.json({ ...code, imageUrl: imagePath(orgId, code.qrId) });
  },
);

orgEndpoint(
  qrCodesRouter,
  'write',
  {
    method: 'delete',
    path: '/qr-codes/:qrId',
    summary: 'Delete a code (its scan URL stops working)',
    tags,
    replies: { 204: empty('Deleted') },
  },
  async (_req, res, { orgId, caller, params }) => {
    await deleteQrCode(orgId, params.qrId, callerId(caller));
    res.status(204).end();
  },
);
