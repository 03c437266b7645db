// The pure parts of the ledger and audits: the time window, bulk validation, who may send which
// type, which items an audit expects, counter shards and counts, and the request validators.
import { strict as assert } from 'node:assert';
import {
  auditCounts,
  counterShard,
  expectedFilter,
  isExpected,
  validateComplete,
  validateNewAudit,
  AUDIT_COUNTER_SHARDS,
} from '../src/domain/audits';
import {
  mayScan,
  parseInstant,
  scanTimeProblem,
  validateBulkEvents,
  MAX_BULK_EVENTS,
} from '../src/domain/scanEvents';

describe('scan ledger and audits (domain)', () => {
  it('the time window is measured from when the event reached the backend', () => {
    const received = new Date('2026-12-08T10:00:00Z');
    const at = (iso: string) => scanTimeProblem(new Date(iso), received, 30, 300)?.reason;
    assert.equal(at('2026-11-08T10:00:00Z'), undefined); // exactly 30 days: still fine
    assert.equal(at('2026-11-08T09:59:59Z'), 'too_old');
    assert.equal(at('2026-12-08T10:05:00Z'), undefined); // 300 s ahead: tolerated
    assert.equal(at('2026-12-08T10:05:01Z'), 'in_future');
  });

  it('an instant needs a date, a time and an offset or Z', () => {
    assert.equal(parseInstant('2026-12-08T10:00:00Z')?.toISOString(), '2026-12-08T10:00:00.000Z');
    assert.equal(parseInstant('2026-12-08T11:00+01:00')?.toISOString(), '2026-12-08T10:00:00.000Z');
    for (const bad of ['2026-12-08T10:00:00', '2026-12-08', 'yesterday', 1765188000000, '']) {
      assert.equal(parseInstant(bad), undefined, String(bad));
    }
  });

  it('bulk: 1 to 500 events, a bad one answered alone, a repeated scanId refused', () => {
    const ok = (k: number) => ({
      scanId: `s${k}`,
      type: 'seen',
      code: 'X',
      scannedAt: '2026-12-08T10:00:00Z',
    });
    assert.equal(validateBulkEvents({ events: [] }).ok, false);
    assert.equal(
      validateBulkEvents({ events: Array.from({ length: MAX_BULK_EVENTS + 1 }, (_, k) => ok(k)) })
        .ok,
      false,
    );
    assert.equal(validateBulkEvents({ events: [ok(1)], extra: 1 }).ok, false);
    const checked = validateBulkEvents({
      events: [ok(1), { ...ok(2), type: 'audit' }, ok(1), { ...ok(3), locationId: 'a/b' }, ok(4)],
    });
    assert.ok(checked.ok);
    assert.deepEqual(
      checked.value.entries.map((e) => e.ok),
      [true, false, false, false, true],
    );
    const errs = checked.value.entries.map((e) => (e.ok ? [] : e.errors.map((x) => x.field)));
    assert.deepEqual(errs[1], ['events[1].auditId']);
    assert.deepEqual(errs[2], ['events[2].scanId']);
    assert.deepEqual(errs[3], ['events[3].locationId']);
  });

  it('who may send which type', () => {
    const viewer = { read: true, write: false };
    const editor = { read: true, write: true };
    assert.ok(mayScan('seen', viewer, false, false));
    assert.ok(mayScan('audit', viewer, false, false));
    assert.ok(!mayScan('move', viewer, true, true));
    assert.ok(mayScan('move', editor, false, false));
    assert.ok(!mayScan('checkout', viewer, false, true));
    assert.ok(mayScan('checkout', viewer, true, true));
    assert.ok(!mayScan('checkout', viewer, true, false));
    assert.ok(mayScan('checkin', editor, false, false));
  });

  it('an audit expects the filter’s items, else those at its location', () => {
    assert.deepEqual(expectedFilter({ locationId: 'room' }), { locationId: 'room' });
    assert.deepEqual(expectedFilter({ locationId: 'room', filter: { locationId: 'shelf' } }), {
      locationId: 'shelf',
    });
    const audit = { locationId: 'room', filter: { category: 'LENS' as const } };
    assert.ok(isExpected(audit, { category: 'LENS', locationId: 'room' }));
    assert.ok(!isExpected(audit, { category: 'CAMERA', locationId: 'room' }));
    assert.ok(!isExpected(audit, { category: 'LENS', locationId: 'store' }));
  });

  it('a key always counts in the same shard; missing is expected minus found', () => {
    const shards = new Set(Array.from({ length: 1000 }, (_, k) => counterShard(`CAM-${k}`)));
    assert.equal(shards.size, AUDIT_COUNTER_SHARDS);
    assert.equal(counterShard('CAM-1'), counterShard('CAM-1'));
    assert.deepEqual(auditCounts(300, { found: 290, unexpected: 5, unknown: 3 }), {
      found: 290,
      missing: 10,
      unexpected: 5,
      unknown: 3,
    });
  });

  it('validates a new audit and the completion choices', () => {
    const good = validateNewAudit({
      name: ' Stocktake ',
      locationId: 'room',
      filter: { category: 'camera' },
      dueAt: '2026-12-24T12:00:00+01:00',
    });
    assert.ok(good.ok);
    assert.deepEqual(good.value.filter, { category: 'CAMERA' });
    assert.equal(good.value.name, 'Stocktake');
    const bad = validateNewAudit({
      name: '',
      filter: { category: 'DRONE', colour: 1 },
      dueAt: 'x',
    });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.errors.map((e) => e.field).sort(), [
      'dueAt',
      'filter.category',
      'filter.colour',
      'name',
    ]);
    const complete = validateComplete({ apply: { markMissing: true } });
    assert.ok(complete.ok);
    assert.deepEqual(complete.value, { moveUnexpectedHere: false, markMissing: true });
    assert.equal(validateComplete({ apply: { markMissing: 'yes' } }).ok, false);
    assert.deepEqual(validateComplete({}), {
      ok: true,
      value: { moveUnexpectedHere: false, markMissing: false },
    });
  });
});
