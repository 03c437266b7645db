// The stock quotas (domain/quotas.ts): movements per UTC day and stock items held. A movement's
// count is read before its transaction and added inside it as a blind increment: reading the
// organisation's usage document inside every movement transaction would make all movements of
// the organisation (not just those of one item) wait on one document. As with the item count
// (data/quotas.ts), requests in flight together may pass the limit by the few in flight.
import { FieldValue, type Transaction } from 'firebase-admin/firestore';
import { dayKey, enforceQuota } from '../domain/quotas';
import { AppError } from '../domain/errors';
import { quotaExceeded } from '../logs';
import { stockItemsRef, usageDayRef } from './paths';
import { quotaLimits } from './quotas';

/** What a movement may spend: checked already, to be added in the movement's transaction. */
export interface MovementBudget {
  day: string;
  count: number;
}

function enforce(
  orgId: string,
  quota: 'movementsPerDay' | 'stockItems',
  used: number,
  asked: number,
  limit: number,
): void {
  try {
    enforceQuota(quota, used, asked, limit);
  } catch (err) {
    if (err instanceof AppError) quotaExceeded({ orgId, quota, limit, used, asked });
    throw err;
  }
}

/** Throws the 429 unless `count` more movements fit today; returns what to add. */
export async function checkMovements(orgId: string, count = 1): Promise<MovementBudget> {
  const day = dayKey(new Date());
  const [limits, usage] = await Promise.all([quotaLimits(orgId), usageDayRef(orgId, day).get()]);
  enforce(
    orgId,
    'movementsPerDay',
    Number(usage.get('movementsPerDay') ?? 0),
    count,
    limits.movementsPerDay,
  );
  return { day, count };
}

/** Adds the budget's count to the day's usage, in the movement's transaction (no read). */
export function spendMovementsIn(tx: Transaction, orgId: string, budget: MovementBudget): void {
  tx.set(
    usageDayRef(orgId, budget.day),
    { movementsPerDay: FieldValue.increment(budget.count) },
    { merge: true },
  );
}

/** Throws the 429 unless `adding` more stock items fit. */
export async function checkStockItems(orgId: string, adding: number): Promise<void> {
  const [limits, count] = await Promise.all([
    quotaLimits(orgId),
    stockItemsRef(orgId).count().get(),
  ]);
  enforce(orgId, 'stockItems', count.data().count, adding, limits.stockItems);
}
