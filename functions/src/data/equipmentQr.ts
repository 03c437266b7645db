// An equipment item's QR code: a PNG of its scan URL at organizations/{orgId}/equipment/{assetId}
// /qr.png, and the QR fields of its document. Used by the create trigger (once per item,
// idempotent, bounded retries) and by regenerate and backfill (now, whatever the state).
import { FieldValue, Timestamp } from 'firebase-admin/firestore';
import { AppError } from '../domain/errors';
import { db } from './firebase';
import { equipmentQrPngPath, equipmentRef } from './paths';
import { ensureEquipmentScanToken } from './scanTokens';
import { bucket } from './storage';
import { storeQrPng } from './qrPng';
import { equipmentQrAttemptFailed, equipmentQrRegenerateFailed } from '../logs';
import { isNotFound } from './firestoreErrors';
import { itemCount, quotaLimits } from './quotas';
import { seenOrCreatedFill } from './seenOrCreated';

export interface EquipmentQr {
  assetId: string;
  qrCodeUrl: string;
  scanUrl: string;
}

export type TriggerOutcome =
  | { outcome: 'stored'; qr: EquipmentQr }
  | { outcome: 'refused'; items: number; limit: number }
  | { outcome: 'already-done' | 'deleted' | 'gave-up' };

/** A failure that the trigger has recorded and wants retried (it rethrows it). */
export class QrAttemptFailed extends Error {
  constructor(
    readonly attempts: number,
    readonly cause: unknown,
  ) {
    super(`QR code attempt ${attempts} failed: ${messageOf(cause)}`);
    this.name = 'QrAttemptFailed';
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const isGone = (err: unknown): boolean =>
  (err instanceof AppError && err.code === 'not_found') || isNotFound(err);

/**
 * Renders and stores the item's code and records it on the document.
 * - `trigger` mode: uploads only if no object is there (a second delivery uploads nothing), and
 *   writes the fields only while the item is not ready yet (never over a newer state).
 * - `regenerate` mode: replaces the object and the fields, whatever they were.
 * Resolves with undefined when the item was deleted meanwhile (its object is removed again).
 */
async function storeQr(
  orgId: string,
  assetId: string,
  mode: 'trigger' | 'regenerate',
): Promise<EquipmentQr | 'already-done' | undefined> {
  const ref = equipmentRef(orgId).doc(assetId);
  const { scanUrl } = await ensureEquipmentScanToken(orgId, assetId);
  const path = equipmentQrPngPath(orgId, assetId);
  const png = await storeQrPng(path, scanUrl, { onlyIfAbsent: mode === 'trigger' });
  const written = await db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return 'deleted' as const;
    if (mode === 'trigger' && snap.get('qrCodeGenerated') === true) return 'already-done' as const;
    tx.update(ref, {
      scanUrl,
      qrCodeUrl: png.url,
      qrCodePath: png.path,
      qrCodeGenerated: true,
      qrCodeGeneratedAt: Timestamp.now(),
      qrStatus: 'ready',
      qrCodeError: FieldValue.delete(),
      qrCodeAttempts: FieldValue.increment(1),
      // An item a client app wrote itself says so, and gets the times the API would give it.
      ...(snap.get('source') === undefined ? { source: 'client' } : {}),
      ...(snap.get('createdAt') === undefined && snap.createTime
        ? { createdAt: snap.createTime, updatedAt: snap.createTime }
        : {}),
      // A client-written item gets the notSeenSince sort field the API would give it.
      ...seenOrCreatedFill(snap),
    });
    return 'written' as const;
  });
  if (written === 'deleted') {
    // Deleted while we were uploading: leave nothing behind.
    await bucket().file(path).delete({ ignoreNotFound: true });
    return undefined;
  }
  if (written === 'already-done') return 'already-done';
  return { assetId, qrCodeUrl: png.url, scanUrl };
}

/**
 * Marks a client-written item `refused` when the organisation holds more items than it may
 * (this one counted): no code is made, and the error says why and what to do. The count is
 * taken after the write, so items written at the same moment near the limit may all be refused.
 */
