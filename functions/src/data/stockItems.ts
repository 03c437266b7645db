// Stock items: organizations/{orgId}/stockItems/{sku}. Their quantityOnHand is changed only by
// movements (data/stockMovements.ts), each in the transaction that appends the movement, so a
// quantity and its history cannot disagree; a patch here never touches it.
import { FieldPath, FieldValue, Timestamp, type DocumentData } from 'firebase-admin/firestore';
import { AppError, conflict } from '../domain/errors';
import { isLow, nameKey, newSku, type StockUnit } from '../domain/stock';
import { db } from './firebase';
import { locationIdFor } from './locationLookup';
import { stockItemsRef, stockMovementsRef, suppliersRef } from './paths';
import { movementDocument, movementId } from './stockMovements';
import { iso } from './timestamps';
import { toEquipmentImage, type EquipmentImage } from './equipmentImages';
import { checkStockItems } from './stockQuota';

export interface StockItem {
  sku: string;
  name: string;
  description: string | null;
  unit: string;
  locationId: string | null;
  imageUrl: string | null;
  quantityOnHand: number;
  reorderPoint: number | null;
  reorderQuantity: number | null;
  preferredSupplierId: string | null;
  active: boolean;
  lowStock: boolean;
  openReorderId: string | null;
  movementCount: number;
  createdAt: string | null;
  updatedAt: string | null;
  createdBy: string | null;
  /** The imported image of imageUrl (triggers/stockItemImageSync.ts), as for equipment. */
  image: EquipmentImage | null;
}

export interface StockItemCreate {
  sku?: string;
  name: string;
  description?: string;
  unit: StockUnit;
  locationId?: string;
  imageUrl?: string;
  quantityOnHand?: number;
  reorderPoint?: number;
  reorderQuantity?: number;
  preferredSupplierId?: string;
}

export interface StockItemPatch {
  name?: string;
  description?: string | null;
  unit?: StockUnit;
  locationId?: string | null;
  imageUrl?: string | null;
  reorderPoint?: number | null;
  reorderQuantity?: number | null;
  preferredSupplierId?: string | null;
  active?: boolean;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

export function toStockItem(sku: string, d: DocumentData): StockItem {
  return {
    sku,
    name: String(d.name ?? ''),
    description: text(d.description),
    unit: String(d.unit ?? 'each'),
    locationId: text(d.locationId),
    imageUrl: text(d.imageUrl),
    quantityOnHand: num(d.quantityOnHand) ?? 0,
    reorderPoint: num(d.reorderPoint),
    reorderQuantity: num(d.reorderQuantity),
    preferredSupplierId: text(d.preferredSupplierId),
    active: d.active !== false,
    lowStock: d.lowStock === true,
    openReorderId: text(d.openReorderId),
    movementCount: num(d.movementCount) ?? 0,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    createdBy: text(d.createdBy),
    image: toEquipmentImage(d),
  };
}

async function checkSupplier(orgId: string, supplierId: string | null | undefined): Promise<void> {
  if (!supplierId) return;
  if (!(await suppliersRef(orgId).doc(supplierId).get()).exists) {
    throw new AppError(
      'invalid_argument',
      `Invalid request: preferredSupplierId ${supplierId} is not a supplier of this organisation`,
      {
        errors: [
          { field: 'preferredSupplierId', message: 'is not a supplier of this organisation' },
        ],
      },
    );
  }
}

const ID_DRAWS = 5;

/**
 * Creates an item; an initial quantityOnHand is recorded as its first movement (`adjusted`),
 * in the same transaction, so even the first number has a history.
 */
export async function createStockItem(
  orgId: string,
  input: StockItemCreate,
  by: string,
  source: 'api' | 'csv' = 'api',
): Promise<StockItem> {
  const locationId = await locationIdFor(orgId, { locationId: input.locationId });
  await checkSupplier(orgId, input.preferredSupplierId);
  await checkStockItems(orgId, 1);
  const sku = await db().runTransaction(async (tx) => {
    let ref = stockItemsRef(orgId).doc(input.sku ?? newSku());
    for (let draw = 1; (await tx.get(ref)).exists; draw++) {
      if (input.sku !== undefined) {
        throw conflict('sku_taken', `A stock item with sku ${input.sku} exists already`, {
          sku: input.sku,
        });
      }
      if (draw >= ID_DRAWS) throw new AppError('internal', 'Could not draw a free sku');
      ref = stockItemsRef(orgId).doc(newSku());
    }
    const now = Timestamp.now();
    const initial = input.quantityOnHand ?? 0;
    const reorderPoint = input.reorderPoint ?? null;
    const doc: Record<string, unknown> = {
      sku: ref.id,
      name: input.name,
      nameKey: nameKey(input.name),
      unit: input.unit,
      quantityOnHand: initial,
      reorderPoint,
      reorderQuantity: input.reorderQuantity ?? null,
      preferredSupplierId: input.preferredSupplierId ?? null,
      locationId: locationId ?? null,
      active: true,
      lowStock: isLow(initial, reorderPoint),
      openReorderId: null,
      movementCount: initial !== 0 ? 1 : 0,
      createdAt: now,
      updatedAt: now,
      createdBy: by,
      source,
    };
    if (input.description !== undefined) doc.description = input.description;
    if (input.imageUrl !== undefined) doc.imageUrl = input.imageUrl;
    tx.create(ref, doc);
    if (initial !== 0) {
      tx.create(
        stockMovementsRef(orgId, ref.id).doc(movementId(1)),
        movementDocument({
          sku: ref.id,
          seq: 1,
          reason: 'adjusted',
          delta: initial,
          before: 0,
          after: initial,
          note: 'initial quantity',
          by,
          at: now,
          reorderPoint,
        }),
      );
    }
    return ref.id;
  });
  return getStockItem(orgId, sku);
}

export async function getStockItem(orgId: string, sku: string): Promise<StockItem> {
  const data = (await stockItemsRef(orgId).doc(sku).get()).data();
  if (!data) throw new AppError('not_found', `Stock item ${sku} not found`);
  return toStockItem(sku, data);
}

/** Applies a patch (null clears); quantityOnHand is not a field of it. */
export async function updateStockItem(
  orgId: string,
  sku: string,
  patch: StockItemPatch,
  /** Who asked and through what: the stamp the item's events name (docs/events.md#actors). */
  stamp: { by: string; via: 'api' | 'csv' },
): Promise<StockItem> {
  const locationId = await locationIdFor(orgId, { locationId: patch.locationId });
  await checkSupplier(orgId, patch.preferredSupplierId);
  const ref = stockItemsRef(orgId).doc(sku);
  await db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) throw new AppError('not_found', `Stock item ${sku} not found`);
    const update: Record<string, unknown> = {
      updatedAt: Timestamp.now(),
      updatedBy: stamp.by,
      updatedVia: stamp.via,
    };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined || key === 'locationId') continue;
      update[key] =
        value === null && (key === 'description' || key === 'imageUrl')
          ? FieldValue.delete()
          : value;
    }
    if (locationId !== undefined) update.locationId = locationId;
    if (patch.name !== undefined) update.nameKey = nameKey(patch.name);
    if (patch.reorderPoint !== undefined) {
      update.lowStock = isLow(Number(snap.get('quantityOnHand') ?? 0), patch.reorderPoint);
    }
    tx.update(ref, update);
  });
  return getStockItem(orgId, sku);
}

