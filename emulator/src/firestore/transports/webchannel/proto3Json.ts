// proto3 JSON <-> the binary messages the gRPC transport carries. The browser SDK sends its
// stream messages as proto3 JSON (its serializer runs with useProto3Json = true,
// packages/firestore/src/platform/browser/serializer.ts), so a WebChannel message is turned into
// the protobuf bytes a gRPC client would have sent, and decoded by the gRPC method's own
// deserializer: the handlers see exactly what they see from gRPC. Replies go the other way.
//
// The mapping is the documented one (protobuf.dev "JSON Mapping"): 64-bit integers as decimal
// strings, bytes as base64, enums by name, Timestamp as RFC 3339, Duration as "1.5s", wrappers
// as their bare value, FieldMask as "a,b", NullValue as null, Struct/Value as plain JSON.
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { invalidArgument } from '../../errors';
import { timestampToRfc3339 } from '../../clock';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Plain = Record<string, unknown>;

let root: protobuf.Root | undefined;

/** The Firestore v1 descriptors that ship inside @google-cloud/firestore (the SDK's own). */
function firestoreRoot(): protobuf.Root {
  if (!root) {
    const pkg = path.dirname(require.resolve('@google-cloud/firestore/package.json'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const descriptor = require(path.join(pkg, 'build', 'protos', 'v1.json')) as protobuf.INamespace;
    root = protobuf.Root.fromJSON(descriptor);
    root.resolveAll();
  }
  return root;
}

export function messageType(fullName: string): protobuf.Type {
  return firestoreRoot().lookupType(fullName);
}

const WRAPPERS = new Set([
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

function typeName(t: protobuf.Type): string {
  return t.fullName.replace(/^\./, '');
}

function isObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 3339 ("2024-01-02T03:04:05.123456789Z", any offset) to Timestamp fields. */
function parseRfc3339(s: string, where: string): Plain {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i.exec(s);
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(ms)) throw invalidArgument(`Invalid timestamp for ${where}: ${s}`);
  return { seconds: String(Math.floor(ms / 1000)), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}

function parseDuration(s: string, where: string): Plain {
  const m = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(s);
  if (!m) throw invalidArgument(`Invalid duration for ${where}: ${s}`);
  const sign = m[1] ? -1 : 1;
  return {
    seconds: String(sign * Number(m[2])),
    nanos: sign * Number((m[3] ?? '').padEnd(9, '0')),
  };
}

function structValueFromJson(v: unknown): Plain {
  if (v === null) return { nullValue: 0 };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(structValueFromJson) } };
  return { structValue: structFromJson(v) };
}

function structFromJson(v: unknown): Plain {
  const fields: Plain = {};
  for (const [k, x] of Object.entries(isObject(v) ? v : {})) fields[k] = structValueFromJson(x);
  return { fields };
}

/** A JSON value for one field of `type`, as protobufjs' fromObject wants it. */
function fieldFromJson(field: protobuf.Field, v: unknown, where: string): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    if (rt.fullName === '.google.protobuf.NullValue') return 0;
    if (typeof v === 'string' && !(v in rt.values)) {
      throw invalidArgument(`Invalid value for enum ${where}: ${v}`);
    }
    return v;
  }
  if (rt instanceof protobuf.Type) return messageFromJson(rt, v, where);
  if (field.type === 'bytes') {
    if (typeof v !== 'string') throw invalidArgument(`Invalid bytes for ${where}`);
    return Buffer.from(v, 'base64');
  }
  if (field.type === 'double' || field.type === 'float') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
  }
  return v;
}

