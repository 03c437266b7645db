// Pure manufacturing rules: status transitions, code text, which run of the queue a link takes,
// prep-job counts, and request validation.
import { strict as assert } from 'node:assert';
import {
  CODE_BODY_LENGTH,
  CODE_BITS,
  crockford,
  newBatchSecret,
  newMasterCode,
  queueEntryId,
  unitCode,
} from '../src/domain/manufacturing/codes';
import {
  LINK_SPREAD,
  linkCount,
  runOffset,
  SPREAD_MAX_OFFSET,
} from '../src/domain/manufacturing/linkWindow';
import {
  addDecision,
  cancelProblem,
  decide,
  JOB_STATUSES,
  NO_COUNTS,
  progressOf,
  remainingToPrepare,
  retryProblem,
} from '../src/domain/manufacturing/prepJobs';
import { CODE_STATUSES, statusChangeProblem } from '../src/domain/manufacturing/status';
import {
  validateLinkRequest,
  validateNewBatch,
  validateNewMaster,
  validateNewOrder,
  validateNewPrepJob,
  validateStatusChange,
} from '../src/domain/manufacturing/validate';

describe('manufacturing domain: code status', () => {
  it('an update moves only forwards, never to packed, never to the same status', () => {
    const allowed: string[] = [];
    for (const from of CODE_STATUSES) {
      for (const to of CODE_STATUSES) {
        if (statusChangeProblem(from, to, 'update') === undefined) allowed.push(`${from}>${to}`);
      }
    }
    assert.deepEqual(allowed.sort(), [
      'generated>redeemed',
      'generated>scanned',
      'generated>shipped',
      'packed>redeemed',
      'packed>scanned',
      'packed>shipped',
      'scanned>redeemed',
      'shipped>redeemed',
      'shipped>scanned',
    ]);
  });

  it('a link packs only generated codes', () => {
    for (const from of CODE_STATUSES) {
      const problem = statusChangeProblem(from, 'packed', 'link');
      assert.equal(problem === undefined, from === 'generated', from);
    }
    assert.ok(statusChangeProblem('generated', 'shipped', 'link'));
  });

  it('says why a backward move is refused', () => {
    assert.match(statusChangeProblem('scanned', 'shipped', 'update') ?? '', /only forwards/);
    assert.match(statusChangeProblem('shipped', 'shipped', 'update') ?? '', /already shipped/);
    assert.match(statusChangeProblem('generated', 'packed', 'update') ?? '', /master case/);
  });
});

describe('manufacturing domain: codes', () => {
  it('encodes Crockford base32, big-endian', () => {
    assert.equal(crockford(Uint8Array.from([0, 0, 0, 0, 0]), 8), '00000000');
    assert.equal(crockford(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff]), 8), 'ZZZZZZZZ');
    // 0x08 0x42 = 00001 00001 00001 0: "111"
    assert.equal(crockford(Uint8Array.from([0x08, 0x42]), 3), '111');
    assert.throws(() => crockford(Uint8Array.from([1, 2]), 20), RangeError);
  });

  it('unit codes carry at least 96 bits, are derived from the secret and sequence number', () => {
    assert.ok(CODE_BITS >= 96);
    const secret = newBatchSecret();
    const a = unitCode(secret, 'P-', 1);
    assert.match(a, new RegExp(`^P-[0-9A-HJKMNP-TV-Z]{${CODE_BODY_LENGTH}}$`));
    assert.equal(unitCode(secret, 'P-', 1), a, 'the same sequence number gives the same code');
    assert.notEqual(unitCode(secret, 'P-', 1, 1), a, 'a collision takes another candidate');
    assert.notEqual(unitCode(newBatchSecret(), 'P-', 1), a, 'another batch, other codes');
    const many = new Set(Array.from({ length: 20_000 }, (_, i) => unitCode(secret, '', i + 1)));
    assert.equal(many.size, 20_000);
  });

  it('every character position of unit codes takes all 32 values (no bias from the encoding)', () => {
    const secret = newBatchSecret();
    const seen = Array.from({ length: CODE_BODY_LENGTH }, () => new Set<string>());
    for (let seq = 1; seq <= 3000; seq += 1) {
      [...unitCode(secret, '', seq)].forEach((ch, i) => seen[i]!.add(ch));
    }
    for (const s of seen) assert.equal(s.size, 32);
  });

  it('master codes are random and queue ids name order, batch and code', () => {
    assert.match(newMasterCode(), /^M[0-9A-HJKMNP-TV-Z]{20}$/);
    assert.notEqual(newMasterCode(), newMasterCode());
    assert.equal(queueEntryId('o1', 'b1', 'C'), 'o1~b1~C');
  });
});

