// The scan ledger's core: applies one scan event exactly once and writes its result onto it.
// Both the trigger (events client apps wrote, offline or not) and the bulk API (events sent by
// scanners that are not Firebase apps) call `applyScanEvent`; the result is written in the same
// transaction as the effect, so a redelivered trigger, or the trigger that follows a bulk write,
// finds the result and does nothing again.
//
// Conflicts: `seen` and `move` change an item only when their scannedAt is newer than its
// lastSeenAt (a scan synced late never moves an item back: `superseded`); `checkout` and
// `checkin` go through the custody core (data/custody.ts) and are refused with its reasons when
// they no longer hold; `audit` scans are all kept, each item counted once (data/ledgerAudit.ts).
import { FieldValue, Timestamp, type Transaction } from 'firebase-admin/firestore';
import { scanEventWindow } from '../config';
import { AppError } from '../domain/errors';
import { isValidId } from '../domain/ids';
import { dayKey } from '../domain/quotas';
import {
  applied,
  eventFieldProblems,
  refused,
  scanTimeProblem,
  toScanEvent,
  type ScanEvent,
  type ScanResult,
} from '../domain/scanEvents';
import { checkIn, checkOut, custodianOf } from './custody';
import { resolveItemCodes } from './custodyCodes';
import { db } from './firebase';
import { auditScanInTx } from './ledgerAudit';
import { sighting, type Effect } from './ledgerSighting';
import { equipmentRef, locationsRef, scanEventsRef, usageDayRef } from './paths';
import { quotaLimits } from './quotas';

type Doc = FirebaseFirestore.DocumentData;

/** How the event reached the ledger: a document already written, or one the bulk API creates. */
export type Mode = { kind: 'stored' } | { kind: 'create'; fields: Doc };

export interface Applied {
  result: ScanResult;
  /** False when the result was there already (a redelivery, a repeated scanId): nothing done. */
  fresh: boolean;
}

/** A result as stored on the event: the time as a Timestamp, no undefined fields. */
export function storedResult(r: ScanResult): Doc {
  return {
    status: r.status,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.message ? { message: r.message } : {}),
    appliedAt: Timestamp.fromDate(r.appliedAt),
    ...(r.itemId ? { itemId: r.itemId } : {}),
  };
}

export function resultOf(d: Doc): ScanResult {
  const at = d.appliedAt instanceof Timestamp ? d.appliedAt.toDate() : new Date(0);
  return {
    status: d.status === 'applied' || d.status === 'duplicate' ? d.status : 'refused',
    ...(typeof d.reason === 'string' ? { reason: d.reason } : {}),
    ...(typeof d.message === 'string' ? { message: d.message } : {}),
    appliedAt: at,
    ...(typeof d.itemId === 'string' ? { itemId: d.itemId } : {}),
  };
}

/** The event of a stored document, or why it cannot be applied. */
export function readStoredEvent(
  data: Doc,
): { ok: true; event: ScanEvent; receivedAt: Date | undefined } | { ok: false; message: string } {
  const problems = eventFieldProblems(data);
  if (!(data.scannedAt instanceof Timestamp)) {
    problems.push({ field: 'scannedAt', message: 'must be a timestamp' });
  }
  if (!isValidId(data.by)) problems.push({ field: 'by', message: 'must be a uid' });
  if (problems.length > 0) {
    return { ok: false, message: problems.map((p) => `${p.field} ${p.message}`).join('; ') };
  }
  const receivedAt = data.createdAt instanceof Timestamp ? data.createdAt.toDate() : undefined;
  return {
    ok: true,
    event: toScanEvent(data, (data.scannedAt as Timestamp).toDate(), String(data.by)),
    receivedAt,
  };
}

/**
 * Reads the event in `tx`: its earlier result when it has one (or, when creating, that it
 * exists already). Must run first in the transaction, before any write.
 */
