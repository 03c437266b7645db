// Scan timelines: per-day counters keyed by the calendar day in the organisation's time zone,
// turned into a series of points (daily, or ISO weeks for a year) and a small SVG bar chart.
// Pure: time zones come from Intl (the ICU data in Node), no library needed.
//
// Days are calendar dates, so all arithmetic here is on dates, never on instants: a day in a zone
// with a daylight-saving change is 23 or 25 hours long, yet it is still one day, one key.

export const TIMELINE_PERIODS = ['7d', '30d', '90d', '1y'] as const;
export type TimelinePeriod = (typeof TIMELINE_PERIODS)[number];

export interface TimelinePoint {
  /** 'YYYY-MM-DD': the day, or the Monday that starts the ISO week. */
  date: string;
  scans: number;
  /** Scans by people (bots told apart by domain/botDetect). */
  humans: number;
  bots: number;
  /** Distinct visitors of each day, added up over a week (a person on two days is two). */
  visitors: number;
}

/** One day's counters: all scans, the human ones, and the day's distinct visitors. */
export interface DayCounts {
  scans: number;
  humans: number;
  visitors: number;
}

export interface Timeline {
  period: TimelinePeriod;
  granularity: 'day' | 'week';
  /** The zone's canonical IANA name ('europe/berlin' comes back as 'Europe/Berlin'). */
  timeZone: string;
  points: TimelinePoint[];
  total: number;
  humans: number;
  bots: number;
  visitors: number;
}

export class InvalidTimeZoneError extends RangeError {
  constructor(readonly timeZone: unknown) {
    super(`not an IANA time zone: ${JSON.stringify(timeZone)}`);
    this.name = 'InvalidTimeZoneError';
  }
}

export class InvalidPeriodError extends RangeError {
  constructor(readonly period: unknown) {
    super(`period must be one of ${TIMELINE_PERIODS.join(', ')}; got ${JSON.stringify(period)}`);
    this.name = 'InvalidPeriodError';
  }
}

