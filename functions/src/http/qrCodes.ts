// /v1/orgs/{orgId}/qr-codes: standalone codes, static or tracked, optionally expiring.
import { Router } from 'express';
import { publicBaseUrl } from '../config';
import { validateNewQrCode } from '../domain/qrCodes';
import { createQrCode, deleteQrCode, getQrCode, listQrCodes } from '../data/qrCodes';
import { callerId } from './auth';
import { jsonBody, valid } from './body';
import { queryEnum, queryInt, queryString } from './query';
import { sendQrImage } from './qrImage';
import { orgRoute } from './routes';

export const qrCodesRouter = Router();

/** The image route of a code, under the public base URL (the `api` function's by default). */
const imagePath = (orgId: string, qrId: string) =>
  `${publicBaseUrl()}/v1/orgs/${orgId}/qr-codes/${qrId}/image`;

orgRoute(qrCodesRouter, 'post', '/qr-codes', 'write', async (req, res, access) => {
  const input = valid(validateNewQrCode(jsonBody(req)));
  const code = await createQrCode(access.orgId, input, callerId(access.caller));
  res.status(201).json({
    qrId: code.qrId,
    data: code.data,
    tracked: code.tracked,
    ...(code.tracked ? { scanUrl: code.scanUrl } : {}),
    ...(code.expiresAt ? { expiresAt: code.expiresAt } : {}),
    imageUrl: imagePath(access.orgId, code.qrId),
  });
});

orgRoute(qrCodesRouter, 'get', '/qr-codes', 'read', async (req, res, { orgId }) => {
  const limit = queryInt(req, 'limit', 1, 500, 50);
  const expired = queryEnum(req, 'expired', ['true', 'false'] as const, 'true');
  const page = await listQrCodes(orgId, {
    limit,
    pageToken: queryString(req, 'pageToken'),
    hideExpired: expired === 'false',
  });
  res.json({
    qrCodes: page.qrCodes.map((c) => ({ ...c, imageUrl: imagePath(orgId, c.qrId) })),
    nextPageToken: page.nextPageToken,
  });
});

orgRoute(qrCodesRouter, 'get', '/qr-codes/:qrId', 'read', async (req, res, { orgId }) => {
  const code = await getQrCode(orgId, req.params.qrId as string);
  res.json({ ...code, imageUrl: imagePath(orgId, code.qrId) });
});

orgRoute(qrCodesRouter, 'get', '/qr-codes/:qrId/image', 'read', async (req, res, { orgId }) => {
  const code = await getQrCode(orgId, req.params.qrId as string);
  sendQrImage(req, res, code.data, code.label ?? `qr-${code.qrId}`);
});

orgRoute(qrCodesRouter, 'delete', '/qr-codes/:qrId', 'write', async (req, res, { orgId }) => {
  await deleteQrCode(orgId, req.params.qrId as string);
  res.status(204).end();
});