export interface StockFilter {
  locationId?: string;
  low?: boolean;
  supplierId?: string;
  q?: string;
  active?: boolean;
}

export interface StockPage {
  items: StockItem[];
  nextPageToken: string | null;
}

const filterKey = (f: StockFilter): string =>
  JSON.stringify([
    f.locationId ?? null,
    f.low ?? null,
    f.supplierId ?? null,
    f.q ?? null,
    f.active ?? null,
  ]);

function decodeToken(token: string, filter: StockFilter): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString());
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || parsed[2] !== filterKey(filter)) {
    throw new AppError(
      'invalid_argument',
      'pageToken is not one this API gave out for these filters',
      {
        field: 'pageToken',
      },
    );
  }
  return parsed;
}

/**
 * Equality filters and, with `q`, a prefix of the lower-cased name (ordered by it, then sku);
 * without `q`, ordered by sku. firestore.indexes.json has the (filter, nameKey) pairs.
 */
export async function listStockItems(
  orgId: string,
  filter: StockFilter,
  opts: { limit: number; pageToken?: string },
): Promise<StockPage> {
  let query: FirebaseFirestore.Query = stockItemsRef(orgId);
  if (filter.active !== undefined) query = query.where('active', '==', filter.active);
  if (filter.locationId) query = query.where('locationId', '==', filter.locationId);
  if (filter.low !== undefined) query = query.where('lowStock', '==', filter.low);
  if (filter.supplierId) query = query.where('preferredSupplierId', '==', filter.supplierId);
  const prefix = filter.q ? nameKey(filter.q) : undefined;
  const others = [filter.locationId, filter.low, filter.supplierId].filter((f) => f !== undefined);
  if (prefix && others.length > 1) {
    // Each (filter, name) pair has its index; every combination of them would need its own.
    throw new AppError(
      'invalid_argument',
      'q combines with one of locationId, low and supplierId at a time',
      {
        field: 'q',
        errors: [
          { field: 'q', message: 'combines with one of locationId, low and supplierId at a time' },
        ],
      },
    );
  }
  if (prefix) {
    query = query
      .where('nameKey', '>=', prefix)
      .where('nameKey', '<', `${prefix}\uf8ff`)
      .orderBy('nameKey')
      .orderBy(FieldPath.documentId());
  } else {
    query = query.orderBy(FieldPath.documentId());
  }
  if (opts.pageToken) {
    const [key, after] = decodeToken(opts.pageToken, filter);
    query = prefix ? query.startAfter(key, after) : query.startAfter(after);
  }
  const docs = (await query.limit(opts.limit + 1).get()).docs;
  const page = docs.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((d) => toStockItem(d.id, d.data())),
    nextPageToken:
      docs.length > opts.limit
        ? Buffer.from(
            JSON.stringify([last.get('nameKey') ?? null, last.id, filterKey(filter)]),
          ).toString('base64url')
        : null,
  };
}
