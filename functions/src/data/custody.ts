// Check-out and check-in: the core that the HTTP routes and the scan-ledger trigger both call,
// given resolved asset ids. Each is one transaction over the items, their booking-index
// documents and the checkouts (and bookings) they touch, so two scans of one item, or a scan
// racing a booking, are serialised by Firestore and never both win. Documents keep `by` and
// `at` fields, so the activity log can derive its events from them.
import { FieldValue, Timestamp, type Transaction } from 'firebase-admin/firestore';
import { checkoutGraceMs } from '../config';
import {
  bookingStatusAfterReturn,
  checkoutProblem,
  checkoutStatusOf,
  custodianKey,
  custodianKeys,
  itemStatusOf,
  liveHolds,
  type CheckoutStatus,
  type Condition,
  type Custodian,
  type Hold,
  type ItemState,
  type Unavailable,
} from '../domain/custody';
import { AppError, conflict, unavailable } from '../domain/errors';
import { db } from './firebase';
import { bookingIndexRef, bookingsRef, checkoutsRef, equipmentRef, locationsRef } from './paths';

type Doc = FirebaseFirestore.DocumentData;
type Snap = FirebaseFirestore.DocumentSnapshot;

const ms = (v: unknown): number | null => (v instanceof Timestamp ? v.toMillis() : null);
const ts = (v: number): Timestamp => Timestamp.fromMillis(v);

/** A custodian as stored (and shown): only the fields it has. */
export function custodianOf(v: unknown): Custodian {
  const d = (v ?? {}) as Doc;
  const email = typeof d.email === 'string' ? { email: d.email } : {};
  if (typeof d.uid === 'string') return { uid: d.uid, ...email };
  return { name: typeof d.name === 'string' ? d.name : 'unknown', ...email };
}

/** What an item document says about custody. */
export function itemStateOf(d: Doc): ItemState {
  const c = d.custody as Doc | null | undefined;
  return {
    status: itemStatusOf(d),
    custody:
      c && typeof c.checkoutId === 'string'
        ? {
            checkoutId: c.checkoutId,
            custodian: custodianOf(c.custodian),
            since: ms(c.since) ?? 0,
            dueAt: ms(c.dueAt),
          }
        : null,
  };
}

/** The holds in an item's booking-index document (none when it has no document). */
export function holdsOf(d: Doc | undefined): Hold[] {
  const map = (d?.holds ?? {}) as Record<string, Doc>;
  return Object.entries(map).map(([bookingId, h]) => ({
    bookingId,
    from: ms(h.from) ?? 0,
    to: ms(h.to) ?? 0,
    custodianKey: String(h.custodianKey ?? ''),
  }));
}

/** The index document's `holds` written anew: the live ones, with `set` and without `drop`. */
export function writeHolds(
  tx: Transaction,
  orgId: string,
  assetId: string,
  current: Hold[],
  now: number,
  change: { set?: Hold; drop?: string },
): void {
  const kept = liveHolds(current, now).filter(
    (h) => h.bookingId !== change.drop && h.bookingId !== change.set?.bookingId,
  );
  if (change.set) kept.push(change.set);
  const holds = Object.fromEntries(
    kept.map((h) => [
      h.bookingId,
      { from: ts(h.from), to: ts(h.to), custodianKey: h.custodianKey },
    ]),
  );
  tx.set(bookingIndexRef(orgId, assetId), { holds, updatedAt: ts(now) });
}

export interface CheckOutInput {
  orgId: string;
  /** Resolved, distinct asset ids (data/custodyCodes.ts resolves codes). */
  assetIds: string[];
  /** The codes that named the items, by asset id, to show in `unavailable`. */
  codes?: Map<string, string>;
  /** Codes that named nothing: reported as `unknown_code` (all or nothing counts them). */
  unknownCodes?: string[];
  /** Absent with a bookingId: the booking's custodian. */
  custodian?: Custodian;
  dueAt?: number | null;
  bookingId?: string;
  note?: string;
  /** Let the available items go out and report the rest (default: all or nothing). */
  partial?: boolean;
  /** Who asked (callerId, or the scan event's author). */
  by: string;
  /** Through what, for the events: the API (default) or a scan event of the ledger. */
  via?: CustodyVia;
  /** A chosen id (a scan event's): a second call with it returns the first outcome. */
  checkoutId?: string;
  now?: number;
}

