// Reorder requests: organizations/{orgId}/reorders/{reorderId}. An item has at most one open
// request (draft, ordered or partially received) at a time: the item's `openReorderId`, read and
// written in the transaction that opens or ends one, is the lock. A receipt adds its quantity to
// the item's stock in the receipt's own transaction (a `received` movement carrying the
// reorderId), so stock and receipts can never disagree; it also marks the item-supplier
// (`receiptMarkedAt`), which is how the lead-time schedule finds what changed.
import { randomBytes } from 'node:crypto';
import {
  FieldPath,
  FieldValue,
  Timestamp,
  type DocumentData,
  type Transaction,
} from 'firebase-admin/firestore';
import { AppError, conflict } from '../domain/errors';
import {
  checkWhen,
  draftQuantity,
  isOpen,
  lowStockReason,
  statusAfterReceipt,
  type LowStockReason,
  type ReorderStatus,
} from '../domain/stock';
import { db } from './firebase';
import { itemSuppliersRef, reordersRef, stockItemsRef, suppliersRef } from './paths';
import { CONTENDED, writeMovement } from './stockMovements';
import { spendMovementsIn, type MovementBudget } from './stockQuota';
import { iso } from './timestamps';

export interface Receipt {
  quantity: number;
  receivedAt: string | null;
  by: string | null;
  recordedAt: string | null;
  movementId: string | null;
}

