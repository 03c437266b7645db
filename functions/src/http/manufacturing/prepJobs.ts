// /v1/orgs/{orgId}/prep-jobs: batch preparation in the background. There is no worker route:
// jobs run from a Firestore trigger and the sweeper schedule only.
import { Router } from 'express';
import { validateNewPrepJob } from '../../domain/manufacturing/validate';
import {
  cancelPrepJob,
  createPrepJob,
  getPrepJob,
  prepJobLogs,
  retryPrepJob,
} from '../../data/manufacturing/prepJobs';
import { callerId } from '../auth';
import { jsonBody, valid } from '../body';
import { queryInt } from '../query';
import { orgRoute } from '../routes';

export const prepJobsRouter = Router();

orgRoute(prepJobsRouter, 'post', '/prep-jobs', 'write', async (req, res, access) => {
  const input = valid(validateNewPrepJob(jsonBody(req)));
  res.status(202).json(await createPrepJob(access.orgId, input, callerId(access.caller)));
});

orgRoute(prepJobsRouter, 'get', '/prep-jobs/:jobId', 'read', async (req, res, { orgId }) => {
  res.json(await getPrepJob(orgId, req.params.jobId as string));
});

orgRoute(prepJobsRouter, 'post', '/prep-jobs/:jobId/cancel', 'write', async (req, res, access) => {
  res.json(await cancelPrepJob(access.orgId, req.params.jobId as string, callerId(access.caller)));
});

orgRoute(prepJobsRouter, 'post', '/prep-jobs/:jobId/retry', 'write', async (req, res, access) => {
  res.json(await retryPrepJob(access.orgId, req.params.jobId as string, callerId(access.caller)));
});

orgRoute(prepJobsRouter, 'get', '/prep-jobs/:jobId/logs', 'read', async (req, res, { orgId }) => {
  const limit = queryInt(req, 'limit', 1, 1000, 200);
  res.json({ logs: await prepJobLogs(orgId, req.params.jobId as string, limit) });
});
