// /v1/orgs/{orgId}/equipment: the inventory. Fixed paths (export.csv, bulk-upload,
// batch-generate-qr, qr-jobs/...) are mounted before the /equipment/:assetId routes, so that an
// asset id route never captures them (export.csv would even fail its id check).
import { Router, type Request } from 'express';
import { AppError } from '../domain/errors';
import { isValidId } from '../domain/ids';
import { parseCategory, validateEquipment } from '../domain/equipment';
import { parseIdempotencyKey, requestFingerprint } from '../domain/idempotency';
import {
  createEquipment,
  deleteEquipment,
  getEquipmentWithTags,
  listEquipment,
  updateEquipment,
  type EquipmentFilter,
  type QrStatus,
} from '../data/equipment';
import { regenerateEquipmentQr } from '../data/equipmentQr';
import { idempotencyRecord } from '../data/idempotency';
import { callerId } from './auth';
import { jsonBody, valid } from './body';
import { equipmentExportRouter } from './equipmentExport';
import { equipmentJobsRouter } from './equipmentJobs';
import { equipmentUploadRouter } from './equipmentUpload';
import { queryEnum, queryInt, queryString } from './query';
import { orgRoute } from './routes';

export const equipmentRouter = Router();
equipmentRouter.use(equipmentExportRouter, equipmentUploadRouter, equipmentJobsRouter);

/** Page size of the list: 50 unless asked, at most 500. */
const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

/** What the `qr` filter names, as the `qrStatus` field holds it. */
const QR_FILTER: Record<string, QrStatus> = {
  missing: 'pending',
  failed: 'failed',
  ready: 'ready',
  refused: 'refused',
};

orgRoute(equipmentRouter, 'post', '/equipment', 'write', async (req, res, access) => {
  const key = parseIdempotencyKey(req.get('idempotency-key'));
  const body = jsonBody(req);
  const fields = valid(validateEquipment(body, 'create'));
  const caller = callerId(access.caller);
  const reply = await createEquipment(access.orgId, fields, {
    createdBy: caller,
    source: 'api',
    idempotency:
      key === undefined
        ? undefined
        : idempotencyRecord(access.orgId, caller, key, requestFingerprint('POST /equipment', body)),
  });
  if (reply.replayed) res.set('Idempotent-Replayed', 'true');
  res.status(reply.status).json(reply.body);
});

function listFilter(req: Request): EquipmentFilter {
  const filter: EquipmentFilter = {};
  const category = queryString(req, 'category');
  if (category !== undefined) {
    filter.category = parseCategory(category);
    if (!filter.category) {
      throw new AppError('invalid_argument', `category "${category}" is not a category`, {
        field: 'category',
      });
    }
  }
  const locationId = queryString(req, 'locationId');
  if (locationId !== undefined) {
    if (!isValidId(locationId)) {
      throw new AppError('invalid_argument', 'locationId must be a location id', {
        field: 'locationId',
      });
    }
    filter.locationId = locationId;
  }
  if (queryString(req, 'qr') !== undefined) {
    filter.qr = QR_FILTER[queryEnum(req, 'qr', ['missing', 'failed', 'ready', 'refused'], 'ready')];
  }
  return filter;
}

orgRoute(equipmentRouter, 'get', '/equipment', 'read', async (req, res, { orgId }) => {
  const filter = listFilter(req);
  const limit = queryInt(req, 'limit', 1, MAX_PAGE, DEFAULT_PAGE);
  const pageToken = queryString(req, 'pageToken') || undefined;
  res.json(await listEquipment(orgId, filter, { limit, pageToken }));
});

orgRoute(equipmentRouter, 'get', '/equipment/:assetId', 'read', async (req, res, { orgId }) => {
  res.json(await getEquipmentWithTags(orgId, req.params.assetId as string));
});

orgRoute(equipmentRouter, 'patch', '/equipment/:assetId', 'write', async (req, res, access) => {
  const fields = valid(validateEquipment(jsonBody(req), 'update'));
  res.json(await updateEquipment(access.orgId, req.params.assetId as string, fields));
});

orgRoute(equipmentRouter, 'delete', '/equipment/:assetId', 'write', async (req, res, access) => {
  const assetId = req.params.assetId as string;
  await deleteEquipment(access.orgId, assetId);
  // 204 like every other delete of the API (it answered 200 {assetId, deleted: true} before).
  res.status(204).end();
});

orgRoute(
  equipmentRouter,
  'post',
  '/equipment/:assetId/generate-qr',
  'write',
  async (req, res, access) => {
    res.json(await regenerateEquipmentQr(access.orgId, req.params.assetId as string));
  },
);