async function earlierResult(
  tx: Transaction,
  ref: FirebaseFirestore.DocumentReference,
  mode: Mode,
  now: Date,
): Promise<ScanResult | undefined> {
  const snap = await tx.get(ref);
  if (mode.kind === 'stored') {
    const r = snap.get('result') as Doc | undefined;
    return r ? resultOf(r) : undefined;
  }
  if (!snap.exists) return undefined;
  const first = snap.get('result') as Doc | undefined;
  return {
    status: 'duplicate',
    reason: 'already_received',
    message: first
      ? `This scanId was received before (${String(first.status)})`
      : 'This scanId was received before and is being applied',
    appliedAt: first ? resultOf(first).appliedAt : now,
    ...(first && typeof first.itemId === 'string' ? { itemId: first.itemId } : {}),
  };
}

function writeResult(
  tx: Transaction,
  ref: FirebaseFirestore.DocumentReference,
  mode: Mode,
  result: ScanResult,
): void {
  if (mode.kind === 'stored') tx.update(ref, { result: storedResult(result) });
  else tx.create(ref, { ...mode.fields, result: storedResult(result) });
}

export interface ApplyInput {
  orgId: string;
  scanId: string;
  event: ScanEvent;
  /** When the backend got the event (the document's createdAt, the request's time). */
  receivedAt: Date;
  mode: Mode;
  /** Spend one of today's scan events in the transaction (the bulk API spent its own). */
  countQuota: boolean;
}

/**
 * Applies one event once: the effect and the result in one transaction (custody events: the
 * custody core's transaction, made idempotent by the event's id, then the result's).
 */
export async function applyScanEvent(input: ApplyInput): Promise<Applied> {
  const { orgId, scanId, event } = input;
  const ref = scanEventsRef(orgId).doc(scanId);
  const now = new Date();
  const window = scanEventWindow();
  const timeProblem = scanTimeProblem(
    event.scannedAt,
    input.receivedAt,
    window.maxAgeDays,
    window.futureToleranceSeconds,
  );
  const quotaFull = input.countQuota && (await quotaReached(orgId, now));
  const early = timeProblem
    ? refused(timeProblem.reason, timeProblem.message, now)
    : quotaFull
      ? refused('quota_exceeded', 'The organisation’s scan events for today are used up', now)
      : undefined;
  if (early) return finish(input, ref, early);

  const resolved = await resolveItemCodes(orgId, [event.code]);
  const assetId = resolved.items[0]?.assetId;

  if (event.type === 'checkout' || event.type === 'checkin') {
    return applyCustody(input, ref, assetId, now);
  }
  return db().runTransaction(async (tx) => {
    const earlier = await earlierResult(tx, ref, input.mode, now);
    if (earlier) return { result: earlier, fresh: false };
    const effect =
      event.type === 'audit'
        ? await auditScanInTx(tx, orgId, scanId, event, assetId, now)
        : await sightingInTx(tx, orgId, event, assetId, now);
    effect.write();
    writeResult(tx, ref, input.mode, effect.result);
    if (input.countQuota) spendOne(tx, orgId, now);
    return { result: effect.result, fresh: true };
  });
}

/** A result decided without reading anything else: written once, in a transaction of its own. */
function finish(
  input: ApplyInput,
  ref: FirebaseFirestore.DocumentReference,
  result: ScanResult,
): Promise<Applied> {
  return finishFor(input, ref, result);
}

