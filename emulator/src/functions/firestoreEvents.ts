// Turns one changed document of a CommitEvent into the CloudEvent that firebase-functions v2
// document triggers decode: JSON data mode (`datacontenttype: application/json`) with
// `data.value` / `data.oldValue` as proto3 JSON documents, plus Firestore's extension attributes
// (`project`, `database`, `namespace`, `document`) from which the SDK builds the snapshots' path.

import { randomUUID } from 'node:crypto';
import type { DocumentChange, JsonDocument, JsonValue } from '../firestore/events';

export const FIRESTORE_EVENT_PREFIX = 'google.cloud.firestore.document.v1.';
const AUTH_SUFFIX = '.withAuthContext';

export type DocumentEventKind = 'created' | 'updated' | 'deleted' | 'written';

export interface ParsedEventType {
  kind: DocumentEventKind;
  withAuthContext: boolean;
}

/** Recognises `google.cloud.firestore.document.v1.{kind}[.withAuthContext]`. */
export function parseFirestoreEventType(type: string): ParsedEventType | undefined {
  if (!type.startsWith(FIRESTORE_EVENT_PREFIX)) return undefined;
  let rest = type.slice(FIRESTORE_EVENT_PREFIX.length);
  const withAuthContext = rest.endsWith(AUTH_SUFFIX);
  if (withAuthContext) rest = rest.slice(0, -AUTH_SUFFIX.length);
  if (rest === 'created' || rest === 'updated' || rest === 'deleted' || rest === 'written') {
    return { kind: rest, withAuthContext };
  }
  return undefined;
}

/** Which trigger kinds one change fires; a change with neither side fires nothing. */
export function kindsOf(change: DocumentChange): DocumentEventKind[] {
  if (change.before && change.after) return ['updated', 'written'];
  if (change.after) return ['created', 'written'];
  if (change.before) return ['deleted', 'written'];
  return [];
}

export interface FirestoreCloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: {
    value?: JsonDocument;
    oldValue?: JsonDocument;
    updateMask?: { fieldPaths: string[] };
  };
  location: string;
  project: string;
  database: string;
  namespace: string;
  document: string;
  authtype?: string;
  authid?: string;
}

export interface EventContext {
  projectId: string;
  databaseId: string;
  documentPath: string;
  region: string;
  commitTime: string;
  /**
   * The event id, random when absent. Retries keep it because the host builds each event once
   * and delivers a copy of it per attempt.
   */
  id?: string;
}

export function buildFirestoreEvent(
  type: string,
  change: DocumentChange,
  ctx: EventContext,
): FirestoreCloudEvent {
  const parsed = parseFirestoreEventType(type);
  const data: FirestoreCloudEvent['data'] = {};
  if (change.after) data.value = change.after;
  if (change.before) data.oldValue = change.before;
  if (change.before && change.after) {
    data.updateMask = { fieldPaths: changedFields(change.before, change.after) };
  }
  const event: FirestoreCloudEvent = {
    specversion: '1.0',
    id: ctx.id ?? randomUUID(),
    source: `//firestore.googleapis.com/projects/${ctx.projectId}/databases/${ctx.databaseId}`,
    type,
    subject: `documents/${ctx.documentPath}`,
    time: ctx.commitTime,
    datacontenttype: 'application/json',
    data,
    location: ctx.region,
    project: ctx.projectId,
    database: ctx.databaseId,
    namespace: '(default)',
    document: ctx.documentPath,
  };
  if (parsed?.withAuthContext) {
    // A CommitEvent does not say who wrote; production reports 'unknown' when it cannot tell.
    event.authtype = 'unknown';
    event.authid = '';
  }
  return event;
}

/** Top-level fields whose values differ, the granularity the emulator reports update masks at. */
function changedFields(before: JsonDocument, after: JsonDocument): string[] {
  const names = new Set([...Object.keys(before.fields ?? {}), ...Object.keys(after.fields ?? {})]);
  return [...names]
    .filter((n) => !sameValue(before.fields?.[n], after.fields?.[n]))
    .sort()
    .map(quoteFieldName);
}

function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return stableJson(a) === stableJson(b);
}

// Map fields may arrive in any order; compare them order-insensitively.
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

function quoteFieldName(name: string): string {
  return /^[A-Za-z_][A-Za-z_0-9]*$/.test(name)
    ? name
    : `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}
