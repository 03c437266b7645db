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
import { publicBaseUrl } from '../../config';
import { productCodeUrl } from '../../domain/productCodes';
import { sendQrImage } from '../qrImage';
import { qrImageRoute } from '../schemas/qr';

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
      201: json(
        'The new master case',
        masterInfoSchema.extend({
          orderId: z.string(),
          batchId: z.string().nullable(),
          scanUrl: z
            .string()
            .meta({ description: 'What its label encodes: {PUBLIC_BASE_URL}/u/{masterCode}' }),
        }),
      ),
    },
  },
  async (_req, res, access) => {
    const master = await createMaster(access.orgId, access.body, callerId(access.caller));
    res.status(201).json({
      ...masterInfo(master),
      orderId: master.orderId,
      batchId: master.batchId,
      scanUrl: productCodeUrl(publicBaseUrl(), master.masterCode, null),
    });
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
  'read',
  {
    method: 'get',
    path: '/masters/:masterCode/qr',
    summary: 'A master case’s code as a PNG or SVG QR image: its /u/ URL, for the case label',
    tags,
    ...qrImageRoute,
  },
  async (req, res, { orgId, params, query }) => {
    const master = await getMaster(orgId, params.masterCode);
    const url = productCodeUrl(publicBaseUrl(), master.masterCode, null);
    sendQrImage(req, res, query, url, `master-${master.masterCode}`);
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
