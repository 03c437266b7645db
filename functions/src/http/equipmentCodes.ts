// The QR image of an equipment item. It depends only on the item's document (its scan URL is
// made on first need), so it works before the item's PNG has been stored by the trigger.
import { Router } from 'express';
import { ensureEquipmentScanToken, knownEquipmentScanUrl } from '../data/scanTokens';
import { orgEndpoint } from './declare';
import { sendQrImage } from './qrImage';
import { timed } from './serverTiming';
import { qrImageRoute } from './schemas/qr';

export const equipmentCodesRouter = Router();

orgEndpoint(
  equipmentCodesRouter,
  'read',
  {
    method: 'get',
    path: '/equipment/:assetId/qr',
    summary: 'The item’s QR code (its scan URL) as a PNG or SVG image',
    tags: ['equipment'],
    ...qrImageRoute,
  },
  async (req, res, { orgId, params, query }) => {
    // A scan URL never changes once made: when this instance has seen it lately, neither a 304
    // nor a render reads the item (an item deleted on another instance meanwhile is still shown
    // for at most ROLE_CACHE_SECONDS).
    const known = knownEquipmentScanUrl(orgId, params.assetId);
    const scanUrl =
      known ??
      (await timed(req, 'resource', () => ensureEquipmentScanToken(orgId, params.assetId))).scanUrl;
    sendQrImage(req, res, query, scanUrl, params.assetId);
  },
);