/** What a custody change is stamped as coming through (docs/events.md#actors). */
export type CustodyVia = 'api' | 'scan';

export interface CheckOutResult {
  checkoutId: string;
  status: CheckoutStatus;
  assetIds: string[];
  custodian: Custodian;
  dueAt: number | null;
  bookingId: string | null;
  unavailable: Unavailable[];
  /** False when `checkoutId` existed already and this is its stored outcome. */
  created: boolean;
}

function storedOutcome(id: string, d: Doc): CheckOutResult {
  return {
    checkoutId: id,
    status: d.status as CheckoutStatus,
    assetIds: (d.assetIds ?? []) as string[],
    custodian: custodianOf(d.custodian),
    dueAt: ms(d.dueAt),
    bookingId: typeof d.bookingId === 'string' ? d.bookingId : null,
    unavailable: [],
    created: false,
  };
}

function withCode(u: Unavailable, codes?: Map<string, string>): Unavailable & { code?: string } {
  const code = 'assetId' in u ? codes?.get(u.assetId) : undefined;
  return code ? { ...u, code } : u;
}

/** The booking a checkout names, checked: open, begun (less the grace period), ours to take. */
function bookingToTake(snap: Snap, now: number): Doc {
  const b = snap.data();
  if (!b) throw new AppError('not_found', `Booking ${snap.id} not found`);
  if (!['reserved', 'checked_out', 'partially_returned'].includes(String(b.status))) {
    throw conflict('booking_closed', `Booking ${snap.id} is ${String(b.status)}`, {
      bookingId: snap.id,
      status: b.status,
    });
  }
  const from = ms(b.from) ?? 0;
  const opensAt = from - checkoutGraceMs();
  if (now < opensAt) {
    throw conflict(
      'booking_not_started',
      `Booking ${snap.id} can be checked out from ${new Date(opensAt).toISOString()}`,
      { bookingId: snap.id, opensAt: new Date(opensAt).toISOString() },
    );
  }
  return b;
}

/**
 * Checks the items out in one transaction. All or nothing unless `partial`: any item that is
 * not available now (checked out, retired, missing, needing service, booked by someone else for
 * a window that has begun or begins before `dueAt`) fails the whole checkout with 409
 * `unavailable` naming each; with `partial` the others go out. Nothing available: 409 as well.
 */
