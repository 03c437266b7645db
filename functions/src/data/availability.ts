// Availability: which items are free for a whole window, and when one item is busy. Both read
// the items and their booking-index documents (one batched read per page), never the bookings
// collection: an item's live holds are all on its index document.
import { FieldPath } from 'firebase-admin/firestore';
import { bookingClash, checkoutWindow, overlaps, type Interval } from '../domain/custody';
import type { Category } from '../domain/equipment';
import { AppError } from '../domain/errors';
import { holdsOf, itemStateOf } from './custody';
import { db } from './firebase';
import { bookingIndexRef, equipmentRef } from './paths';

export interface FreeItem {
  assetId: string;
  name: string;
  category: string;
  locationId: string | null;
}

/**
 * The items (by category and location) free for all of [from, to), a page of `limit` items
 * examined at a time in asset id order: a page lists those of its items that are free.
 */
export async function availableItems(
  orgId: string,
  window: { from: number; to: number },
  filter: { category?: Category; locationId?: string },
  limit: number,
  pageToken?: string,
): Promise<{ items: FreeItem[]; nextPageToken: string | null }> {
  let q: FirebaseFirestore.Query = equipmentRef(orgId);
  if (filter.category) q = q.where('category', '==', filter.category);
  if (filter.locationId) q = q.where('locationId', '==', filter.locationId);
  q = q.orderBy(FieldPath.documentId());
  if (pageToken) q = q.startAfter(pageToken);
  const snap = await q
    .select('name', 'category', 'locationId', 'status', 'custody')
    .limit(limit)
    .get();
  const indexes = snap.empty
    ? []
    : await db().getAll(...snap.docs.map((d) => bookingIndexRef(orgId, d.id)));
  const now = Date.now();
  const items: FreeItem[] = [];
  snap.docs.forEach((doc, k) => {
    const d = doc.data();
    const state = itemStateOf(d);
    if (state.status === 'retired' || state.status === 'missing') return;
    if (state.status === 'needs_service' && window.from <= now) return;
    if (bookingClash(doc.id, state, holdsOf(indexes[k].data()), window, now)) return;
    items.push({
      assetId: doc.id,
      name: String(d.name ?? ''),
      category: String(d.category ?? ''),
      locationId: typeof d.locationId === 'string' ? d.locationId : null,
    });
  });
  const last = snap.docs[snap.docs.length - 1];
  return { items, nextPageToken: snap.size === limit && last ? last.id : null };
}

export interface BusyInterval {
  from: number;
  to: number | null;
  bookingId?: string;
  checkoutId?: string;
}

/** The busy intervals of one item that meet [from, to), in order. */
export async function itemBusy(
  orgId: string,
  assetId: string,
  window: { from: number; to: number },
): Promise<{ status: string; busy: BusyInterval[] }> {
  const [item, index] = await db().getAll(
    equipmentRef(orgId).doc(assetId),
    bookingIndexRef(orgId, assetId),
  );
  const d = item.data();
  if (!d) throw new AppError('not_found', `Equipment ${assetId} not found`);
  const state = itemStateOf(d);
  const now = Date.now();
  const busy: BusyInterval[] = [];
  const c = state.custody;
  if (c) {
    const out: Interval = checkoutWindow(c.since, c.dueAt, now);
    if (overlaps(out, window)) busy.push({ ...out, checkoutId: c.checkoutId });
  }
  for (const h of holdsOf(index.data())) {
    if (overlaps(h, window)) busy.push({ from: h.from, to: h.to, bookingId: h.bookingId });
  }
  busy.sort((a, b) => a.from - b.from);
  return { status: state.status, busy };
}
