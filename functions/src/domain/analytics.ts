// An organisation's scans over a window, summed up: totals, and the top codes, devices,
// referrers, languages and countries. Pure: it folds records one at a time, so a window of any
// size is read a page at a time and held as counts only.
import type { Device, ScanSubject } from './scanRecords';

export const TOP_N = 10;
/** The widest window one request may sum (its records are read one by one). */
export const ANALYTICS_MAX_DAYS = 366;
/** Records one request sums at most (newest first): a bound on what one GET may read. */
export const ANALYTICS_MAX_RECORDS = 100_000;

export interface Ranked {
  key: string;
  scans: number;
  humans: number;
}

export interface Analytics {
  from: string;
  to: string;
  scans: number;
  humans: number;
  bots: number;
  /** Distinct visitor ids in the window: one person on two days is two (ids change daily). */
  visitors: number;
  /** True when the window held more than ANALYTICS_MAX_RECORDS: the oldest were not read. */
  truncated: boolean;
  topCodes: (Ranked & { subject: ScanSubject })[];
  devices: Ranked[];
  operatingSystems: Ranked[];
  browsers: Ranked[];
  referrers: Ranked[];
  languages: Ranked[];
  countries: Ranked[];
}

export interface RecordForAnalytics {
  subject: ScanSubject;
  subjectKey: string;
  bot: boolean;
  device: Device;
  referrerHost: string | null;
  language: string | null;
  country: string | null;
  visitor: string | null;
}

type Tally = Map<string, { scans: number; humans: number }>;

function add(tally: Tally, key: string | null, human: boolean): void {
  if (key === null) return;
  const entry = tally.get(key) ?? { scans: 0, humans: 0 };
  entry.scans += 1;
  if (human) entry.humans += 1;
  tally.set(key, entry);
}

function top(tally: Tally): Ranked[] {
  return [...tally.entries()]
    .map(([key, counts]) => ({ key, ...counts }))
    .sort((a, b) => b.scans - a.scans || (a.key < b.key ? -1 : 1))
    .slice(0, TOP_N);
}

/** Folds records into an Analytics; `finish` gives the result. */
export function analyticsFolder(from: Date, to: Date) {
  const tallies = {
    codes: new Map() as Tally,
    devices: new Map() as Tally,
    os: new Map() as Tally,
    browsers: new Map() as Tally,
    referrers: new Map() as Tally,
    languages: new Map() as Tally,
    countries: new Map() as Tally,
  };
  const subjects = new Map<string, ScanSubject>();
  const visitors = new Set<string>();
  let scans = 0;
  let humans = 0;
  return {
    add(record: RecordForAnalytics): void {
      const human = !record.bot;
      scans += 1;
      if (human) humans += 1;
      if (human && record.visitor) visitors.add(record.visitor);
      subjects.set(record.subjectKey, record.subject);
      add(tallies.codes, record.subjectKey, human);
      add(tallies.devices, record.device.family, human);
      add(tallies.os, record.device.os, human);
      add(tallies.browsers, record.device.browser, human);
      add(tallies.referrers, record.referrerHost, human);
      add(tallies.languages, record.language, human);
      add(tallies.countries, record.country, human);
    },
    finish(truncated = false): Analytics {
      return {
        truncated,
        from: from.toISOString(),
        to: to.toISOString(),
        scans,
        humans,
        bots: scans - humans,
        visitors: visitors.size,
        topCodes: top(tallies.codes).map((r) => ({
          ...r,
          subject: subjects.get(r.key) ?? { kind: 'code', id: r.key },
        })),
        devices: top(tallies.devices),
        operatingSystems: top(tallies.os),
        browsers: top(tallies.browsers),
        referrers: top(tallies.referrers),
        languages: top(tallies.languages),
        countries: top(tallies.countries),
      };
    },
  };
}

const DAY_MS = 86_400_000;

/** The window of ?from&to: ISO instants (or dates), to after from, at most ANALYTICS_MAX_DAYS. */
export function analyticsWindow(
  fromText: string | undefined,
  toText: string | undefined,
  now: Date,
): { from: Date; to: Date } | { problem: string; field: 'from' | 'to' } {
  const parse = (text: string | undefined) =>
    text === undefined
      ? undefined
      : /^\d{4}-\d{2}-\d{2}/.test(text)
        ? new Date(text)
        : new Date(NaN);
  const to = parse(toText) ?? now;
  const from = parse(fromText) ?? new Date(to.getTime() - 30 * DAY_MS);
  if (Number.isNaN(from.getTime()))
    return { problem: 'must be an ISO 8601 date or instant', field: 'from' };
  if (Number.isNaN(to.getTime()))
    return { problem: 'must be an ISO 8601 date or instant', field: 'to' };
  if (to.getTime() <= from.getTime()) return { problem: 'must be later than from', field: 'to' };
  if (to.getTime() - from.getTime() > ANALYTICS_MAX_DAYS * DAY_MS) {
    return { problem: `the window is at most ${ANALYTICS_MAX_DAYS} days`, field: 'to' };
  }
  return { from, to };
}

export const SCAN_CSV_COLUMNS = [
  'scanId',
  'at',
  'subjectKind',
  'subjectId',
  'outcome',
  'bot',
  'botKind',
  'deviceFamily',
  'os',
  'browser',
  'referrerHost',
  'language',
  'country',
  'visitor',
] as const;