async function refuseOverQuota(
  orgId: string,
  assetId: string,
): Promise<{ outcome: 'refused'; items: number; limit: number } | undefined> {
  const [items, limits] = await Promise.all([itemCount(orgId), quotaLimits(orgId)]);
  if (items <= limits.items) return undefined;
  const ref = equipmentRef(orgId).doc(assetId);
  await db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists || snap.get('qrCodeGenerated') === true) return;
    tx.update(ref, {
      qrStatus: 'refused',
      quotaExceeded: true,
      qrCodeGenerated: false,
      qrCodeError:
        `Not given a QR code: the organisation holds ${items} items and may hold ${limits.items}. ` +
        'Delete items you no longer need (and this one), or ask the operator to raise the quota.',
      ...(snap.get('createdAt') === undefined && snap.createTime
        ? { createdAt: snap.createTime, updatedAt: snap.createTime }
        : {}),
      // A client-written item gets the notSeenSince sort field the API would give it.
      ...seenOrCreatedFill(snap),
    });
  });
  return { outcome: 'refused', items, limit: limits.items };
}

/** Records a failed attempt unless the item is gone or ready; resolves with the attempt count. */
export async function recordFailure(orgId: string, assetId: string, err: unknown): Promise<number> {
  const ref = equipmentRef(orgId).doc(assetId);
  return db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists || snap.get('qrCodeGenerated') === true) return 0;
    const attempts = (Number(snap.get('qrCodeAttempts')) || 0) + 1;
    tx.update(ref, {
      qrStatus: 'failed',
      qrCodeGenerated: false,
      qrCodeError: messageOf(err).slice(0, 1000),
      qrCodeAttempts: attempts,
      qrCodeFailedAt: Timestamp.now(),
      ...seenOrCreatedFill(snap),
    });
    return attempts;
  });
}

/**
 * The create trigger's work. Throws QrAttemptFailed (so the event is retried) after recording a
 * failure, until `maxAttempts` tries have failed; then the error stays on the document for a
 * person (regenerate or backfill fix it) and the trigger stops.
 */
export async function makeQrOnCreate(
  orgId: string,
  assetId: string,
  maxAttempts: number,
): Promise<TriggerOutcome> {
  const data = (await equipmentRef(orgId).doc(assetId).get()).data();
  if (!data) return { outcome: 'deleted' };
  if (data.qrCodeGenerated === true || data.qrStatus === 'refused') {
    return { outcome: 'already-done' };
  }
  if ((Number(data.qrCodeAttempts) || 0) >= maxAttempts) return { outcome: 'gave-up' };
  // The API and CSV paths checked the item quota before writing; a client app cannot be stopped
  // before its write, so its item is refused here, before any QR work.
  if (data.source === 'client') {
    const refused = await refuseOverQuota(orgId, assetId);
    if (refused) return refused;
  }
  try {
    const stored = await storeQr(orgId, assetId, 'trigger');
    if (stored === undefined) return { outcome: 'deleted' };
    if (stored === 'already-done') return { outcome: 'already-done' };
    return { outcome: 'stored', qr: stored };
  } catch (err) {
    if (isGone(err)) return { outcome: 'deleted' };
    const attempts = await recordFailure(orgId, assetId, err);
    if (attempts === 0) return { outcome: 'already-done' };
    equipmentQrAttemptFailed({ orgId, assetId, attempts, error: err });
    if (attempts >= maxAttempts) return { outcome: 'gave-up' };
    throw new QrAttemptFailed(attempts, err);
  }
}

/** Makes the item's code now (regenerate, backfill); 404 when there is no such item. */
export async function regenerateEquipmentQr(orgId: string, assetId: string): Promise<EquipmentQr> {
  try {
    const stored = await storeQr(orgId, assetId, 'regenerate');
    if (stored === undefined || stored === 'already-done') {
      throw new AppError('not_found', `Equipment ${assetId} not found`);
    }
    return stored;
  } catch (err) {
    if (isGone(err)) throw new AppError('not_found', `Equipment ${assetId} not found`);
    await recordFailure(orgId, assetId, err);
    equipmentQrRegenerateFailed({ orgId, assetId, error: err });
    // The cause is in the log (equipment.qr.regenerate_failed), never in the reply.
    throw new AppError('internal', 'The QR code could not be stored; try again in a minute');
  }
}
