// The write path's value handling: validation/normalisation, copy-on-write field updates, read
// projections, no-op detection, storage-size estimation and field transforms. Value kinds, the
// ordering and field lookup are shared with the query code in values.ts.
import type { ArrayValue, FieldTransform, Timestamp, Value, ValueType } from './types';
import { invalidArgument } from './errors';
import { parseDocumentName, parseFieldPath } from './paths';
import {
  INT64_MAX,
  INT64_MIN,
  compareValues,
  getFieldFromFields,
  valueKind,
  valueKindIfSet,
} from './values';

/** Max depth of nested maps and arrays (Firestore allows 20 levels). */
const MAX_DEPTH = 20;

export const NULL_VALUE: Value = { valueType: 'nullValue', nullValue: 'NULL_VALUE' };

export function integerValue(n: bigint): Value {
  return { valueType: 'integerValue', integerValue: n.toString() };
}

export function doubleValue(n: number): Value {
  return { valueType: 'doubleValue', doubleValue: n };
}

export function timestampValue(ts: Timestamp): Value {
  return { valueType: 'timestampValue', timestampValue: ts };
}

/**
 * Checks a value that came in a write and returns it in canonical decoded form (only the set
 * member plus `valueType`). Throws INVALID_ARGUMENT with the field path on bad input.
 */
export function normalizeValue(v: unknown, path: string, depth = 0, inArray = false): Value {
  if (typeof v !== 'object' || v === null) throw invalidArgument(`Value at "${path}" is missing`);
  const value = v as Value;
  const t = valueKindIfSet(value);
  if (!t) throw invalidArgument(`Value at "${path}" has no value type set`);
  switch (t) {
    case 'nullValue':
      return NULL_VALUE;
    case 'booleanValue':
      return { valueType: t, booleanValue: Boolean(value.booleanValue) };
    case 'integerValue': {
      const s = String(value.integerValue);
      if (!/^-?\d+$/.test(s)) throw invalidArgument(`Invalid integer at "${path}"`);
      return { valueType: t, integerValue: BigInt(s).toString() };
    }
    case 'doubleValue': {
      // Firestore stores -0.0 as 0.0 (they are equal in every comparison anyway).
      const d = Number(value.doubleValue);
      return { valueType: t, doubleValue: d === 0 ? 0 : d };
    }
    case 'timestampValue': {
      const ts = value.timestampValue as Timestamp;
      const seconds = Number(ts.seconds ?? 0);
      const nanos = ts.nanos ?? 0;
      // 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z
      if (seconds < -62135596800 || seconds > 253402300799 || nanos < 0 || nanos > 999999999) {
        throw invalidArgument(`Timestamp at "${path}" is out of range`);
      }
      // Firestore stores microseconds.
      return {
        valueType: t,
        timestampValue: { seconds: String(seconds), nanos: Math.floor(nanos / 1000) * 1000 },
      };
    }
    case 'stringValue':
      return { valueType: t, stringValue: String(value.stringValue) };
    case 'bytesValue':
      return { valueType: t, bytesValue: Buffer.from(value.bytesValue ?? []) };
    case 'referenceValue':
      try {
        parseDocumentName(value.referenceValue);
      } catch {
        throw invalidArgument(
          `Reference at "${path}" is not a valid document name: "${String(value.referenceValue)}"`,
        );
      }
      return { valueType: t, referenceValue: value.referenceValue };
    case 'geoPointValue': {
      const latitude = value.geoPointValue?.latitude ?? 0;
      const longitude = value.geoPointValue?.longitude ?? 0;
      if (!(latitude >= -90 && latitude <= 90) || !(longitude >= -180 && longitude <= 180)) {
        throw invalidArgument(`GeoPoint at "${path}" is out of range`);
      }
      return { valueType: t, geoPointValue: { latitude, longitude } };
    }
    case 'arrayValue': {
      if (inArray) throw invalidArgument(`Arrays cannot directly contain arrays (at "${path}")`);
      if (depth >= MAX_DEPTH) throw invalidArgument(`Value at "${path}" is nested too deeply`);
      const values = (value.arrayValue?.values ?? []).map((e, i) =>
        normalizeValue(e, `${path}[${i}]`, depth + 1, true),
      );
      return { valueType: t, arrayValue: { values } };
    }
    case 'mapValue': {
      if (depth >= MAX_DEPTH) throw invalidArgument(`Value at "${path}" is nested too deeply`);
      return {
        valueType: t,
        mapValue: { fields: normalizeFields(value.mapValue?.fields, path, depth + 1) },
      };
    }
  }
}

