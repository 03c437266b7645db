// /v1/orgs/{orgId}/suppliers: who the organisation buys consumables from.
import { Router } from 'express';
import { z } from 'zod';
import {
  createSupplier,
  deleteSupplier,
  getSupplier,
  listSuppliers,
  updateSupplier,
  type SupplierFields,
} from '../data/suppliers';
import { callerId } from './auth';
import { orgEndpoint } from './declare';
import { empty, json } from './schemas/replies';
import { checked, newSupplierBody, supplierPatchBody, supplierSchema } from './schemas/stock';

export const suppliersRouter = Router();

const tags = ['stock'];

orgEndpoint(
  suppliersRouter,
  'write',
  {
    method: 'post',
    path: '/suppliers',
    summary: 'Add a supplier',
    tags,
    body: checked(newSupplierBody),
    replies: { 201: json('The supplier', supplierSchema) },
  },
  async (_req, res, access) => {
    const supplier = await createSupplier(
      access.orgId,
      access.body as SupplierFields,
      callerId(access.caller),
    );
    res
      .status(201)
      .location(`/v1/orgs/${access.orgId}/suppliers/${supplier.supplierId}`)
      .json(supplier);
  },
);

orgEndpoint(
  suppliersRouter,
  'read',
  {
    method: 'get',
    path: '/suppliers',
    summary: 'The suppliers, by name',
    tags,
    replies: { 200: json('The suppliers', z.object({ suppliers: z.array(supplierSchema) })) },
  },
  async (_req, res, { orgId }) => {
    res.json({ suppliers: await listSuppliers(orgId) });
  },
);

orgEndpoint(
  suppliersRouter,
  'read',
  {
    method: 'get',
    path: '/suppliers/:supplierId',
    summary: 'One supplier',
    tags,
    replies: { 200: json('The supplier', supplierSchema) },
  },
  async (_req, res, { orgId, params }) => {
    res.json(await getSupplier(orgId, params.supplierId));
  },
);

orgEndpoint(
  suppliersRouter,
  'write',
  {
    method: 'patch',
    path: '/suppliers/:supplierId',
    summary: 'Change a supplier (null clears a field)',
    tags,
    body: checked(supplierPatchBody),
    replies: { 200: json('The supplier as it now is', supplierSchema) },
  },
  async (_req, res, { orgId, params, body }) => {
    res.json(await updateSupplier(orgId, params.supplierId, body));
  },
);

orgEndpoint(
  suppliersRouter,
  'write',
  {
    method: 'delete',
    path: '/suppliers/:supplierId',
    summary: 'Remove a supplier that no open reorder names',
    tags,
    replies: { 204: empty('Removed') },
  },
  async (_req, res, { orgId, params }) => {
    await deleteSupplier(orgId, params.supplierId);
    res.status(204).end();
  },
);
