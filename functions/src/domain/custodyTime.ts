// Times of bookings and checkouts. ISO 8601 with an offset or `Z` is an exact instant; a
// wall-clock time without one ("2027-10-31T00:00:00", or a bare date) is read in the
// organisation's IANA zone, with Intl alone (Node has full ICU). Stored in UTC, shown back in the
// organisation's zone with its offset, so a person reads their own clock and a script an instant.

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      calendar: 'gregory',
      numberingSystem: 'latn',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    if (partsFormatters.size >= 1000) partsFormatters.clear();
    partsFormatters.set(timeZone, f);
  }
  return f;
}

/** The zone's offset from UTC at `ms`, in milliseconds (Berlin in summer: +7 200 000). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of partsFormatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
  );
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time in `timeZone` names. In the autumn hour that happens twice the
 * earlier one is taken; a time in the spring gap (which no clock shows) moves on by the gap.
 */
export function wallClockToInstant(wallMs: number, timeZone: string): number {
  const first = wallMs - zoneOffsetMs(wallMs, timeZone);
  const second = wallMs - zoneOffsetMs(first, timeZone);
  if (second === first) {
    // The earlier of two readings: one hour before may show the same wall time (autumn).
    const earlier = wallMs - zoneOffsetMs(first - 3_600_000, timeZone);
    return earlier < first && earlier + zoneOffsetMs(earlier, timeZone) === wallMs
      ? earlier
      : first;
  }
  // The offsets disagree: the spring gap. The later offset's reading keeps the clock moving.
  return Math.max(first, second);
}

/**
 * An ISO 8601 time as an instant (ms since the epoch), or undefined when it is not one. No offset:
 * read in `timeZone`.
 */
export function parseInstant(text: string, timeZone: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const fields = [y, mo, d, h, mi, s].map(Number);
  const [year, month, day, hour, minute, second] = fields;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 February over into March: refuse a day the month does not have.
  if (new Date(wall).getUTCDate() !== day) return undefined;
  if (!zone) return wallClockToInstant(wall, timeZone);
  if (zone.toUpperCase() === 'Z') return wall;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  return wall - sign * offset;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The instant as ISO 8601 in the zone, with its offset: "2027-10-31T00:00:00.000+02:00". */
export function formatInZone(ms: number, timeZone: string): string {
  const offset = zoneOffsetMs(ms, timeZone);
  const local = new Date(ms + offset);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset) / 60_000;
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}`;
  return `${date}T${time}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
