// POST /v1/orgs/{orgId}/equipment/{assetId}/import-image: import the item's image again from its
// imageUrl (the source changed, or an earlier import failed). The import runs in the background
// (triggers/equipmentImageSync.ts); the reply is 202 with the image field as it now stands.
import { Router } from 'express';
import { requestImageImport } from '../data/equipmentImages';
import { callerId } from './auth';
import { orgRoute } from './routes';

export const equipmentImagesRouter = Router();

orgRoute(
  equipmentImagesRouter,
  'post',
  '/equipment/:assetId/import-image',
  'write',
  async (req, res, access) => {
    const assetId = req.params.assetId as string;
    const image = await requestImageImport(access.orgId, assetId, callerId(access.caller));
    res.status(202).json({ assetId, image });
  },
);
