// Unit tests of the scan timeline (functions/src/domain/timeline.ts): day keys in zones far from
// UTC and across daylight-saving changes, gaps, month and year ends, ISO weeks, the SVG chart.
import { strict as assert } from 'node:assert';
import {
  buildTimeline,
  canonicalTimeZone,
  dayKey,
  InvalidPeriodError,
  InvalidTimeZoneError,
  isValidTimeZone,
  timelineDayRange,
  timelineSvg,
  type TimelinePeriod,
} from '../src/domain/timeline';

const at = (iso: string): Date => new Date(iso);

/** Every day key from `from` to `to` inclusive. */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (
    let t = Date.parse(`${from}T00:00:00Z`);
    t <= Date.parse(`${to}T00:00:00Z`);
    t += 86_400_000
  ) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

describe('domain/timeline dayKey', () => {
  it('cuts days at local midnight in Pacific/Kiritimati (UTC+14)', () => {
    assert.equal(dayKey(at('2026-03-10T09:59:59.999Z'), 'Pacific/Kiritimati'), '2026-03-10');
    assert.equal(dayKey(at('2026-03-10T10:00:00Z'), 'Pacific/Kiritimati'), '2026-03-11');
  });

  it('cuts days at local midnight in Pacific/Pago_Pago (UTC-11)', () => {
    assert.equal(dayKey(at('2026-03-10T10:59:59.999Z'), 'Pacific/Pago_Pago'), '2026-03-09');
    assert.equal(dayKey(at('2026-03-10T11:00:00Z'), 'Pacific/Pago_Pago'), '2026-03-10');
  });

  it('one instant is three different days around the world', () => {
    const instant = at('2026-12-31T11:30:00Z');
    assert.equal(dayKey(instant, 'Pacific/Pago_Pago'), '2026-12-31');
    assert.equal(dayKey(instant, 'UTC'), '2026-12-31');
    assert.equal(dayKey(instant, 'Pacific/Kiritimati'), '2027-01-01');
  });

  it('follows Europe/Berlin across both daylight-saving changes', () => {
    // Spring: 29 March 2026 has 23 hours; midnight is 23:00Z before it and 22:00Z after it.
    assert.equal(dayKey(at('2026-03-28T22:59:59Z'), 'Europe/Berlin'), '2026-03-28');
    assert.equal(dayKey(at('2026-03-28T23:00:00Z'), 'Europe/Berlin'), '2026-03-29');
    assert.equal(dayKey(at('2026-03-29T21:59:59Z'), 'Europe/Berlin'), '2026-03-29');
    assert.equal(dayKey(at('2026-03-29T22:00:00Z'), 'Europe/Berlin'), '2026-03-30');
    // Autumn: 25 October 2026 has 25 hours, from 22:00Z to 23:00Z the next day.
    assert.equal(dayKey(at('2026-10-24T21:59:59Z'), 'Europe/Berlin'), '2026-10-24');
    assert.equal(dayKey(at('2026-10-24T22:00:00Z'), 'Europe/Berlin'), '2026-10-25');
    assert.equal(dayKey(at('2026-10-25T22:59:59Z'), 'Europe/Berlin'), '2026-10-25');
    assert.equal(dayKey(at('2026-10-25T23:00:00Z'), 'Europe/Berlin'), '2026-10-26');
  });

  it('follows America/New_York across both daylight-saving changes', () => {
    // 8 March 2026: 05:00Z to 04:00Z the next day (23 hours).
    assert.equal(dayKey(at('2026-03-08T04:59:59Z'), 'America/New_York'), '2026-03-07');
    assert.equal(dayKey(at('2026-03-08T05:00:00Z'), 'America/New_York'), '2026-03-08');
    assert.equal(dayKey(at('2026-03-09T03:59:59Z'), 'America/New_York'), '2026-03-08');
    assert.equal(dayKey(at('2026-03-09T04:00:00Z'), 'America/New_York'), '2026-03-09');
    // 1 November 2026: 04:00Z to 05:00Z the next day (25 hours).
    assert.equal(dayKey(at('2026-11-01T03:59:59Z'), 'America/New_York'), '2026-10-31');
    assert.equal(dayKey(at('2026-11-01T04:00:00Z'), 'America/New_York'), '2026-11-01');
    assert.equal(dayKey(at('2026-11-02T04:59:59Z'), 'America/New_York'), '2026-11-01');
    assert.equal(dayKey(at('2026-11-02T05:00:00Z'), 'America/New_York'), '2026-11-02');
  });

  it('refuses an unknown zone with a typed error and an invalid Date', () => {
    assert.throws(() => dayKey(at('2026-01-01T00:00:00Z'), 'Mars/Olympus'), InvalidTimeZoneError);
    assert.throws(() => dayKey(at('2026-01-01T00:00:00Z'), ''), InvalidTimeZoneError);
    assert.throws(() => dayKey(new Date(Number.NaN), 'UTC'), RangeError);
  });
});

