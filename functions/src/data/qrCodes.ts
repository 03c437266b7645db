// Standalone codes: organizations/{orgId}/qrCodes/{qrId}, their PNG in Storage under the same
// path, and (tracked codes) their scan token.
import { FieldPath, Timestamp } from 'firebase-admin/firestore';
import { roleCacheMs } from '../config';
import { AppError } from '../domain/errors';
import { isExpired, type NewQrCode, type QrCodePatch } from '../domain/qrCodes';
import { cacheKey, TimedCache } from '../domain/timedCache';
import { deletionNote } from './activityStamps';
import { db } from './firebase';
import { deletionNoteRef, qrCodeStoragePrefix, qrCodesRef, scanTokenRef } from './paths';
import { createScanToken } from './scanTokens';
import { bucket, deletePrefix } from './storage';
import { storeQrPng } from './qrPng';
import { iso } from './timestamps';
import { isFailedPrecondition, isNotFound } from './firestoreErrors';

export interface QrCode {
  qrId: string;
  /** The text the code encodes: the scan URL for a tracked code. */
  data: string;
  url: string | null;
  label: string | null;
  tracked: boolean;
  scanUrl: string | null;
  expiresAt: string | null;
  createdAt: string | null;
  createdBy: string | null;
  pngUrl: string | null;
  pngPath: string | null;
  /** Human scans allowed in all; null: no limit. */
  maxScans: number | null;
  validFrom: string | null;
  validUntil: string | null;
}

function toQrCode(qrId: string, d: FirebaseFirestore.DocumentData): QrCode {
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    qrId,
    data: String(d.data ?? ''),
    url: text(d.url),
    label: text(d.label),
    tracked: d.tracked === true,
    scanUrl: text(d.scanUrl),
    expiresAt: iso(d.expiresAt),
    createdAt: iso(d.createdAt),
    createdBy: text(d.createdBy),
    pngUrl: text(d.pngUrl),
    pngPath: text(d.pngPath),
    maxScans: typeof d.maxScans === 'number' ? d.maxScans : null,
    validFrom: iso(d.validFrom),
    validUntil: iso(d.validUntil),
  };
}

const timestampOrNull = (date: Date | null): Timestamp | null =>
  date === null ? null : Timestamp.fromDate(date);

export async function createQrCode(
  orgId: string,
  input: NewQrCode,
  createdBy: string,
): Promise<QrCode> {
  const ref = qrCodesRef(orgId).doc();
  const now = Timestamp.now();
  const expiresAt =
    input.expiresInHours === null
      ? null
      : Timestamp.fromMillis(now.toMillis() + input.expiresInHours * 3_600_000);
  return db().runTransaction(async (tx) => {
    const token = input.tracked ? createScanToken(tx, { orgId, kind: 'qrCode', id: ref.id }) : null;
    const data = {
      data: token ? token.scanUrl : (input.data ?? ''),
      url: input.url,
      label: input.label,
      tracked: input.tracked,
      scanToken: token?.token ?? null,
      scanUrl: token?.scanUrl ?? null,
      expiresAt,
      maxScans: input.maxScans,
      validFrom: timestampOrNull(input.validFrom),
      validUntil: timestampOrNull(input.validUntil),
      createdAt: now,
      createdBy,
    };
    tx.create(ref, data);
    return toQrCode(ref.id, data);
  });
}

/** A code, or 404; 410 once it has expired (even before the cleanup has removed it). */
/** Codes an instance remembers for their images; an entry is about 500 bytes. */
const CODES_MAX = 10_000;
/**
 * Codes by organisation and id, for ROLE_CACHE_SECONDS, for the image route only: a code's text
 * and expiry never change once made, so the only staleness is a code deleted on another
 * instance, whose image is still served for at most that time; a delete here forgets it at once.
 */
const codes = new TimedCache<QrCode>(CODES_MAX);

function refuseExpired(code: QrCode): QrCode {
  if (isExpired(code.expiresAt ? new Date(code.expiresAt) : null)) {
    throw new AppError('gone', `QR code ${code.qrId} expired at ${code.expiresAt}`, {
      expiresAt: code.expiresAt,
    });
  }
  return code;
}

export async function getQrCode(orgId: string, qrId: string): Promise<QrCode> {
  const startedAt = Date.now();
  const data = (await qrCodesRef(orgId).doc(qrId).get()).data();
  if (!data) throw new AppError('not_found', `QR code ${qrId} not found`);
  const code = toQrCode(qrId, data);
  codes.set(cacheKey(orgId, qrId), code, startedAt);
  return refuseExpired(code);
}

/**
 * The code for its image: from this instance's memory when seen lately (its text never
 * changes), else read. Expiry is checked on every call.
 */
