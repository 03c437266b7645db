// Stock movements: organizations/{orgId}/stockItems/{sku}/movements/{movementId}, immutable.
// One transaction per movement reads the item, writes its new quantityOnHand and creates the
// movement: concurrent movements on one item are serialised by Firestore (a conflicting one is
// retried by the SDK), so none is lost. The movement id is the item's sequence number, or is
// derived from the caller's idempotencyKey so a retried request finds the movement it made.
import { createHash } from 'node:crypto';
import { Timestamp, type DocumentData, type Transaction } from 'firebase-admin/firestore';
import { AppError, conflict } from '../domain/errors';
import { applyMovement, isLow, type MovementReason, type MovementRequest } from '../domain/stock';
import { db } from './firebase';
import { stockItemsRef, stockMovementsRef } from './paths';
import { iso } from './timestamps';
import { spendMovementsIn, type MovementBudget } from './stockQuota';

/**
 * Movements of one item queue on its document; under a burst (50 at once) the SDK's default of
 * 5 attempts can run out, and a request would fail that only had to wait its turn.
 */
export const CONTENDED = { maxAttempts: 30 };

export interface Movement {
  movementId: string;
  sku: string;
  seq: number;
  reason: MovementReason;
  delta: number;
  before: number;
  after: number;
  note: string | null;
  reorderId: string | null;
  idempotencyKey: string | null;
  by: string | null;
  at: string | null;
}

/** The id of the `seq`th movement of an item: zero-padded, so ids sort as the history does. */
export const movementId = (seq: number): string => `m${String(seq).padStart(10, '0')}`;

