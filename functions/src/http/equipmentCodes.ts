// The QR image of an equipment item. It depends only on the item's document (its scan URL is
// made on first need), so it works before the item's PNG has been stored by the trigger.
import { Router } from 'express';
import { ensureEquipmentScanToken } from '../data/scanTokens';
import { sendQrImage } from './qrImage';
import { orgRoute } from './routes';

export const equipmentCodesRouter = Router();

orgRoute(
  equipmentCodesRouter,
  'get',
  '/equipment/:assetId/qr',
  'read',
  async (req, res, access) => {
    const assetId = req.params.assetId as string;
    const { scanUrl } = await ensureEquipmentScanToken(access.orgId, assetId);
    sendQrImage(req, res, scanUrl, assetId);
  },
);
