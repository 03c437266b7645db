// Suppliers (organizations/{orgId}/suppliers/{supplierId}) and item-suppliers
// (stockItems/{sku}/suppliers/{supplierId}: one supplier's terms for one item, and the lead time
// learned from its receipts, which only the server writes: data/leadTimes.ts).
import { randomBytes } from 'node:crypto';
import { FieldValue, Timestamp, type DocumentData } from 'firebase-admin/firestore';
import { AppError, conflict } from '../domain/errors';
import { db } from './firebase';
import { itemSuppliersRef, reordersRef, stockItemsRef, suppliersRef } from './paths';
import { iso } from './timestamps';

export interface Supplier {
  supplierId: string;
  name: string;
  email: string | null;
  phone: string | null;
  url: string | null;
  notes: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface SupplierFields {
  supplierId?: string;
  name: string;
  email?: string | null;
  phone?: string | null;
  url?: string | null;
  notes?: string | null;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

export function toSupplier(id: string, d: DocumentData): Supplier {
  return {
    supplierId: id,
    name: String(d.name ?? ''),
    email: text(d.email),
    phone: text(d.phone),
    url: text(d.url),
    notes: text(d.notes),
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  };
}

const newSupplierId = (): string => `sup_${randomBytes(6).toString('hex')}`;

export async function createSupplier(
  orgId: string,
  fields: SupplierFields,
  by: string,
): Promise<Supplier> {
  const ref = suppliersRef(orgId).doc(fields.supplierId ?? newSupplierId());
  const now = Timestamp.now();
  const doc: Record<string, unknown> = {
    name: fields.name,
    createdAt: now,
    updatedAt: now,
    createdBy: by,
  };
  for (const key of ['email', 'phone', 'url', 'notes'] as const) {
    if (fields[key] !== undefined && fields[key] !== null) doc[key] = fields[key];
  }
  try {
    await ref.create(doc);
  } catch (err) {
    if ((err as { code?: number }).code === 6) {
      throw conflict('supplier_id_taken', `A supplier with id ${ref.id} exists already`, {
        supplierId: ref.id,
      });
    }
    throw err;
  }
  return toSupplier(ref.id, doc);
}

export async function getSupplier(orgId: string, supplierId: string): Promise<Supplier> {
  const data = (await suppliersRef(orgId).doc(supplierId).get()).data();
  if (!data) throw new AppError('not_found', `Supplier ${supplierId} not found`);
  return toSupplier(supplierId, data);
}

export async function listSuppliers(orgId: string): Promise<Supplier[]> {
  const snap = await suppliersRef(orgId).orderBy('name').limit(1000).get();
  return snap.docs.map((d) => toSupplier(d.id, d.data()));
}

export async function updateSupplier(
  orgId: string,
  supplierId: string,
  patch: Partial<Omit<SupplierFields, 'supplierId'>>,
): Promise<Supplier> {
  const ref = suppliersRef(orgId).doc(supplierId);
  await db().runTransaction(async (tx) => {
    if (!(await tx.get(ref)).exists)
      throw new AppError('not_found', `Supplier ${supplierId} not found`);
    const update: Record<string, unknown> = { updatedAt: Timestamp.now() };
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) update[key] = value === null ? FieldValue.delete() : value;
    }
    tx.update(ref, update);
  });
  return getSupplier(orgId, supplierId);
}

/**
 * Deletes a supplier that no open reorder names (409 supplier_in_use otherwise). Items that
 * prefer it keep the id; their next low-stock draft then says the supplier is gone.
 */
export async function deleteSupplier(orgId: string, supplierId: string): Promise<void> {
  const ref = suppliersRef(orgId).doc(supplierId);
  if (!(await ref.get()).exists)
    throw new AppError('not_found', `Supplier ${supplierId} not found`);
  const open = await reordersRef(orgId)
    .where('supplierId', '==', supplierId)
    .where('status', 'in', ['draft', 'ordered', 'partially_received'])
    .limit(1)
    .get();
  if (!open.empty) {
    throw conflict(
      'supplier_in_use',
      `Supplier ${supplierId} has open reorders (such as ${open.docs[0].id}): cancel or receive them first`,
      {
        supplierId,
        reorderId: open.docs[0].id,
      },
    );
  }
  await ref.delete();
}

