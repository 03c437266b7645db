// Reading checkouts: one, a filtered list, and an item's custody history. Every list query has
// its composite index in firestore.indexes.json.
import { Timestamp } from 'firebase-admin/firestore';
import {
  custodianFilterKeys,
  type CheckoutStatus,
  type Condition,
  type Custodian,
} from '../domain/custody';
import { AppError } from '../domain/errors';
import { decodeToken, encodeToken, type Page } from './bookings';
import { custodianOf } from './custody';
import { checkoutsRef } from './paths';

type Doc = FirebaseFirestore.DocumentData;
const ms = (v: unknown): number | null => (v instanceof Timestamp ? v.toMillis() : null);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export interface ReturnEntry {
  assetId: string;
  at: number | null;
  by: string | null;
  condition: Condition;
  note: string | null;
  locationId: string | null;
}

export interface Checkout {
  checkoutId: string;
  status: CheckoutStatus;
  assetIds: string[];
  outstanding: string[];
  custodian: Custodian;
  dueAt: number | null;
  bookingId: string | null;
  note: string | null;
  at: number | null;
  by: string | null;
  returnedAt: number | null;
  returns: ReturnEntry[];
}

function toReturn(d: Doc): ReturnEntry {
  return {
    assetId: String(d.assetId),
    at: ms(d.at),
    by: text(d.by),
    condition: (text(d.condition) ?? 'ok') as Condition,
    note: text(d.note),
    locationId: text(d.locationId),
  };
}

export function toCheckout(id: string, d: Doc): Checkout {
  return {
    checkoutId: id,
    status: d.status as CheckoutStatus,
    assetIds: (d.assetIds ?? []) as string[],
    outstanding: (d.outstanding ?? []) as string[],
    custodian: custodianOf(d.custodian),
    dueAt: ms(d.dueAt),
    bookingId: text(d.bookingId),
    note: text(d.note),
    at: ms(d.at),
    by: text(d.by),
    returnedAt: ms(d.returnedAt),
    returns: ((d.returns ?? []) as Doc[]).map(toReturn),
  };
}

export async function getCheckout(orgId: string, checkoutId: string): Promise<Checkout> {
  const d = (await checkoutsRef(orgId).doc(checkoutId).get()).data();
  if (!d) throw new AppError('not_found', `Checkout ${checkoutId} not found`);
  return toCheckout(checkoutId, d);
}

/** Checkouts by status and custodian, newest first. */
export async function listCheckouts(
  orgId: string,
  filter: { status?: CheckoutStatus; custodian?: string },
  limit: number,
  pageToken?: string,
): Promise<Page<Checkout>> {
  let q: FirebaseFirestore.Query = checkoutsRef(orgId);
  if (filter.status) q = q.where('status', '==', filter.status);
  if (filter.custodian)
    q = q.where('custodianKeys', 'array-contains-any', custodianFilterKeys(filter.custodian));
  return page(q, limit, pageToken, toCheckout);
}

async function page<T>(
  query: FirebaseFirestore.Query,
  limit: number,
  pageToken: string | undefined,
  shape: (id: string, d: Doc) => T,
): Promise<Page<T>> {
  let q = query.orderBy('createdAt', 'desc').orderBy('__name__', 'desc');
  const after = decodeToken(pageToken);
  if (after) q = q.startAfter(Timestamp.fromMillis(after.at), after.id);
  const snap = await q.limit(limit).get();
  const last = snap.docs[snap.docs.length - 1];
  return {
    items: snap.docs.map((d) => shape(d.id, d.data())),
    nextPageToken:
      snap.size === limit && last ? encodeToken(ms(last.get('createdAt')) ?? 0, last.id) : null,
  };
}

/** One line of an item's custody history: a checkout of it and, once back, its return. */
export interface CustodyEntry {
  checkoutId: string;
  status: CheckoutStatus;
  custodian: Custodian;
  checkedOutAt: number | null;
  checkedOutBy: string | null;
  dueAt: number | null;
  bookingId: string | null;
  note: string | null;
  returnedAt: number | null;
  returnedBy: string | null;
  condition: Condition | null;
  returnNote: string | null;
}

/** The item's checkouts and returns, newest first. */
export async function itemCustodyHistory(
  orgId: string,
  assetId: string,
  limit: number,
  pageToken?: string,
): Promise<Page<CustodyEntry>> {
  const q = checkoutsRef(orgId).where('assetIds', 'array-contains', assetId);
  return page(q, limit, pageToken, (id, d) => {
    const c = toCheckout(id, d);
    const back = c.returns.find((r) => r.assetId === assetId);
    return {
      checkoutId: id,
      status: c.status,
      custodian: c.custodian,
      checkedOutAt: c.at,
      checkedOutBy: c.by,
      dueAt: c.dueAt,
      bookingId: c.bookingId,
      note: c.note,
      returnedAt: back?.at ?? null,
      returnedBy: back?.by ?? null,
      condition: back?.condition ?? null,
      returnNote: back?.note ?? null,
    };
  });
}
