// Bookings: organizations/{orgId}/bookings/{bookingId}, a window [from, to) reserved on items for
// a custodian. Every change runs in one transaction that reads each item and its booking-index
// document (bookingIndex/{assetId}: the item's live holds) and writes the hold back, so two
// overlapping bookings of an item always touch one document and Firestore serialises them: the
// second sees the first's hold and gets 409 (docs/data-model.md#custody-and-bookings).
import { Timestamp } from 'firebase-admin/firestore';
import {
  bookingClash,
  bookingStatusAfterReturn,
  checkoutStatusOf,
  custodianFilterKeys,
  custodianKey,
  custodianKeys,
  type BookingClash,
  type BookingStatus,
  type Custodian,
  type Hold,
  type ItemState,
} from '../domain/custody';
import { AppError, conflict } from '../domain/errors';
import { SCHEDULE_STAMP } from './activityStamps';
import { custodianOf, holdsOf, itemStateOf, writeHolds } from './custody';
import { db } from './firebase';
import { bookingIndexRef, bookingsRef, checkoutsRef, equipmentRef } from './paths';

type Doc = FirebaseFirestore.DocumentData;

const ms = (v: unknown): number | null => (v instanceof Timestamp ? v.toMillis() : null);
const ts = (v: number): Timestamp => Timestamp.fromMillis(v);

export interface Booking {
  bookingId: string;
  status: BookingStatus;
  assetIds: string[];
  from: number;
  to: number;
  custodian: Custodian;
  note: string | null;
  checkoutIds: string[];
  createdAt: number | null;
  by: string | null;
  updatedAt: number | null;
}

export function toBooking(id: string, d: Doc): Booking {
  return {
    bookingId: id,
    status: d.status as BookingStatus,
    assetIds: (d.assetIds ?? []) as string[],
    from: ms(d.from) ?? 0,
    to: ms(d.to) ?? 0,
    custodian: custodianOf(d.custodian),
    note: typeof d.note === 'string' ? d.note : null,
    checkoutIds: (d.checkoutIds ?? []) as string[],
    createdAt: ms(d.createdAt),
    by: typeof d.by === 'string' ? d.by : null,
    updatedAt: ms(d.updatedAt),
  };
}

/** A clash or an item that cannot be booked at all, as the 409 names it. */
export type BookingProblem =
  | (BookingClash & { reason: 'booked' | 'checked_out' })
  | { assetId: string; reason: 'not_found' | 'retired' | 'missing' };

function shownClash(p: BookingProblem): Record<string, unknown> {
  if (!('from' in p)) return p;
  return {
    ...p,
    from: new Date(p.from).toISOString(),
    to: p.to === null ? null : new Date(p.to).toISOString(),
  };
}

function refuse(problems: BookingProblem[]): AppError {
  return conflict('booking_conflict', 'The window overlaps other bookings or checkouts', {
    items: problems.map(shownClash),
  });
}

/**
 * Checks `assetIds` for [from, to) inside `tx` (reads: each item and its index document) and
 * returns the problems and what was read, so the caller writes the holds after.
 */
async function checkWindow(
  tx: FirebaseFirestore.Transaction,
  orgId: string,
  assetIds: string[],
  window: { from: number; to: number },
  now: number,
  except?: { bookingId: string; checkoutIds: string[] },
  extraReads: FirebaseFirestore.DocumentReference[] = [],
) {
  const n = assetIds.length;
  const snaps = await tx.getAll(
    ...assetIds.map((id) => equipmentRef(orgId).doc(id)),
    ...assetIds.map((id) => bookingIndexRef(orgId, id)),
    ...extraReads,
  );
  const problems: BookingProblem[] = [];
  const holds = assetIds.map((_, k) => holdsOf(snaps[n + k].data()));
  assetIds.forEach((assetId, k) => {
    const data = snaps[k].data();
    const state = data ? itemStateOf(data) : undefined;
    if (!state) problems.push({ assetId, reason: 'not_found' });
    else if (state.status === 'retired' || state.status === 'missing') {
      problems.push({ assetId, reason: state.status });
    } else {
      const clash = bookingClash(assetId, state, holds[k], window, now, except);
      if (clash)
        problems.push({ ...clash, reason: 'checkoutId' in clash ? 'checked_out' : 'booked' });
    }
  });
  return { problems, holds, extra: snaps.slice(2 * n) };
}