export async function getQrCodeForImage(orgId: string, qrId: string): Promise<QrCode> {
  const cached = codes.get(cacheKey(orgId, qrId), roleCacheMs());
  return cached ? refuseExpired(cached) : getQrCode(orgId, qrId);
}

export interface QrCodePage {
  qrCodes: QrCode[];
  nextPageToken: string | null;
}

interface Cursor {
  s: number;
  n: number;
  id: string;
}

function encodeCursor(createdAt: Timestamp, id: string): string {
  const cursor: Cursor = { s: createdAt.seconds, n: createdAt.nanoseconds, id };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(token: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString()) as Partial<Cursor>;
    if (Number.isInteger(c.s) && Number.isInteger(c.n) && typeof c.id === 'string') {
      return c as Cursor;
    }
  } catch {
    // fall through
  }
  throw new AppError('invalid_argument', 'pageToken is not one this API gave out', {
    field: 'pageToken',
  });
}

/**
 * Newest first, `limit` per page. With `hideExpired`, expired codes are skipped while paging
 * (Firestore cannot filter "no expiry or not yet expired" in one query with this order); the
 * cursor remembers how far the scan got, so pages never repeat or skip a code.
 */
export async function listQrCodes(
  orgId: string,
  opts: { limit: number; pageToken?: string; hideExpired: boolean },
): Promise<QrCodePage> {
  const now = new Date();
  const codes: QrCode[] = [];
  let after = opts.pageToken ? decodeCursor(opts.pageToken) : undefined;
  for (;;) {
    // A few extra per round when expired codes are skipped, so one round usually fills the page.
    const requested = opts.limit - codes.length + (opts.hideExpired ? 10 : 0);
    let query = qrCodesRef(orgId)
      .orderBy('createdAt', 'desc')
      .orderBy(FieldPath.documentId(), 'desc')
      .limit(requested);
    if (after) query = query.startAfter(new Timestamp(after.s, after.n), after.id);
    const snap = await query.get();
    for (const doc of snap.docs) {
      const code = toQrCode(doc.id, doc.data());
      const createdAt = doc.get('createdAt') as Timestamp;
      after = { s: createdAt.seconds, n: createdAt.nanoseconds, id: doc.id };
      const expired = isExpired(code.expiresAt ? new Date(code.expiresAt) : null, now);
      if (!(opts.hideExpired && expired)) codes.push(code);
      if (codes.length === opts.limit) {
        return { qrCodes: codes, nextPageToken: encodeCursor(createdAt, doc.id) };
      }
    }
    if (snap.size < requested) return { qrCodes: codes, nextPageToken: null };
  }
}

/** Deletes a code, its Storage objects and its scan token. */
/**
 * Changes a code's label, limit or window (null clears one). The window is checked whole: a
 * validFrom that would fall on or after the stored validUntil (or the reverse) is a 400. An
 * expired code (expiresAt) is 410, as for GET; limits and windows belong to tracked codes.
 */
export async function patchQrCode(
  orgId: string,
  qrId: string,
  patch: QrCodePatch,
  /** The caller (a uid or `apiKey:<id>`), stamped for the code's events. */
  by: string,
): Promise<QrCode> {
  const ref = qrCodesRef(orgId).doc(qrId);
  const code = await db().runTransaction(async (tx) => {
    const data = (await tx.get(ref)).data();
    if (!data) throw new AppError('not_found', `QR code ${qrId} not found`);
    const current = refuseExpired(toQrCode(qrId, data));
    const limits =
      patch.maxScans !== undefined ||
      patch.validFrom !== undefined ||
      patch.validUntil !== undefined;
    if (limits && !current.tracked) {
      throw new AppError(
        'invalid_argument',
        'maxScans, validFrom and validUntil need a tracked code',
        {
          errors: [{ field: 'tracked', message: 'this code is static' }],
        },
      );
    }
    const update: Record<string, unknown> = {
      updatedAt: Timestamp.now(),
      updatedBy: by,
      updatedVia: 'api',
    };
    if (patch.label !== undefined) update.label = patch.label;
    if (patch.maxScans !== undefined) update.maxScans = patch.maxScans;
    if (patch.validFrom !== undefined) update.validFrom = timestampOrNull(patch.validFrom);
    if (patch.validUntil !== undefined) update.validUntil = timestampOrNull(patch.validUntil);
    const next = { ...data, ...update };
    const from = (next.validFrom as Timestamp | null | undefined)?.toMillis();
    const until = (next.validUntil as Timestamp | null | undefined)?.toMillis();
    if (from !== undefined && until !== undefined && from >= until) {
      throw new AppError('invalid_argument', 'validUntil must be later than validFrom', {
        errors: [{ field: 'validUntil', message: 'must be later than validFrom' }],
      });
    }
    tx.update(ref, update);
    return toQrCode(qrId, next);
  });
  codes.forget(cacheKey(orgId, qrId));
  return code;
}

