// What a scan leaves behind: its record in organizations/{orgId}/scans/{scanId} (unless
// SCAN_RECORDS is false), and its counts under the counted document. The record carries no
// address and no user agent (domain/scanRecords.ts says what it does carry); scans that a rule
// refused (not yet valid, expired, over the limit) are recorded with their outcome but not
// counted, so the counters say how often a code did its job.
import { Timestamp, type DocumentReference, type Query } from 'firebase-admin/firestore';
import { scanHashSecret, scanRecordsEnabled } from '../config';
import { AppError } from '../domain/errors';
import {
  buildScanRecord,
  subjectKey,
  type ScanOutcome,
  type ScanRecord,
  type ScanRequestFacts,
  type ScanSubject,
} from '../domain/scanRecords';
import { countScan } from './scans';
import { isNewVisitor } from './visitors';
import { scanRecordsRef } from './paths';
import { iso } from './timestamps';

const COUNTED: ReadonlySet<ScanOutcome> = new Set(['redirect', 'interstitial', 'page']);

export interface NotedScan {
  record: ScanRecord;
  newVisitor: boolean;
}

/**
 * Records and counts one scan of `subject`, whose counters live under `counted`. `day` is the
 * calendar day in the organisation's zone (the counters' key and the visitor id's day).
 */
export async function noteScan(options: {
  orgId: string;
  subject: ScanSubject;
  counted: DocumentReference;
  day: string;
  now: Date;
  outcome: ScanOutcome;
  facts: ScanRequestFacts;
}): Promise<NotedScan> {
  const { orgId, subject, counted, day, now, outcome, facts } = options;
  const record = buildScanRecord({
    at: now,
    day,
    subject,
    outcome,
    facts,
    secret: scanHashSecret(),
  });
  const counts = COUNTED.has(outcome);
  const [newVisitor] = await Promise.all([
    counts && !record.bot && record.visitor
      ? isNewVisitor(counted, day, record.visitor, now)
      : Promise.resolve(false),
    scanRecordsEnabled()
      ? scanRecordsRef(orgId)
          .doc()
          .create({ ...record, at: Timestamp.fromDate(record.at) })
      : Promise.resolve(),
  ]);
  if (counts) await countScan(counted, day, { human: !record.bot, newVisitor });
  return { record, newVisitor };
}

/** A record as the API shows it. */
export interface ScanRecordView extends Omit<ScanRecord, 'at'> {
  scanId: string;
  at: string | null;
}

export function toScanRecordView(
  scanId: string,
  d: FirebaseFirestore.DocumentData,
): ScanRecordView {
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const device = (d.device ?? {}) as Record<string, unknown>;
  const subject = (d.subject ?? {}) as Record<string, unknown>;
  return {
    scanId,
    at: iso(d.at),
    subject: { kind: subject.kind as ScanSubject['kind'], id: String(subject.id ?? '') },
    subjectKey: String(d.subjectKey ?? ''),
    outcome: d.outcome as ScanOutcome,
    bot: d.bot === true,
    botKind: (text(d.botKind) as ScanRecord['botKind']) ?? null,
    device: {
      family: String(device.family ?? 'desktop'),
      os: text(device.os),
      browser: text(device.browser),
    },
    referrerHost: text(d.referrerHost),
    language: text(d.language),
    country: text(d.country),
    visitor: text(d.visitor),
  };
}

const encodeCursor = (at: string, id: string) => Buffer.from(`${at}|${id}`).toString('base64url');

function decodeCursor(token: string): { at: Timestamp; id: string } {
  const [at, id] = Buffer.from(token, 'base64url').toString().split('|');
  const millis = Date.parse(at ?? '');
  if (!id || !/^[A-Za-z0-9]{1,64}$/.test(id) || Number.isNaN(millis)) {
    throw new AppError('invalid_argument', 'pageToken is not one this API gave out', {
      field: 'pageToken',
    });
  }
  return { at: Timestamp.fromMillis(millis), id };
}

/** Newest first, a page at a time; `query` is already filtered. Index: (subjectKey, at desc). */
async function pageOf(
  query: Query,
  limit: number,
  pageToken: string | undefined,
): Promise<{ scans: ScanRecordView[]; nextPageToken: string | null }> {
  let q = query.orderBy('at', 'desc').orderBy('__name__', 'desc').limit(limit);
  if (pageToken) {
    const cursor = decodeCursor(pageToken);
    q = q.startAfter(cursor.at, cursor.id);
  }
  const snap = await q.get();
  const scans = snap.docs.map((doc) => toScanRecordView(doc.id, doc.data()));
  const last = scans.at(-1);
  return {
    scans,
    nextPageToken: scans.length === limit && last?.at ? encodeCursor(last.at, last.scanId) : null,
  };
}

/** A subject's records, newest first. */
export function listScanRecords(
  orgId: string,
  subject: ScanSubject,
  opts: { limit: number; pageToken?: string },
) {
  const query = scanRecordsRef(orgId).where('subjectKey', '==', subjectKey(subject));
  return pageOf(query, opts.limit, opts.pageToken);
}

/** Every record of the organisation in [from, to), newest first, a page at a time. */
export async function* scanRecordsBetween(
  orgId: string,
  from: Date,
  to: Date,
  pageSize = 1000,
): AsyncGenerator<ScanRecordView> {
  let after: FirebaseFirestore.QueryDocumentSnapshot | undefined;
  for (;;) {
    let q = scanRecordsRef(orgId)
      .where('at', '>=', Timestamp.fromDate(from))
      .where('at', '<', Timestamp.fromDate(to))
      .orderBy('at', 'desc')
      .limit(pageSize);
    if (after) q = q.startAfter(after);
    const snap = await q.get();
    for (const doc of snap.docs) yield toScanRecordView(doc.id, doc.data());
    if (snap.size < pageSize) return;
    after = snap.docs[snap.size - 1];
  }
}
