// Custody of equipment: who has an item, what stops it going out, and how a booking's window
// meets a checkout's. Pure: the data layer reads the documents and asks these questions inside
// its transactions, so the rules live in one place and are tested without a database.

/** An item's status; a document without one (made before custody existed) is `available`. */
export const ITEM_STATUSES = [
  'available',
  'checked_out',
  'needs_service',
  'missing',
  'retired',
] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];
/** What an editor may set by PATCH; `checked_out` only comes from a checkout. */
export const SETTABLE_STATUSES = ['available', 'missing', 'retired'] as const;
export type SettableStatus = (typeof SETTABLE_STATUSES)[number];

export const CHECKOUT_STATUSES = ['open', 'partially_returned', 'overdue', 'returned'] as const;
export type CheckoutStatus = (typeof CHECKOUT_STATUSES)[number];

export const BOOKING_STATUSES = [
  'reserved',
  'checked_out',
  'partially_returned',
  'returned',
  'overdue',
  'cancelled',
  'no_show',
] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];
/** Bookings that still hold their items' windows. */
export const HOLDING_BOOKING_STATUSES: readonly BookingStatus[] = [
  'reserved',
  'checked_out',
  'partially_returned',
  'overdue',
];

export const CONDITIONS = ['ok', 'damaged', 'needs_service'] as const;
export type Condition = (typeof CONDITIONS)[number];

/** Most items in one checkout, check-in or booking. */
export const MAX_CUSTODY_ITEMS = 500;

/** Who has (or will have) the items: a member by uid, or a person by name (and email). */
export type Custodian = { uid: string; email?: string } | { name: string; email?: string };

/**
 * One word per custodian, for queries and for "booked by someone else": a member's uid, else the
 * email, else the name, lower-cased where people type them in different cases.
 */
export function custodianKey(c: Custodian): string {
  if ('uid' in c) return `uid:${c.uid}`;
  if (c.email) return `email:${c.email.toLowerCase()}`;
  return `name:${c.name.trim().toLowerCase()}`;
}

/** Every key a custodian is found by (`?custodian=` a uid, an email or a name). */
export function custodianKeys(c: Custodian): string[] {
  const keys = [custodianKey(c)];
  if (c.email) keys.push(`email:${c.email.toLowerCase()}`);
  if ('name' in c) keys.push(`name:${c.name.trim().toLowerCase()}`);
  return [...new Set(keys)];
}

/** The keys a `custodian=` filter may mean: a uid, an email or a name. */
export function custodianFilterKeys(value: string): string[] {
  const v = value.trim();
  return [...new Set([`uid:${v}`, `email:${v.toLowerCase()}`, `name:${v.toLowerCase()}`])];
}

/** A half-open interval [from, to) in ms since the epoch; `to` null is open-ended. */
export interface Interval {
  from: number;
  to: number | null;
}

export function overlaps(a: Interval, b: Interval): boolean {
  return (a.to === null || b.from < a.to) && (b.to === null || a.from < b.to);
}

/** A booking's hold on one item, as the per-item booking index keeps it. */
export interface Hold {
  bookingId: string;
  from: number;
  to: number;
  custodianKey: string;
}

/** What an item's document says about custody, as the data layer reads it. */
export interface ItemState {
  status: ItemStatus;
  custody: {
    checkoutId: string;
    custodian: Custodian;
    since: number;
    dueAt: number | null;
  } | null;
}

export function itemStatusOf(data: Record<string, unknown>): ItemStatus {
  const s = data.status;
  return typeof s === 'string' && (ITEM_STATUSES as readonly string[]).includes(s)
    ? (s as ItemStatus)
    : 'available';
}

/** Why one item cannot go out, with what the caller needs to see. */
export type Unavailable =
  | { reason: 'unknown_code'; code: string }
  | { reason: 'not_found'; assetId: string }
  | {
      reason: 'checked_out';
      assetId: string;
      checkoutId: string;
      custodian: Custodian;
      until: number | null;
    }
  | { reason: 'booked'; assetId: string; bookingId: string; from: number; to: number }
  | { reason: 'retired' | 'missing' | 'needs_service'; assetId: string }
  | { reason: 'not_in_booking'; assetId: string; bookingId: string };