/** proto3 JSON of a message of `type` to the plain object protobufjs' fromObject takes. */
function messageFromJson(type: protobuf.Type, json: unknown, where: string): unknown {
  const name = typeName(type);
  if (name === 'google.protobuf.Timestamp' && typeof json === 'string') {
    return parseRfc3339(json, where);
  }
  if (name === 'google.protobuf.Duration' && typeof json === 'string') {
    return parseDuration(json, where);
  }
  if (WRAPPERS.has(name) && !isObject(json)) {
    return messageFromJson(type, { value: json }, where);
  }
  if (name === 'google.firestore.v1.DocumentMask' || name === 'google.protobuf.FieldMask') {
    if (typeof json === 'string') return { fieldPaths: json === '' ? [] : json.split(',') };
  }
  if (name === 'google.protobuf.Struct') return structFromJson(json);
  if (name === 'google.protobuf.Value') return structValueFromJson(json);
  if (!isObject(json)) throw invalidArgument(`Expected an object for ${where || name}`);
  const out: Plain = {};
  for (const [key, value] of Object.entries(json)) {
    const field = type.fields[key] ?? type.fieldsArray.find((f) => f.options?.json_name === key);
    if (!field) throw invalidArgument(`Unknown field "${key}" in ${name}`);
    const at = where ? `${where}.${key}` : key;
    field.resolve();
    // JSON null is the field's default value, except for NullValue and google.protobuf.Value.
    const keepsNull =
      field.resolvedType?.fullName === '.google.protobuf.NullValue' ||
      field.resolvedType?.fullName === '.google.protobuf.Value';
    if (value === null && !keepsNull) continue;
    if (field.map) {
      if (!isObject(value)) throw invalidArgument(`Expected an object for ${at}`);
      const m: Plain = {};
      for (const [k, x] of Object.entries(value)) m[k] = fieldFromJson(field, x, `${at}.${k}`);
      out[field.name] = m;
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw invalidArgument(`Expected an array for ${at}`);
      out[field.name] = value.map((x, i) => fieldFromJson(field, x, `${at}[${i}]`));
    } else {
      out[field.name] = fieldFromJson(field, value, at);
    }
  }
  return out;
}

/** proto3 JSON of a message named `fullName` to its protobuf encoding. */
export function encodeFromJson(fullName: string, json: unknown): Buffer {
  const type = messageType(fullName);
  const plain = messageFromJson(type, json, '');
  const message = type.fromObject(plain as Plain);
  return Buffer.from(type.encode(message).finish());
}

function structValueToJson(v: Plain): Json {
  if ('numberValue' in v) return v.numberValue as number;
  if ('stringValue' in v) return v.stringValue as string;
  if ('boolValue' in v) return v.boolValue as boolean;
  if ('listValue' in v) {
    const list = v.listValue as { values?: Plain[] };
    return (list.values ?? []).map(structValueToJson);
  }
  if ('structValue' in v) return structToJson(v.structValue as Plain);
  return null;
}

function structToJson(v: Plain): Json {
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries((v.fields as Record<string, Plain>) ?? {})) {
    out[k] = structValueToJson(x);
  }
  return out;
}

function fieldToJson(field: protobuf.Field, v: unknown): Json {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum && rt.fullName === '.google.protobuf.NullValue') return null;
  if (rt instanceof protobuf.Type) return messageToJson(rt, v as Plain);
  if (typeof v === 'number' && !Number.isFinite(v)) {
    return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  }
  return v as Json;
}

/** protobufjs' toObject output (longs and enums as strings, bytes base64) to proto3 JSON. */
function messageToJson(type: protobuf.Type, obj: Plain): Json {
  const name = typeName(type);
  if (name === 'google.protobuf.Timestamp') {
    return timestampToRfc3339({ seconds: String(obj.seconds ?? 0), nanos: Number(obj.nanos ?? 0) });
  }
  if (name === 'google.protobuf.Duration') {
    const nanos = Number(obj.nanos ?? 0);
    const frac = nanos ? `.${String(Math.abs(nanos)).padStart(9, '0')}` : '';
    return `${String(obj.seconds ?? 0)}${frac}s`;
  }
  if (WRAPPERS.has(name)) return fieldToJson(type.fields.value, obj.value ?? 0);
  if (name === 'google.protobuf.Struct') return structToJson(obj);
  if (name === 'google.protobuf.Value') return structValueToJson(obj);
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(obj)) {
    const field = type.fields[key];
    if (!field || value === undefined) continue;
    if (field.map) {
      const m: Record<string, Json> = {};
      for (const [k, x] of Object.entries(value as Plain)) m[k] = fieldToJson(field, x);
      out[key] = m;
    } else if (field.repeated) {
      out[key] = (value as unknown[]).map((x) => fieldToJson(field, x));
    } else {
      out[key] = fieldToJson(field, value);
    }
  }
  return out;
}

/** A protobuf-encoded message named `fullName` as proto3 JSON. */
export function decodeToJson(fullName: string, bytes: Uint8Array): Json {
  const type = messageType(fullName);
  const obj = type.toObject(type.decode(bytes), {
    longs: String,
    enums: String,
    bytes: String,
  });
  return messageToJson(type, obj);
}