describe('manufacturing domain: which run of the queue a link takes', () => {
  it('takes the head until it has lost a race', () => {
    assert.equal(runOffset(100, false, 0.99), 0);
  });

  it('after a lost race starts at a random whole run among the first ones', () => {
    assert.equal(runOffset(100, true, 0), 0);
    assert.equal(runOffset(100, true, 0.55), 800);
    assert.equal(runOffset(100, true, 0.999), (LINK_SPREAD - 1) * 100);
    const starts = new Set<number>();
    for (let r = 0; r < 1; r += 0.001) starts.add(runOffset(100, true, r));
    assert.equal(starts.size, LINK_SPREAD);
    for (const s of starts) assert.equal(s % 100, 0, 'aligned to whole runs');
    // Large runs spread over fewer runs, never past SPREAD_MAX_OFFSET.
    const big = new Set<number>();
    for (let r = 0; r < 1; r += 0.001) big.add(runOffset(500, true, r));
    assert.deepEqual(
      [...big].sort((a, b) => a - b),
      [0, 500, 1000, 1500],
    );
    assert.ok(Math.max(...big) < SPREAD_MAX_OFFSET);
    assert.equal(runOffset(5000, true, 0.9), 0);
  });

  it('counts what a link takes, or why not', () => {
    assert.deepEqual(linkCount(100, 100, 100, false), { take: 100 });
    assert.deepEqual(linkCount(100, 99, 500, false), { problem: 'overfill' });
    assert.deepEqual(linkCount(100, 500, 99, false), { problem: 'short' });
    assert.deepEqual(linkCount(100, 60, 500, true), { take: 60 });
    assert.deepEqual(linkCount(100, 500, 30, true), { take: 30 });
    assert.deepEqual(linkCount(100, 0, 30, true), { problem: 'overfill' });
    assert.deepEqual(linkCount(100, 50, 0, true), { problem: 'short' });
  });
});

describe('manufacturing domain: prep jobs', () => {
  it('decides each code: excluded, not preparable, already queued, or prepare', () => {
    assert.equal(decide('generated', true, false), 'excluded');
    assert.equal(decide('packed', false, false), 'invalid');
    assert.equal(decide('redeemed', false, true), 'invalid');
    assert.equal(decide('generated', false, true), 'duplicate');
    assert.equal(decide('generated', false, false), 'prepare');
  });

  it('counts add up', () => {
    let c = NO_COUNTS;
    c = addDecision(c, 'generated', 'prepare');
    c = addDecision(c, 'generated', 'duplicate');
    c = addDecision(c, 'generated', 'excluded');
    c = addDecision(c, 'shipped', 'invalid');
    c = addDecision(c, 'packed', 'excluded');
    assert.deepEqual(c, {
      prepared: 1,
      duplicates: 1,
      invalid: 1,
      excluded: 2,
      available: 3,
      walked: 5,
    });
    assert.equal(remainingToPrepare(10, 2, c, false), 6);
    assert.equal(remainingToPrepare(10, 2, c, true), 0);
    assert.equal(remainingToPrepare(1, 2, c, false), 0);
  });

  it('progress reaches 100 only when done', () => {
    assert.equal(progressOf(0, 1000, false), 0);
    assert.equal(progressOf(455, 1000, false), 45);
    assert.equal(progressOf(1000, 1000, false), 99);
    assert.equal(progressOf(1000, 1000, true), 100);
    assert.equal(progressOf(0, 0, false), 0);
  });

  it('cancels queued or running jobs and retries failed or cancelled ones', () => {
    const cancellable = JOB_STATUSES.filter((s) => cancelProblem(s) === undefined);
    const retryable = JOB_STATUSES.filter((s) => retryProblem(s) === undefined);
    assert.deepEqual(cancellable, ['queued', 'running']);
    assert.deepEqual(retryable, ['failed', 'cancelled']);
  });
});

