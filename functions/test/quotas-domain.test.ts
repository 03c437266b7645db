// The pure part of the quotas (domain/quotas.ts): the UTC day, the decision at the boundary, and
// which override values count.
import { strict as assert } from 'node:assert';
import {
  applyOverride,
  dayKey,
  enforceQuota,
  nextDayStart,
  quotaDecision,
  type QuotaLimits,
} from '../src/domain/quotas';
import { AppError } from '../src/domain/errors';

const DEFAULTS: QuotaLimits = {
  unitsPerDay: 200_000,
  tagsPerDay: 20_000,
  rowsPerDay: 100_000,
  custodyItemsPerDay: 100_000,
  photosPerDay: 2_000,
  outstandingBatches: 20,
  outstandingTagPools: 10,
  items: 100_000,
  labelsPerRequest: 10_000,
  scanEventsPerDay: 100_000,
  openAudits: 20,
  deliveriesPerDay: 50_000,
  movementsPerDay: 50_000,
  stockItems: 20_000,
};

describe('quotas (domain)', () => {
  it('the day is the UTC day, and it resets at the next UTC midnight', () => {
    // 23:30 in UTC is already the next day in Tokyo: the UTC date counts.
    const late = new Date('2026-12-31T23:30:00.000Z');
    assert.equal(dayKey(late), '2026-12-31');
    assert.equal(nextDayStart(late).toISOString(), '2027-01-01T00:00:00.000Z');
    const midnight = new Date('2027-01-01T00:00:00.000Z');
    assert.equal(dayKey(midnight), '2027-01-01');
    assert.equal(nextDayStart(midnight).toISOString(), '2027-01-02T00:00:00.000Z');
  });

  it('up to the limit passes; one more is refused with exactly quota, limit, used, resetsAt', () => {
    const now = new Date('2026-12-08T10:00:00.000Z');
    assert.equal(quotaDecision('unitsPerDay', 150, 50, 200, now), undefined);
    assert.deepEqual(quotaDecision('unitsPerDay', 150, 51, 200, now), {
      quota: 'unitsPerDay',
      limit: 200,
      used: 150,
      resetsAt: '2026-12-09T00:00:00.000Z',
    });
    assert.deepEqual(quotaDecision('items', 3, 1, 3, now), {
      quota: 'items',
      limit: 3,
      used: 3,
      resetsAt: null,
    });
    // A limit of 0 refuses everything.
    assert.ok(quotaDecision('outstandingBatches', 0, 1, 0, now));
  });

  it('the refusal is a quota_exceeded error whose message says the numbers', () => {
    assert.throws(
      () => enforceQuota('rowsPerDay', 90, 20, 100, new Date('2026-12-08T10:00:00Z')),
      (err: unknown) =>
        err instanceof AppError &&
        err.code === 'quota_exceeded' &&
        /at most 100 CSV rows uploaded today; 90 used, this request needs 20/.test(err.message) &&
        /resets at 2026-12-09T00:00:00.000Z/.test(err.message),
    );
  });

  it('an override replaces the limits it names with whole numbers; anything else is ignored', () => {
    assert.deepEqual(applyOverride(DEFAULTS, undefined), DEFAULTS);
    const limits = applyOverride(DEFAULTS, {
      items: 500_000,
      unitsPerDay: 0,
      tagsPerDay: '50000',
      rowsPerDay: -1,
      labelsPerRequest: 1.5,
      outstandingBatches: Number.NaN,
      somethingElse: 3,
    });
    assert.deepEqual(limits, { ...DEFAULTS, items: 500_000, unitsPerDay: 0 });
  });
});
