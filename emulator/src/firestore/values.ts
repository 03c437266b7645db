// Firestore values as decoded protos: their kinds, Firestore's total ordering across types, the
// equality that `==` filters use, field paths, and reading a field out of a document.
import type { Document, Timestamp, Value, ValueType } from './types';

/** Every member of the Value oneof, in declaration order. */
export const VALUE_KINDS: readonly ValueType[] = [
  'nullValue',
  'booleanValue',
  'integerValue',
  'doubleValue',
  'timestampValue',
  'stringValue',
  'bytesValue',
  'referenceValue',
  'geoPointValue',
  'arrayValue',
  'mapValue',
];

/**
 * Which member of the value oneof is set, or undefined for an empty Value message. Decoded values
 * carry `valueType`; values built in code may not, so fall back to the first member present.
 */
export function valueKindIfSet(v: Value): ValueType | undefined {
  if (v.valueType !== undefined && v[v.valueType] !== undefined) return v.valueType;
  for (const kind of VALUE_KINDS) {
    if (v[kind] !== undefined) return kind;
  }
  return undefined;
}

/** Which member of the value oneof is set; an empty Value message counts as null. */
export function valueKind(v: Value): ValueType {
  // proto3 has no way to say "unset": the backend treats an empty Value as null.
  return valueKindIfSet(v) ?? 'nullValue';
}

/** Rank of each kind in Firestore's cross-type ordering. */
export enum TypeOrder {
  Null = 0,
  Boolean = 1,
  Number = 2,
  Timestamp = 3,
  String = 4,
  Bytes = 5,
  Reference = 6,
  GeoPoint = 7,
  Array = 8,
  Vector = 9,
  Map = 10,
}

/** A vector is stored as the map `{ __type__: '__vector__', value: [numbers] }`. */
export function isVector(v: Value): boolean {
  const fields = v.mapValue?.fields;
  return fields?.__type__?.stringValue === '__vector__';
}

export function typeOrder(v: Value): TypeOrder {
  switch (valueKind(v)) {
    case 'nullValue':
      return TypeOrder.Null;
    case 'booleanValue':
      return TypeOrder.Boolean;
    case 'integerValue':
    case 'doubleValue':
      return TypeOrder.Number;
    case 'timestampValue':
      return TypeOrder.Timestamp;
    case 'stringValue':
      return TypeOrder.String;
    case 'bytesValue':
      return TypeOrder.Bytes;
    case 'referenceValue':
      return TypeOrder.Reference;
    case 'geoPointValue':
      return TypeOrder.GeoPoint;
    case 'arrayValue':
      return TypeOrder.Array;
    case 'mapValue':
      return isVector(v) ? TypeOrder.Vector : TypeOrder.Map;
  }
}

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/**
 * Compares strings by their UTF-8 bytes, which is code point order. JS compares UTF-16 code
 * units, which disagrees only when one side of the first difference is a surrogate (a code point
 * above U+FFFF, four UTF-8 bytes) and the other is U+E000..U+FFFF; the surrogate must win.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      const sa = ca >= 0xd800 && ca <= 0xdfff;
      const sb = cb >= 0xd800 && cb <= 0xdfff;
      if (sa === sb) return ca < cb ? -1 : 1;
      return sa ? 1 : -1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** The range of an int64 (integerValue). */
export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Exact comparison of an int64 (decimal string) with a double that is not NaN. */
function compareIntDouble(i: string, d: number): number {
  const big = BigInt(i);
  if (big <= MAX_SAFE && big >= -MAX_SAFE) return sign(Number(big) - d);
  if (d === Infinity) return -1;
  if (d === -Infinity) return 1;
  // |i| > 2^53: compare against the integer part of d; a fractional part only exists below 2^53.
  const floor = Math.floor(d);
  const bf = BigInt(floor);
  if (big !== bf) return big < bf ? -1 : 1;
  return d > floor ? -1 : 0;
}

