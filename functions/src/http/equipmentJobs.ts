// QR backfill: POST .../equipment/batch-generate-qr starts a job (202 {jobId}); a trigger does the
// work; GET .../equipment/qr-jobs/{jobId} shows its progress.
import { Router } from 'express';
import { z } from 'zod';
import { createQrJob, getQrJob } from '../data/qrJobs';
import { callerId } from './auth';
import { orgEndpoint } from './declare';
import { json } from './schemas/replies';
import { qrJobBody, qrJobSchema, validateQrJobRequest } from './schemas/equipment';

export { MAX_JOB_ASSET_IDS } from './schemas/equipment';

export const equipmentJobsRouter = Router();

orgEndpoint(
  equipmentJobsRouter,
  'write',
  {
    method: 'post',
    path: '/equipment/batch-generate-qr',
    summary: 'Start a job that makes the QR codes of the given items, or of every item missing one',
    tags: ['equipment'],
    body: { schema: qrJobBody, validate: validateQrJobRequest, arrayAs: 'assetIds' },
    replies: { 202: json('The job started', z.object({ jobId: z.string() })) },
  },
  async (_req, res, access) => {
    const jobId = await createQrJob(access.orgId, access.body, callerId(access.caller));
    res.status(202).json({ jobId });
  },
);

orgEndpoint(
  equipmentJobsRouter,
  'read',
  {
    method: 'get',
    path: '/equipment/qr-jobs/:jobId',
    summary: 'A QR job’s progress',
    tags: ['equipment'],
    replies: { 200: json('The job', qrJobSchema) },
  },
  async (_req, res, { orgId, params }) => {
    res.json(await getQrJob(orgId, params.jobId));
  },
);