/**
 * The interval a checkout occupies from `now`: until `dueAt`, or open-ended without one. An
 * overdue item (dueAt passed) still occupies the present.
 */
export function checkoutWindow(since: number, dueAt: number | null, now: number): Interval {
  return { from: since, to: dueAt === null ? null : Math.max(dueAt, now + 1) };
}

/**
 * Whether one item can go out now to `custodian` until `dueAt`. Holds of other people's
 * bookings that have begun, or begin before `dueAt`, stop it; without `dueAt` the checkout is
 * open-ended, so any later booking of someone else stops it too (as a booking is refused against
 * an open-ended checkout). The custodian's own bookings and `ownBookingId` (the booking being
 * checked out) do not.
 */
export function checkoutProblem(
  assetId: string,
  item: ItemState,
  holds: Hold[],
  who: string,
  dueAt: number | null,
  now: number,
  ownBookingId?: string,
): Unavailable | undefined {
  if (item.custody || item.status === 'checked_out') {
    return {
      reason: 'checked_out',
      assetId,
      checkoutId: item.custody?.checkoutId ?? '',
      custodian: item.custody?.custodian ?? { name: 'unknown' },
      until: item.custody?.dueAt ?? null,
    };
  }
  if (item.status === 'retired' || item.status === 'missing' || item.status === 'needs_service') {
    return { reason: item.status, assetId };
  }
  const window: Interval = { from: now, to: dueAt };
  const hold = holds
    .filter((h) => h.bookingId !== ownBookingId && h.custodianKey !== who)
    .sort((a, b) => a.from - b.from)
    .find((h) => overlaps(h, window));
  if (hold)
    return { reason: 'booked', assetId, bookingId: hold.bookingId, from: hold.from, to: hold.to };
  return undefined;
}

/** What a booking of one item overlaps: another booking's hold or the open checkout. */
export type BookingClash =
  | { assetId: string; bookingId: string; from: number; to: number }
  | { assetId: string; checkoutId: string; from: number; to: number | null };

/**
 * The first booking or open checkout that overlaps [from, to) on one item; `except` is the
 * booking being changed (its own hold never clashes) and its checkouts.
 */
export function bookingClash(
  assetId: string,
  item: ItemState,
  holds: Hold[],
  window: Interval & { to: number },
  now: number,
  except?: { bookingId: string; checkoutIds: string[] },
): BookingClash | undefined {
  const c = item.custody;
  if (c && !except?.checkoutIds.includes(c.checkoutId)) {
    const out = checkoutWindow(c.since, c.dueAt, now);
    if (overlaps(out, window)) return { assetId, checkoutId: c.checkoutId, ...out };
  }
  const hold = holds
    .filter((h) => h.bookingId !== except?.bookingId)
    .sort((a, b) => a.from - b.from)
    .find((h) => overlaps(h, window));
  return hold ? { assetId, bookingId: hold.bookingId, from: hold.from, to: hold.to } : undefined;
}

/** A checkout's status from what is still out, and whether it is past due. */
export function checkoutStatusOf(
  outstanding: number,
  total: number,
  dueAt: number | null,
  now: number,
): CheckoutStatus {
  if (outstanding === 0) return 'returned';
  if (dueAt !== null && dueAt <= now) return 'overdue';
  return outstanding < total ? 'partially_returned' : 'open';
}

/** A booking's status once its checkout has items back, or is past due. */
export function bookingStatusAfterReturn(
  outstanding: number,
  total: number,
  to: number,
  now: number,
): BookingStatus {
  if (outstanding === 0) return 'returned';
  if (to <= now) return 'overdue';
  return outstanding < total ? 'partially_returned' : 'checked_out';
}

/** The holds still worth keeping: those that have not ended by `now`. */
export function liveHolds(holds: Hold[], now: number): Hold[] {
  return holds.filter((h) => h.to > now);
}