export interface Reorder {
  reorderId: string;
  sku: string;
  supplierId: string;
  quantity: number;
  status: ReorderStatus;
  source: 'manual' | 'low_stock';
  reason: LowStockReason | null;
  by: string | null;
  at: string | null;
  createdAt: string | null;
  orderedAt: string | null;
  orderedBy: string | null;
  expectedAt: string | null;
  receipts: Receipt[];
  receivedQuantity: number;
  overDelivery: number;
  firstReceivedAt: string | null;
  closedAt: string | null;
  cancelledAt: string | null;
  updatedAt: string | null;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function toReorder(id: string, d: DocumentData): Reorder {
  const receipts = Array.isArray(d.receipts) ? (d.receipts as DocumentData[]) : [];
  const reason = d.reason as DocumentData | null | undefined;
  return {
    reorderId: id,
    sku: String(d.sku ?? ''),
    supplierId: String(d.supplierId ?? ''),
    quantity: Number(d.quantity ?? 0),
    status: d.status as ReorderStatus,
    source: d.source === 'low_stock' ? 'low_stock' : 'manual',
    reason: reason
      ? {
          onHand: Number(reason.onHand),
          reorderPoint: Number(reason.reorderPoint),
          rule: String(reason.rule),
        }
      : null,
    by: text(d.by),
    at: iso(d.at),
    createdAt: iso(d.createdAt),
    orderedAt: iso(d.orderedAt),
    orderedBy: text(d.orderedBy),
    expectedAt: iso(d.expectedAt),
    receipts: receipts.map((r) => ({
      quantity: Number(r.quantity ?? 0),
      receivedAt: iso(r.receivedAt),
      by: text(r.by),
      recordedAt: iso(r.recordedAt),
      movementId: text(r.movementId),
    })),
    receivedQuantity: Number(d.receivedQuantity ?? 0),
    overDelivery: Number(d.overDelivery ?? 0),
    firstReceivedAt: iso(d.firstReceivedAt),
    closedAt: iso(d.closedAt),
    cancelledAt: iso(d.cancelledAt),
    updatedAt: iso(d.updatedAt),
  };
}

const newReorderId = (): string => `ro_${randomBytes(8).toString('hex')}`;

/** Reads the item's open request in `tx`, if it has one that is still open. */
async function openReorderOf(
  tx: Transaction,
  orgId: string,
  item: DocumentData,
): Promise<string | undefined> {
  const id = text(item.openReorderId);
  if (!id) return undefined;
  const open = await tx.get(reordersRef(orgId).doc(id));
  return open.exists && isOpen(open.get('status') as ReorderStatus) ? id : undefined;
}

function draftDocument(f: {
  sku: string;
  supplierId: string;
  quantity: number;
  source: 'manual' | 'low_stock';
  reason: LowStockReason | null;
  by: string;
  now: Timestamp;
}): Record<string, unknown> {
  return {
    sku: f.sku,
    supplierId: f.supplierId,
    quantity: f.quantity,
    status: 'draft',
    source: f.source,
    reason: f.reason,
    by: f.by,
    at: f.now,
    createdAt: f.now,
    updatedAt: f.now,
    receipts: [],
    receivedQuantity: 0,
    overDelivery: 0,
  };
}

/** A draft made by hand; 409 reorder_open when the item has an open request already. */
export async function createReorder(
  orgId: string,
  input: { sku: string; supplierId: string; quantity: number },
  by: string,
): Promise<Reorder> {
  const ref = reordersRef(orgId).doc(newReorderId());
  const itemRef = stockItemsRef(orgId).doc(input.sku);
  await db().runTransaction(async (tx) => {
    const [item, supplier] = await Promise.all([
      tx.get(itemRef),
      tx.get(suppliersRef(orgId).doc(input.supplierId)),
    ]);
    if (!item.exists) throw new AppError('not_found', `Stock item ${input.sku} not found`);
    if (!supplier.exists) throw new AppError('not_found', `Supplier ${input.supplierId} not found`);
    const open = await openReorderOf(tx, orgId, item.data() ?? {});
    if (open) {
      throw conflict(
        'reorder_open',
        `${input.sku} has an open reorder already (${open}): order, receive or cancel it`,
        {
          sku: input.sku,
          reorderId: open,
        },
      );
    }
    const now = Timestamp.now();
    tx.create(ref, draftDocument({ ...input, source: 'manual', reason: null, by, now }));
    tx.update(itemRef, { openReorderId: ref.id });
  });
  return getReorder(orgId, ref.id);
}

export type LowStockOutcome =
  | { outcome: 'created'; reorderId: string; reason: LowStockReason }
  | { outcome: 'open'; reorderId: string }
  | { outcome: 'not_low' | 'no_supplier' | 'inactive' | 'missing' };

/**
 * What the low-stock trigger does for a movement: when the item is at or below its reorder
 * point and has no open request, a draft for its preferred supplier, in one transaction with
 * the item's lock. The draft's id comes from the movement, so a second delivery of the event
 * finds it (as the open request) and makes none.
 */
export async function draftIfLow(
  orgId: string,
  sku: string,
  movementId: string,
): Promise<LowStockOutcome> {
  const itemRef = stockItemsRef(orgId).doc(sku);
  return db().runTransaction(async (tx): Promise<LowStockOutcome> => {
    const snap = await tx.get(itemRef);
    const item = snap.data();
    if (!item) return { outcome: 'missing' };
    if (item.active === false) return { outcome: 'inactive' };
    const onHand = Number(item.quantityOnHand ?? 0);
    const point = typeof item.reorderPoint === 'number' ? item.reorderPoint : null;
    if (point === null || onHand > point) return { outcome: 'not_low' };
    const open = await openReorderOf(tx, orgId, item);
    if (open) return { outcome: 'open', reorderId: open };
    const supplierId = text(item.preferredSupplierId);
    if (!supplierId) return { outcome: 'no_supplier' };
    const terms = (await tx.get(itemSuppliersRef(orgId, sku).doc(supplierId))).data();
    const reason = lowStockReason(onHand, point);
    const quantity = draftQuantity(
      typeof item.reorderQuantity === 'number' ? item.reorderQuantity : null,
      point,
      onHand,
      typeof terms?.minOrderQuantity === 'number' ? terms.minOrderQuantity : null,
    );
    const ref = reordersRef(orgId).doc(`low_${sku}_${movementId}`);
    tx.create(
      ref,
      draftDocument({
        sku,
        supplierId,
        quantity,
        source: 'low_stock',
        reason,
        by: 'system:low-stock',
        now: Timestamp.now(),
      }),
    );
    tx.update(itemRef, { openReorderId: ref.id });
    return { outcome: 'created', reorderId: ref.id, reason };
  }, CONTENDED);
}

export async function getReorder(orgId: string, reorderId: string): Promise<Reorder> {
  const data = (await reordersRef(orgId).doc(reorderId).get()).data();
  if (!data) throw new AppError('not_found', `Reorder ${reorderId} not found`);
  return toReorder(reorderId, data);
}

function wrongStatus(
  reorderId: string,
  status: ReorderStatus,
  action: string,
  allowed: string,
): AppError {
  return conflict(
    'reorder_status',
    `Reorder ${reorderId} is ${status}: only a ${allowed} request can be ${action}`,
    {
      reorderId,
      status,
    },
  );
}

const DAY_MS = 86_400_000;

/** The reorder read in `tx`; 404 when there is none. */
async function readReorder(
  tx: Transaction,
  ref: FirebaseFirestore.DocumentReference,
): Promise<DocumentData> {
  const d = (await tx.get(ref)).data();
  if (!d) throw new AppError('not_found', `Reorder ${ref.id} not found`);
  return d;
}

/** draft → ordered; `at` when it really was (may be before the draft, never in the future). */
export async function orderReorder(
  orgId: string,
  reorderId: string,
  at: Date | undefined,
  by: string,
): Promise<Reorder> {
  const ref = reordersRef(orgId).doc(reorderId);
  await db().runTransaction(async (tx) => {
    const d = await readReorder(tx, ref);
    if (d.status !== 'draft')
      throw wrongStatus(reorderId, d.status as ReorderStatus, 'ordered', 'draft');
    const now = new Date();
    const orderedAt = at ?? now;
    checkWhen(orderedAt, now);
    const terms = (
      await tx.get(itemSuppliersRef(orgId, String(d.sku)).doc(String(d.supplierId)))
    ).data();
    const average = terms?.leadTime?.averageDays;
    tx.update(ref, {
      status: 'ordered',
      orderedAt: Timestamp.fromDate(orderedAt),
      orderedBy: by,
      updatedBy: by,
      updatedVia: 'api',
      expectedAt:
        typeof average === 'number'
          ? Timestamp.fromMillis(orderedAt.getTime() + average * DAY_MS)
          : null,
      updatedAt: Timestamp.now(),
    });
  });
  return getReorder(orgId, reorderId);
}

/**
 * One receipt: the quantity joins the item's stock (a `received` movement with the reorderId)
 * and the reorder's receipts in one transaction. More than is outstanding is accepted and
 * recorded as over-delivery.
 */
export async function receiveReorder(
  orgId: string,
  reorderId: string,
  input: { quantity: number; at?: Date },
  by: string,
  budget: MovementBudget,
): Promise<Reorder> {
  const ref = reordersRef(orgId).doc(reorderId);
  await db().runTransaction(async (tx) => {
    const d = await readReorder(tx, ref);
    const status = d.status as ReorderStatus;
    if (status !== 'ordered' && status !== 'partially_received') {
      throw wrongStatus(reorderId, status, 'received against', 'ordered or partially received');
    }
    const sku = String(d.sku);
    const supplierId = String(d.supplierId);
    const itemRef = stockItemsRef(orgId).doc(sku);
    const item = (await tx.get(itemRef)).data();
    if (!item)
      throw new AppError('not_found', `Stock item ${sku} of this reorder no longer exists`);
    const now = new Date();
    const orderedAt = (d.orderedAt as Timestamp).toDate();
    const receivedAt = input.at ?? now;
    checkWhen(receivedAt, now, { at: orderedAt, what: 'order' });
    const stamp = Timestamp.now();
    const movement = writeMovement(
      tx,
      orgId,
      sku,
      item,
      { reason: 'received', delta: input.quantity, reorderId, note: `reorder ${reorderId}` },
      by,
      stamp,
    );
    spendMovementsIn(tx, orgId, budget);
    const total = Number(d.receivedQuantity ?? 0) + input.quantity;
    const next = statusAfterReceipt(Number(d.quantity), total);
    const first = d.firstReceivedAt instanceof Timestamp ? d.firstReceivedAt.toDate() : undefined;
    tx.update(ref, {
      status: next,
      receipts: FieldValue.arrayUnion({
        quantity: input.quantity,
        receivedAt: Timestamp.fromDate(receivedAt),
        by,
        recordedAt: stamp,
        movementId: movement.movementId,
      }),
      receivedQuantity: total,
      overDelivery: Math.max(0, total - Number(d.quantity)),
      firstReceivedAt: Timestamp.fromDate(first && first < receivedAt ? first : receivedAt),
      updatedAt: stamp,
      updatedBy: by,
      updatedVia: 'api',
    });
    if (next === 'received' && item.openReorderId === reorderId) {
      tx.update(itemRef, { openReorderId: null });
    }
    // The marker the lead-time schedule queries: the time of the write, not the receipt's `at`.
    tx.set(
      itemSuppliersRef(orgId, sku).doc(supplierId),
      { orgId, sku, supplierId, receiptMarkedAt: stamp },
      { merge: true },
    );
  }, CONTENDED);
  return getReorder(orgId, reorderId);
}

/** Ends a request: `cancel` from draft or ordered (nothing arrived), `close` once something did. */
export async function endReorder(
  orgId: string,
  reorderId: string,
  how: 'cancel' | 'close',
  by: string,
): Promise<Reorder> {
  const ref = reordersRef(orgId).doc(reorderId);
  await db().runTransaction(async (tx) => {
    const d = await readReorder(tx, ref);
    const status = d.status as ReorderStatus;
    const itemRef = stockItemsRef(orgId).doc(String(d.sku));
    const item = (await tx.get(itemRef)).data();
    const now = Timestamp.now();
    if (how === 'cancel') {
      if (status !== 'draft' && status !== 'ordered') {
        throw wrongStatus(
          reorderId,
          status,
          'cancelled',
          'draft or ordered (one with receipts is closed instead)',
        );
      }
      tx.update(ref, {
        status: 'cancelled',
        cancelledAt: now,
        cancelledBy: by,
        updatedAt: now,
        updatedBy: by,
        updatedVia: 'api',
      });
    } else {
      if (status !== 'partially_received' && status !== 'received') {
        throw wrongStatus(reorderId, status, 'closed', 'received or partially received');
      }
      tx.update(ref, {
        status: 'closed',
        closedAt: now,
        closedBy: by,
        updatedAt: now,
        updatedBy: by,
        updatedVia: 'api',
      });
    }
    if (item && item.openReorderId === reorderId) tx.update(itemRef, { openReorderId: null });
  });
  return getReorder(orgId, reorderId);
}

export interface ReorderFilter {
  status?: ReorderStatus;
  supplierId?: string;
  sku?: string;
}

/** Newest first; equality filters merge with the (field, createdAt) indexes. */
export async function listReorders(
  orgId: string,
  filter: ReorderFilter,
  opts: { limit: number; pageToken?: string },
): Promise<{ reorders: Reorder[]; nextPageToken: string | null }> {
  let query: FirebaseFirestore.Query = reordersRef(orgId);
  if (filter.status) query = query.where('status', '==', filter.status);
  if (filter.supplierId) query = query.where('supplierId', '==', filter.supplierId);
  if (filter.sku) query = query.where('sku', '==', filter.sku);
  query = query.orderBy('createdAt', 'desc').orderBy(FieldPath.documentId(), 'desc');
  if (opts.pageToken) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(opts.pageToken, 'base64url').toString());
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || typeof parsed[0] !== 'number' || typeof parsed[1] !== 'string') {
      throw new AppError('invalid_argument', 'pageToken is not one this API gave out', {
        field: 'pageToken',
      });
    }
    query = query.startAfter(Timestamp.fromMillis(parsed[0]), parsed[1]);
  }
  const docs = (await query.limit(opts.limit + 1).get()).docs;
  const page = docs.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    reorders: page.map((d) => toReorder(d.id, d.data())),
    nextPageToken:
      docs.length > opts.limit
        ? Buffer.from(
            JSON.stringify([(last.get('createdAt') as Timestamp).toMillis(), last.id]),
          ).toString('base64url')
        : null,
  };
}

/** Drafts grouped by supplier, so one purchase order per supplier can be sent. */
export async function groupBySupplier(
  orgId: string,
  reorders: Reorder[],
): Promise<{ supplierId: string; name: string | null; reorders: Reorder[] }[]> {
  const groups = new Map<string, Reorder[]>();
  for (const r of reorders) groups.set(r.supplierId, [...(groups.get(r.supplierId) ?? []), r]);
  const ids = [...groups.keys()].sort();
  const snaps = ids.length
    ? await db().getAll(...ids.map((id) => suppliersRef(orgId).doc(id)))
    : [];
  return ids.map((id, i) => ({
    supplierId: id,
    name: text(snaps[i].get('name')),
    reorders: groups.get(id) ?? [],
  }));
}