/** The id of a movement sent with an idempotencyKey (hashed: keys are the caller's text). */
export const keyedMovementId = (key: string): string =>
  `k${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;

/** What a movement document is made of, before its optional fields default to null. */
export interface MovementFields {
  sku: string;
  seq: number;
  reason: MovementReason;
  delta: number;
  before: number;
  after: number;
  note?: string;
  reorderId?: string;
  idempotencyKey?: string;
  by: string;
  at: Timestamp;
  /** The item's reorder point when it moved: what the low-stock trigger compares with. */
  reorderPoint?: number | null;
}

export function movementDocument(m: MovementFields): Record<string, unknown> {
  return {
    sku: m.sku,
    seq: m.seq,
    reason: m.reason,
    delta: m.delta,
    before: m.before,
    after: m.after,
    note: m.note ?? null,
    reorderId: m.reorderId ?? null,
    idempotencyKey: m.idempotencyKey ?? null,
    by: m.by,
    at: m.at,
    reorderPoint: m.reorderPoint ?? null,
  };
}

export function toMovement(id: string, d: DocumentData): Movement {
  return {
    movementId: id,
    sku: String(d.sku ?? ''),
    seq: Number(d.seq ?? 0),
    reason: d.reason as MovementReason,
    delta: Number(d.delta ?? 0),
    before: Number(d.before ?? 0),
    after: Number(d.after ?? 0),
    note: typeof d.note === 'string' ? d.note : null,
    reorderId: typeof d.reorderId === 'string' ? d.reorderId : null,
    idempotencyKey: typeof d.idempotencyKey === 'string' ? d.idempotencyKey : null,
    by: typeof d.by === 'string' ? d.by : null,
    at: iso(d.at),
  };
}

/**
 * Inside `tx`, after its other reads: applies `request` to the item read as `item`, writes the
 * quantity and creates the movement. Shared by the movement route and by receipts (which add
 * their `received` movement in the receipt's own transaction).
 */
export function writeMovement(
  tx: Transaction,
  orgId: string,
  sku: string,
  item: DocumentData,
  request: MovementRequest & { reorderId?: string },
  by: string,
  now: Timestamp,
  id?: string,
): Movement {
  const onHand = Number(item.quantityOnHand ?? 0);
  const { before, after, delta } = applyMovement(onHand, request, sku);
  const seq = Number(item.movementCount ?? 0) + 1;
  const reorderPoint = typeof item.reorderPoint === 'number' ? item.reorderPoint : null;
  tx.update(stockItemsRef(orgId).doc(sku), {
    quantityOnHand: after,
    movementCount: seq,
    lowStock: isLow(after, reorderPoint),
    updatedAt: now,
    // The movement's maker, so that a stock.low this write causes names them.
    updatedBy: by,
    updatedVia: 'api',
  });
  const movementRef = stockMovementsRef(orgId, sku).doc(id ?? movementId(seq));
  const doc = movementDocument({
    sku,
    seq,
    reason: request.reason,
    delta,
    before,
    after,
    note: request.note,
    reorderId: 'reorderId' in request ? request.reorderId : undefined,
    idempotencyKey: request.idempotencyKey,
    by,
    at: now,
    reorderPoint,
  });
  tx.create(movementRef, doc);
  return toMovement(movementRef.id, { ...doc, at: now });
}

/** Reads the item in `tx`: 404 when absent, 409 stock_item_inactive when deactivated. */
export async function readActiveItem(
  tx: Transaction,
  orgId: string,
  sku: string,
): Promise<DocumentData> {
  const item = (await tx.get(stockItemsRef(orgId).doc(sku))).data();
  if (!item) throw new AppError('not_found', `Stock item ${sku} not found`);
  if (item.active === false) {
    throw conflict(
      'stock_item_inactive',
      `Stock item ${sku} is deactivated: reactivate it with PATCH {"active": true}`,
      { sku },
    );
  }
  return item;
}

/**
 * Records one movement. With an idempotencyKey, a second request with the same key returns the
 * first movement (replayed) instead of moving stock twice; the same key with another movement
 * is a 409.
 */
export async function recordMovement(
  orgId: string,
  sku: string,
  request: MovementRequest,
  by: string,
  budget: MovementBudget,
): Promise<{ movement: Movement; replayed: boolean }> {
  if (request.reason === 'received' && request.reorderId !== undefined) {
    throw conflict(
      'use_receipts',
      'Stock received against a reorder is entered as a receipt: POST .../reorders/{reorderId}/receipts',
      {
        reorderId: request.reorderId,
      },
    );
  }
  const keyed =
    request.idempotencyKey !== undefined ? keyedMovementId(request.idempotencyKey) : undefined;
  return db().runTransaction(async (tx) => {
    if (keyed) {
      const earlier = await tx.get(stockMovementsRef(orgId, sku).doc(keyed));
      if (earlier.exists) {
        const m = toMovement(earlier.id, earlier.data() ?? {});
        const same =
          m.reason === request.reason &&
          (request.reason === 'counted' ? m.after === request.quantity : m.delta === request.delta);
        if (!same) {
          throw conflict(
            'idempotency_key_reused',
            'This idempotencyKey was used for another movement of this item',
            {
              movementId: m.movementId,
            },
          );
        }
        return { movement: m, replayed: true };
      }
    }
    const item = await readActiveItem(tx, orgId, sku);
    const now = Timestamp.now();
    const movement = writeMovement(tx, orgId, sku, item, request, by, now, keyed);
    spendMovementsIn(tx, orgId, budget);
    return { movement, replayed: false };
  }, CONTENDED);
}

export interface MovementPage {
  movements: Movement[];
  nextPageToken: string | null;
}

/** The history, newest first, paged by sequence number. */
export async function listMovements(
  orgId: string,
  sku: string,
  opts: { limit: number; pageToken?: string; reason?: MovementReason },
): Promise<MovementPage> {
  if (!(await stockItemsRef(orgId).doc(sku).get()).exists) {
    throw new AppError('not_found', `Stock item ${sku} not found`);
  }
  let query: FirebaseFirestore.Query = stockMovementsRef(orgId, sku);
  if (opts.reason) query = query.where('reason', '==', opts.reason);
  query = query.orderBy('seq', 'desc');
  if (opts.pageToken) {
    const after = Number(opts.pageToken);
    if (!Number.isSafeInteger(after) || after < 0) {
      throw new AppError('invalid_argument', 'pageToken is not one this API gave out', {
        field: 'pageToken',
      });
    }
    query = query.startAfter(after);
  }
  const docs = (await query.limit(opts.limit + 1).get()).docs;
  const page = docs.slice(0, opts.limit).map((d) => toMovement(d.id, d.data()));
  return {
    movements: page,
    nextPageToken: docs.length > opts.limit ? String(page[page.length - 1].seq) : null,
  };
}

/** `used` movements since `since`, for reorder advice. */
export async function usedSince(
  orgId: string,
  sku: string,
  since: Date,
): Promise<{ at: Date; amount: number }[]> {
  const snap = await stockMovementsRef(orgId, sku)
    .where('reason', '==', 'used')
    .where('at', '>=', Timestamp.fromDate(since))
    .select('at', 'delta')
    .get();
  return snap.docs.map((d) => ({
    at: (d.get('at') as Timestamp).toDate(),
    amount: -Number(d.get('delta') ?? 0),
  }));
}
