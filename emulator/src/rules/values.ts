// The values a rules expression computes with. Plain JavaScript where the type is unambiguous
// (null, boolean, string, list = array, bytes = Uint8Array; int = bigint and float = number, so
// `1` and `1.0` stay distinct types as in the rules language), small classes for the rest.

export class RulesError extends Error {
  /** Where in the rules the error arose (the innermost expression), once known. */
  at?: { line: number; column: number };
  constructor(message: string) {
    super(message);
    this.name = 'RulesError';
  }
}

export class RMap {
  constructor(readonly entries: ReadonlyMap<string, RValue>) {}
  static of(obj: Record<string, RValue>): RMap {
    return new RMap(new Map(Object.entries(obj)));
  }
}

export class RSet {
  readonly items: readonly RValue[];
  constructor(items: readonly RValue[]) {
    const out: RValue[] = [];
    for (const v of items) if (!out.some((x) => equals(x, v))) out.push(v);
    this.items = out;
  }
  has(v: RValue): boolean {
    return this.items.some((x) => equals(x, v));
  }
}

export class RPath {
  constructor(readonly segments: readonly string[]) {}
  toString(): string {
    return '/' + this.segments.join('/');
  }
}

/** An instant, in nanoseconds since the Unix epoch. */
export class RTimestamp {
  constructor(readonly nanos: bigint) {}
}

export class RDuration {
  constructor(readonly nanos: bigint) {}
}

export class RLatLng {
  constructor(
    readonly lat: number,
    readonly lng: number,
  ) {}
}

/** `map.diff(other)`: `left` is the receiver, `right` the argument. */
export class RMapDiff {
  constructor(
    readonly left: RMap,
    readonly right: RMap,
  ) {}
}

/**
 * A list known only to contain some values, as a query's `array-contains` filter promises for
 * every document it returns. Asking whether it holds one of them is answerable; anything else
 * about it (size, items, equality) is an error, as the query does not determine it.
 */
export class RPartialList {
  constructor(readonly known: readonly RValue[]) {}
}

export interface Bound {
  value: RValue;
  inclusive: boolean;
}

/**
 * A value known only to lie in a range, as a query's `<`, `<=`, `>`, `>=` filters promise for
 * every document it returns. Comparing it with a constant is answerable when the bounds decide
 * it for every value in the range; anything else about it is an error.
 */
export class RRange {
  constructor(
    readonly lo?: Bound,
    readonly hi?: Bound,
  ) {}
}

export type RValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | readonly RValue[]
  | RMap
  | RSet
  | RPath
  | RTimestamp
  | RDuration
  | RLatLng
  | RMapDiff
  | RPartialList
  | RRange;

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export function checkInt(v: bigint): bigint {
  if (v < INT64_MIN || v > INT64_MAX) throw new RulesError('Integer overflow');
  return v;
}

export function isList(v: RValue): v is readonly RValue[] {
  return Array.isArray(v);
}

export function isBytes(v: RValue): v is Uint8Array {
  return v instanceof Uint8Array;
}

/** The type name, as `is` and error messages spell it. */
export function typeOf(v: RValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  if (isBytes(v)) return 'bytes';
  if (isList(v) || v instanceof RPartialList) return 'list';
  if (v instanceof RRange) return `range of ${typeOf((v.lo ?? v.hi)?.value ?? null)}`;
  if (v instanceof RMap) return 'map';
  if (v instanceof RSet) return 'set';
  if (v instanceof RPath) return 'path';
  if (v instanceof RTimestamp) return 'timestamp';
  if (v instanceof RDuration) return 'duration';
  if (v instanceof RLatLng) return 'latlng';
  return 'map_diff';
}