function compareBigInts(a: string, b: string): number {
  if (a === b) return 0;
  // Most integers fit a double exactly; only fall back to BigInt when they might not.
  if (a.length < 16 && b.length < 16) return sign(Number(a) - Number(b));
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Numbers: NaN sorts before every other number; ints and doubles compare by value; -0 == 0. */
function compareNumbers(a: Value, b: Value): number {
  const ai = a.integerValue !== undefined && valueKind(a) === 'integerValue';
  const bi = b.integerValue !== undefined && valueKind(b) === 'integerValue';
  if (ai && bi) return compareBigInts(a.integerValue as string, b.integerValue as string);
  if (ai) {
    const d = doubleOf(b);
    return Number.isNaN(d) ? 1 : compareIntDouble(a.integerValue as string, d);
  }
  if (bi) {
    const d = doubleOf(a);
    if (Number.isNaN(d)) return -1;
    const c = compareIntDouble(b.integerValue as string, d);
    return c === 0 ? 0 : -c;
  }
  const x = doubleOf(a);
  const y = doubleOf(b);
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
  if (Number.isNaN(y)) return 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A double value as a JS number (proto3 JSON may also spell NaN/Infinity as strings). */
export function doubleOf(v: Value): number {
  const d: unknown = v.doubleValue;
  if (typeof d === 'number') return d;
  if (typeof d === 'string') return Number(d);
  return 0;
}

/** Timestamps as decoded may lack `seconds` or `nanos` when they are zero. */
export function compareTimestamps(a: Timestamp | undefined, b: Timestamp | undefined): number {
  const sa = Number(a?.seconds ?? 0);
  const sb = Number(b?.seconds ?? 0);
  if (sa !== sb) return sa < sb ? -1 : 1;
  return sign((a?.nanos ?? 0) - (b?.nanos ?? 0));
}

function compareBytes(a: Value, b: Value): number {
  const x = a.bytesValue ?? Buffer.alloc(0);
  const y = b.bytesValue ?? Buffer.alloc(0);
  return sign(Buffer.compare(x, y));
}

const NUMERIC_ID = /^__id(-?\d{1,19})__$/;

/**
 * The integer of a numeric document id `__id<int64>__` (the form ids allocated by Datastore
 * take), or undefined for any other id. Production sorts these before every string id, by
 * number (nodejs-firestore's system test "sorts query by DocumentId same way as server").
 */
export function numericIdOf(segment: string): bigint | undefined {
  const m = NUMERIC_ID.exec(segment);
  if (!m) return undefined;
  const n = BigInt(m[1]);
  return n >= INT64_MIN && n <= INT64_MAX ? n : undefined;
}

function compareSegments(a: string, b: string): number {
  const na = numericIdOf(a);
  const nb = numericIdOf(b);
  if (na !== undefined && nb !== undefined) return na < nb ? -1 : na > nb ? 1 : 0;
  if (na !== undefined) return -1;
  if (nb !== undefined) return 1;
  return compareUtf8(a, b);
}

/**
 * References compare segment by segment, so `a/b` < `a/b/c` < `a/b-c` (unlike plain strings);
 * numeric ids (`__id7__`) sort before string ids, by number.
 */
export function compareResourceNames(a: string, b: string): number {
  if (a === b) return 0;
  if (a.includes('/__id') || b.includes('/__id')) {
    const sa = a.split('/');
    const sb = b.split('/');
    const n = Math.min(sa.length, sb.length);
    for (let i = 0; i < n; i++) {
      const c = compareSegments(sa[i], sb[i]);
      if (c !== 0) return c;
    }
    return sa.length - sb.length;
  }
  // Equivalent to comparing the split segments, without allocating: at the first difference a
  // '/' ends that side's segment first (a prefix sorts first), anything else compares as UTF-8.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca === 0x2f) return -1;
    if (cb === 0x2f) return 1;
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa === sb) return ca < cb ? -1 : 1;
    return sa ? 1 : -1;
  }
  return a.length < b.length ? -1 : 1;
}

function compareArrays(x: Value[], y: Value[]): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(x[i], y[i]);
    if (c !== 0) return c;
  }
  return sign(x.length - y.length);
}

function sortedKeys(fields: Record<string, Value>): string[] {
  return Object.keys(fields).sort(compareUtf8);
}

