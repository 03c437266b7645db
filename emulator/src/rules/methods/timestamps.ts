// Methods of timestamps and durations. The calendar is UTC (time-zone arguments are not
// supported); `dayOfWeek` is ISO (Monday 1 … Sunday 7).
import { DURATION_UNITS, NANOS_PER_SECOND, floorDiv, utcDate } from '../time';
import { RDuration, RTimestamp } from '../values';
import { getter, methodsOf } from './table';

const dayStart = (t: RTimestamp) => floorDiv(t.nanos, DURATION_UNITS.d) * DURATION_UNITS.d;

export const TIMESTAMP_METHODS = methodsOf<RTimestamp>(
  {
    year: getter((t) => BigInt(utcDate(t).getUTCFullYear())),
    month: getter((t) => BigInt(utcDate(t).getUTCMonth() + 1)),
    day: getter((t) => BigInt(utcDate(t).getUTCDate())),
    hours: getter((t) => BigInt(utcDate(t).getUTCHours())),
    minutes: getter((t) => BigInt(utcDate(t).getUTCMinutes())),
    seconds: getter((t) => BigInt(utcDate(t).getUTCSeconds())),
    nanos: getter((t) => t.nanos - floorDiv(t.nanos, NANOS_PER_SECOND) * NANOS_PER_SECOND),
    dayOfWeek: getter((t) => {
      const day = utcDate(t).getUTCDay();
      return BigInt(day === 0 ? 7 : day);
    }),
    dayOfYear: getter((t) => {
      const d = utcDate(t);
      const jan1 = Date.UTC(d.getUTCFullYear(), 0, 1);
      return BigInt(Math.floor((d.getTime() - jan1) / 86_400_000) + 1);
    }),
    date: getter((t) => new RTimestamp(dayStart(t))),
    time: getter((t) => new RDuration(t.nanos - dayStart(t))),
    toMillis: getter((t) => floorDiv(t.nanos, 1_000_000n)),
  },
  { arityFirst: 0, notFound: (name) => `Function not found: timestamp.${name}` },
);

export const DURATION_METHODS = methodsOf<RDuration>(
  {
    seconds: getter((d) => d.nanos / NANOS_PER_SECOND),
    nanos: getter((d) => d.nanos % NANOS_PER_SECOND),
  },
  { arityFirst: 0 },
);