/** `seen` and `move`: a newer sighting updates the item (a move also its location). */
async function sightingInTx(
  tx: Transaction,
  orgId: string,
  event: ScanEvent,
  assetId: string | undefined,
  now: Date,
): Promise<Effect> {
  const none = () => undefined;
  if (!assetId) return { result: unknownCode(event, now), write: none };
  const itemRef = equipmentRef(orgId).doc(assetId);
  const locationRef = event.locationId ? locationsRef(orgId).doc(event.locationId) : undefined;
  const [itemSnap, locationSnap] = await tx.getAll(itemRef, ...(locationRef ? [locationRef] : []));
  const item = itemSnap.data();
  if (!item) return { result: unknownCode(event, now), write: none };
  if (locationSnap && !locationSnap.exists) {
    return {
      result: refused(
        'location_not_found',
        `Location ${event.locationId} does not exist`,
        now,
        assetId,
      ),
      write: none,
    };
  }
  if (event.type === 'move' && locationSnap?.get('active') === false) {
    return {
      result: refused(
        'location_inactive',
        `Location ${event.locationId} is inactive`,
        now,
        assetId,
      ),
      write: none,
    };
  }
  const where = event.locationId ?? (typeof item.locationId === 'string' ? item.locationId : null);
  const change = sighting(item, event, where);
  if (!change) {
    const last = (item.lastSeenAt as Timestamp).toDate().toISOString();
    return {
      result: refused(
        'superseded',
        `A newer scan of this item (${last}) is recorded; this one changes nothing`,
        now,
        assetId,
      ),
      write: none,
    };
  }
  const moved = event.type === 'move' ? { locationId: event.locationId } : {};
  return {
    result: applied(now, assetId),
    write: () =>
      tx.update(itemRef, {
        ...change,
        ...moved,
        // A move is a change of the item: stamped for its event (docs/events.md#actors).
        ...(event.type === 'move'
          ? { updatedAt: Timestamp.fromDate(now), updatedBy: event.by, updatedVia: 'scan' }
          : {}),
      }),
  };
}

export const unknownCode = (event: ScanEvent, now: Date): ScanResult =>
  refused('unknown_code', `The code ${event.code} names no item of this organisation`, now);

/** Words for a custody refusal, from the custody core's reason details. */
function custodyMessage(item: Doc): string {
  switch (item.reason) {
    case 'checked_out': {
      const c = custodianOf(item.custodian);
      const who = 'uid' in c ? c.uid : c.name;
      return `item is checked out to ${who}`;
    }
    case 'booked':
      return `item is booked (${String(item.bookingId)}) from ${String(item.from)}`;
    default:
      return `item is ${String(item.reason).replace(/_/g, ' ')}`;
  }
}

/**
 * `checkout` and `checkin` through the custody core. A checkout uses the event's id as its
 * checkoutId, so a second delivery finds the checkout made and reports it. A check-in has no
 * id of its own: the event is marked `applyingAt` before it, so a delivery that finds the mark
 * and the item already back knows that the first one returned it.
 */
async function applyCustody(
  input: ApplyInput,
  ref: FirebaseFirestore.DocumentReference,
  assetId: string | undefined,
  now: Date,
): Promise<Applied> {
  const { orgId, scanId, event } = input;
  if (!assetId) return finish(input, ref, unknownCode(event, now));
  // Before the custody write: a repeat of a stored result ends here.
  const before = await ref.get();
  if (input.mode.kind === 'create' && before.exists) {
    // finish finds the event there and answers `duplicate` with its first result.
    return finish(input, ref, unknownCode(event, now));
  }
  const stored = before.get('result') as Doc | undefined;
  if (input.mode.kind === 'stored' && stored) return { result: resultOf(stored), fresh: false };
  const markedBefore = before.get('applyingAt') instanceof Timestamp;
  if (input.mode.kind === 'stored' && event.type === 'checkin' && !markedBefore) {
    await ref.update({ applyingAt: Timestamp.fromDate(now) });
  }

  let result: ScanResult;
  try {
    if (event.type === 'checkout') {
      if (!isValidId(scanId)) throw new AppError('invalid_argument', 'scanId is not a valid id');
      await checkOut({
        orgId,
        assetIds: [assetId],
        codes: new Map([[assetId, event.code]]),
        custodian: event.custodian ?? { uid: event.by },
        by: event.by,
        via: 'scan',
        checkoutId: scanId,
        now: now.getTime(),
      });
      result = applied(now, assetId);
    } else {
      const back = await checkIn({
        orgId,
        assetIds: [assetId],
        ...(event.locationId ? { locationId: event.locationId } : {}),
        by: event.by,
        via: 'scan',
        now: now.getTime(),
      });
      result =
        back.returned.includes(assetId) || markedBefore
          ? applied(now, assetId)
          : refused('not_checked_out', 'item is not checked out', now, assetId);
    }
  } catch (err) {
    if (!(err instanceof AppError) || err.code === 'internal') throw err;
    const details = (err.details ?? {}) as Doc;
    const first = Array.isArray(details.items) ? (details.items[0] as Doc | undefined) : undefined;
    result = first
      ? refused(String(first.reason), custodyMessage(first), now, assetId)
      : refused(
          typeof details.reason === 'string' ? details.reason : err.code,
          err.message,
          now,
          assetId,
        );
  }
  const itemRef = equipmentRef(orgId).doc(assetId);
  return db().runTransaction(async (tx) => {
    const earlier = await earlierResult(tx, ref, input.mode, now);
    if (earlier) return { result: earlier, fresh: false };
    const item = (await tx.get(itemRef)).data();
    const where =
      event.locationId ?? (typeof item?.locationId === 'string' ? item.locationId : null);
    const change = item && result.status === 'applied' ? sighting(item, event, where) : undefined;
    if (change) tx.update(itemRef, change);
    writeResult(tx, ref, input.mode, result);
    if (input.countQuota) spendOne(tx, orgId, now);
    return { result, fresh: true };
  });
}