function compareMaps(a: Record<string, Value>, b: Record<string, Value>): number {
  const ka = sortedKeys(a);
  const kb = sortedKeys(b);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const c = compareUtf8(ka[i], kb[i]);
    if (c !== 0) return c;
    const d = compareValues(a[ka[i]], b[kb[i]]);
    if (d !== 0) return d;
  }
  return sign(ka.length - kb.length);
}

function vectorElements(v: Value): Value[] {
  return v.mapValue?.fields?.value?.arrayValue?.values ?? [];
}

/**
 * Firestore's total order of values: null < booleans < numbers (NaN first) < timestamps <
 * strings < bytes < references < geopoints < arrays < vectors < maps. Returns -1, 0 or 1.
 */
export function compareValues(a: Value, b: Value): number {
  // Fast paths for the common same-kind comparisons of decoded values.
  if (a.valueType !== undefined && a.valueType === b.valueType) {
    if (a.valueType === 'integerValue' && a.integerValue !== undefined) {
      return compareBigInts(a.integerValue, b.integerValue ?? '0');
    }
    if (a.valueType === 'stringValue' && a.stringValue !== undefined) {
      return compareUtf8(a.stringValue, b.stringValue ?? '');
    }
  }
  const ta = typeOrder(a);
  const tb = typeOrder(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case TypeOrder.Null:
      return 0;
    case TypeOrder.Boolean:
      return sign(Number(a.booleanValue === true) - Number(b.booleanValue === true));
    case TypeOrder.Number:
      return compareNumbers(a, b);
    case TypeOrder.Timestamp:
      return compareTimestamps(a.timestampValue, b.timestampValue);
    case TypeOrder.String:
      return compareUtf8(a.stringValue ?? '', b.stringValue ?? '');
    case TypeOrder.Bytes:
      return compareBytes(a, b);
    case TypeOrder.Reference:
      return compareResourceNames(a.referenceValue ?? '', b.referenceValue ?? '');
    case TypeOrder.GeoPoint: {
      const pa = a.geoPointValue;
      const pb = b.geoPointValue;
      return (
        sign((pa?.latitude ?? 0) - (pb?.latitude ?? 0)) ||
        sign((pa?.longitude ?? 0) - (pb?.longitude ?? 0))
      );
    }
    case TypeOrder.Array:
      return compareArrays(a.arrayValue?.values ?? [], b.arrayValue?.values ?? []);
    case TypeOrder.Vector: {
      // Vectors order by dimension first, then element-wise.
      const x = vectorElements(a);
      const y = vectorElements(b);
      return sign(x.length - y.length) || compareArrays(x, y);
    }
    case TypeOrder.Map:
      return compareMaps(a.mapValue?.fields ?? {}, b.mapValue?.fields ?? {});
  }
}

/** True if the value is the double NaN. */
export function isNaNValue(v: Value): boolean {
  return valueKind(v) === 'doubleValue' && Number.isNaN(doubleOf(v));
}

export function isNullValue(v: Value): boolean {
  return valueKind(v) === 'nullValue';
}

/**
 * Equality as Firestore's `==`, `in` and `array-contains` apply it: like the ordering (so
 * 1 == 1.0 and -0 == 0, and arrays/maps compare deeply), except that NaN equals nothing.
 */
export function valuesEqual(a: Value, b: Value): boolean {
  const ta = typeOrder(a);
  if (ta !== typeOrder(b)) return false;
  switch (ta) {
    case TypeOrder.Number:
      if (isNaNValue(a) || isNaNValue(b)) return false;
      return compareNumbers(a, b) === 0;
    case TypeOrder.Array:
    case TypeOrder.Vector: {
      const x = ta === TypeOrder.Array ? (a.arrayValue?.values ?? []) : vectorElements(a);
      const y = ta === TypeOrder.Array ? (b.arrayValue?.values ?? []) : vectorElements(b);
      return x.length === y.length && x.every((v, i) => valuesEqual(v, y[i]));
    }
    case TypeOrder.Map: {
      const fa = a.mapValue?.fields ?? {};
      const fb = b.mapValue?.fields ?? {};
      const ka = Object.keys(fa);
      if (ka.length !== Object.keys(fb).length) return false;
      return ka.every((k) => fb[k] !== undefined && valuesEqual(fa[k], fb[k]));
    }
    default:
      return compareValues(a, b) === 0;
  }
}