export interface NewBooking {
  assetIds: string[];
  from: number;
  to: number;
  custodian: Custodian;
  note?: string;
}

export async function createBooking(
  orgId: string,
  input: NewBooking,
  by: string,
): Promise<Booking> {
  const ref = bookingsRef(orgId).doc();
  const key = custodianKey(input.custodian);
  return db().runTransaction(async (tx) => {
    const now = Date.now();
    const { problems, holds } = await checkWindow(tx, orgId, input.assetIds, input, now);
    if (problems.length) throw refuse(problems);
    input.assetIds.forEach((assetId, k) =>
      writeHolds(tx, orgId, assetId, holds[k], now, {
        set: { bookingId: ref.id, from: input.from, to: input.to, custodianKey: key },
      }),
    );
    const at = ts(now);
    const doc = {
      bookingId: ref.id,
      status: 'reserved' satisfies BookingStatus,
      assetIds: input.assetIds,
      from: ts(input.from),
      to: ts(input.to),
      custodian: input.custodian,
      custodianKey: key,
      custodianKeys: custodianKeys(input.custodian),
      note: input.note ?? null,
      checkoutIds: [],
      at,
      by,
      createdAt: at,
      updatedAt: at,
    };
    tx.create(ref, doc);
    return toBooking(ref.id, doc);
  });
}

export async function getBooking(orgId: string, bookingId: string): Promise<Booking> {
  const d = (await bookingsRef(orgId).doc(bookingId).get()).data();
  if (!d) throw new AppError('not_found', `Booking ${bookingId} not found`);
  return toBooking(bookingId, d);
}

export interface BookingChanges {
  from?: number;
  to?: number;
  addAssetIds?: string[];
  removeAssetIds?: string[];
  note?: string | null;
}

function mustBeReserved(id: string, d: Doc | undefined): Doc {
  if (!d) throw new AppError('not_found', `Booking ${id} not found`);
  if (d.status !== 'reserved') {
    throw conflict(
      'booking_closed',
      `Booking ${id} is ${String(d.status)}; only a reserved booking changes`,
      {
        bookingId: id,
        status: d.status,
      },
    );
  }
  return d;
}

/**
 * Extends, shortens, adds or removes items of a reserved booking, re-checked for conflicts in
 * the same transaction as the holds it rewrites. A booking that is out (checked_out,
 * partially_returned, overdue) may change only its end and note (extendOut).
 */
export async function updateBooking(
  orgId: string,
  bookingId: string,
  changes: BookingChanges,
  validateWindow: (from: number, to: number) => void,
): Promise<Booking> {
  const ref = bookingsRef(orgId).doc(bookingId);
  return db().runTransaction(async (tx) => {
    const now = Date.now();
    const read = (await tx.get(ref)).data();
    if (read && OUT.includes(String(read.status))) {
      return extendOut(tx, orgId, toBooking(bookingId, read), changes, validateWindow, now);
    }
    const current = mustBeReserved(bookingId, read);
    const old = toBooking(bookingId, current);
    const from = changes.from ?? old.from;
    const to = changes.to ?? old.to;
    validateWindow(from, to);
    const removed = new Set(changes.removeAssetIds ?? []);
    const kept = old.assetIds.filter((id) => !removed.has(id));
    const assetIds = [...new Set([...kept, ...(changes.addAssetIds ?? [])])];
    if (assetIds.length === 0) {
      throw new AppError(
        'invalid_argument',
        'A booking keeps at least one item; cancel it instead',
        {
          errors: [{ field: 'removeAssetIds', message: 'would remove every item' }],
        },
      );
    }
    const dropped = old.assetIds.filter((id) => !assetIds.includes(id));
    const except = { bookingId, checkoutIds: [] };
    const checked = await checkWindow(tx, orgId, assetIds, { from, to }, now, except, [
      ...dropped.map((id) => bookingIndexRef(orgId, id)),
    ]);
    if (checked.problems.length) throw refuse(checked.problems);
    const key = String(current.custodianKey ?? '');
    assetIds.forEach((assetId, k) =>
      writeHolds(tx, orgId, assetId, checked.holds[k], now, {
        set: { bookingId, from, to, custodianKey: key },
      }),
    );
    dropped.forEach((assetId, k) =>
      writeHolds(tx, orgId, assetId, holdsOf(checked.extra[k].data()), now, { drop: bookingId }),
    );
    const update = {
      from: ts(from),
      to: ts(to),
      assetIds,
      ...(changes.note !== undefined ? { note: changes.note } : {}),
      updatedAt: ts(now),
    };
    tx.update(ref, update);
    return toBooking(bookingId, { ...current, ...update });
  });
}

