// Finds the functions a loaded module exports by the `__endpoint` metadata firebase-functions
// attaches to each one (the same manifest the CLI deploys from). Exports nested in plain objects
// are function groups, named `group-name` as the CLI names them.

import { isRecord, resolveValue } from './env';
import { parseFirestoreEventType } from './firestoreEvents';

export type FunctionKind =
  'https' | 'callable' | 'task' | 'firestore' | 'storage' | 'schedule' | 'unsupported';

/**
 * onRequest, onCall and onTaskDispatched functions: the kinds that have a URL (a task queue
 * function is an HTTPS endpoint that Cloud Tasks POSTs each task to).
 */
export function isHttpKind(kind: FunctionKind): boolean {
  return kind === 'https' || kind === 'callable' || kind === 'task';
}

export type Entry = (...args: unknown[]) => unknown;

export interface FunctionDef {
  name: string;
  kind: FunctionKind;
  region: string;
  entry: Entry;
  timeoutSeconds: number;
  /** Firestore triggers only. */
  eventType?: string;
  database?: string;
  /** Either an exact document path or a pattern with wildcards. */
  document?: string;
  retry?: boolean;
  /** Task queue functions only: their retryConfig and rateLimits, params resolved. */
  taskQueue?: { retryConfig?: Record<string, unknown>; rateLimits?: Record<string, unknown> };
  /** Storage triggers only: the bucket the function listens to. */
  bucket?: string;
  /** Schedules only. */
  schedule?: string;
  timeZone?: string;
  /** For 'unsupported': what kind of trigger it was. */
  detail?: string;
}

const DEFAULT_TIMEOUT_SECONDS = 60;

export function discoverFunctions(moduleExports: unknown, defaultRegion: string): FunctionDef[] {
  const found: FunctionDef[] = [];
  walk(moduleExports, [], defaultRegion, found, new Set());
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function walk(
  value: unknown,
  path: string[],
  region: string,
  out: FunctionDef[],
  seen: Set<unknown>,
): void {
  if (!isRecord(value) || seen.has(value)) return;
  seen.add(value);
  if (typeof value === 'function') {
    const endpoint: unknown = (value as { __endpoint?: unknown }).__endpoint;
    if (isRecord(endpoint)) out.push(toDef(path.join('-'), value as Entry, endpoint, region));
    return;
  }
  for (const [key, child] of Object.entries(value)) walk(child, [...path, key], region, out, seen);
}

function toDef(
  name: string,
  entry: Entry,
  ep: Record<string, unknown>,
  defaultRegion: string,
): FunctionDef {
  const regions = resolveValue(ep.region);
  const firstRegion = Array.isArray(regions) ? resolveValue(regions[0]) : regions;
  const region = typeof firstRegion === 'string' ? firstRegion : defaultRegion;
  const timeout = resolveValue(ep.timeoutSeconds);
  const base = {
    name,
    entry,
    region,
    timeoutSeconds: typeof timeout === 'number' && timeout > 0 ? timeout : DEFAULT_TIMEOUT_SECONDS,
  };
  if (isRecord(ep.httpsTrigger)) return { ...base, kind: 'https' };
  if (isRecord(ep.callableTrigger)) return { ...base, kind: 'callable' };
  if (isRecord(ep.taskQueueTrigger)) {
    const tq = ep.taskQueueTrigger;
    return {
      ...base,
      kind: 'task',
      taskQueue: {
        retryConfig: resolvedRecord(tq.retryConfig),
        rateLimits: resolvedRecord(tq.rateLimits),
      },
    };
  }
  if (isRecord(ep.scheduleTrigger)) {
    const st = ep.scheduleTrigger;
    const schedule = resolveValue(st.schedule);
    const timeZone = resolveValue(st.timeZone);
    return {
      ...base,
      kind: 'schedule',
      schedule: typeof schedule === 'string' ? schedule : undefined,
      timeZone: typeof timeZone === 'string' ? timeZone : undefined,
    };
  }
  if (isRecord(ep.eventTrigger)) {
    const et = ep.eventTrigger;
    const eventType = typeof et.eventType === 'string' ? et.eventType : '';
    if (parseFirestoreEventType(eventType)) {
      const filters = isRecord(et.eventFilters) ? et.eventFilters : {};
      const patterns = isRecord(et.eventFilterPathPatterns) ? et.eventFilterPathPatterns : {};
      const document = resolveValue(patterns.document ?? filters.document);
      const database = resolveValue(filters.database);
      return {
        ...base,
        kind: 'firestore',
        eventType,
        document: typeof document === 'string' ? document : undefined,
        database: typeof database === 'string' ? database : '(default)',
        retry: resolveValue(et.retry) === true,
      };
    }
    if (STORAGE_EVENT_TYPES.has(eventType)) {
      const filters = isRecord(et.eventFilters) ? et.eventFilters : {};
      const bucket = resolveValue(filters.bucket);
      return {
        ...base,
        kind: 'storage',
        eventType,
        bucket: typeof bucket === 'string' ? bucket : undefined,
        retry: resolveValue(et.retry) === true,
      };
    }
    return { ...base, kind: 'unsupported', detail: eventType };
  }
  const other = Object.keys(ep).find((k) => k.endsWith('Trigger'));
  return { ...base, kind: 'unsupported', detail: other ?? 'unknown trigger' };
}

/** The Storage events firebase-functions v2 triggers on (onObjectFinalized, onObjectDeleted, ...). */
export const STORAGE_EVENT_TYPES = new Set([
  'google.cloud.storage.object.v1.finalized',
  'google.cloud.storage.object.v1.deleted',
  'google.cloud.storage.object.v1.archived',
  'google.cloud.storage.object.v1.metadataUpdated',
]);

/** A record of the manifest with each field's param expression resolved to its value. */
function resolvedRecord(v: unknown): Record<string, unknown> | undefined {
  if (!isRecord(v)) return undefined;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveValue(x)]));
}
