// POST /v1/orgs/{orgId}/equipment/{assetId}/import-image: import the item's image again from its
// imageUrl (the source changed, or an earlier import failed). The import runs in the background
// (triggers/equipmentImageSync.ts); the reply is 202 with the image field as it now stands.
import { Router } from 'express';
import { requestImageImport } from '../data/equipmentImages';
import { callerId } from './auth';
import { z } from 'zod';
import { orgEndpoint } from './declare';
import { equipmentImageSchema } from './schemas/equipment';
import { json } from './schemas/replies';

export const equipmentImagesRouter = Router();

orgEndpoint(
  equipmentImagesRouter,
  'write',
  {
    method: 'post',
    path: '/equipment/:assetId/import-image',
    summary: 'Import the item’s image again from its imageUrl, in the background',
    tags: ['equipment'],
    replies: {
      202: json(
        'The import is queued; the image field as it now stands',
        z.object({ assetId: z.string(), image: equipmentImageSchema }),
      ),
    },
  },
  async (_req, res, access) => {
    const assetId = access.params.assetId;
    const image = await requestImageImport(access.orgId, assetId, callerId(access.caller));
    res.status(202).json({ assetId, image });
  },
);
