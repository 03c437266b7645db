// The pure part of stock (domain/stock.ts): sign rules, what a movement does, the reason a draft
// gives, lead-time statistics, usage by day and reorder advice.
import { strict as assert } from 'node:assert';
import { AppError } from '../src/domain/errors';
import {
  applyMovement,
  checkWhen,
  draftQuantity,
  leadDays,
  leadTimeStats,
  lowStockReason,
  newSku,
  reorderAdvice,
  statusAfterReceipt,
  usageByDay,
  validateMovement,
} from '../src/domain/stock';

describe('stock (domain)', () => {
  it('validates the sign of each reason', () => {
    assert.equal(validateMovement({ reason: 'used', delta: -2 }).ok, true);
    assert.equal(validateMovement({ reason: 'used', delta: 2 }).ok, false);
    assert.equal(validateMovement({ reason: 'returned', delta: -2 }).ok, false);
    assert.equal(validateMovement({ reason: 'adjusted', delta: -2 }).ok, true);
    assert.equal(validateMovement({ reason: 'adjusted', delta: 0 }).ok, false);
    assert.equal(validateMovement({ reason: 'counted', quantity: 0 }).ok, true);
    assert.equal(validateMovement({ reason: 'counted', delta: 1 }).ok, false);
    assert.equal(validateMovement({ reason: 'used', delta: -1, reorderId: 'r' }).ok, false);
  });

  it('applies movements; used below zero is insufficient_stock', () => {
    assert.deepEqual(applyMovement(5, { reason: 'counted', quantity: 2 }, 'S'), {
      before: 5,
      after: 2,
      delta: -3,
    });
    assert.deepEqual(applyMovement(5, { reason: 'used', delta: -5 }, 'S'), {
      before: 5,
      after: 0,
      delta: -5,
    });
    assert.throws(
      () => applyMovement(5, { reason: 'used', delta: -6 }, 'S'),
      (err: unknown) =>
        err instanceof AppError && (err.details as { reason: string; onHand: number }).onHand === 5,
    );
    // An adjustment may take stock below zero only by saying so: it is not `used`.
    assert.equal(applyMovement(1, { reason: 'adjusted', delta: -2 }, 'S').after, -1);
  });

  it('says why a draft was made, and how much it asks for', () => {
    assert.equal(lowStockReason(3, 5).rule, 'on hand 3 ≤ reorder point 5');
    assert.equal(draftQuantity(40, 5, 3, null), 40);
    assert.equal(draftQuantity(40, 5, 3, 50), 50);
    assert.equal(draftQuantity(null, 5, 3, null), 3);
    assert.equal(statusAfterReceipt(10, 4), 'partially_received');
    assert.equal(statusAfterReceipt(10, 12), 'received');
  });

  it('lead time: average, nearest-rank p90, samples, newest', () => {
    assert.equal(leadTimeStats([]), null);
    assert.deepEqual(leadTimeStats([10, 6, 4]), {
      averageDays: 6.67,
      p90Days: 10,
      samples: 3,
      lastDays: 10,
    });
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 30];
    assert.equal(leadTimeStats(ten)?.p90Days, 9);
    assert.equal(leadDays(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-04T12:00:00Z')), 3.5);
  });

  it('usage by day over the window, and the advice it gives', () => {
    const now = new Date('2026-06-30T12:00:00Z');
    const uses = [
      { at: new Date('2026-06-30T08:00:00Z'), amount: 2 },
      { at: new Date('2026-06-29T10:00:00Z'), amount: 3 },
      { at: new Date('2026-01-01T00:00:00Z'), amount: 100 },
    ];
    assert.deepEqual(usageByDay(uses, 3, now), [0, 3, 2]);
    const advice = reorderAdvice({
      usedByDay: [2, 2, 2, 2],
      windowDays: 4,
      supplierId: 's',
      averageLeadDays: 3,
      p90LeadDays: 4,
      leadTimeSamples: 2,
      currentReorderPoint: null,
    });
    // Steady use: no variation, no safety stock: 2 × 3 = 6.
    assert.equal(advice.suggestedReorderPoint, 6);
    assert.equal(advice.inputs.safetyStock, 0);
  });

  it('an `at` in the future is refused, and a receipt before its order', () => {
    const now = new Date('2026-06-30T12:00:00Z');
    assert.throws(() => checkWhen(new Date('2026-07-01T12:00:00Z'), now), /in the future/);
    assert.throws(
      () =>
        checkWhen(new Date('2026-06-01T00:00:00Z'), now, {
          at: new Date('2026-06-02T00:00:00Z'),
          what: 'order',
        }),
      /before the order/,
    );
    checkWhen(new Date('2026-06-29T00:00:00Z'), now);
  });

  it('makes SKUs of the documented shape', () => {
    for (let i = 0; i < 20; i++) assert.match(newSku(), /^STK-[0-9A-Z]{8}$/);
  });
});