/** Bookings with items out: only their end and note change. */
const OUT = ['checked_out', 'partially_returned', 'overdue'];

/**
 * A new end (or note) for a booking whose items are out: re-checked on the items it still holds
 * or has out, and carried to its checkouts (and their items) that were due at the old end, so an
 * extension also moves their due time (an overdue checkout due later again is open once more).
 */
async function extendOut(
  tx: FirebaseFirestore.Transaction,
  orgId: string,
  old: Booking,
  changes: BookingChanges,
  validateWindow: (from: number, to: number) => void,
  now: number,
): Promise<Booking> {
  const { bookingId } = old;
  if (changes.from !== undefined || changes.addAssetIds || changes.removeAssetIds) {
    throw conflict(
      'booking_closed',
      `Booking ${bookingId} is ${old.status}: once out, only its end (to) and note change`,
      { bookingId, status: old.status },
    );
  }
  const to = changes.to ?? old.to;
  validateWindow(old.from, to);
  const n = old.assetIds.length;
  const checkoutRefs = old.checkoutIds.map((id) => checkoutsRef(orgId).doc(id));
  const snaps = await tx.getAll(
    ...old.assetIds.map((id) => equipmentRef(orgId).doc(id)),
    ...old.assetIds.map((id) => bookingIndexRef(orgId, id)),
    ...checkoutRefs,
  );
  const except = { bookingId, checkoutIds: old.checkoutIds };
  const problems: BookingProblem[] = [];
  const keep: Array<{ assetId: string; holds: Hold[]; state: ItemState }> = [];
  old.assetIds.forEach((assetId, k) => {
    const data = snaps[k].data();
    if (!data) return;
    const state = itemStateOf(data);
    const holds = holdsOf(snaps[n + k].data());
    const out = state.custody !== null && old.checkoutIds.includes(state.custody.checkoutId);
    if (!out && !holds.some((h) => h.bookingId === bookingId)) return; // returned: free again
    keep.push({ assetId, holds, state });
    const clash = bookingClash(assetId, state, holds, { from: old.from, to }, now, except);
    if (clash)
      problems.push({ ...clash, reason: 'checkoutId' in clash ? 'checked_out' : 'booked' });
  });
  if (problems.length) throw refuse(problems);
  const at = ts(now);
  const key = keep.length ? custodianKey(old.custodian) : '';
  for (const { assetId, holds, state } of keep) {
    writeHolds(tx, orgId, assetId, holds, now, {
      set: { bookingId, from: old.from, to, custodianKey: key },
    });
    if (state.custody?.dueAt === old.to) {
      tx.update(equipmentRef(orgId).doc(assetId), { 'custody.dueAt': ts(to), updatedAt: at });
    }
  }
  let status: BookingStatus = old.status;
  for (const snap of snaps.slice(2 * n)) {
    const c = snap.data();
    if (!c || ms(c.dueAt) !== old.to || c.status === 'returned') continue;
    const outstanding = ((c.outstanding ?? []) as string[]).length;
    const total = ((c.assetIds ?? []) as string[]).length;
    tx.update(snap.ref, {
      dueAt: ts(to),
      status: checkoutStatusOf(outstanding, total, to, now),
      updatedAt: at,
    });
    status = bookingStatusAfterReturn(outstanding, total, to, now);
  }
  const update = {
    to: ts(to),
    status,
    ...(changes.note !== undefined ? { note: changes.note } : {}),
    updatedAt: at,
  };
  tx.update(bookingsRef(orgId).doc(bookingId), update);
  return {
    ...old,
    to,
    status,
    note: changes.note !== undefined ? changes.note : old.note,
    updatedAt: now,
  };
}

