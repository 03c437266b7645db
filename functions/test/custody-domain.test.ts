// The pure rules of custody (domain/custody.ts) and its times (domain/custodyTime.ts): ISO 8601
// read in a zone across both daylight-saving changes, half-open overlaps, what stops a checkout.
import { strict as assert } from 'node:assert';
import {
  bookingClash,
  checkoutProblem,
  checkoutStatusOf,
  custodianKey,
  overlaps,
  type ItemState,
} from '../src/domain/custody';
import { formatInZone, parseInstant } from '../src/domain/custodyTime';

const utc = (s: string) => Date.parse(s);
const H = 3_600_000;

describe('custody times (domain)', () => {
  it('reads a time without an offset in the zone, and one with an offset exactly', () => {
    assert.equal(parseInstant('2027-10-31T00:00:00', 'Europe/Berlin'), utc('2027-10-30T22:00:00Z'));
    assert.equal(parseInstant('2027-12-01T09:30', 'Europe/Berlin'), utc('2027-12-01T08:30:00Z'));
    assert.equal(parseInstant('2027-12-01', 'America/New_York'), utc('2027-12-01T05:00:00Z'));
    assert.equal(
      parseInstant('2027-07-01T12:00:00Z', 'Europe/Berlin'),
      utc('2027-07-01T12:00:00Z'),
    );
    assert.equal(parseInstant('2027-07-01T12:00:00-0230', 'UTC'), utc('2027-07-01T14:30:00Z'));
    assert.equal(
      parseInstant('2027-07-01T12:00:00.250+02:00', 'UTC'),
      utc('2027-07-01T10:00:00.250Z'),
    );
  });

  it('the autumn hour that happens twice is its first reading; the spring gap moves on', () => {
    // Berlin, 31 October 2027: 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    assert.equal(parseInstant('2027-10-31T02:30', 'Europe/Berlin'), utc('2027-10-31T00:30:00Z'));
    assert.equal(parseInstant('2027-10-31T03:30', 'Europe/Berlin'), utc('2027-10-31T02:30:00Z'));
    // Berlin, 28 March 2027: 02:30 does not exist; it is read as 03:30 CEST.
    assert.equal(parseInstant('2027-03-28T02:30', 'Europe/Berlin'), utc('2027-03-28T01:30:00Z'));
    const from = parseInstant('2027-10-30T12:00', 'Europe/Berlin')!;
    const to = parseInstant('2027-10-31T12:00', 'Europe/Berlin')!;
    assert.equal((to - from) / H, 25);
    const springFrom = parseInstant('2027-03-27T12:00', 'Europe/Berlin')!;
    const springTo = parseInstant('2027-03-28T12:00', 'Europe/Berlin')!;
    assert.equal((springTo - springFrom) / H, 23);
  });

  it('refuses what is not a time', () => {
    for (const bad of [
      '',
      'tomorrow',
      '2027-13-01',
      '2027-02-29T10:00',
      '2027-01-01T24:00',
      '2027-01-01T10:00+5',
    ]) {
      assert.equal(parseInstant(bad, 'UTC'), undefined, bad);
    }
  });

  it('shows an instant in the zone with its offset', () => {
    assert.equal(
      formatInZone(utc('2027-10-30T22:00:00Z'), 'Europe/Berlin'),
      '2027-10-31T00:00:00.000+02:00',
    );
    assert.equal(
      formatInZone(utc('2027-10-31T11:00:00Z'), 'Europe/Berlin'),
      '2027-10-31T12:00:00.000+01:00',
    );
    assert.equal(
      formatInZone(utc('2027-01-01T00:00:00Z'), 'America/St_Johns'),
      '2026-12-31T20:30:00.000-03:30',
    );
    assert.equal(formatInZone(utc('2027-01-01T00:00:00Z'), 'UTC'), '2027-01-01T00:00:00.000+00:00');
  });
});

describe('custody rules (domain)', () => {
  const free: ItemState = { status: 'available', custody: null };
  const now = utc('2027-06-01T12:00:00Z');

  it('intervals are half-open: back to back is no overlap; open-ended overlaps all after', () => {
    assert.equal(overlaps({ from: 0, to: 10 }, { from: 10, to: 20 }), false);
    assert.equal(overlaps({ from: 0, to: 11 }, { from: 10, to: 20 }), true);
    assert.equal(overlaps({ from: 0, to: null }, { from: 100, to: 200 }), true);
    assert.equal(overlaps({ from: 300, to: null }, { from: 100, to: 200 }), false);
  });

  it('a checkout is stopped by another person’s booking that has begun or begins before dueAt', () => {
    const hold = { bookingId: 'b1', from: now + 2 * H, to: now + 5 * H, custodianKey: 'name:bo' };
    const who = custodianKey({ name: 'Cy' });
    // Open-ended (no dueAt): a later booking of someone else is in its way as well.
    assert.equal(checkoutProblem('a', free, [hold], who, null, now)?.reason, 'booked');
    assert.equal(checkoutProblem('a', free, [hold], who, now + 2 * H, now), undefined);
    assert.equal(checkoutProblem('a', free, [hold], who, now + 3 * H, now)?.reason, 'booked');
    assert.equal(checkoutProblem('a', free, [hold], 'name:bo', now + 3 * H, now), undefined);
    assert.equal(checkoutProblem('a', free, [hold], who, now + 3 * H, now, 'b1'), undefined);
    const begun = { ...hold, from: now - H };
    assert.equal(checkoutProblem('a', free, [begun], who, null, now)?.reason, 'booked');
    for (const status of ['retired', 'missing', 'needs_service'] as const) {
      assert.equal(
        checkoutProblem('a', { status, custody: null }, [], who, null, now)?.reason,
        status,
      );
    }
  });

  it('a booking clashes with the open checkout until its due time (or ever, without one)', () => {
    const out: ItemState = {
      status: 'checked_out',
      custody: { checkoutId: 'c1', custodian: { name: 'x' }, since: now - H, dueAt: now + 2 * H },
    };
    assert.equal(
      bookingClash('a', out, [], { from: now + 2 * H, to: now + 3 * H }, now),
      undefined,
    );
    assert.ok(bookingClash('a', out, [], { from: now + H, to: now + 3 * H }, now));
    const forever: ItemState = { ...out, custody: { ...out.custody!, dueAt: null } };
    assert.ok(bookingClash('a', forever, [], { from: now + 100 * H, to: now + 101 * H }, now));
    // An overdue item still occupies the present.
    const overdue: ItemState = { ...out, custody: { ...out.custody!, dueAt: now - H } };
    assert.ok(bookingClash('a', overdue, [], { from: now - 1, to: now + H }, now));
  });

  it('a checkout’s status follows what is out and its due time', () => {
    assert.equal(checkoutStatusOf(3, 3, null, now), 'open');
    assert.equal(checkoutStatusOf(1, 3, now + H, now), 'partially_returned');
    assert.equal(checkoutStatusOf(1, 3, now - H, now), 'overdue');
    assert.equal(checkoutStatusOf(0, 3, now - H, now), 'returned');
  });
});