export interface LeadTime {
  averageDays: number;
  p90Days: number;
  samples: number;
  lastDays: number;
  updatedAt: string | null;
}

export interface ItemSupplier {
  sku: string;
  supplierId: string;
  supplierSku: string | null;
  unitCost: number | null;
  currency: string | null;
  minOrderQuantity: number | null;
  leadTime: LeadTime | null;
  lastReceiptAt: string | null;
  updatedAt: string | null;
}

export interface ItemSupplierFields {
  supplierSku?: string | null;
  unitCost?: number | null;
  currency?: string | null;
  minOrderQuantity?: number | null;
}

export function toItemSupplier(sku: string, supplierId: string, d: DocumentData): ItemSupplier {
  const lt = d.leadTime as DocumentData | undefined | null;
  return {
    sku,
    supplierId,
    supplierSku: text(d.supplierSku),
    unitCost: num(d.unitCost),
    currency: text(d.currency),
    minOrderQuantity: num(d.minOrderQuantity),
    leadTime:
      lt && typeof lt.averageDays === 'number'
        ? {
            averageDays: lt.averageDays,
            p90Days: Number(lt.p90Days),
            samples: Number(lt.samples),
            lastDays: Number(lt.lastDays),
            updatedAt: iso(lt.updatedAt),
          }
        : null,
    lastReceiptAt: iso(d.receiptMarkedAt),
    updatedAt: iso(d.updatedAt),
  };
}

/** PUT: the terms replace what was there; the lead time (server-owned) is kept. */
export async function putItemSupplier(
  orgId: string,
  sku: string,
  supplierId: string,
  fields: ItemSupplierFields,
): Promise<{ itemSupplier: ItemSupplier; created: boolean }> {
  const ref = itemSuppliersRef(orgId, sku).doc(supplierId);
  const created = await db().runTransaction(async (tx) => {
    const [item, supplier, existing] = await Promise.all([
      tx.get(stockItemsRef(orgId).doc(sku)),
      tx.get(suppliersRef(orgId).doc(supplierId)),
      tx.get(ref),
    ]);
    if (!item.exists) throw new AppError('not_found', `Stock item ${sku} not found`);
    if (!supplier.exists) throw new AppError('not_found', `Supplier ${supplierId} not found`);
    tx.set(
      ref,
      {
        orgId,
        sku,
        supplierId,
        supplierSku: fields.supplierSku ?? null,
        unitCost: fields.unitCost ?? null,
        currency: fields.currency ?? null,
        minOrderQuantity: fields.minOrderQuantity ?? null,
        updatedAt: Timestamp.now(),
      },
      { merge: true },
    );
    return !existing.exists;
  });
  return { itemSupplier: await getItemSupplier(orgId, sku, supplierId), created };
}

export async function getItemSupplier(
  orgId: string,
  sku: string,
  supplierId: string,
): Promise<ItemSupplier> {
  const data = (await itemSuppliersRef(orgId, sku).doc(supplierId).get()).data();
  if (!data) throw new AppError('not_found', `Supplier ${supplierId} is not a supplier of ${sku}`);
  return toItemSupplier(sku, supplierId, data);
}

export async function listItemSuppliers(orgId: string, sku: string): Promise<ItemSupplier[]> {
  const snap = await itemSuppliersRef(orgId, sku).get();
  return snap.docs.map((d) => toItemSupplier(sku, d.id, d.data()));
}

export async function deleteItemSupplier(
  orgId: string,
  sku: string,
  supplierId: string,
): Promise<void> {
  const ref = itemSuppliersRef(orgId, sku).doc(supplierId);
  if (!(await ref.get()).exists) {
    throw new AppError('not_found', `Supplier ${supplierId} is not a supplier of ${sku}`);
  }
  await ref.delete();
}