/**
 * Ends a booking that holds no items out (`reserved`) as `cancelled` or (the schedule's no-show)
 * `no_show`, and frees its holds. A booking already in that state is left as it is (a duplicate
 * run); any other state is 409 booking_closed.
 */
export async function endBooking(
  orgId: string,
  bookingId: string,
  status: 'cancelled' | 'no_show',
  by: string,
  now = Date.now(),
  /** The custody schedule's no-shows are the system's, via schedule (docs/events.md#actors). */
  via: 'api' | 'schedule' = 'api',
): Promise<{ booking: Booking; changed: boolean }> {
  const ref = bookingsRef(orgId).doc(bookingId);
  return db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const d = snap.data();
    if (d?.status === status) return { booking: toBooking(bookingId, d), changed: false };
    const current = mustBeReserved(bookingId, d);
    const assetIds = (current.assetIds ?? []) as string[];
    const indexes = await tx.getAll(...assetIds.map((id) => bookingIndexRef(orgId, id)));
    assetIds.forEach((assetId, k) =>
      writeHolds(tx, orgId, assetId, holdsOf(indexes[k].data()), now, { drop: bookingId }),
    );
    const update = {
      status,
      endedAt: ts(now),
      endedBy: by,
      updatedAt: ts(now),
      updatedBy: via === 'schedule' ? SCHEDULE_STAMP.updatedBy : by,
      updatedVia: via,
    };
    tx.update(ref, update);
    return { booking: toBooking(bookingId, { ...current, ...update }), changed: true };
  });
}

export interface BookingFilter {
  from?: number;
  to?: number;
  status?: BookingStatus;
  custodian?: string;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string | null;
}

/**
 * Bookings that overlap [from, to) (either end optional), by status and custodian, in order of
 * their end. The query filters on `to > from`; `from < to` is checked on each page (a page may
 * then be shorter than `limit`; its token still goes on).
 */
export async function listBookings(
  orgId: string,
  filter: BookingFilter,
  limit: number,
  pageToken?: string,
): Promise<Page<Booking>> {
  let q: FirebaseFirestore.Query = bookingsRef(orgId);
  if (filter.status) q = q.where('status', '==', filter.status);
  if (filter.custodian)
    q = q.where('custodianKeys', 'array-contains-any', custodianFilterKeys(filter.custodian));
  if (filter.from !== undefined) q = q.where('to', '>', ts(filter.from));
  q = q.orderBy('to').orderBy('__name__');
  const after = decodeToken(pageToken);
  if (after) q = q.startAfter(ts(after.at), after.id);
  const snap = await q.limit(limit).get();
  const items = snap.docs
    .map((d) => toBooking(d.id, d.data()))
    .filter((b) => filter.to === undefined || b.from < filter.to);
  const last = snap.docs[snap.docs.length - 1];
  return {
    items,
    nextPageToken:
      snap.size === limit && last ? encodeToken(ms(last.get('to')) ?? 0, last.id) : null,
  };
}

/** A page token: the last document's ordering value and id. */
export function encodeToken(at: number, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

export function decodeToken(token: string | undefined): { at: number; id: string } | undefined {
  if (!token) return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(token, 'base64url').toString()) as unknown[];
    if (typeof at === 'number' && typeof id === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(id)) {
      return { at, id };
    }
  } catch {
    // fall through
  }
  throw new AppError('invalid_argument', 'pageToken is not one this list gave', {
    field: 'pageToken',
    errors: [{ field: 'pageToken', message: 'is not one this list gave' }],
  });
}
