// proto3 JSON (https://protobuf.dev/programming-guides/json/) <-> the decoded-proto objects the
// core works on (the shapes @grpc/proto-loader gives with LOADER_OPTIONS). The message types
// are the ones @google-cloud/firestore ships (build/protos/v1.json, the same protos the gRPC
// transport loads); proto3-json-serializer (the serializer google-gax's own REST transport
// uses) does the well-known types: Timestamp as RFC 3339, int64 as strings, bytes as base64,
// wrappers as plain numbers, NullValue as null, enum names.
import * as protobuf from 'protobufjs';
import { fromProto3JSON, toProto3JSON, type JSONValue } from 'proto3-json-serializer';
import { invalidArgument } from '../../errors';

/** The same options as transports/grpc/proto.ts's LOADER_OPTIONS: longs as strings, etc. */
const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

let root: protobuf.Root | undefined;

function firestoreRoot(): protobuf.Root {
  if (!root) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const json = require('@google-cloud/firestore/build/protos/v1.json') as protobuf.INamespace;
    root = protobuf.Root.fromJSON(json);
  }
  return root;
}

export function messageType(name: string): protobuf.Type {
  return firestoreRoot().lookupType(name);
}

/** snake_case → lowerCamelCase, as proto3 JSON accepts both spellings of a field. */
export function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The field `name` (either spelling) of `type`, or undefined. */
export function fieldOf(type: protobuf.Type, name: string): protobuf.Field | undefined {
  return type.fields[name] ?? type.fields[camel(name)];
}

function isWellKnown(type: protobuf.Type): boolean {
  return type.fullName.startsWith('.google.protobuf.');
}

/**
 * Refuses names the message type does not have, as Google's endpoint does ("Invalid JSON
 * payload received. Unknown name ..."), and spells every field as the serializer knows it
 * (proto3 JSON accepts `structured_query` as well as `structuredQuery`; the serializer only the
 * latter). Without this a misspelt field (`updateMask.fieldpaths`, `structuredQuery.were`)
 * would silently be dropped.
 */
function canonical(type: protobuf.Type, json: unknown, at: string): unknown {
  if (isWellKnown(type) || typeof json !== 'object' || json === null || Array.isArray(json)) {
    return json;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = fieldOf(type, key);
    if (!field) {
      throw invalidArgument(
        `Invalid JSON payload received. Unknown name "${key}"${at ? ` at '${at}'` : ''}: Cannot find field.`,
      );
    }
    field.resolve();
    const sub = field.resolvedType;
    const where = at ? `${at}.${field.name}` : field.name;
    let converted = value;
    if (sub instanceof protobuf.Type && value !== null) {
      if (field.map && typeof value === 'object') {
        converted = Object.fromEntries(
          Object.entries(value as object).map(([k, v]) => [k, canonical(sub, v, `${where}[${k}]`)]),
        );
      } else if (field.repeated && Array.isArray(value)) {
        converted = value.map((v, i) => canonical(sub, v, `${where}[${i}]`));
      } else {
        converted = canonical(sub, value, where);
      }
    }
    out[field.name] = converted;
  }
  return out;
}

/** A proto3 JSON request → the decoded request; INVALID_ARGUMENT when it does not fit. */
export function decodeJson<T>(typeName: string, json: unknown): T {
  const type = messageType(typeName);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalidArgument(
      `Invalid JSON payload received. Expected an object for ${type.name}, got ${Array.isArray(json) ? 'an array' : typeof json}.`,
    );
  }
  const named = canonical(type, json, '');
  let message: protobuf.Message;
  try {
    message = fromProto3JSON(type, named as JSONValue) as protobuf.Message;
  } catch (err) {
    throw invalidArgument(
      `Invalid JSON payload received. ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return type.toObject(message, TO_OBJECT) as T;
}

/**
 * A decoded response → proto3 JSON. `numericEnums` answers a client that asked for
 * `$alt=json;enum-encoding=int` (google-gax's REST transport does) with enum numbers.
 */
export function encodeJson(typeName: string, value: unknown, numericEnums = false): JSONValue {
  const type = messageType(typeName);
  const message = type.fromObject(value as Record<string, unknown>);
  return toProto3JSON(message, { numericEnums }) ?? {};
}