export async function checkOut(input: CheckOutInput): Promise<CheckOutResult> {
  const { orgId } = input;
  const checkoutRef = input.checkoutId
    ? checkoutsRef(orgId).doc(input.checkoutId)
    : checkoutsRef(orgId).doc();
  const itemRefs = input.assetIds.map((id) => equipmentRef(orgId).doc(id));
  const indexRefs = input.assetIds.map((id) => bookingIndexRef(orgId, id));
  const bookingRef = input.bookingId ? bookingsRef(orgId).doc(input.bookingId) : undefined;
  return db().runTransaction(async (tx) => {
    const now = input.now ?? Date.now();
    const n = input.assetIds.length;
    const extra = [checkoutRef, ...(bookingRef ? [bookingRef] : [])];
    const snaps = await tx.getAll(...itemRefs, ...indexRefs, ...extra);
    const existing = snaps[2 * n];
    if (input.checkoutId && existing.exists) return storedOutcome(existing.id, existing.data()!);
    const booking = bookingRef ? bookingToTake(snaps[2 * n + 1], now) : undefined;
    const custodian = input.custodian ?? (booking ? custodianOf(booking.custodian) : undefined);
    if (!custodian) throw new AppError('invalid_argument', 'custodian is required');
    const who = custodianKey(custodian);
    const dueAt = input.dueAt ?? (booking ? ms(booking.to) : null);
    const inBooking = new Set((booking?.assetIds ?? []) as string[]);

    const problems: Unavailable[] = (input.unknownCodes ?? []).map((code) => ({
      reason: 'unknown_code',
      code,
    }));
    const going: string[] = [];
    input.assetIds.forEach((assetId, k) => {
      const data = snaps[k].data();
      let problem: Unavailable | undefined;
      if (!data) problem = { reason: 'not_found', assetId };
      else if (booking && !inBooking.has(assetId)) {
        problem = { reason: 'not_in_booking', assetId, bookingId: input.bookingId! };
      } else {
        const holds = holdsOf(snaps[n + k].data());
        problem = checkoutProblem(
          assetId,
          itemStateOf(data),
          holds,
          who,
          dueAt,
          now,
          input.bookingId,
        );
      }
      if (problem) problems.push(problem);
      else going.push(assetId);
    });
    const shown = problems.map((p) => withCode(p, input.codes));
    if (going.length === 0 || (problems.length > 0 && !input.partial)) {
      throw unavailable(
        going.length === 0
          ? 'None of the items can be checked out now'
          : 'Some items cannot be checked out now',
        shown.map(shownProblem),
      );
    }

    const at = ts(now);
    const custody = {
      checkoutId: checkoutRef.id,
      custodian,
      since: at,
      dueAt: dueAt === null ? null : ts(dueAt),
    };
    for (const assetId of going) {
      tx.update(equipmentRef(orgId).doc(assetId), {
        status: 'checked_out',
        custody,
        updatedAt: at,
        // The change's stamp, for its event (docs/events.md#actors).
        updatedBy: input.by,
        updatedVia: input.via ?? 'api',
      });
    }
    tx.create(checkoutRef, {
      checkoutId: checkoutRef.id,
      status: 'open' satisfies CheckoutStatus,
      assetIds: going,
      outstanding: going,
      returns: [],
      custodian,
      custodianKey: who,
      custodianKeys: custodianKeys(custodian),
      dueAt: custody.dueAt,
      bookingId: input.bookingId ?? null,
      note: input.note ?? null,
      at,
      by: input.by,
      createdVia: input.via ?? 'api',
      createdAt: at,
      updatedAt: at,
    });
    if (bookingRef && booking) {
      tx.update(bookingRef, {
        status: 'checked_out',
        checkoutIds: FieldValue.arrayUnion(checkoutRef.id),
        checkedOutAt: booking.checkedOutAt ?? at,
        updatedAt: at,
        updatedBy: input.by,
        updatedVia: input.via ?? 'api',
      });
    }
    return {
      checkoutId: checkoutRef.id,
      status: 'open',
      assetIds: going,
      custodian,
      dueAt,
      bookingId: input.bookingId ?? null,
      unavailable: shown,
      created: true,
    };
  });
}

/** An unavailable item as replies show it: times as ISO 8601 strings. */
export function shownProblem(u: Unavailable & { code?: string }): Record<string, unknown> {
  const out: Record<string, unknown> = { ...u };
  if ('until' in u) out.until = u.until === null ? null : new Date(u.until).toISOString();
  if ('from' in u) out.from = new Date(u.from).toISOString();
  if ('to' in u) out.to = new Date(u.to).toISOString();
  return out;
}

export interface CheckInInput {
  orgId: string;
  assetIds: string[];
  condition?: Condition;
  note?: string;
  /** The location the items go back to; must exist and be active. */
  locationId?: string;
  by: string;
  /** Through what, for the events: the API (default) or a scan event of the ledger. */
  via?: CustodyVia;
  now?: number;
}

export interface CheckInResult {
  returned: string[];
  notCheckedOut: string[];
  checkouts: Array<{ checkoutId: string; status: CheckoutStatus }>;
}

/**
 * Returns whatever subset was scanned, from one or several checkouts, in one transaction. Items
 * go back to `available` (or `needs_service` with that condition); an item that is not out is
 * reported in `notCheckedOut`, never an error for the others. A checkout (and its booking) is
 * `returned` when its last item is back, `partially_returned` before; the booking's holds on
 * returned items are dropped, so the rest of its window is free again.
 */
