// The QR image of an equipment item. It depends only on the item's document (its scan URL is
// made on first need), so it works before the item's PNG has been stored by the trigger.
import { Router } from 'express';
import { ensureEquipmentScanToken, knownEquipmentScanUrl } from '../data/scanTokens';
import { orgEndpoint } from './declare';
import { sendQrImage, sendQrNotModified } from './qrImage';
import { timed } from './serverTiming';
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
    // A scan URL never changes once made: a matching ETag needs no read of the item.
    const known = knownEquipmentScanUrl(orgId, params.assetId);
    if (known !== undefined && sendQrNotModified(req, res, query, known)) return;
    const { scanUrl } = await timed(req, 'resource', () =>
      ensureEquipmentScanToken(orgId, params.assetId),
    );
    sendQrImage(req, res, query, scanUrl, params.assetId);
  },
);
