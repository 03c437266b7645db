// Stock of consumables, pure: SKUs, the sign rules of movements, what a movement does to the
// quantity on hand, why a low-stock draft was made, lead times from receipts and reorder advice.
// data/stock*.ts, data/reorders.ts and data/leadTimes.ts apply these in Firestore.
import { AppError, conflict } from './errors';
import { randomBase36, type RandomSource } from './equipment';
import type { FieldError, Validated } from './validation';

export const STOCK_UNITS = [
  'each',
  'm',
  'cm',
  'mm',
  'kg',
  'g',
  'l',
  'ml',
  'box',
  'pack',
  'roll',
  'sheet',
  'pair',
  'set',
] as const;
export type StockUnit = (typeof STOCK_UNITS)[number];

export const MOVEMENT_REASONS = ['used', 'received', 'adjusted', 'returned', 'counted'] as const;
export type MovementReason = (typeof MOVEMENT_REASONS)[number];

export const STOCK_LIMITS = {
  name: 200,
  description: 2000,
  note: 500,
  quantity: 1_000_000_000,
  idempotencyKey: 200,
} as const;

/** A made-up SKU, `STK-` and 8 base-36 characters (41 bits: drawn again on the rare collision). */
export function newSku(random?: RandomSource): string {
  return `STK-${randomBase36(8, random).toUpperCase()}`;
}

/** The lower-cased name a text-prefix filter compares with. */
export const nameKey = (name: string): string => name.trim().toLowerCase();

/** A movement as asked: a signed delta with its reason, or a count of what is there. */
export type MovementRequest =
  | {
      reason: Exclude<MovementReason, 'counted'>;
      delta: number;
      note?: string;
      reorderId?: string;
      idempotencyKey?: string;
    }
  | { reason: 'counted'; quantity: number; note?: string; idempotencyKey?: string };

/**
 * The sign rules the schema cannot say: `used` takes away, `received` and `returned` add,
 * `adjusted` either way but not by nothing; `counted` gives a quantity instead of a delta.
 */
export function validateMovement(body: {
  reason: MovementReason;
  delta?: number;
  quantity?: number;
  note?: string;
  reorderId?: string;
  idempotencyKey?: string;
}): Validated<MovementRequest> {
  const errors: FieldError[] = [];
  const { reason, note, idempotencyKey } = body;
  const extra = {
    ...(note !== undefined ? { note } : {}),
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
  };
  if (reason === 'counted') {
    if (body.delta !== undefined)
      errors.push({
        field: 'delta',
        message: 'is not taken with reason counted: send quantity (what is there)',
      });
    if (body.quantity === undefined)
      errors.push({ field: 'quantity', message: 'is required with reason counted' });
    if (body.reorderId !== undefined)
      errors.push({ field: 'reorderId', message: 'is only taken with reason received' });
    if (errors.length) return { ok: false, errors };
    return { ok: true, value: { reason, quantity: body.quantity as number, ...extra } };
  }
  if (body.quantity !== undefined)
    errors.push({
      field: 'quantity',
      message: 'is only taken with reason counted: send a signed delta',
    });
  const delta = body.delta;
  if (delta === undefined) {
    errors.push({ field: 'delta', message: 'is required' });
  } else if (delta === 0) {
    errors.push({ field: 'delta', message: 'must not be 0' });
  } else if (reason === 'used' && delta > 0) {
    errors.push({
      field: 'delta',
      message: 'must be negative for reason used (what was taken out)',
    });
  } else if ((reason === 'received' || reason === 'returned') && delta < 0) {
    errors.push({ field: 'delta', message: `must be positive for reason ${reason}` });
  }
  if (body.reorderId !== undefined && reason !== 'received') {
    errors.push({ field: 'reorderId', message: 'is only taken with reason received' });
  }
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      reason,
      delta: delta as number,
      ...extra,
      ...(body.reorderId !== undefined ? { reorderId: body.reorderId } : {}),
    },
  };
}