export async function checkIn(input: CheckInInput): Promise<CheckInResult> {
  const { orgId } = input;
  const itemRefs = input.assetIds.map((id) => equipmentRef(orgId).doc(id));
  return db().runTransaction(async (tx) => {
    const now = input.now ?? Date.now();
    const at = ts(now);
    const location = input.locationId ? locationsRef(orgId).doc(input.locationId) : undefined;
    const first = await tx.getAll(...itemRefs, ...(location ? [location] : []));
    if (location) {
      const loc = first[first.length - 1];
      if (!loc.exists) throw new AppError('not_found', `Location ${input.locationId} not found`);
      if (loc.get('active') === false) {
        throw conflict('location_inactive', `Location ${input.locationId} is inactive`, {
          locationId: input.locationId,
        });
      }
    }
    const byCheckout = new Map<string, string[]>();
    const notCheckedOut: string[] = [];
    input.assetIds.forEach((assetId, k) => {
      const data = first[k].data();
      const checkoutId = data ? itemStateOf(data).custody?.checkoutId : undefined;
      if (!checkoutId) notCheckedOut.push(assetId);
      else byCheckout.set(checkoutId, [...(byCheckout.get(checkoutId) ?? []), assetId]);
    });
    if (byCheckout.size === 0) return { returned: [], notCheckedOut, checkouts: [] };

    const checkoutIds = [...byCheckout.keys()];
    const checkoutSnaps = await tx.getAll(...checkoutIds.map((id) => checkoutsRef(orgId).doc(id)));
    const bookingIds = [
      ...new Set(
        checkoutSnaps
          .map((s) => s.get('bookingId'))
          .filter((b): b is string => typeof b === 'string'),
      ),
    ];
    const returnedItems = [...byCheckout.values()].flat();
    const bookedItems = returnedItems.filter((id) => {
      const c = checkoutSnaps[checkoutIds.indexOf(itemCheckout(byCheckout, id))];
      return typeof c.get('bookingId') === 'string';
    });
    const laterRefs = [
      ...bookingIds.map((id) => bookingsRef(orgId).doc(id)),
      ...bookedItems.map((id) => bookingIndexRef(orgId, id)),
    ];
    const later = laterRefs.length ? await tx.getAll(...laterRefs) : [];
    const bookings = new Map(later.slice(0, bookingIds.length).map((s) => [s.id, s]));
    const indexes = new Map(later.slice(bookingIds.length).map((s) => [s.id, s.data()]));

    const condition = input.condition ?? 'ok';
    for (const assetId of returnedItems) {
      tx.update(equipmentRef(orgId).doc(assetId), {
        status: condition === 'needs_service' ? 'needs_service' : 'available',
        custody: FieldValue.delete(),
        ...(input.locationId ? { locationId: input.locationId } : {}),
        updatedAt: at,
        updatedBy: input.by,
        updatedVia: input.via ?? 'api',
      });
    }
    const checkouts: CheckInResult['checkouts'] = [];
    checkoutSnaps.forEach((snap) => {
      const c = snap.data();
      const back = byCheckout.get(snap.id) ?? [];
      // An item whose custody names a checkout that is gone (deleted by hand) is still freed.
      if (!c) return;
      const outstanding = ((c.outstanding ?? []) as string[]).filter((id) => !back.includes(id));
      const total = ((c.assetIds ?? []) as string[]).length;
      const status = checkoutStatusOf(outstanding.length, total, ms(c.dueAt), now);
      const entries = back.map((assetId) => ({
        assetId,
        at,
        by: input.by,
        condition,
        note: input.note ?? null,
        locationId: input.locationId ?? null,
      }));
      tx.update(snap.ref, {
        outstanding,
        status,
        returns: FieldValue.arrayUnion(...entries),
        ...(outstanding.length === 0 ? { returnedAt: at, returnedBy: input.by } : {}),
        updatedAt: at,
        updatedBy: input.by,
        updatedVia: input.via ?? 'api',
      });
      checkouts.push({ checkoutId: snap.id, status });
      const bookingId = typeof c.bookingId === 'string' ? c.bookingId : undefined;
      const booking = bookingId ? bookings.get(bookingId)?.data() : undefined;
      if (!bookingId || !booking) return;
      for (const assetId of back) {
        writeHolds(tx, orgId, assetId, holdsOf(indexes.get(assetId)), now, { drop: bookingId });
      }
      // The booking follows its checkout (one checkout per booking is the usual case).
      tx.update(bookingsRef(orgId).doc(bookingId), {
        status: bookingStatusAfterReturn(outstanding.length, total, ms(booking.to) ?? now, now),
        updatedAt: at,
        updatedBy: input.by,
        updatedVia: input.via ?? 'api',
      });
    });
    return { returned: returnedItems, notCheckedOut, checkouts };
  });
}

function itemCheckout(byCheckout: Map<string, string[]>, assetId: string): string {
  for (const [checkoutId, ids] of byCheckout) if (ids.includes(assetId)) return checkoutId;
  return '';
}
