// /v1/orgs/{orgId}/masters: master cases and the link from the prepared queue.
import { Router } from 'express';
import { validateLinkRequest, validateNewMaster } from '../../domain/manufacturing/validate';
import { linkFromQueue } from '../../data/manufacturing/link';
import { createMaster, getMaster, linkedCodes, masterInfo } from '../../data/manufacturing/masters';
import { callerId } from '../auth';
import { jsonBody, valid } from '../body';
import { orgRoute } from '../routes';

export const mastersRouter = Router();

orgRoute(mastersRouter, 'post', '/masters', 'write', async (req, res, access) => {
  const input = valid(validateNewMaster(jsonBody(req)));
  const master = await createMaster(access.orgId, input, callerId(access.caller));
  res.status(201).json({ ...masterInfo(master), orderId: master.orderId });
});

orgRoute(mastersRouter, 'get', '/masters/:masterCode', 'read', async (req, res, { orgId }) => {
  const masterCode = req.params.masterCode as string;
  const master = await getMaster(orgId, masterCode);
  res.json({ ...master, linkedCodes: await linkedCodes(orgId, masterCode) });
});

orgRoute(
  mastersRouter,
  'post',
  '/masters/:masterCode/link-from-queue',
  'write',
  async (req, res, access) => {
    const input = valid(validateLinkRequest(jsonBody(req)));
    const result = await linkFromQueue(
      access.orgId,
      req.params.masterCode as string,
      input,
      callerId(access.caller),
    );
    res.json(result);
  },
);
