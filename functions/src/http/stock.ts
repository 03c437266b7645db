// /v1/orgs/{orgId}/stock-items: consumables, their movements, their suppliers' terms and the
// reorder advice. Every change of a quantity is a movement (data/stockMovements.ts).
import { Router } from 'express';
import { z } from 'zod';
import { reorderAdviceDays } from '../config';
import { AppError } from '../domain/errors';
import { allows } from '../domain/roles';
import { check } from '../domain/schemas/kit';
import { reorderAdvice, usageByDay, validateMovement } from '../domain/stock';
import { orgRef } from '../data/paths';
import { createStockItem, getStockItem, listStockItems, updateStockItem } from '../data/stockItems';
import { listMovements, recordMovement, usedSince } from '../data/stockMovements';
import { checkMovements } from '../data/stockQuota';
import {
  deleteItemSupplier,
  getItemSupplier,
  listItemSuppliers,
  putItemSupplier,
  type ItemSupplierFields,
} from '../data/suppliers';
import { callerId } from './auth';
import { stockCsvRouter } from './stockCsv';
import { orgEndpoint } from './declare';
import { empty, json } from './schemas/replies';
import {
  adviceSchema,
  itemSupplierBody,
  itemSupplierSchema,
  movementBody,
  movementListQuery,
  movementPageSchema,
  movementSchema,
  newStockItemBody,
  stockItemPatchBody,
  stockItemSchema,
  stockListQuery,
  stockPageSchema,
  checked,
} from './schemas/stock';

export const stockRouter = Router();
stockRouter.use(stockCsvRouter);

const tags = ['stock'];

orgEndpoint(
  stockRouter,
  'write',
  {
    method: 'post',
    path: '/stock-items',
    summary: 'Create a stock item; a starting quantityOnHand is its first (adjusted) movement',
    tags,
    body: checked(newStockItemBody),
    replies: { 201: json('The new item', stockItemSchema) },
  },
  async (_req, res, access) => {
    const body = access.body;
    const item = await createStockItem(access.orgId, body, callerId(access.caller));
    res.status(201).location(`/v1/orgs/${access.orgId}/stock-items/${item.sku}`).json(item);
  },
);

orgEndpoint(
  stockRouter,
  'read',
  {
    method: 'get',
    path: '/stock-items',
    summary:
      'List stock items by sku (or by name with q), filtered by location, low stock, supplier',
    tags,
    query: stockListQuery,
    replies: { 200: json('A page of items', stockPageSchema) },
  },
  async (_req, res, { orgId, query }) => {
    const { locationId, low, supplierId, q, active, limit, pageToken } = query;
    const filter = {
      ...(locationId ? { locationId } : {}),
      ...(low !== undefined ? { low } : {}),
      ...(supplierId ? { supplierId } : {}),
      ...(q ? { q } : {}),
      ...(active === 'all' ? {} : { active: active === 'true' }),
    };
    res.json(await listStockItems(orgId, filter, { limit, pageToken }));
  },
);

orgEndpoint(
  stockRouter,
  'read',
  {
    method: 'get',
    path: '/stock-items/:sku',
    summary: 'One stock item',
    tags,
    replies: { 200: json('The item', stockItemSchema) },
  },
  async (_req, res, { orgId, params }) => {
    res.json(await getStockItem(orgId, params.sku));
  },
);

orgEndpoint(
  stockRouter,
  'write',
  {
    method: 'patch',
    path: '/stock-items/:sku',
    summary: 'Change an item’s fields (not its quantity: that is a movement)',
    tags,
    body: checked(stockItemPatchBody),
    replies: { 200: json('The item as it now is', stockItemSchema) },
  },
  async (_req, res, { orgId, caller, params, body }) => {
    res.json(await updateStockItem(orgId, params.sku, body, { by: callerId(caller), via: 'api' }));
  },
);

orgEndpoint(
  stockRouter,
  'write',
  {
    method: 'post',
    path: '/stock-items/:sku/deactivate',
    summary: 'Deactivate an item: its history stays, it takes no movements, no drafts are made',
    tags,
    replies: { 200: json('The item as it now is', stockItemSchema) },
  },
  async (_req, res, { orgId, caller, params }) => {
    res.json(
      await updateStockItem(
        orgId,
        params.sku,
        { active: false },
        { by: callerId(caller), via: 'api' },
      ),
    );
  },
);

/** Whether a member below editor may record a `used` movement here. */
async function selfService(orgId: string): Promise<boolean> {
  return (await orgRef(orgId).get()).get('selfServiceStock') === true;
}

