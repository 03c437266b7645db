// The QR image of an equipment item. It depends only on the item's document (its scan URL is
// made on first need), so it works before the item's PNG has been stored by the trigger.
import { Router } from 'express';
import { ensureEquipmentScanToken } from '../data/scanTokens';
import { orgEndpoint } from './declare';
import { sendQrImage } from './qrImage';
import { QR_IMAGE_TYPES, qrImageQuery, qrImageQueryAliases } from './schemas/qr';
import { empty, media } from './schemas/replies';

export const equipmentCodesRouter = Router();

orgEndpoint(
  equipmentCodesRouter,
  'read',
  {
    method: 'get',
    path: '/equipment/:assetId/qr',
    summary: 'The item’s QR code (its scan URL) as a PNG or SVG image',
    tags: ['equipment'],
    query: qrImageQuery,
    queryAliases: qrImageQueryAliases,
    replies: {
      200: media('The image', ...QR_IMAGE_TYPES),
      304: empty('Not modified (If-None-Match named the current ETag)'),
    },
  },
  async (req, res, { orgId, params, query }) => {
    const { scanUrl } = await ensureEquipmentScanToken(orgId, params.assetId);
    sendQrImage(req, res, query, scanUrl, params.assetId);
  },
);