describe('domain/timeline isValidTimeZone', () => {
  it('accepts IANA names (any case) and refuses the rest', () => {
    for (const zone of [
      'UTC',
      'Europe/Berlin',
      'europe/berlin',
      'Pacific/Kiritimati',
      'Etc/GMT+5',
    ]) {
      assert.equal(isValidTimeZone(zone), true, zone);
    }
    for (const zone of ['', 'Mars/Olympus', 'Europe/Berlin/', 42, null, undefined]) {
      assert.equal(isValidTimeZone(zone), false, String(zone));
    }
    assert.equal(canonicalTimeZone('europe/berlin'), 'Europe/Berlin');
  });
});

describe('domain/timeline buildTimeline daily', () => {
  it('7d is seven days ending today in the zone, gaps filled with 0', () => {
    // 2026-12-01T10:30Z is already 2 December in Kiritimati.
    const counts = new Map([
      ['2026-12-02', 4],
      ['2026-11-28', 2],
      ['2026-11-25', 99], // before the range
      ['2026-12-03', 99], // after today
    ]);
    const timeline = buildTimeline({
      period: '7d',
      timeZone: 'Pacific/Kiritimati',
      now: at('2026-12-01T10:30:00Z'),
      counts,
    });
    assert.deepEqual(timeline, {
      period: '7d',
      granularity: 'day',
      timeZone: 'Pacific/Kiritimati',
      points: [
        { date: '2026-11-26', scans: 0, humans: 0, bots: 0, visitors: 0 },
        { date: '2026-11-27', scans: 0, humans: 0, bots: 0, visitors: 0 },
        { date: '2026-11-28', scans: 2, humans: 2, bots: 0, visitors: 0 },
        { date: '2026-11-29', scans: 0, humans: 0, bots: 0, visitors: 0 },
        { date: '2026-11-30', scans: 0, humans: 0, bots: 0, visitors: 0 },
        { date: '2026-12-01', scans: 0, humans: 0, bots: 0, visitors: 0 },
        { date: '2026-12-02', scans: 4, humans: 4, bots: 0, visitors: 0 },
      ],
      total: 6,
      humans: 6,
      bots: 0,
      visitors: 0,
    });
  });

  it('the same instant gives a different last day in Pago Pago', () => {
    const timeline = buildTimeline({
      period: '7d',
      timeZone: 'Pacific/Pago_Pago',
      now: at('2026-12-01T10:30:00Z'),
      counts: new Map(),
    });
    assert.equal(timeline.points.at(-1)?.date, '2026-11-30');
    assert.equal(timeline.total, 0);
  });

  it('30d and 90d cross month and year ends, leap days included', () => {
    const thirty = buildTimeline({
      period: '30d',
      timeZone: 'UTC',
      now: at('2026-03-01T12:00:00Z'),
      counts: new Map(),
    });
    assert.equal(thirty.points.length, 30);
    assert.equal(thirty.points[0].date, '2026-01-31');
    assert.deepEqual(
      thirty.points.map((p) => p.date),
      daysBetween('2026-01-31', '2026-03-01'),
    );

    const leap = buildTimeline({
      period: '7d',
      timeZone: 'UTC',
      now: at('2028-03-02T00:00:00Z'),
      counts: new Map([['2028-02-29', 1]]),
    });
    assert.deepEqual(
      leap.points.map((p) => p.date),
      daysBetween('2028-02-25', '2028-03-02'),
    );
    assert.equal(leap.total, 1);

    const ninety = buildTimeline({
      period: '90d',
      timeZone: 'America/New_York',
      now: at('2027-01-15T03:00:00Z'), // still 14 January in New York
      counts: new Map([
        ['2026-12-31', 5],
        ['2027-01-01', 7],
      ]),
    });
    assert.equal(ninety.points.length, 90);
    assert.equal(ninety.points.at(-1)?.date, '2027-01-14');
    assert.deepEqual(
      ninety.points.map((p) => p.date),
      daysBetween('2026-10-17', '2027-01-14'),
    );
    assert.equal(ninety.total, 12);
  });

  it('a week across a daylight-saving change has seven distinct days', () => {
    for (const [zone, now] of [
      ['Europe/Berlin', '2026-03-31T12:00:00Z'],
      ['Europe/Berlin', '2026-10-27T12:00:00Z'],
      ['America/New_York', '2026-03-10T12:00:00Z'],
      ['America/New_York', '2026-11-03T12:00:00Z'],
    ] as const) {
      const timeline = buildTimeline({
        period: '7d',
        timeZone: zone,
        now: at(now),
        counts: new Map(),
      });
      const dates = timeline.points.map((p) => p.date);
      const last = now.slice(0, 10);
      assert.deepEqual(dates, daysBetween(dates[0], last), `${zone} ${now}`);
      assert.equal(new Set(dates).size, 7);
    }
  });

  it('scans recorded with dayKey land on the right points across a DST change', () => {
    const scans = [
      '2026-10-24T21:59:59Z', // 24 Oct in Berlin
      '2026-10-24T22:00:00Z', // 25 Oct
      '2026-10-25T22:59:59Z', // 25 Oct (the 25-hour day)
      '2026-10-25T23:00:00Z', // 26 Oct
    ];
    const counts = new Map<string, number>();
    for (const scan of scans) {
      const key = dayKey(at(scan), 'Europe/Berlin');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const timeline = buildTimeline({
      period: '7d',
      timeZone: 'Europe/Berlin',
      now: at('2026-10-26T12:00:00Z'),
      counts,
    });
    assert.deepEqual(timeline.points.slice(-3), [
      { date: '2026-10-24', scans: 1, humans: 1, bots: 0, visitors: 0 },
      { date: '2026-10-25', scans: 2, humans: 2, bots: 0, visitors: 0 },
      { date: '2026-10-26', scans: 1, humans: 1, bots: 0, visitors: 0 },
    ]);
  });
});

describe('domain/timeline buildTimeline weekly (1y)', () => {
  it('is 53 ISO weeks dated by their Monday, the current one last', () => {
    // Tuesday 1 December 2026.
    const timeline = buildTimeline({
      period: '1y',
      timeZone: 'UTC',
      now: at('2026-12-01T12:00:00Z'),
      counts: new Map(),
    });
    assert.equal(timeline.granularity, 'week');
    assert.equal(timeline.points.length, 53);
    assert.equal(timeline.points.at(-1)?.date, '2026-11-30');
    assert.equal(timeline.points[0].date, '2025-12-01');
    for (const point of timeline.points) {
      assert.equal(new Date(`${point.date}T00:00:00Z`).getUTCDay(), 1, `${point.date} is a Monday`);
    }
    assert.deepEqual(timelineDayRange('1y', 'UTC', at('2026-12-01T12:00:00Z')), {
      from: '2025-12-01',
      to: '2026-12-01',
    });
  });

  it('covers ISO year 2026 (53 weeks: W01 starts 2025-12-29, W53 starts 2026-12-28)', () => {
    // Saturday 2 January 2027 is in 2026-W53.
    const timeline = buildTimeline({
      period: '1y',
      timeZone: 'Europe/Berlin',
      now: at('2027-01-02T12:00:00Z'),
      counts: new Map([
        ['2025-12-29', 1], // Monday of 2026-W01
        ['2026-12-28', 10], // Monday of 2026-W53
        ['2027-01-01', 20], // Friday of 2026-W53, a new calendar year
        ['2027-01-02', 30], // today
        ['2025-12-28', 1000], // Sunday of 2025-W52, outside
      ]),
    });
    assert.equal(timeline.points.length, 53);
    assert.deepEqual(timeline.points[0], {
      date: '2025-12-29',
      scans: 1,
      humans: 1,
      bots: 0,
      visitors: 0,
    });
    assert.deepEqual(timeline.points.at(-1), {
      date: '2026-12-28',
      scans: 60,
      humans: 60,
      bots: 0,
      visitors: 0,
    });
    assert.equal(timeline.total, 61);
  });

  it('weekly buckets sum every day of the range exactly once', () => {
    const now = at('2026-12-03T20:00:00Z'); // Thursday in UTC, Friday 04 Dec in Kiritimati
    for (const zone of ['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'America/New_York']) {
      const { from, to } = timelineDayRange('1y', zone, now);
      const counts = new Map<string, number>();
      // Count i+1 on the i-th day of a wider window; only days in [from, to] may be summed.
      const days = daysBetween('2025-11-01', '2026-12-31');
      days.forEach((day, i) => counts.set(day, i + 1));
      const expected = days
        .filter((day) => day >= from && day <= to)
        .reduce((sum, day) => sum + (counts.get(day) ?? 0), 0);
      const timeline = buildTimeline({ period: '1y', timeZone: zone, now, counts });
      assert.equal(timeline.total, expected, zone);
      assert.equal(
        timeline.points.reduce((sum, p) => sum + p.scans, 0),
        expected,
      );
      assert.equal(to, dayKey(now, zone));
      assert.equal(timeline.points[0].date, from);
    }
  });
});

describe('domain/timeline ranges and errors', () => {
  it('timelineDayRange gives the days each daily period covers', () => {
    const now = at('2026-01-02T04:59:00Z'); // still 1 January in New York (UTC-5)
    const cases: [TimelinePeriod, string][] = [
      ['7d', '2025-12-26'],
      ['30d', '2025-12-03'],
      ['90d', '2025-10-04'],
    ];
    for (const [period, from] of cases) {
      assert.deepEqual(timelineDayRange(period, 'America/New_York', now), {
        from,
        to: '2026-01-01',
      });
    }
  });

  it('an invalid zone or period is a typed error', () => {
    const now = at('2026-12-01T00:00:00Z');
    assert.throws(
      () => buildTimeline({ period: '7d', timeZone: 'Nowhere/City', now, counts: new Map() }),
      (error: unknown) =>
        error instanceof InvalidTimeZoneError && error.timeZone === 'Nowhere/City',
    );
    assert.throws(() => timelineDayRange('1y', 'Nowhere/City', now), InvalidTimeZoneError);
    assert.throws(
      () =>
        buildTimeline({ period: '2w' as TimelinePeriod, timeZone: 'UTC', now, counts: new Map() }),
      InvalidPeriodError,
    );
  });
});

describe('domain/timeline humans, bots and visitors', () => {
  it('splits each day into people and bots and carries the visitors, weeks added up', () => {
    const counts = new Map([
      ['2026-12-01', { scans: 5, humans: 3, visitors: 2 }],
      ['2026-12-02', { scans: 4, humans: 4, visitors: 1 }],
      // A shard can never claim more people than scans: clamped.
      ['2026-12-03', { scans: 1, humans: 7, visitors: 1 }],
    ]);
    const now = at('2026-12-03T12:00:00Z');
    const daily = buildTimeline({ period: '7d', timeZone: 'UTC', now, counts });
    assert.deepEqual(daily.points.slice(-3), [
      { date: '2026-12-01', scans: 5, humans: 3, bots: 2, visitors: 2 },
      { date: '2026-12-02', scans: 4, humans: 4, bots: 0, visitors: 1 },
      { date: '2026-12-03', scans: 1, humans: 1, bots: 0, visitors: 1 },
    ]);
    assert.deepEqual([daily.total, daily.humans, daily.bots, daily.visitors], [10, 8, 2, 4]);
    const weekly = buildTimeline({ period: '1y', timeZone: 'UTC', now, counts });
    assert.deepEqual(weekly.points.at(-1), {
      date: '2026-11-30',
      scans: 10,
      humans: 8,
      bots: 2,
      visitors: 4,
    });
  });
});

describe('domain/timeline timelineSvg', () => {
  it('draws one titled group per point (people, bots, visitors), sized to the counts, with no script', () => {
    const timeline = buildTimeline({
      period: '7d',
      timeZone: 'UTC',
      now: at('2026-12-07T12:00:00Z'),
      counts: new Map<string, number | { scans: number; humans: number; visitors: number }>([
        ['2026-12-03', 5],
        ['2026-12-07', { scans: 10, humans: 6, visitors: 3 }],
      ]),
    });
    const svg = timelineSvg(timeline);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640" height="160"/);
    assert.doesNotMatch(svg, /<script|on\w+=|href/i);
    const groups = [
      ...svg.matchAll(
        /<g class="point"><title>([^<]*)<\/title><rect class="humans" [^>]*height="([\d.]+)"[^>]*\/><rect class="bots" [^>]*height="([\d.]+)"[^>]*\/><circle class="visitors"[^>]*\/><\/g>/g,
      ),
    ];
    assert.equal(groups.length, 7);
    assert.deepEqual(
      groups.map((g) => g[1]),
      [
        '2026-12-01: 0 scans (0 humans, 0 bots), 0 visitors',
        '2026-12-02: 0 scans (0 humans, 0 bots), 0 visitors',
        '2026-12-03: 5 scans (5 humans, 0 bots), 0 visitors',
        '2026-12-04: 0 scans (0 humans, 0 bots), 0 visitors',
        '2026-12-05: 0 scans (0 humans, 0 bots), 0 visitors',
        '2026-12-06: 0 scans (0 humans, 0 bots), 0 visitors',
        '2026-12-07: 10 scans (6 humans, 4 bots), 3 visitors',
      ],
    );
    const humans = groups.map((g) => Number(g[2]));
    const bots = groups.map((g) => Number(g[3]));
    assert.equal(humans[0] + bots[0], 0);
    // Heights are rounded to 0.01 px.
    assert.ok(Math.abs(humans[6] + bots[6] - 2 * humans[2]) < 0.02);
    assert.ok(Math.abs(humans[6] - 1.5 * bots[6]) < 0.02);
    assert.ok(humans[6] + bots[6] > 100);
  });

  it('escapes text and labels weeks', () => {
    const svg = timelineSvg({
      period: '1y',
      granularity: 'week',
      timeZone: '<Zone & "Co">',
      points: [{ date: '2026-11-30', scans: 1, humans: 1, bots: 0, visitors: 1 }],
      total: 1,
      humans: 1,
      bots: 0,
      visitors: 1,
    });
    assert.ok(svg.includes('time zone &#60;Zone &#38; &#34;Co&#34;&#62;'));
    assert.doesNotMatch(svg, /<Zone/);
    assert.ok(
      svg.includes('<title>week of 2026-11-30: 1 scan (1 human, 0 bots), 1 visitor</title>'),
    );
  });
});