/** A vector is stored as the map `{ __type__: '__vector__', value: [...] }`: that key is allowed. */
function isVectorMarker(key: string, v: Value): boolean {
  return (
    key === '__type__' && typeof v === 'object' && v !== null && v.stringValue === '__vector__'
  );
}

/** Validates and normalizes a document's (or map's) fields. */
export function normalizeFields(
  fields: Record<string, Value> | undefined,
  path = '',
  depth = 0,
): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [key, v] of Object.entries(fields ?? {})) {
    const where = path === '' ? key : `${path}.${key}`;
    if (key === '') throw invalidArgument(`Empty field name in "${path || 'document'}"`);
    if (/^__.*__$/.test(key) && !isVectorMarker(key, v)) {
      throw invalidArgument(`Field name "${where}" is reserved (names must not match __.*__)`);
    }
    out[key] = normalizeValue(v, where, depth);
  }
  return out;
}

// ---- field access (copy on write: stored documents are never mutated) ----

/** Returns a copy of `fields` with `value` at `segs`, turning non-map intermediates into maps. */
export function setField(
  fields: Record<string, Value>,
  segs: string[],
  value: Value,
): Record<string, Value> {
  const out = { ...fields };
  if (segs.length === 1) {
    out[segs[0]] = value;
    return out;
  }
  const child = fields[segs[0]];
  const childFields =
    child && valueKind(child) === 'mapValue' ? (child.mapValue?.fields ?? {}) : {};
  out[segs[0]] = {
    valueType: 'mapValue',
    mapValue: { fields: setField(childFields, segs.slice(1), value) },
  };
  return out;
}

/** Returns a copy of `fields` without the field at `segs` (unchanged if absent). */
export function deleteField(fields: Record<string, Value>, segs: string[]): Record<string, Value> {
  if (!(segs[0] in fields)) return fields;
  if (segs.length === 1) {
    const out = { ...fields };
    delete out[segs[0]];
    return out;
  }
  const child = fields[segs[0]];
  if (valueKind(child) !== 'mapValue') return fields;
  const inner = child.mapValue?.fields ?? {};
  const next = deleteField(inner, segs.slice(1));
  if (next === inner) return fields;
  return { ...fields, [segs[0]]: { valueType: 'mapValue', mapValue: { fields: next } } };
}

/** Keeps only the given field paths (a DocumentMask on reads, a query's projection). */
export function projectFields(
  fields: Record<string, Value> | undefined,
  paths: readonly (readonly string[])[],
): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const segs of paths) {
    const v = getFieldFromFields(fields, segs);
    if (v !== undefined) setNested(out, segs, v);
  }
  return out;
}

/** Sets `v` at `segments` in `fields`, which the caller owns (mutated in place). */
function setNested(fields: Record<string, Value>, segments: readonly string[], v: Value): void {
  let current = fields;
  for (let i = 0; i < segments.length - 1; i++) {
    const existing = current[segments[i]];
    // Copy on the way down: `existing` may be a map taken whole from the stored document (when
    // both `a` and `a.b` are selected), which must never be mutated.
    const next: Record<string, Value> =
      existing !== undefined && valueKind(existing) === 'mapValue'
        ? { ...(existing.mapValue?.fields ?? {}) }
        : {};
    current[segments[i]] = { mapValue: { fields: next }, valueType: 'mapValue' };
    current = next;
  }
  current[segments[segments.length - 1]] = v;
}

// ---- no-op detection ----

function isNumber(t: ValueType | undefined): boolean {
  return t === 'integerValue' || t === 'doubleValue';
}

