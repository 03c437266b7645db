// When a tracked code may be scanned: not before validFrom, not from validUntil (or expiresAt)
// on, and not past maxScans human scans. Pure; the messages are the plain words a person with a
// phone reads, dated in the organisation's time zone.

export interface ScanWindow {
  validFrom: Date | null;
  validUntil: Date | null;
  expiresAt: Date | null;
  maxScans: number | null;
}

export type WindowVerdict =
  | { ok: true }
  | { ok: false; kind: 'notYetValid'; validFrom: Date }
  | { ok: false; kind: 'expired'; until: Date };

/** The first rule the instant breaks, or ok. The scan limit is counted apart (data/scanLimits). */
export function windowVerdict(window: ScanWindow, now: Date): WindowVerdict {
  if (window.validFrom && now.getTime() < window.validFrom.getTime()) {
    return { ok: false, kind: 'notYetValid', validFrom: window.validFrom };
  }
  const ends = [window.validUntil, window.expiresAt].filter((d): d is Date => d !== null);
  const until = ends.sort((a, b) => a.getTime() - b.getTime())[0];
  if (until && now.getTime() >= until.getTime()) return { ok: false, kind: 'expired', until };
  return { ok: true };
}

/** "1 March 2027" (and the time when it is not midnight) in the zone. */
export function plainDate(instant: Date, timeZone: string): string {
  const date = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(instant);
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(instant);
  return time === '00:00' ? date : `${date}, ${time}`;
}

export const notYetValidMessage = (validFrom: Date, timeZone: string): string =>
  `This code is not active until ${plainDate(validFrom, timeZone)}`;

export const expiredMessage = (until: Date, timeZone: string): string =>
  `This code expired on ${plainDate(until, timeZone)}`;

export const limitReachedMessage = (maxScans: number): string =>
  `This code has reached its scan limit (${maxScans} scans)`;
