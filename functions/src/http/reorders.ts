// /v1/orgs/{orgId}/reorders: requests to restock, from draft (by hand or by the low-stock
// trigger) to ordered, received in one or more receipts, closed or cancelled.
import { Router } from 'express';
import { checkMovements } from '../data/stockQuota';
import {
  createReorder,
  endReorder,
  getReorder,
  groupBySupplier,
  listReorders,
  orderReorder,
  receiveReorder,
} from '../data/reorders';
import { callerId } from './auth';
import { orgEndpoint } from './declare';
import { json } from './schemas/replies';
import {
  newReorderBody,
  orderBody,
  receiptBody,
  reorderListQuery,
  reorderPageSchema,
  reorderSchema,
  checked,
} from './schemas/stock';

export const reordersRouter = Router();

const tags = ['stock'];

orgEndpoint(
  reordersRouter,
  'write',
  {
    method: 'post',
    path: '/reorders',
    summary: 'Make a draft reorder by hand (409 reorder_open when the item has an open one)',
    tags,
    body: checked(newReorderBody),
    replies: { 201: json('The draft', reorderSchema) },
  },
  async (_req, res, access) => {
    const reorder = await createReorder(
      access.orgId,
      access.body as { sku: string; supplierId: string; quantity: number },
      callerId(access.caller),
    );
    res
      .status(201)
      .location(`/v1/orgs/${access.orgId}/reorders/${reorder.reorderId}`)
      .json(reorder);
  },
);

orgEndpoint(
  reordersRouter,
  'read',
  {
    method: 'get',
    path: '/reorders',
    summary: 'Reorders, newest first; with status=draft also grouped by supplier',
    tags,
    query: reorderListQuery,
    replies: { 200: json('A page of reorders', reorderPageSchema) },
  },
  async (_req, res, { orgId, query }) => {
    const { status, supplierId, sku, limit, pageToken } = query;
    const filter = {
      ...(status ? { status } : {}),
      ...(supplierId ? { supplierId } : {}),
      ...(sku ? { sku } : {}),
    };
    const page = await listReorders(orgId, filter, { limit, pageToken });
    res.json(
      status === 'draft'
        ? { ...page, bySupplier: await groupBySupplier(orgId, page.reorders) }
        : page,
    );
  },
);

orgEndpoint(
  reordersRouter,
  'read',
  {
    method: 'get',
    path: '/reorders/:reorderId',
    summary: 'One reorder with its receipts',
    tags,
    replies: { 200: json('The reorder', reorderSchema) },
  },
  async (_req, res, { orgId, params }) => {
    res.json(await getReorder(orgId, params.reorderId));
  },
);

orgEndpoint(
  reordersRouter,
  'write',
  {
    method: 'post',
    path: '/reorders/:reorderId/order',
    summary: 'Mark a draft ordered; `at` when it really was (never in the future)',
    tags,
    body: checked(orderBody),
    replies: {
      200: json('The reorder, ordered, with expectedAt from the lead time', reorderSchema),
    },
  },
  async (_req, res, { orgId, params, body, caller }) => {
    const { at } = body;
    res.json(await orderReorder(orgId, params.reorderId, at, callerId(caller)));
  },
);

orgEndpoint(
  reordersRouter,
  'write',
  {
    method: 'post',
    path: '/reorders/:reorderId/receipts',
    summary:
      'Record what arrived: stock and receipt in one transaction; more than ordered is over-delivery',
    tags,
    body: checked(receiptBody),
    replies: { 200: json('The reorder with the receipt', reorderSchema) },
  },
  async (_req, res, { orgId, params, body, caller }) => {
    const budget = await checkMovements(orgId);
    const input = body;
    res.json(await receiveReorder(orgId, params.reorderId, input, callerId(caller), budget));
  },
);

orgEndpoint(
  reordersRouter,
  'write',
  {
    method: 'post',
    path: '/reorders/:reorderId/cancel',
    summary: 'Cancel a draft or ordered request (nothing arrived)',
    tags,
    replies: { 200: json('The reorder, cancelled', reorderSchema) },
  },
  async (_req, res, { orgId, params, caller }) => {
    res.json(await endReorder(orgId, params.reorderId, 'cancel', callerId(caller)));
  },
);

orgEndpoint(
  reordersRouter,
  'write',
  {
    method: 'post',
    path: '/reorders/:reorderId/close',
    summary: 'Close a (partially) received request: nothing more is expected',
    tags,
    replies: { 200: json('The reorder, closed', reorderSchema) },
  },
  async (_req, res, { orgId, params, caller }) => {
    res.json(await endReorder(orgId, params.reorderId, 'close', callerId(caller)));
  },
);