export function isTimelinePeriod(period: unknown): period is TimelinePeriod {
  return (TIMELINE_PERIODS as readonly unknown[]).includes(period);
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DAILY_POINTS: Record<Exclude<TimelinePeriod, '1y'>, number> = {
  '7d': 7,
  '30d': 30,
  '90d': 90,
};
/**
 * 1y: the current ISO week and the 52 before it. 53 weeks so that the series always reaches back
 * at least 365 days (52 weeks would leave out up to a week of the year being asked about); the
 * first and last weeks are whole weeks of the calendar, only the current one is partial.
 */
const WEEKLY_POINTS = 53;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A formatter for calendar dates in the zone; throws InvalidTimeZoneError for an unknown zone. */
function dateFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    if (typeof timeZone !== 'string' || timeZone.trim() === '') {
      throw new InvalidTimeZoneError(timeZone);
    }
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        calendar: 'gregory',
        numberingSystem: 'latn',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      });
    } catch {
      throw new InvalidTimeZoneError(timeZone);
    }
    // Only names Intl accepted get here; spelling variants ('utc', 'UTC') are separate keys,
    // so the cache is emptied if it ever grows past any real use.
    if (formatters.size >= 1000) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string') return false;
  try {
    dateFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The canonical IANA name of a zone Intl accepts; throws InvalidTimeZoneError otherwise. */
export function canonicalTimeZone(timeZone: string): string {
  return dateFormatter(timeZone).resolvedOptions().timeZone;
}

/** The calendar day ('YYYY-MM-DD') of an instant in a time zone: the key of a day's counter. */
export function dayKey(instant: Date, timeZone: string): string {
  const formatter = dateFormatter(timeZone);
  if (Number.isNaN(instant.getTime())) throw new RangeError('dayKey needs a valid Date');
  let year = '';
  let month = '';
  let day = '';
  for (const part of formatter.formatToParts(instant)) {
    if (part.type === 'year') year = part.value;
    else if (part.type === 'month') month = part.value;
    else if (part.type === 'day') day = part.value;
  }
  return `${year.padStart(4, '0')}-${month}-${day}`;
}

/** Days since 1970-01-01 of a 'YYYY-MM-DD' key. */
function epochDay(key: string): number {
  const [year, month, day] = key.split('-').map(Number);
  return Math.round(Date.UTC(year, month - 1, day) / DAY_MS);
}

function keyOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday, Monday 1 to Sunday 7 (1970-01-01 was a Thursday). */
function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

function checkPeriod(period: unknown): asserts period is TimelinePeriod {
  if (!isTimelinePeriod(period)) throw new InvalidPeriodError(period);
}

/** First and last day (inclusive, as epoch days) that a period covers, today last. */
function dayBounds(period: TimelinePeriod, timeZone: string, now: Date): [number, number] {
  const today = epochDay(dayKey(now, timeZone));
  if (period === '1y') {
    const currentMonday = today - (isoWeekday(today) - 1);
    return [currentMonday - (WEEKLY_POINTS - 1) * 7, today];
  }
  return [today - (DAILY_POINTS[period] - 1), today];
}

/**
 * The day keys a period covers, both ends included, to query the per-day counters with:
 * 7d, 30d and 90d are that many days ending today (in the zone); 1y starts on the Monday of the
 * ISO week 52 weeks before the current one.
 */
export function timelineDayRange(
  period: TimelinePeriod,
  timeZone: string,
  now: Date,
): { from: string; to: string } {
  checkPeriod(period);
  const [from, to] = dayBounds(period, timeZone, now);
  return { from: keyOf(from), to: keyOf(to) };
}

/**
 * The series for a period from per-day counts (day key -> scans; days missing are 0, keys
 * outside the range are ignored). Daily points for 7d, 30d and 90d; for 1y one point per ISO
 * week (Monday to Sunday), dated by its Monday, the current week counting up to today.
 */
export function buildTimeline(options: {
  period: TimelinePeriod;
  timeZone: string;
  now: Date;
  /** A bare number is a day whose scans were all counted as human. */
  counts: ReadonlyMap<string, number | DayCounts>;
}): Timeline {
  const { period, timeZone, now, counts } = options;
  checkPeriod(period);
  const [from, to] = dayBounds(period, timeZone, now);
  const finite = (value: unknown): number =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
  const countsOn = (day: number): DayCounts => {
    const value = counts.get(keyOf(day));
    if (typeof value === 'number') {
      const scans = finite(value);
      return { scans, humans: scans, visitors: 0 };
    }
    const scans = finite(value?.scans);
    return {
      scans,
      humans: Math.min(scans, finite(value?.humans)),
      visitors: finite(value?.visitors),
    };
  };
  const point = (date: number, days: DayCounts[]): TimelinePoint => {
    const scans = days.reduce((sum, d) => sum + d.scans, 0);
    const humans = days.reduce((sum, d) => sum + d.humans, 0);
    const visitors = days.reduce((sum, d) => sum + d.visitors, 0);
    return { date: keyOf(date), scans, humans, bots: scans - humans, visitors };
  };
  const points: TimelinePoint[] = [];
  if (period === '1y') {
    for (let monday = from; monday <= to; monday += 7) {
      const days: DayCounts[] = [];
      for (let day = monday; day < monday + 7 && day <= to; day++) days.push(countsOn(day));
      points.push(point(monday, days));
    }
  } else {
    for (let day = from; day <= to; day++) points.push(point(day, [countsOn(day)]));
  }
  const sum = (key: 'scans' | 'humans' | 'bots' | 'visitors') =>
    points.reduce((total, p) => total + p[key], 0);
  return {
    period,
    granularity: period === '1y' ? 'week' : 'day',
    timeZone: canonicalTimeZone(timeZone),
    points,
    total: sum('scans'),
    humans: sum('humans'),
    bots: sum('bots'),
    visitors: sum('visitors'),
  };
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const SVG_WIDTH = 640;
const SVG_HEIGHT = 160;
const SVG_PADDING = 4;

function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/**
 * The series as a small bar chart: one rect per point (a zero is a rect of height 0, so every
 * point is there), each with a title giving its date and count; no script, no external
 * references, every text escaped. Fixed size, scaled to the largest count.
 */
export function timelineSvg(timeline: Timeline): string {
  const { points } = timeline;
  const innerWidth = SVG_WIDTH - 2 * SVG_PADDING;
  const innerHeight = SVG_HEIGHT - 2 * SVG_PADDING;
  const slot = innerWidth / Math.max(1, points.length);
  const barWidth = Math.max(1, slot * 0.8);
  const max = Math.max(1, ...points.map((point) => point.scans));
  const baseline = SVG_PADDING + innerHeight;
  const unit = timeline.granularity === 'week' ? 'week of ' : '';
  const label =
    `Scans per ${timeline.granularity}, period ${timeline.period}, ` +
    `time zone ${timeline.timeZone}: ${timeline.total} in total, ${timeline.humans} by people, ` +
    `${timeline.bots} by bots, ${timeline.visitors} visitors`;
  // Each bar is the point's scans: people (blue) below, bots (grey) stacked on top; a dot marks
  // the visitors. Every point has its human bar, bot bar and dot, zero or not, in that order.
  const bars = points.map((point, index) => {
    const humanHeight = (innerHeight * point.humans) / max;
    const botHeight = (innerHeight * point.bots) / max;
    const x = SVG_PADDING + index * slot + (slot - barWidth) / 2;
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    const title =
      `${unit}${point.date}: ${plural(point.scans, 'scan')} ` +
      `(${plural(point.humans, 'human')}, ${plural(point.bots, 'bot')}), ` +
      `${plural(point.visitors, 'visitor')}`;
    const visitorY = baseline - (innerHeight * Math.min(point.visitors, max)) / max;
    return (
      `<g class="point"><title>${escapeXml(title)}</title>` +
      `<rect class="humans" x="${round(x)}" y="${round(baseline - humanHeight)}" width="${round(barWidth)}" ` +
      `height="${round(humanHeight)}" fill="#2563eb"/>` +
      `<rect class="bots" x="${round(x)}" y="${round(baseline - humanHeight - botHeight)}" ` +
      `width="${round(barWidth)}" height="${round(botHeight)}" fill="#9ca3af"/>` +
      `<circle class="visitors" cx="${round(x + barWidth / 2)}" cy="${round(visitorY)}" r="2" fill="#f59e0b"/>` +
      `</g>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SVG_WIDTH}" height="${SVG_HEIGHT}" ` +
    `viewBox="0 0 ${SVG_WIDTH} ${SVG_HEIGHT}" role="img" aria-label="${escapeXml(label)}">` +
    `<title>${escapeXml(label)}</title>` +
    `<line x1="${SVG_PADDING}" y1="${baseline}" x2="${SVG_WIDTH - SVG_PADDING}" y2="${baseline}" ` +
    `stroke="#9ca3af" stroke-width="1"/>` +
    bars.join('') +
    '</svg>'
  );
}
