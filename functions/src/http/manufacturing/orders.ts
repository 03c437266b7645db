// /v1/orgs/{orgId}/orders: orders, their batches and the batches' unit codes (list, CSV, one
// code, its status, its QR image).
import { Router } from 'express';
import { csvCell } from '../../domain/csv/write';
import { CODE_STATUSES } from '../../domain/manufacturing/status';
import {
  validateNewBatch,
  validateNewOrder,
  validateStatusChange,
} from '../../domain/manufacturing/validate';
import {
  batchCodes,
  changeCodeStatus,
  createBatch,
  createOrder,
  getBatch,
  getOrder,
  getUnitCode,
  listCodes,
  type UnitCode,
} from '../../data/manufacturing/orders';
import { callerId } from '../auth';
import { jsonBody, valid } from '../body';
import { queryEnum, queryInt, queryString } from '../query';
import { sendQrImage } from '../qrImage';
import { orgRoute } from '../routes';
import { sendCsv } from '../csvReply';

export const ordersRouter = Router();

type Params = Record<string, string>;

orgRoute(ordersRouter, 'post', '/orders', 'write', async (req, res, access) => {
  const input = valid(validateNewOrder(jsonBody(req)));
  const order = await createOrder(access.orgId, input, callerId(access.caller));
  res.status(201).json({ orderId: order.orderId, name: order.name, sku: order.sku });
});

orgRoute(ordersRouter, 'get', '/orders/:orderId', 'read', async (req, res, { orgId }) => {
  res.json(await getOrder(orgId, (req.params as Params).orderId as string));
});

orgRoute(ordersRouter, 'post', '/orders/:orderId/batches', 'write', async (req, res, access) => {
  const input = valid(validateNewBatch(jsonBody(req)));
  const { orderId } = req.params as Params;
  const batch = await createBatch(access.orgId, orderId as string, input, callerId(access.caller));
  res.status(202).json({ batchId: batch.batchId, status: batch.status, units: batch.units });
});

orgRoute(
  ordersRouter,
  'get',
  '/orders/:orderId/batches/:batchId',
  'read',
  async (req, res, { orgId }) => {
    const { orderId, batchId } = req.params as Params;
    res.json(await getBatch(orgId, orderId as string, batchId as string));
  },
);

orgRoute(
  ordersRouter,
  'get',
  '/orders/:orderId/batches/:batchId/codes',
  'read',
  async (req, res, { orgId }) => {
    const { orderId, batchId } = req.params as Params;
    const status = queryString(req, 'status')
      ? queryEnum(req, 'status', CODE_STATUSES, 'generated')
      : undefined;
    const page = await listCodes(orgId, orderId as string, batchId as string, {
      status,
      limit: queryInt(req, 'limit', 1, 1000, 100),
      pageToken: queryString(req, 'pageToken'),
    });
    res.json(page);
  },
);

const CSV_COLUMNS = ['seq', 'code', 'status', 'masterCode', 'statusChangedAt'] as const;

function csvLine(code: UnitCode): string {
  return (
    [String(code.seq), code.code, code.status, code.masterCode, code.statusChangedAt]
      .map(csvCell)
      .join(',') + '\r\n'
  );
}

async function* csvText(orgId: string, batchId: string): AsyncGenerator<string> {
  yield `\uFEFF${CSV_COLUMNS.join(',')}\r\n`;
  for await (const code of batchCodes(orgId, batchId)) yield csvLine(code);
}

orgRoute(
  ordersRouter,
  'get',
  '/orders/:orderId/batches/:batchId/codes.csv',
  'read',
  async (req, res, { orgId }) => {
    const { orderId, batchId } = req.params as Params;
    await getBatch(orgId, orderId as string, batchId as string);
    await sendCsv(res, `batch-${batchId}.csv`, csvText(orgId, batchId as string));
  },
);

orgRoute(
  ordersRouter,
  'get',
  '/orders/:orderId/batches/:batchId/codes/:code',
  'read',
  async (req, res, { orgId }) => {
    const { orderId, batchId, code } = req.params as Params;
    res.json(await getUnitCode(orgId, orderId as string, batchId as string, code as string));
  },
);

orgRoute(
  ordersRouter,
  'patch',
  '/orders/:orderId/batches/:batchId/codes/:code',
  'write',
  async (req, res, { orgId }) => {
    const { orderId, batchId, code } = req.params as Params;
    const { status } = valid(validateStatusChange(jsonBody(req)));
    res.json(
      await changeCodeStatus(orgId, orderId as string, batchId as string, code as string, status),
    );
  },
);

orgRoute(
  ordersRouter,
  'get',
  '/orders/:orderId/batches/:batchId/codes/:code/qr',
  'read',
  async (req, res, { orgId }) => {
    const { orderId, batchId, code } = req.params as Params;
    const unit = await getUnitCode(orgId, orderId as string, batchId as string, code as string);
    sendQrImage(req, res, unit.code, unit.code);
  },
);
