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
import { listPrepJobs } from '../../data/manufacturing/prepJobList';
import { JOB_STATUSES } from '../../domain/manufacturing/prepJobs';
import { idSchema, queryInt, queryText } from '../../domain/schemas/kit';
import { z } from 'zod';
import { callerId } from '../auth';
import { orgEndpoint } from '../declare';
import { json } from '../schemas/replies';
import {
  createdPrepJobSchema,
  newPrepJobBody,
  prepJobLogsQuery,
  prepJobLogsSchema,
  prepJobSchema,
} from '../schemas/manufacturing';

export const prepJobsRouter = Router();

const tags = ['manufacturing'];

orgEndpoint(
  prepJobsRouter,
  'write',
  {
    method: 'post',
    path: '/prep-jobs',
    summary: 'Prepare a batch’s codes for packing, in the background',
    tags,
    body: { schema: newPrepJobBody, validate: validateNewPrepJob },
    replies: { 202: json('The job is queued', createdPrepJobSchema) },
  },
  async (_req, res, access) => {
    res.status(202).json(await createPrepJob(access.orgId, access.body, callerId(access.caller)));
  },
);

orgEndpoint(
  prepJobsRouter,
  'read',
  {
    method: 'get',
    path: '/prep-jobs',
    summary: 'The prep jobs, newest first, optionally of one status, order or batch',
    tags,
    query: {
      status: z
        .enum(JOB_STATUSES, { error: `must be one of ${JOB_STATUSES.join(', ')}` })
        .optional(),
      orderId: idSchema.optional(),
      batchId: idSchema.optional(),
      limit: queryInt(1, 200, 50),
      pageToken: queryText,
    },
    replies: {
      200: json(
        'A page of jobs',
        z.object({ jobs: z.array(prepJobSchema), nextPageToken: z.string().nullable() }),
      ),
    },
  },
  async (_req, res, { orgId, query }) => {
    res.json(await listPrepJobs(orgId, query));
  },
);

orgEndpoint(
  prepJobsRouter,
  'read',
  {
    method: 'get',
    path: '/prep-jobs/:jobId',
    summary: 'A prep job and its progress',
    tags,
    replies: { 200: json('The job', prepJobSchema) },
  },
  async (_req, res, { orgId, params }) => {
    res.json(await getPrepJob(orgId, params.jobId));
  },
);

orgEndpoint(
  prepJobsRouter,
  'write',
  {
    method: 'post',
    path: '/prep-jobs/:jobId/cancel',
    summary: 'Cancel a prep job',
    tags,
    replies: { 200: json('The job', prepJobSchema) },
  },
  async (_req, res, access) => {
    res.json(await cancelPrepJob(access.orgId, access.params.jobId, callerId(access.caller)));
  },
);

orgEndpoint(
  prepJobsRouter,
  'write',
  {
    method: 'post',
    path: '/prep-jobs/:jobId/retry',
    summary: 'Run a failed or cancelled prep job again',
    tags,
    replies: { 200: json('The job', prepJobSchema) },
  },
  async (_req, res, access) => {
    res.json(await retryPrepJob(access.orgId, access.params.jobId, callerId(access.caller)));
  },
);

orgEndpoint(
  prepJobsRouter,
  'read',
  {
    method: 'get',
    path: '/prep-jobs/:jobId/logs',
    summary: 'A prep job’s log lines, oldest first',
    tags,
    query: prepJobLogsQuery,
    replies: { 200: json('The log lines', prepJobLogsSchema) },
  },
  async (_req, res, { orgId, params, query }) => {
    res.json({ logs: await prepJobLogs(orgId, params.jobId, query.limit) });
  },
);