orgEndpoint(
  stockRouter,
  // Read, checked further below: `used` is open to any member where selfServiceStock is on.
  'read',
  {
    method: 'post',
    path: '/stock-items/:sku/movements',
    summary: 'Record a movement: used, received, adjusted, returned (a signed delta) or counted',
    description:
      'Editors and up; `used` also for any member when the organisation’s selfServiceStock is true. ' +
      'Using more than is on hand is 409 insufficient_stock. An idempotencyKey makes a retry return the first movement (200).',
    tags,
    body: {
      schema: movementBody,
      validate: (body) => {
        const parsed = check(movementBody, body);
        return parsed.ok ? validateMovement(parsed.value) : parsed;
      },
    },
    replies: {
      200: json('The movement an earlier request with this idempotencyKey made', movementSchema),
      201: json('The movement', movementSchema),
    },
  },
  async (_req, res, { orgId, role, caller, params, body }) => {
    if (!allows(role, 'write') && !(body.reason === 'used' && (await selfService(orgId)))) {
      throw new AppError(
        'permission_denied',
        body.reason === 'used'
          ? `Recording use needs the editor role or higher, or the organisation’s selfServiceStock; you are ${role}`
          : `This needs the editor role or higher; you are ${role}`,
      );
    }
    const budget = await checkMovements(orgId);
    const { movement, replayed } = await recordMovement(
      orgId,
      params.sku,
      body,
      callerId(caller),
      budget,
    );
    res.status(replayed ? 200 : 201).json(movement);
  },
);

orgEndpoint(
  stockRouter,
  'read',
  {
    method: 'get',
    path: '/stock-items/:sku/movements',
    summary: 'The item’s movements, newest first',
    tags,
    query: movementListQuery,
    replies: { 200: json('A page of movements', movementPageSchema) },
  },
  async (_req, res, { orgId, params, query }) => {
    res.json(await listMovements(orgId, params.sku, query));
  },
);

orgEndpoint(
  stockRouter,
  'read',
  {
    method: 'get',
    path: '/stock-items/:sku/reorder-advice',
    summary: 'A reorder point suggested by recent use and the preferred supplier’s lead time',
    tags,
    replies: { 200: json('The suggestion and the numbers it used', adviceSchema) },
  },
  async (_req, res, { orgId, params }) => {
    const item = await getStockItem(orgId, params.sku);
    const windowDays = reorderAdviceDays();
    const now = new Date();
    const [uses, terms] = await Promise.all([
      usedSince(orgId, item.sku, new Date(now.getTime() - windowDays * 86_400_000)),
      item.preferredSupplierId
        ? getItemSupplier(orgId, item.sku, item.preferredSupplierId).catch(() => undefined)
        : Promise.resolve(undefined),
    ]);
    const advice = reorderAdvice({
      usedByDay: usageByDay(uses, windowDays, now),
      windowDays,
      supplierId: item.preferredSupplierId,
      averageLeadDays: terms?.leadTime?.averageDays ?? null,
      p90LeadDays: terms?.leadTime?.p90Days ?? null,
      leadTimeSamples: terms?.leadTime?.samples ?? 0,
      currentReorderPoint: item.reorderPoint,
    });
    res.json({ sku: item.sku, ...advice });
  },
);

orgEndpoint(
  stockRouter,
  'read',
  {
    method: 'get',
    path: '/stock-items/:sku/suppliers',
    summary: 'Who supplies the item, on what terms, how fast',
    tags,
    replies: {
      200: json('The item-suppliers', z.object({ suppliers: z.array(itemSupplierSchema) })),
    },
  },
  async (_req, res, { orgId, params }) => {
    await getStockItem(orgId, params.sku);
    res.json({ suppliers: await listItemSuppliers(orgId, params.sku) });
  },
);

orgEndpoint(
  stockRouter,
  'write',
  {
    method: 'put',
    path: '/stock-items/:sku/suppliers/:supplierId',
    summary: 'Set a supplier’s terms for the item (its learned lead time is kept)',
    tags,
    body: checked(itemSupplierBody),
    replies: {
      200: json('The terms, replaced', itemSupplierSchema),
      201: json('The supplier now supplies the item', itemSupplierSchema),
    },
  },
  async (_req, res, { orgId, params, body }) => {
    const result = await putItemSupplier(
      orgId,
      params.sku,
      params.supplierId,
      body as ItemSupplierFields,
    );
    res.status(result.created ? 201 : 200).json(result.itemSupplier);
  },
);

orgEndpoint(
  stockRouter,
  'read',
  {
    method: 'get',
    path: '/stock-items/:sku/suppliers/:supplierId',
    summary: 'One supplier’s terms and lead time for the item',
    tags,
    replies: { 200: json('The item-supplier', itemSupplierSchema) },
  },
  async (_req, res, { orgId, params }) => {
    res.json(await getItemSupplier(orgId, params.sku, params.supplierId));
  },
);

orgEndpoint(
  stockRouter,
  'write',
  {
    method: 'delete',
    path: '/stock-items/:sku/suppliers/:supplierId',
    summary: 'The supplier no longer supplies the item',
    tags,
    replies: { 204: empty('Removed') },
  },
  async (_req, res, { orgId, params }) => {
    await deleteItemSupplier(orgId, params.sku, params.supplierId);
    res.status(204).end();
  },
);