/** What a movement does to `onHand`: the quantity after and the delta recorded. */
export function applyMovement(
  onHand: number,
  request: MovementRequest,
  sku: string,
): { before: number; after: number; delta: number } {
  if (request.reason === 'counted') {
    return { before: onHand, after: request.quantity, delta: request.quantity - onHand };
  }
  const after = onHand + request.delta;
  if (request.reason === 'used' && after < 0) {
    throw conflict(
      'insufficient_stock',
      `Only ${onHand} on hand of ${sku}; cannot use ${-request.delta}`,
      { sku, onHand, requested: -request.delta },
    );
  }
  if (after > STOCK_LIMITS.quantity) {
    throw conflict(
      'quantity_too_large',
      `${sku} would hold ${after}, over ${STOCK_LIMITS.quantity}`,
      { sku, onHand },
    );
  }
  return { before: onHand, after, delta: request.delta };
}

/** True when `onHand` is at or below the reorder point (an item without one is never low). */
export const isLow = (onHand: number, reorderPoint: number | null): boolean =>
  reorderPoint !== null && onHand <= reorderPoint;

/** Why a low-stock draft was made, in numbers and in plain words. */
export interface LowStockReason {
  onHand: number;
  reorderPoint: number;
  rule: string;
}

export function lowStockReason(onHand: number, reorderPoint: number): LowStockReason {
  return { onHand, reorderPoint, rule: `on hand ${onHand} ≤ reorder point ${reorderPoint}` };
}

/** How much a low-stock draft asks for: the item's reorder quantity, at least the supplier's minimum. */
export function draftQuantity(
  reorderQuantity: number | null,
  reorderPoint: number,
  onHand: number,
  minOrderQuantity: number | null,
): number {
  // Without a reorder quantity, enough to be one above the reorder point again.
  const wanted = reorderQuantity ?? Math.max(1, reorderPoint - onHand + 1);
  return Math.max(wanted, minOrderQuantity ?? 1);
}

export const REORDER_STATUSES = [
  'draft',
  'ordered',
  'partially_received',
  'received',
  'closed',
  'cancelled',
] as const;
export type ReorderStatus = (typeof REORDER_STATUSES)[number];

/** Statuses of a request still to be filled: an item has at most one of these at a time. */
export const OPEN_STATUSES: readonly ReorderStatus[] = ['draft', 'ordered', 'partially_received'];
export const isOpen = (status: ReorderStatus): boolean => OPEN_STATUSES.includes(status);

/** The status after a receipt: received once what arrived covers what was ordered. */
export function statusAfterReceipt(ordered: number, receivedTotal: number): ReorderStatus {
  return receivedTotal >= ordered ? 'received' : 'partially_received';
}

const DAY_MS = 86_400_000;

/** Days from order to first receipt, to 0.01 of a day. */
export function leadDays(orderedAt: Date, firstReceivedAt: Date): number {
  return Math.round(((firstReceivedAt.getTime() - orderedAt.getTime()) / DAY_MS) * 100) / 100;
}

export interface LeadTimeStats {
  averageDays: number;
  p90Days: number;
  samples: number;
  lastDays: number;
}

/**
 * Lead time of an item-supplier from its receipts' lead days, newest first: average, 90th
 * percentile (nearest rank: the smallest value with at least 90 % of samples at or below it),
 * how many, and the newest. Null without any.
 */