// ---- field paths ----

export class FieldPathError extends Error {}

const SIMPLE_SEGMENT = /^[A-Za-z_][A-Za-z_0-9]*$/;

/**
 * Splits a field path as the API spells it: segments joined by `.`, where a segment that is not
 * a simple identifier (`[A-Za-z_][A-Za-z_0-9]*`) must be quoted in backticks with `\` escaping the next character
 * (e.g. "a.`b.c`.`x\`y`" is ['a', 'b.c', 'x`y']). Throws FieldPathError if malformed.
 */
export function parseFieldPath(path: string): string[] {
  if (path === '') throw new FieldPathError('field path is empty');
  const segments: string[] = [];
  let i = 0;
  for (;;) {
    let segment = '';
    if (path[i] === '`') {
      i++;
      let closed = false;
      while (i < path.length) {
        const c = path[i];
        if (c === '\\') {
          if (i + 1 >= path.length) throw new FieldPathError(`bad escape in field path "${path}"`);
          segment += path[i + 1];
          i += 2;
        } else if (c === '`') {
          closed = true;
          i++;
          break;
        } else {
          segment += c;
          i++;
        }
      }
      if (!closed) throw new FieldPathError(`unterminated backtick in field path "${path}"`);
      if (segment === '') throw new FieldPathError(`empty segment in field path "${path}"`);
    } else {
      const end = path.indexOf('.', i);
      segment = end === -1 ? path.slice(i) : path.slice(i, end);
      i = end === -1 ? path.length : end;
      if (segment === '') throw new FieldPathError(`empty segment in field path "${path}"`);
      if (!SIMPLE_SEGMENT.test(segment)) {
        throw new FieldPathError(
          `segment "${segment}" of field path "${path}" must be quoted with backticks`,
        );
      }
    }
    segments.push(segment);
    if (i >= path.length) return segments;
    if (path[i] !== '.') throw new FieldPathError(`expected "." in field path "${path}"`);
    i++;
    if (i >= path.length) throw new FieldPathError(`field path "${path}" ends with "."`);
  }
}

/** The canonical spelling of a segment list (backticks only where needed). */
export function canonicalFieldPath(segments: readonly string[]): string {
  return segments
    .map((s) => (SIMPLE_SEGMENT.test(s) ? s : '`' + s.replace(/[\\`]/g, (c) => '\\' + c) + '`'))
    .join('.');
}

/** Orders field paths segment by segment (how Firestore sorts implicit inequality orderings). */
export function compareFieldPaths(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareUtf8(a[i], b[i]);
    if (c !== 0) return c;
  }
  return sign(a.length - b.length);
}

export const DOCUMENT_ID_FIELD = '__name__';

export function isDocumentIdPath(segments: readonly string[]): boolean {
  return segments.length === 1 && segments[0] === DOCUMENT_ID_FIELD;
}

/** A field nested in a map of fields, or undefined if any step is missing or not a map. */
export function getFieldFromFields(
  fields: Record<string, Value> | undefined,
  segments: readonly string[],
): Value | undefined {
  let current: Record<string, Value> | undefined = fields;
  let value: Value | undefined;
  for (let i = 0; i < segments.length; i++) {
    if (current === undefined) return undefined;
    value = Object.prototype.hasOwnProperty.call(current, segments[i])
      ? current[segments[i]]
      : undefined;
    if (value === undefined) return undefined;
    if (i < segments.length - 1) {
      current = valueKind(value) === 'mapValue' ? (value.mapValue?.fields ?? {}) : undefined;
    }
  }
  return value;
}

/** A document's field by parsed path; `__name__` is the document's own reference. */
export function getField(doc: Document, segments: readonly string[]): Value | undefined {
  if (isDocumentIdPath(segments)) return { referenceValue: doc.name, valueType: 'referenceValue' };
  return getFieldFromFields(doc.fields, segments);
}
