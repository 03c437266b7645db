// Times are kept internally as integer microseconds since the epoch (Firestore's precision),
// which a double holds exactly for the next few centuries.
import type { Timestamp } from './types';
import { invalidArgument } from './errors';

export type Micros = number;

export function toTimestamp(t: Micros): Timestamp {
  const seconds = Math.floor(t / 1e6);
  return { seconds: String(seconds), nanos: (t - seconds * 1e6) * 1000 };
}

/** Converts a wire Timestamp; sub-microsecond precision is rejected like Firestore does for reads. */
export function fromTimestamp(ts: Timestamp | undefined, what: string): Micros {
  if (!ts) throw invalidArgument(`${what} is required`);
  const seconds = Number(ts.seconds ?? 0);
  const nanos = ts.nanos ?? 0;
  if (
    !Number.isSafeInteger(seconds) ||
    !Number.isInteger(nanos) ||
    nanos < 0 ||
    nanos > 999999999
  ) {
    throw invalidArgument(`${what} is not a valid timestamp`);
  }
  return seconds * 1e6 + Math.floor(nanos / 1000);
}

/** RFC 3339 with nanoseconds, as proto3 JSON renders google.protobuf.Timestamp. */
export function timestampToRfc3339(ts: Timestamp): string {
  const seconds = Number(ts.seconds ?? 0);
  const nanos = ts.nanos ?? 0;
  const base = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  if (nanos === 0) return `${base}Z`;
  let frac = String(nanos).padStart(9, '0');
  // proto3 JSON uses 3, 6 or 9 fractional digits.
  if (frac.endsWith('000000')) frac = frac.slice(0, 3);
  else if (frac.endsWith('000')) frac = frac.slice(0, 6);
  return `${base}.${frac}Z`;
}

/**
 * A clock that never goes backwards and never hands out a commit time at or before a time that
 * was already used for a read, so a read at time T stays repeatable.
 */
export class MonotonicClock {
  private last: Micros = 0;

  /** A time for reading "now": at least every time handed out before. */
  readNow(): Micros {
    this.last = Math.max(Date.now() * 1000, this.last);
    return this.last;
  }

  /** A fresh commit time, strictly after every time handed out before. */
  nextCommitTime(): Micros {
    this.last = Math.max(Date.now() * 1000, this.last + 1);
    return this.last;
  }

  /** Makes every later time be after `t` (used when loading data with its own timestamps). */
  advanceTo(t: Micros): void {
    this.last = Math.max(this.last, t);
  }

  /** The latest time handed out. */
  latest(): Micros {
    return this.last;
  }
}