export function leadTimeStats(newestFirst: readonly number[]): LeadTimeStats | null {
  if (newestFirst.length === 0) return null;
  const sorted = [...newestFirst].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  const rank = Math.ceil(0.9 * sorted.length);
  return {
    averageDays: round2(sum / sorted.length),
    p90Days: sorted[rank - 1],
    samples: sorted.length,
    lastDays: newestFirst[0],
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The z-score of the service level safety stock aims at (95 %: out of stock in 1 cycle of 20). */
export const SERVICE_Z = 1.65;

export interface ReorderAdvice {
  suggestedReorderPoint: number | null;
  currentReorderPoint: number | null;
  explanation: string;
  inputs: {
    windowDays: number;
    usedTotal: number;
    usageDays: number;
    averageDailyUse: number;
    dailyUseStdDev: number;
    supplierId: string | null;
    averageLeadDays: number | null;
    p90LeadDays: number | null;
    leadTimeSamples: number;
    safetyStock: number | null;
    serviceZ: number;
  };
}

/**
 * The reorder point that the last `windowDays` of use and the supplier's lead time suggest:
 * average daily use × average lead time, plus safety stock z × σ(daily use) × √(p90 lead time).
 * `usedByDay` is how much was used on each of the window's days (zeros included).
 */
export function reorderAdvice(input: {
  usedByDay: readonly number[];
  windowDays: number;
  supplierId: string | null;
  averageLeadDays: number | null;
  p90LeadDays: number | null;
  leadTimeSamples: number;
  currentReorderPoint: number | null;
}): ReorderAdvice {
  const days = input.usedByDay.length;
  const total = input.usedByDay.reduce((a, b) => a + b, 0);
  const mean = days ? total / days : 0;
  const variance = days ? input.usedByDay.reduce((a, b) => a + (b - mean) ** 2, 0) / days : 0;
  const sd = Math.sqrt(variance);
  const base = {
    windowDays: input.windowDays,
    usedTotal: total,
    usageDays: input.usedByDay.filter((u) => u > 0).length,
    averageDailyUse: round2(mean),
    dailyUseStdDev: round2(sd),
    supplierId: input.supplierId,
    averageLeadDays: input.averageLeadDays,
    p90LeadDays: input.p90LeadDays,
    leadTimeSamples: input.leadTimeSamples,
    serviceZ: SERVICE_Z,
  };
  if (input.averageLeadDays === null || input.p90LeadDays === null) {
    return {
      suggestedReorderPoint: null,
      currentReorderPoint: input.currentReorderPoint,
      explanation:
        input.supplierId === null
          ? 'No preferred supplier: set preferredSupplierId so its lead time can be used.'
          : `No lead time yet for supplier ${input.supplierId}: it is learned from the first received reorder.`,
      inputs: { ...base, safetyStock: null },
    };
  }
  const safety = SERVICE_Z * sd * Math.sqrt(input.p90LeadDays);
  const point = Math.ceil(mean * input.averageLeadDays + safety);
  return {
    suggestedReorderPoint: point,
    currentReorderPoint: input.currentReorderPoint,
    explanation:
      `Used ${total} in the last ${input.windowDays} days (${round2(mean)} a day, σ ${round2(sd)}); ` +
      `supplier ${input.supplierId} delivers in ${input.averageLeadDays} days on average ` +
      `(p90 ${input.p90LeadDays}, ${input.leadTimeSamples} receipts): ` +
      `${round2(mean)} × ${input.averageLeadDays} + safety ${SERVICE_Z} × ${round2(sd)} × √${input.p90LeadDays} ` +
      `= ${round2(mean * input.averageLeadDays + safety)}, rounded up to ${point}.`,
    inputs: { ...base, safetyStock: round2(safety) },
  };
}

/** Use per day (24-hour spans back from `now`) over `windowDays`, oldest first, from `used` movements. */
export function usageByDay(
  uses: readonly { at: Date; amount: number }[],
  windowDays: number,
  now: Date,
): number[] {
  const days = new Array<number>(windowDays).fill(0);
  const end = now.getTime();
  for (const use of uses) {
    const age = Math.floor((end - use.at.getTime()) / DAY_MS);
    if (age >= 0 && age < windowDays) days[windowDays - 1 - age] += use.amount;
  }
  return days;
}

/**
 * When a reorder's `at` may be: never in the future (a minute's clock skew allowed), and a
 * receipt never before its order.
 */
export function checkWhen(at: Date, now: Date, notBefore?: { at: Date; what: string }): void {
  if (at.getTime() > now.getTime() + 60_000) {
    throw new AppError('invalid_argument', `at ${at.toISOString()} is in the future`, {
      field: 'at',
      errors: [{ field: 'at', message: 'must not be in the future' }],
    });
  }
  if (notBefore && at.getTime() < notBefore.at.getTime()) {
    throw conflict(
      'receipt_before_order',
      `at ${at.toISOString()} is before the ${notBefore.what} (${notBefore.at.toISOString()})`,
      { at: at.toISOString(), orderedAt: notBefore.at.toISOString() },
    );
  }
}
