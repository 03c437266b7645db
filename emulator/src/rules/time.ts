// Units shared by the `duration` namespace and the timestamp and duration methods. Timestamps
// and durations are nanosecond bigints; the rules' calendar is UTC.
import type { RTimestamp } from './values';

export const NANOS_PER_SECOND = 1_000_000_000n;

/** `duration.value(n, unit)`'s units, in nanoseconds. */
export const DURATION_UNITS: Record<string, bigint> = {
  w: 7n * 24n * 3600n * NANOS_PER_SECOND,
  d: 24n * 3600n * NANOS_PER_SECOND,
  h: 3600n * NANOS_PER_SECOND,
  m: 60n * NANOS_PER_SECOND,
  s: NANOS_PER_SECOND,
  ms: 1_000_000n,
  ns: 1n,
};

/** Division rounding towards minus infinity, so instants before 1970 fall in the right day. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export function utcDate(t: RTimestamp): Date {
  return new Date(Number(floorDiv(t.nanos, 1_000_000n)));
}