function numericOf(v: Value): number {
  return valueKind(v) === 'integerValue' ? Number(v.integerValue) : Number(v.doubleValue);
}

function bytesOf(v: Value): Buffer {
  return Buffer.from(v.bytesValue ?? []);
}

/**
 * Whether two values are identical, kind included (1 and 1.0 differ, -0 and 0 differ, NaN is
 * itself): a write that leaves every field identical changes nothing.
 */
export function sameValue(a: Value, b: Value): boolean {
  const t = valueKind(a);
  if (t !== valueKind(b)) return false;
  switch (t) {
    case 'arrayValue': {
      const x = a.arrayValue?.values ?? [];
      const y = b.arrayValue?.values ?? [];
      return x.length === y.length && x.every((v, i) => sameValue(v, y[i]));
    }
    case 'mapValue':
      return sameFields(a.mapValue?.fields, b.mapValue?.fields);
    case 'bytesValue':
      return bytesOf(a).equals(bytesOf(b));
    case 'doubleValue':
      return Object.is(a.doubleValue, b.doubleValue);
    case 'timestampValue':
      return (
        String(a.timestampValue?.seconds) === String(b.timestampValue?.seconds) &&
        (a.timestampValue?.nanos ?? 0) === (b.timestampValue?.nanos ?? 0)
      );
    case 'geoPointValue':
      return (
        a.geoPointValue?.latitude === b.geoPointValue?.latitude &&
        a.geoPointValue?.longitude === b.geoPointValue?.longitude
      );
    default:
      return a[t] === b[t];
  }
}

/** Whether two documents' (or maps') fields are identical (see sameValue). */
export function sameFields(
  a: Record<string, Value> | undefined,
  b: Record<string, Value> | undefined,
): boolean {
  if (a === b) return true;
  const x = a ?? {};
  const y = b ?? {};
  const keys = Object.keys(x);
  return (
    keys.length === Object.keys(y).length &&
    keys.every((k) => Object.prototype.hasOwnProperty.call(y, k) && sameValue(x[k], y[k]))
  );
}

// ---- storage size (https://firebase.google.com/docs/firestore/storage-size) ----

function stringSize(s: string): number {
  return Buffer.byteLength(s) + 1;
}