/** An API delete: `by` (the caller) is left in a deletion note for the code's event. */
export async function deleteQrCode(orgId: string, qrId: string, by: string): Promise<void> {
  const ref = qrCodesRef(orgId).doc(qrId);
  const snap = await ref.get();
  if (!snap.exists) throw new AppError('not_found', `QR code ${qrId} not found`);
  await removeQrCode(orgId, snap, by);
}

/**
 * Removes a code that was read as `snap`, unless it changed since (a precondition on its update
 * time): of two cleanups racing for one code, one removes it and the other skips it, so nothing
 * is deleted twice. Resolves with false when skipped.
 */
export async function removeQrCode(
  orgId: string,
  snap: FirebaseFirestore.DocumentSnapshot,
  /** Who asked, for an API delete; the hourly clean-up leaves no note (its delete is expiry). */
  deletedBy?: string,
): Promise<boolean> {
  try {
    const batch = db().batch();
    batch.delete(snap.ref, { lastUpdateTime: snap.updateTime });
    if (deletedBy) {
      batch.set(deletionNoteRef(orgId, 'qrCodes', snap.id), deletionNote(deletedBy));
    }
    await batch.commit();
  } catch (err) {
    // Someone else removed or changed it first.
    if (isFailedPrecondition(err) || isNotFound(err)) return false;
    throw err;
  }
  codes.forget(cacheKey(orgId, snap.id));
  const token: unknown = snap.get('scanToken');
  await Promise.all([
    deletePrefix(qrCodeStoragePrefix(orgId, snap.id)),
    typeof token === 'string' ? scanTokenRef(token).delete() : undefined,
  ]);
  return true;
}

/** Records where the trigger stored the code's PNG; false if the code was deleted meanwhile. */
async function setQrCodePng(
  orgId: string,
  qrId: string,
  png: { path: string; url: string },
): Promise<boolean> {
  try {
    await qrCodesRef(orgId)
      .doc(qrId)
      .update({ pngPath: png.path, pngUrl: png.url, pngGeneratedAt: Timestamp.now() });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * The create trigger's work: stores the code's PNG (once: a duplicate delivery finds the object
 * and writes the same URL) and records it on the document. A code deleted meanwhile leaves no
 * object behind.
 */
export async function storeQrCodePng(
  orgId: string,
  qrId: string,
  text: string,
): Promise<{ outcome: 'stored'; path: string } | { outcome: 'code-deleted' }> {
  const path = `${qrCodeStoragePrefix(orgId, qrId)}qr.png`;
  const png = await storeQrPng(path, text, { onlyIfAbsent: true });
  if (await setQrCodePng(orgId, qrId, png)) return { outcome: 'stored', path };
  await bucket().file(path).delete({ ignoreNotFound: true });
  return { outcome: 'code-deleted' };
}

const EXPIRED_PAGE = 200;
/** At most this many pages a run; the next run goes on where this one stopped. */
const EXPIRED_MAX_PAGES = 50;

/**
 * Removes codes whose expiresAt has passed, in every organisation, page by page. Two runs at
 * once remove each code once (removeQrCode's precondition); the other counts it as skipped.
 */
export async function removeExpiredQrCodes(
  now: Date = new Date(),
): Promise<{ removed: number; skipped: number; pages: number }> {
  let removed = 0;
  let skipped = 0;
  let pages = 0;
  let after: FirebaseFirestore.QueryDocumentSnapshot | undefined;
  while (pages < EXPIRED_MAX_PAGES) {
    const page = await expiredQrCodes(now, EXPIRED_PAGE, after);
    pages += 1;
    for (const snap of page) {
      const orgId = snap.ref.parent.parent?.id;
      if (!orgId) continue;
      if (await removeQrCode(orgId, snap)) removed += 1;
      else skipped += 1;
    }
    if (page.length < EXPIRED_PAGE) break;
    after = page[page.length - 1];
  }
  return { removed, skipped, pages };
}

/** One page of expired codes across every organisation (collection-group query on expiresAt). */
async function expiredQrCodes(
  now: Date,
  limit: number,
  after?: FirebaseFirestore.DocumentSnapshot,
): Promise<FirebaseFirestore.QueryDocumentSnapshot[]> {
  let query = db()
    .collectionGroup('qrCodes')
    .where('expiresAt', '<=', Timestamp.fromDate(now))
    .orderBy('expiresAt')
    .limit(limit);
  if (after) query = query.startAfter(after);
  return (await query.get()).docs;
}
