// Export to / import from a folder, so local data can survive a restart. The format is our own
// (the official emulator's LevelDB-based export cannot be produced without its code): one JSON
// file with every document in proto3 JSON form, the same form CommitEvents use.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { JsonDocument, JsonValue } from './events';
import type { Document, Timestamp, Value } from './types';
import { toJsonDocument } from './json';
import { normalizeFields } from './fields';
import { parseDocumentName } from './paths';

export const EXPORT_FILE = 'firestore-documents.json';

/** The `format` an export file names, so an unrelated JSON file is not taken for one. */
const EXPORT_FORMAT = 'local-firebase-firestore-export';
/** What exports were called before this emulator became a package of its own; still read. */
const EARLIER_EXPORT_FORMATS: readonly string[] = ['qr-assets-firestore-export'];

interface ExportFile {
  format: typeof EXPORT_FORMAT;
  version: 1;
  documents: JsonDocument[];
}

export async function writeExport(dir: string, docs: Iterable<Document>): Promise<number> {
  const documents = [...docs].map(toJsonDocument).sort((a, b) => (a.name < b.name ? -1 : 1));
  const file: ExportFile = { format: EXPORT_FORMAT, version: 1, documents };
  await fs.mkdir(dir, { recursive: true });
  const target = path.join(dir, EXPORT_FILE);
  const tmp = `${target}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(file));
  await fs.rename(tmp, target);
  return documents.length;
}

function parseRfc3339(s: string): Timestamp {
  const m = /^(.*?)(?:\.(\d{1,9}))?Z$/.exec(s);
  const ms = Date.parse(`${m ? m[1] : s}Z`);
  if (!m || Number.isNaN(ms)) throw new Error(`Invalid timestamp in export: ${s}`);
  return { seconds: String(Math.floor(ms / 1000)), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function fromJsonValue(v: JsonValue): Value {
  if ('nullValue' in v) return { nullValue: 'NULL_VALUE' };
  if ('booleanValue' in v) return { booleanValue: v.booleanValue };
  if ('integerValue' in v) return { integerValue: v.integerValue };
  if ('doubleValue' in v) return { doubleValue: Number(v.doubleValue) };
  if ('timestampValue' in v) return { timestampValue: parseRfc3339(v.timestampValue) };
  if ('stringValue' in v) return { stringValue: v.stringValue };
  if ('bytesValue' in v) return { bytesValue: Buffer.from(v.bytesValue, 'base64') };
  if ('referenceValue' in v) return { referenceValue: v.referenceValue };
  if ('geoPointValue' in v) return { geoPointValue: v.geoPointValue };
  if ('arrayValue' in v)
    return { arrayValue: { values: (v.arrayValue.values ?? []).map(fromJsonValue) } };
  if ('mapValue' in v) return { mapValue: { fields: fromJsonFields(v.mapValue.fields) } };
  throw new Error(`Invalid value in export: ${JSON.stringify(v)}`);
}

function fromJsonFields(fields: Record<string, JsonValue> | undefined): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(fields ?? {})) out[k] = fromJsonValue(v);
  return out;
}

/** Reads an export folder; returns undefined when it holds no export. */
export async function readExport(dir: string): Promise<Document[] | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, EXPORT_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed: unknown = JSON.parse(text);
  if (
    !isObject(parsed) ||
    typeof parsed.format !== 'string' ||
    (parsed.format !== EXPORT_FORMAT && !EARLIER_EXPORT_FORMATS.includes(parsed.format)) ||
    !Array.isArray(parsed.documents)
  ) {
    throw new Error(`${path.join(dir, EXPORT_FILE)} is not a Firestore export of this emulator`);
  }
  return (parsed.documents as JsonDocument[]).map((d) => ({
    name: parseDocumentName(d.name).name,
    fields: normalizeFields(fromJsonFields(d.fields)),
    createTime: parseRfc3339(d.createTime),
    updateTime: parseRfc3339(d.updateTime),
  }));
}
