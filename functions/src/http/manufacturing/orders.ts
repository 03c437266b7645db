// /v1/orgs/{orgId}/orders: orders, their batches and the batches' unit codes (list, CSV, one
// code, its status, its QR image).
import { Router } from 'express';
import { z } from 'zod';
import { csvCell } from '../../domain/csv/write';
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
  type Order,
  type UnitCode,
} from '../../data/manufacturing/orders';
import { ensureUnitLookups, redemptionSecretMaker, unitScanUrl } from '../../data/productCodes';
import { callerId } from '../auth';
import { orgEndpoint } from '../declare';
import { sendQrImage } from '../qrImage';
import { sendCsv } from '../csvReply';
import { qrImageRoute } from '../schemas/qr';
import { json, media } from '../schemas/replies';
import {
  batchSchema,
  codeListQuery,
  codePageSchema,
  newBatchBody,
  newOrderBody,
  orderSchema,
  statusChangeBody,
  unitCodeSchema,
} from '../schemas/manufacturing';

export const ordersRouter = Router();

const tags = ['manufacturing'];

orgEndpoint(
  ordersRouter,
  'write',
  {
    method: 'post',
    path: '/orders',
    summary: 'Create a manufacturing order',
    tags,
    body: { schema: newOrderBody, validate: validateNewOrder },
    replies: {
      201: json(
        'The new order',
        z.object({
          orderId: z.string(),
          name: z.string(),
          sku: z.string().nullable(),
          productName: z.string().nullable(),
          gtin: z.string().nullable(),
          redemptionSecret: z.boolean(),
        }),
      ),
    },
  },
  async (_req, res, access) => {
    const order = await createOrder(access.orgId, access.body, callerId(access.caller));
    res.status(201).json({
      orderId: order.orderId,
      name: order.name,
      sku: order.sku,
      productName: order.productName,
      gtin: order.gtin,
      redemptionSecret: order.redemptionSecret,
    });
  },
);

orgEndpoint(
  ordersRouter,
  'read',
  {
    method: 'get',
    path: '/orders/:orderId',
    summary: 'One order',
    tags,
    replies: { 200: json('The order', orderSchema) },
  },
  async (_req, res, { orgId, params }) => {
    res.json(await getOrder(orgId, params.orderId));
  },
);

orgEndpoint(
  ordersRouter,
  'write',
  {
    method: 'post',
    path: '/orders/:orderId/batches',
    summary: 'Create a batch of unit codes; they are generated in the background',
    tags,
    body: { schema: newBatchBody, validate: validateNewBatch },
    replies: {
      202: json(
        'The batch is being generated',
        z.object({ batchId: z.string(), status: z.string(), units: z.number().int() }),
      ),
    },
  },
  async (_req, res, access) => {
    const batch = await createBatch(
      access.orgId,
      access.params.orderId,
      access.body,
      callerId(access.caller),
    );
    res.status(202).json({ batchId: batch.batchId, status: batch.status, units: batch.units });
  },
);

orgEndpoint(
  ordersRouter,
  'read',
  {
    method: 'get',
    path: '/orders/:orderId/batches/:batchId',
    summary: 'A batch and its progress',
    tags,
    replies: { 200: json('The batch', batchSchema) },
  },
  async (_req, res, { orgId, params }) => {
    res.json(await getBatch(orgId, params.orderId, params.batchId));
  },
);

orgEndpoint(
  ordersRouter,
  'read',
  {
    method: 'get',
    path: '/orders/:orderId/batches/:batchId/codes',
    summary: 'A page of the batch’s unit codes, by sequence number',
    tags,
    query: codeListQuery,
    replies: { 200: json('A page of codes', codePageSchema) },
  },
  async (_req, res, { orgId, params, query }) => {
    res.json(await listCodes(orgId, params.orderId, params.batchId, query));
  },
);

/** `url` is what a unit's label encodes; `redemptionSecret` (orders that have them) goes under its scratch-off. */
const CSV_COLUMNS = ['seq', 'code', 'status', 'masterCode', 'statusChangedAt', 'url'] as const;

function csvLine(code: UnitCode, url: string, secret: string | undefined): string {
  const cells = [
    String(code.seq),
    code.code,
    code.status,
    code.masterCode,
    code.statusChangedAt,
    url,
  ];
  if (secret !== undefined) cells.push(secret);
  return cells.map(csvCell).join(',') + '\r\n';
}

async function* csvText(orgId: string, order: Order, batchId: string): AsyncGenerator<string> {
  const secretOf = await redemptionSecretMaker(orgId, order.orderId);
  const columns = secretOf ? [...CSV_COLUMNS, 'redemptionSecret'] : CSV_COLUMNS;
  yield `\uFEFF${columns.join(',')}\r\n`;
  let page: UnitCode[] = [];
  const flush = async function* () {
    // Units from before the /u/ lookup get theirs as their labels' URLs are handed out.
    await ensureUnitLookups(
      orgId,
      page.map((c) => c.code),
    );
    for (const c of page) yield csvLine(c, unitScanUrl(c.code, order.gtin), secretOf?.(c.code));
    page = [];
  };
  for await (const code of batchCodes(orgId, batchId)) {
    page.push(code);
    if (page.length === 500) yield* flush();
  }
  yield* flush();
}

orgEndpoint(
  ordersRouter,
  'read',
  {
    method: 'get',
    path: '/orders/:orderId/batches/:batchId/codes.csv',
    summary: 'Every unit code of the batch as CSV',
    tags,
    replies: { 200: media('The CSV file (UTF-8)', 'text/csv') },
  },
  async (_req, res, { orgId, params }) => {
    const { orderId, batchId } = params;
    const [order] = await Promise.all([
      getOrder(orgId, orderId),
      getBatch(orgId, orderId, batchId),
    ]);
    await sendCsv(res, `batch-${batchId}.csv`, csvText(orgId, order, batchId));
  },
);

orgEndpoint(
  ordersRouter,
  'read',
  {
    method: 'get',
    path: '/orders/:orderId/batches/:batchId/codes/:code',
    summary: 'One unit code',
    tags,
    replies: { 200: json('The code', unitCodeSchema) },
  },
  async (_req, res, { orgId, params }) => {
    res.json(await getUnitCode(orgId, params.orderId, params.batchId, params.code));
  },
);

orgEndpoint(
  ordersRouter,
  'write',
  {
    method: 'patch',
    path: '/orders/:orderId/batches/:batchId/codes/:code',
    summary: 'Change a unit code’s status',
    tags,
    body: { schema: statusChangeBody, validate: validateStatusChange },
    replies: { 200: json('The code as it now is', unitCodeSchema) },
  },
  async (_req, res, { orgId, params, body }) => {
    res.json(
      await changeCodeStatus(orgId, params.orderId, params.batchId, params.code, body.status),
    );
  },
);

orgEndpoint(
  ordersRouter,
  'read',
  {
    method: 'get',
    path: '/orders/:orderId/batches/:batchId/codes/:code/qr',
    summary: 'A unit code as a PNG or SVG QR image: its /u/ URL (or GS1 Digital Link URI)',
    tags,
    ...qrImageRoute,
  },
  async (req, res, { orgId, params, query }) => {
    const [unit, order] = await Promise.all([
      getUnitCode(orgId, params.orderId, params.batchId, params.code),
      getOrder(orgId, params.orderId),
    ]);
    await ensureUnitLookups(orgId, [unit.code]);
    sendQrImage(req, res, query, unitScanUrl(unit.code, order.gtin), unit.code);
  },
);