/** Size of a document name: each path segment as a string, plus 16. */
export function documentNameSize(name: string): number {
  const rest = name.replace(/^projects\/[^/]+\/databases\/[^/]+\/documents\//, '');
  return rest.split('/').reduce((n, seg) => n + stringSize(seg), 0) + 16;
}

export function valueSize(v: Value): number {
  switch (valueKind(v)) {
    case 'nullValue':
    case 'booleanValue':
      return 1;
    case 'integerValue':
    case 'doubleValue':
    case 'timestampValue':
      return 8;
    case 'stringValue':
      return stringSize(v.stringValue ?? '');
    case 'bytesValue':
      return bytesOf(v).length;
    case 'referenceValue':
      return documentNameSize(v.referenceValue ?? '');
    case 'geoPointValue':
      return 16;
    case 'arrayValue':
      return (v.arrayValue?.values ?? []).reduce((n, e) => n + valueSize(e), 0);
    case 'mapValue':
      return fieldsSize(v.mapValue?.fields);
  }
}

export function fieldsSize(fields: Record<string, Value> | undefined): number {
  let n = 0;
  for (const [k, v] of Object.entries(fields ?? {})) n += stringSize(k) + valueSize(v);
  return n;
}

/** Document size per Firestore's rules: name + fields + 32 additional bytes. */
export function documentSize(name: string, fields: Record<string, Value> | undefined): number {
  return documentNameSize(name) + fieldsSize(fields) + 32;
}

// ---- transforms ----

function saturate(n: bigint): bigint {
  if (n > INT64_MAX) return INT64_MAX;
  if (n < INT64_MIN) return INT64_MIN;
  return n;
}

function requireNumber(v: Value | undefined, kind: string, path: string): Value {
  if (!v || !isNumber(valueKind(v))) {
    throw invalidArgument(`${kind} transform on "${path}" needs an integer or double operand`);
  }
  return normalizeValue(v, path);
}

function increment(current: Value | undefined, operand: Value): Value {
  if (!current || !isNumber(valueKind(current))) return operand;
  if (valueKind(current) === 'integerValue' && valueKind(operand) === 'integerValue') {
    return integerValue(
      saturate(BigInt(current.integerValue ?? '0') + BigInt(operand.integerValue ?? '0')),
    );
  }
  return doubleValue(numericOf(current) + numericOf(operand));
}

/** maximum (sign 1) / minimum (sign -1) with Firestore's mixed-type and NaN rules. */
function extremum(current: Value | undefined, operand: Value, sign: 1 | -1): Value {
  if (!current || !isNumber(valueKind(current))) return operand;
  const x = numericOf(current);
  const y = numericOf(operand);
  if (Number.isNaN(x)) return current;
  if (Number.isNaN(y)) return operand;
  let cmp: number;
  if (valueKind(current) === 'integerValue' && valueKind(operand) === 'integerValue') {
    const a = BigInt(current.integerValue ?? '0');
    const b = BigInt(operand.integerValue ?? '0');
    cmp = a === b ? 0 : a > b ? 1 : -1;
  } else {
    cmp = x === y ? 0 : x > y ? 1 : -1;
  }
  // Equivalent operands (3 and 3.0, 0 and -0.0) leave the stored value unchanged.
  if (cmp === 0) return current;
  return cmp * sign > 0 ? current : operand;
}

function arrayElements(v: Value | undefined): Value[] {
  return v && valueKind(v) === 'arrayValue' ? (v.arrayValue?.values ?? []) : [];
}

function arrayOperand(a: ArrayValue | undefined, path: string): Value[] {
  return (a?.values ?? []).map((e, i) => normalizeValue(e, `${path}[${i}]`, 1, true));
}

/**
 * Applies one field transform to `fields`, returning the new fields and the transform result
 * that goes into WriteResult.transform_results.
 */
export function applyTransform(
  fields: Record<string, Value>,
  t: FieldTransform,
  requestTime: Timestamp,
): { fields: Record<string, Value>; result: Value } {
  const path = t.fieldPath;
  const segs = parseFieldPath(path);
  const current = getFieldFromFields(fields, segs);
  let next: Value;
  let result: Value;
  const kind =
    t.transformType ??
    (
      [
        'setToServerValue',
        'increment',
        'maximum',
        'minimum',
        'appendMissingElements',
        'removeAllFromArray',
      ] as const
    ).find((k) => t[k] !== undefined);
  switch (kind) {
    case 'setToServerValue':
      if (t.setToServerValue !== 'REQUEST_TIME') {
        throw invalidArgument(`Unsupported server value on "${path}"`);
      }
      next = timestampValue(requestTime);
      result = next;
      break;
    case 'increment':
      next = increment(current, requireNumber(t.increment, 'increment', path));
      result = next;
      break;
    case 'maximum':
      next = extremum(current, requireNumber(t.maximum, 'maximum', path), 1);
      result = next;
      break;
    case 'minimum':
      next = extremum(current, requireNumber(t.minimum, 'minimum', path), -1);
      result = next;
      break;
    // arrayUnion/arrayRemove treat elements as the same when they are equal in Firestore's
    // ordering: 1 and 1.0, -0 and 0, NaN and NaN.
    case 'appendMissingElements': {
      const values = [...arrayElements(current)];
      for (const e of arrayOperand(t.appendMissingElements, path)) {
        if (!values.some((x) => compareValues(x, e) === 0)) values.push(e);
      }
      next = { valueType: 'arrayValue', arrayValue: { values } };
      result = NULL_VALUE;
      break;
    }
    case 'removeAllFromArray': {
      const remove = arrayOperand(t.removeAllFromArray, path);
      const values = arrayElements(current).filter(
        (x) => !remove.some((r) => compareValues(x, r) === 0),
      );
      next = { valueType: 'arrayValue', arrayValue: { values } };
      result = NULL_VALUE;
      break;
    }
    default:
      throw invalidArgument(`Field transform on "${path}" has no transform type`);
  }
  return { fields: setField(fields, segs, next), result };
}
