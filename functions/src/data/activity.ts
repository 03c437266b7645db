// The activity log, organizations/{orgId}/activity/{eventId}: written by the event triggers,
// read by the activity routes and exports. An event is created once: a trigger delivered twice
// derives the same id, and ALREADY_EXISTS means the first delivery wrote it.
import {
  FieldPath,
  GeoPoint,
  Timestamp,
  DocumentReference,
  type Query,
  type QueryDocumentSnapshot,
} from 'firebase-admin/firestore';
import { activityRetentionDays } from '../config';
import { decodePageToken, encodePageToken, isTimeAndId } from '../domain/pageTokens';
import type { ActivityFilter } from '../domain/events/filter';
import type { ActivityEvent, Audience, Doc } from '../domain/events/model';

export type { ActivityFilter };
import { isAlreadyExists } from './firestoreErrors';
import { activityRef } from './paths';

/** A Firestore value as plain JSON: Timestamps as ISO text, references as paths. */
export function plainValue(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate().toISOString();
  if (value instanceof GeoPoint) return { latitude: value.latitude, longitude: value.longitude };
  if (value instanceof DocumentReference) return value.path;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array)
    return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(plainValue);
  if (value && typeof value === 'object') {
    const out: Doc = {};
    for (const [k, v] of Object.entries(value)) out[k] = plainValue(v);
    return out;
  }
  return value;
}

export const plainDoc = (data: Doc | undefined): Doc | null =>
  data ? (plainValue(data) as Doc) : null;

/** The stored form: `at` and `expiresAt` as Timestamps, for ordering and the TTL policy. */
function stored(event: ActivityEvent): Doc {
  const at = Timestamp.fromDate(new Date(event.at));
  const expiresAt = Timestamp.fromMillis(at.toMillis() + activityRetentionDays() * 86_400_000);
  return { ...event, at, expiresAt };
}

/** Writes each event once; resolves with the ones this call wrote (not those already there). */
export async function recordEvents(events: readonly ActivityEvent[]): Promise<ActivityEvent[]> {
  const written: ActivityEvent[] = [];
  await Promise.all(
    events.map(async (event) => {
      try {
        await activityRef(event.orgId).doc(event.id).create(stored(event));
        written.push(event);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }),
  );
  return written;
}

/** An event as the API shows it (no TTL bookkeeping). */
export function eventView(snap: QueryDocumentSnapshot): ActivityEvent {
  const d = snap.data();
  return {
    id: snap.id,
    type: String(d.type),
    orgId: String(d.orgId),
    subject: d.subject,
    actor: d.actor,
    via: d.via,
    at: (d.at as Timestamp).toDate().toISOString(),
    changes: plainValue(d.changes ?? {}) as ActivityEvent['changes'],
    data: plainValue(d.data ?? {}) as Doc,
    audience: d.audience as Audience,
  };
}

/** The query for one filter, newest first; each combination has its index (firestore.indexes.json). */
export function activityQuery(orgId: string, f: ActivityFilter): Query {
  let q: Query = activityRef(orgId);
  if (f.audience) q = q.where('audience', '==', f.audience);
  if (f.type) q = q.where('type', '==', f.type);
  if (f.subjectKind) q = q.where('subject.kind', '==', f.subjectKind);
  if (f.subjectId) q = q.where('subject.id', '==', f.subjectId);
  if (f.actor) q = q.where('actor.id', '==', f.actor);
  if (f.from) q = q.where('at', '>=', Timestamp.fromDate(f.from));
  if (f.to) q = q.where('at', '<', Timestamp.fromDate(f.to));
  return q.orderBy('at', 'desc').orderBy(FieldPath.documentId(), 'desc');
}

/** An event's cursor in the log's order: its time and id. */
const encodeCursor = (event: ActivityEvent): string => encodePageToken([event.at, event.id]);

function decodeCursor(token: string): [Timestamp, string] {
  const [at, id] = decodePageToken(token, isTimeAndId);
  return [Timestamp.fromDate(new Date(at)), id];
}

export async function listActivity(
  orgId: string,
  filter: ActivityFilter,
  opts: { limit: number; pageToken?: string },
): Promise<{ events: ActivityEvent[]; nextPageToken: string | null }> {
  let q = activityQuery(orgId, filter);
  if (opts.pageToken) q = q.startAfter(...decodeCursor(opts.pageToken));
  const snap = await q.limit(opts.limit + 1).get();
  const events = snap.docs.slice(0, opts.limit).map(eventView);
  const more = snap.docs.length > opts.limit;
  return { events, nextPageToken: more ? encodeCursor(events[events.length - 1]) : null };
}

/** Every event of the filter, newest first, a page at a time (for the streamed exports). */
export async function* walkActivity(
  orgId: string,
  filter: ActivityFilter,
  pageSize = 500,
): AsyncGenerator<ActivityEvent> {
  let last: QueryDocumentSnapshot | undefined;
  for (;;) {
    let q = activityQuery(orgId, filter).limit(pageSize);
    if (last) q = q.startAfter(last);
    const snap = await q.get();
    for (const doc of snap.docs) yield eventView(doc);
    if (snap.docs.length < pageSize) return;
    last = snap.docs[snap.docs.length - 1];
  }
}
