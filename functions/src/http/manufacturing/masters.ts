// /v1/orgs/{orgId}/masters: master cases and the link from the prepared queue.
import { Router } from 'express';
import { validateLinkRequest, validateNewMaster } from '../../domain/manufacturing/validate';
import { linkFromQueue } from '../../data/manufacturing/link';
import { createMaster, getMaster, linkedCodes, masterInfo } from '../../data/manufacturing/masters';
import { callerId } from '../auth';
import { orgEndpoint } from '../declare';
import { json } from '../schemas/replies';
import {
  linkBody,
  linkResultSchema,
  masterInfoSchema,
  masterSchema,
  newMasterBody,
} from '../schemas/manufacturing';
import { z } from 'zod';

export const mastersRouter = Router();

const tags = ['manufacturing'];

orgEndpoint(
  mastersRouter,
  'write',
  {
    method: 'post',
    path: '/masters',
    summary: 'Create a master case for an order',
    tags,
    body: { schema: newMasterBody, validate: validateNewMaster },
    replies: {
      201: json('The new master case', masterInfoSchema.extend({ orderId: z.string() })),
    },
  },
  async (_req, res, access) => {
    const master = await createMaster(access.orgId, access.body, callerId(access.caller));
    res.status(201).json({ ...masterInfo(master), orderId: master.orderId });
  },
);

orgEndpoint(
  mastersRouter,
  'read',
  {
    method: 'get',
    path: '/masters/:masterCode',
    summary: 'A master case and the codes packed into it',
    tags,
    replies: { 200: json('The master case', masterSchema) },
  },
  async (_req, res, { orgId, params }) => {
    const master = await getMaster(orgId, params.masterCode);
    res.json({ ...master, linkedCodes: await linkedCodes(orgId, params.masterCode) });
  },
);

orgEndpoint(
  mastersRouter,
  'write',
  {
    method: 'post',
    path: '/masters/:masterCode/link-from-queue',
    summary: 'Pack the next prepared codes of a batch into the master case',
    tags,
    body: { schema: linkBody, validate: validateLinkRequest },
    replies: { 200: json('What was linked', linkResultSchema) },
  },
  async (_req, res, access) => {
    const result = await linkFromQueue(
      access.orgId,
      access.params.masterCode,
      access.body,
      callerId(access.caller),
    );
    res.json(result);
  },
);