/** `x is T`: `number` covers int and float; `boolean` is accepted as a spelling of bool. */
export function isType(v: RValue, name: string): boolean {
  if (v instanceof RRange) {
    // Firestore's range filters only return values of the bound's kind (numbers with numbers).
    const kind = typeOf((v.lo ?? v.hi)?.value ?? null);
    if (name === 'number' && (kind === 'int' || kind === 'float')) return true;
    if (name === kind && (kind === 'string' || kind === 'timestamp')) return true;
    throw new RulesError(`The query does not determine whether this value is ${name}`);
  }
  const t = typeOf(v);
  if (name === 'number') return t === 'int' || t === 'float';
  if (name === 'boolean') return t === 'bool';
  return t === name;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** `==`: ints and floats compare by value (`1 == 1.0`); other types only with themselves. */
export function equals(a: RValue, b: RValue): boolean {
  if (a instanceof RPartialList || b instanceof RPartialList) {
    throw new RulesError('The query does not determine this list, only some of its items');
  }
  if (a instanceof RRange || b instanceof RRange) {
    throw new RulesError('The query determines only a range for this value, not the value');
  }
  if (typeof a === 'bigint' && typeof b === 'number') return Number(a) === b;
  if (typeof a === 'number' && typeof b === 'bigint') return a === Number(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (isBytes(a)) return isBytes(b) && bytesEqual(a, b);
  if (isList(a)) return isList(b) && a.length === b.length && a.every((x, i) => equals(x, b[i]));
  if (a instanceof RMap) {
    if (!(b instanceof RMap) || a.entries.size !== b.entries.size) return false;
    for (const [k, v] of a.entries) {
      if (!b.entries.has(k) || !equals(v, b.entries.get(k) ?? null)) return false;
    }
    return true;
  }
  if (a instanceof RSet) {
    return b instanceof RSet && a.items.length === b.items.length && a.items.every((x) => b.has(x));
  }
  if (a instanceof RPath) {
    return (
      b instanceof RPath &&
      a.segments.length === b.segments.length &&
      a.segments.every((s, i) => s === b.segments[i])
    );
  }
  if (a instanceof RTimestamp) return b instanceof RTimestamp && a.nanos === b.nanos;
  if (a instanceof RDuration) return b instanceof RDuration && a.nanos === b.nanos;
  if (a instanceof RLatLng) return b instanceof RLatLng && a.lat === b.lat && a.lng === b.lng;
  return false;
}

function sign(n: number | bigint): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** `<` and friends: numbers, strings, bytes, timestamps, durations; otherwise an error. */
export function compare(a: RValue, b: RValue): number {
  const num = (v: RValue): v is bigint | number => typeof v === 'bigint' || typeof v === 'number';
  if (num(a) && num(b)) {
    if (typeof a === 'bigint' && typeof b === 'bigint') return sign(a - b);
    const x = Number(a);
    const y = Number(b);
    if (Number.isNaN(x) || Number.isNaN(y)) throw new RulesError('Comparison with NaN');
    return sign(x - y);
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  }
  if (isBytes(a) && isBytes(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  if (a instanceof RTimestamp && b instanceof RTimestamp) return sign(a.nanos - b.nanos);
  if (a instanceof RDuration && b instanceof RDuration) return sign(a.nanos - b.nanos);
  throw new RulesError(`Cannot compare ${typeOf(a)} with ${typeOf(b)}`);
}

/** A short rendering for debug() and error messages. */
export function show(v: RValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isBytes(v)) return `b'${Buffer.from(v).toString('base64')}'`;
  if (isList(v)) return `[${v.map(show).join(', ')}]`;
  if (v instanceof RPartialList) return `list containing [${v.known.map(show).join(', ')}]`;
  if (v instanceof RRange) {
    const lo = v.lo ? `${v.lo.inclusive ? '[' : '('}${show(v.lo.value)}` : '(-inf';
    const hi = v.hi ? `${show(v.hi.value)}${v.hi.inclusive ? ']' : ')'}` : 'inf)';
    return `range ${lo}, ${hi}`;
  }
  if (v instanceof RMap) {
    return `{${[...v.entries].map(([k, x]) => `${JSON.stringify(k)}: ${show(x)}`).join(', ')}}`;
  }
  if (v instanceof RSet) return `set([${v.items.map(show).join(', ')}])`;
  if (v instanceof RPath) return `path(${JSON.stringify(v.toString())})`;
  if (v instanceof RTimestamp) return `timestamp(${timestampToIso(v)})`;
  if (v instanceof RDuration) return `duration(${v.nanos}ns)`;
  if (v instanceof RLatLng) return `latlng(${v.lat}, ${v.lng})`;
  return 'map_diff';
}

export function timestampToIso(t: RTimestamp): string {
  const ms = t.nanos / 1_000_000n;
  const frac = ((t.nanos % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const base = new Date(Number(ms)).toISOString().slice(0, 19);
  return `${base}.${frac.toString().padStart(9, '0')}Z`;
}

/** A plain JSON-like object into rules values (ints must already be bigint). */
export function fromPlain(v: unknown): RValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(fromPlain);
  if (v instanceof Uint8Array) return v;
  if (v instanceof Date) return new RTimestamp(BigInt(v.getTime()) * 1_000_000n);
  if (typeof v === 'object') {
    const isRulesValue =
      v instanceof RMap ||
      v instanceof RSet ||
      v instanceof RPath ||
      v instanceof RTimestamp ||
      v instanceof RDuration ||
      v instanceof RLatLng ||
      v instanceof RMapDiff ||
      v instanceof RPartialList ||
      v instanceof RRange;
    if (isRulesValue) return v;
    return new RMap(
      new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromPlain(x)])),
    );
  }
  throw new RulesError(`Unsupported value ${String(v)}`);
}

type Relation = '<' | '<=' | '>' | '>=';

const FLIPPED: Record<Relation, Relation> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/**
 * `a op b` where one side is a range: true when it holds for every value of the range, false
 * when it holds for none, otherwise an error (the query does not decide it).
 */
export function compareRange(op: Relation, a: RValue, b: RValue): boolean {
  if (!(a instanceof RRange)) {
    if (!(b instanceof RRange)) throw new RulesError('compareRange needs a range');
    return compareRange(FLIPPED[op], b, a);
  }
  if (b instanceof RRange) throw new RulesError('The query does not relate these two values');
  const { lo, hi } = a;
  // Everything in the range is below b (or at most b when `orEqual`).
  const below = (orEqual: boolean): boolean => {
    if (!hi) return false;
    const c = compare(hi.value, b);
    return c < 0 || (c === 0 && (orEqual || !hi.inclusive));
  };
  const above = (orEqual: boolean): boolean => {
    if (!lo) return false;
    const c = compare(lo.value, b);
    return c > 0 || (c === 0 && (orEqual || !lo.inclusive));
  };
  let all: boolean;
  let none: boolean;
  switch (op) {
    case '<':
      all = below(false);
      none = above(true);
      break;
    case '<=':
      all = below(true);
      none = above(false);
      break;
    case '>':
      all = above(false);
      none = below(true);
      break;
    case '>=':
      all = above(true);
      none = below(false);
      break;
  }
  if (all) return true;
  if (none) return false;
  throw new RulesError(`The query's range for this value does not decide ${op} ${show(b)}`);
}
