// QR backfill: POST .../equipment/batch-generate-qr starts a job (202 {jobId}); a trigger does the
// work; GET .../equipment/qr-jobs/{jobId} shows its progress.
import { Router } from 'express';
import { AppError } from '../domain/errors';
import { isValidId } from '../domain/ids';
import { createQrJob, getQrJob, type QrJobRequest } from '../data/qrJobs';
import { callerId } from './auth';
import { jsonBody } from './body';
import { orgRoute } from './routes';

export const equipmentJobsRouter = Router();

/** Most asset ids one job may name (a larger set: several jobs, or `missing`). */
export const MAX_JOB_ASSET_IDS = 500;

function jobRequest(body: Record<string, unknown>): QrJobRequest {
  const keys = Object.keys(body);
  const usage = 'send {"assetIds": [...]} (at most 500) or {"missing": true}';
  if (keys.length !== 1 || !['assetIds', 'missing'].includes(keys[0])) {
    throw new AppError('invalid_argument', `Invalid request: ${usage}`);
  }
  if (keys[0] === 'missing') {
    if (body.missing !== true)
      throw new AppError('invalid_argument', `missing must be true; ${usage}`);
    return { missing: true };
  }
  const ids = body.assetIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_JOB_ASSET_IDS) {
    throw new AppError('invalid_argument', `assetIds must list 1 to ${MAX_JOB_ASSET_IDS} ids`, {
      field: 'assetIds',
    });
  }
  const bad = ids.filter((id) => !isValidId(id));
  if (bad.length > 0) {
    throw new AppError('invalid_argument', 'assetIds holds values that are not asset ids', {
      field: 'assetIds',
      invalid: bad.slice(0, 20),
    });
  }
  return { assetIds: [...new Set(ids as string[])] };
}

orgRoute(
  equipmentJobsRouter,
  'post',
  '/equipment/batch-generate-qr',
  'write',
  async (req, res, access) => {
    const request = jobRequest(jsonBody(req));
    const jobId = await createQrJob(access.orgId, request, callerId(access.caller));
    res.status(202).json({ jobId });
  },
);

orgRoute(
  equipmentJobsRouter,
  'get',
  '/equipment/qr-jobs/:jobId',
  'read',
  async (req, res, { orgId }) => {
    const job = await getQrJob(orgId, req.params.jobId as string);
    res.json(job);
  },
);