/**
 * Whether today's scan events are used up. Read outside the transaction and spent there as a
 * blind increment: every scan reading the one counter in its transaction would queue them all
 * behind each other. Events applied at the same moment may pass the limit by the few in
 * flight: a bound on cost, as the item quota is.
 */
async function quotaReached(orgId: string, now: Date): Promise<boolean> {
  const [limits, usage] = await Promise.all([
    quotaLimits(orgId),
    usageDayRef(orgId, dayKey(now)).get(),
  ]);
  return Number(usage.get('scanEventsPerDay') ?? 0) >= limits.scanEventsPerDay;
}

function spendOne(tx: Transaction, orgId: string, now: Date): void {
  tx.set(
    usageDayRef(orgId, dayKey(now)),
    { scanEventsPerDay: FieldValue.increment(1) },
    { merge: true },
  );
}

/**
 * The trigger's entry: a stored event without a result is applied (a malformed one refused as
 * `invalid_event`); `eventTime` stands in for createdAt on a document written without one.
 */
export async function applyStoredScanEvent(
  orgId: string,
  scanId: string,
  data: Doc,
  eventTime: string,
): Promise<Applied> {
  const read = readStoredEvent(data);
  const ref = scanEventsRef(orgId).doc(scanId);
  if (!read.ok) {
    const input = { orgId, scanId, mode: { kind: 'stored' } as Mode };
    return finishFor(input, ref, refused('invalid_event', read.message, new Date()));
  }
  return applyScanEvent({
    orgId,
    scanId,
    event: read.event,
    receivedAt: read.receivedAt ?? new Date(eventTime),
    mode: { kind: 'stored' },
    countQuota: true,
  });
}

/** An event retried for over an hour: refused `gave_up`, unless it has a result by now. */
export async function markScanEventGaveUp(orgId: string, scanId: string): Promise<void> {
  const ref = scanEventsRef(orgId).doc(scanId);
  await finishFor(
    { orgId, scanId, mode: { kind: 'stored' } },
    ref,
    refused('gave_up', 'The backend could not apply this scan for an hour', new Date()),
  );
}

async function finishFor(
  input: Pick<ApplyInput, 'orgId' | 'scanId' | 'mode'>,
  ref: FirebaseFirestore.DocumentReference,
  result: ScanResult,
): Promise<Applied> {
  return db().runTransaction(async (tx) => {
    const earlier = await earlierResult(tx, ref, input.mode, result.appliedAt);
    if (earlier) return { result: earlier, fresh: false };
    writeResult(tx, ref, input.mode, result);
    return { result, fresh: true };
  });
}