describe('manufacturing domain: request bodies', () => {
  const errors = (v: { ok: boolean; errors?: { field: string }[] }) =>
    v.ok ? [] : (v.errors ?? []).map((e) => e.field).sort();

  it('orders', () => {
    assert.deepEqual(validateNewOrder({ name: ' A ', sku: '' }), {
      ok: true,
      value: {
        orderId: undefined,
        name: 'A',
        sku: null,
        productName: null,
        gtin: null,
        redemptionSecret: false,
      },
    });
    assert.deepEqual(errors(validateNewOrder({ name: 'A', gtin: '4006381333932' })), ['gtin']);
    assert.equal(
      (validateNewOrder({ name: 'A', gtin: '96385074' }) as { value: { gtin: string } }).value.gtin,
      '96385074',
    );
    assert.deepEqual(errors(validateNewOrder({ orderId: 'a/b', extra: 1 })), [
      'extra',
      'name',
      'orderId',
    ]);
  });

  it('batches', () => {
    assert.deepEqual(validateNewBatch({ units: 100_000, prefix: 'AB-_9' }), {
      ok: true,
      value: { units: 100_000, prefix: 'AB-_9' },
    });
    assert.deepEqual(errors(validateNewBatch({ units: 1.5, prefix: 'x'.repeat(33) })), [
      'prefix',
      'units',
    ]);
    assert.deepEqual(errors(validateNewBatch({ units: '5' })), ['units']);
    assert.deepEqual(errors(validateNewBatch({})), ['units']);
  });

  it('masters', () => {
    assert.deepEqual(validateNewMaster({ orderId: 'o', expectedUnits: 10 }), {
      ok: true,
      value: { orderId: 'o', expectedUnits: 10, caseNumber: null, batchId: null },
    });
    assert.deepEqual(errors(validateNewMaster({ expectedUnits: 0, caseNumber: -1 })), [
      'caseNumber',
      'expectedUnits',
      'orderId',
    ]);
  });

  it('prep jobs: exclude codes are trimmed and deduplicated, and limited', () => {
    const v = validateNewPrepJob({
      orderId: 'o',
      batchId: 'b',
      excludeCodes: [' A ', 'A', '', 'B'],
    });
    assert.deepEqual(v, {
      ok: true,
      value: { orderId: 'o', batchId: 'b', excludeCodes: ['A', 'B'] },
    });
    assert.deepEqual(
      errors(validateNewPrepJob({ orderId: 'o', batchId: 'b', excludeCodes: [1] })),
      ['excludeCodes'],
    );
    assert.deepEqual(
      errors(
        validateNewPrepJob({ orderId: 'o', batchId: 'b', excludeCodes: Array(10_001).fill('A') }),
      ),
      ['excludeCodes'],
    );
    assert.deepEqual(
      errors(validateNewPrepJob({ orderId: 'o', batchId: 'b', excludeCodes: ['x'.repeat(129)] })),
      ['excludeCodes'],
    );
  });

  it('links and status changes', () => {
    assert.deepEqual(validateLinkRequest({ orderId: 'o', batchId: 'b', targetUnits: 500 }), {
      ok: true,
      value: { orderId: 'o', batchId: 'b', targetUnits: 500, allowPartial: false },
    });
    assert.deepEqual(
      errors(
        validateLinkRequest({ orderId: 'o', batchId: 'b', targetUnits: 501, allowPartial: 'yes' }),
      ),
      ['allowPartial', 'targetUnits'],
    );
    assert.deepEqual(validateStatusChange({ status: 'shipped' }), {
      ok: true,
      value: { status: 'shipped' },
    });
    assert.deepEqual(errors(validateStatusChange({ status: 'lost' })), ['status']);
  });
});
