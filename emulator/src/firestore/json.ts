// Decoded-proto -> proto3 JSON, for CommitEvents (the form the official emulator sends to
// functions) and for export files.
import type { JsonDocument, JsonValue } from './events';
import type { Document, Value } from './types';
import { valueKind } from './values';
import { timestampToRfc3339 } from './clock';

export function toJsonValue(v: Value): JsonValue {
  switch (valueKind(v)) {
    case 'booleanValue':
      return { booleanValue: Boolean(v.booleanValue) };
    case 'integerValue':
      return { integerValue: String(v.integerValue) };
    case 'doubleValue': {
      const d = Number(v.doubleValue);
      if (Number.isNaN(d)) return { doubleValue: 'NaN' };
      if (d === Infinity) return { doubleValue: 'Infinity' };
      if (d === -Infinity) return { doubleValue: '-Infinity' };
      return { doubleValue: d };
    }
    case 'timestampValue':
      return { timestampValue: timestampToRfc3339(v.timestampValue ?? { seconds: '0', nanos: 0 }) };
    case 'stringValue':
      return { stringValue: v.stringValue ?? '' };
    case 'bytesValue':
      return { bytesValue: Buffer.from(v.bytesValue ?? []).toString('base64') };
    case 'referenceValue':
      return { referenceValue: v.referenceValue ?? '' };
    case 'geoPointValue':
      return {
        geoPointValue: {
          latitude: v.geoPointValue?.latitude ?? 0,
          longitude: v.geoPointValue?.longitude ?? 0,
        },
      };
    case 'arrayValue':
      return { arrayValue: { values: (v.arrayValue?.values ?? []).map(toJsonValue) } };
    case 'mapValue':
      return { mapValue: { fields: toJsonFields(v.mapValue?.fields) } };
    default:
      return { nullValue: null };
  }
}

export function toJsonFields(fields: Record<string, Value> | undefined): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(fields ?? {})) out[k] = toJsonValue(v);
  return out;
}

export function toJsonDocument(d: Document): JsonDocument {
  const zero = { seconds: '0', nanos: 0 };
  return {
    name: d.name,
    fields: toJsonFields(d.fields),
    createTime: timestampToRfc3339(d.createTime ?? zero),
    updateTime: timestampToRfc3339(d.updateTime ?? zero),
  };
}
