// The equipment room's clock, run every 15 minutes: checkouts past `dueAt` and bookings past
// `to` with items still out become `overdue`; reservations whose start passed BOOKING_NO_SHOW_HOURS
// ago without a checkout become `no_show` and free their items. Collection-group queries over
// every organisation, a page at a time; each change is a transaction that re-reads the document
// and changes it only if it still qualifies, so a duplicate or concurrent run changes nothing twice.
import { Timestamp } from 'firebase-admin/firestore';
import { bookingNoShowMs } from '../config';
import { AppError } from '../domain/errors';
import { SCHEDULE_STAMP } from './activityStamps';
import { endBooking } from './bookings';
import { db } from './firebase';

const PAGE = 200;

export interface SweepCounts {
  overdueCheckouts: number;
  overdueBookings: number;
  noShows: number;
}

/** Pages through a query's documents (ordered by `field`), applying `each` to every one. */
async function sweep(
  query: FirebaseFirestore.Query,
  field: string,
  each: (doc: FirebaseFirestore.QueryDocumentSnapshot) => Promise<boolean>,
): Promise<number> {
  let changed = 0;
  let after: FirebaseFirestore.QueryDocumentSnapshot | undefined;
  for (;;) {
    let q = query.orderBy(field).orderBy('__name__').limit(PAGE);
    if (after) q = q.startAfter(after);
    const snap = await q.get();
    for (const doc of snap.docs) if (await each(doc)) changed++;
    if (snap.size < PAGE) return changed;
    after = snap.docs[snap.docs.length - 1];
  }
}

/** Sets `status: overdue` when the document still has one of `from` and is past `field`. */
function markOverdue(field: string, from: string[], now: number) {
  return (doc: FirebaseFirestore.QueryDocumentSnapshot): Promise<boolean> =>
    db().runTransaction(async (tx) => {
      const d = (await tx.get(doc.ref)).data();
      const due = d?.[field];
      if (!d || !from.includes(String(d.status)) || !(due instanceof Timestamp)) return false;
      if (due.toMillis() > now) return false;
      tx.update(doc.ref, {
        status: 'overdue',
        overdueAt: Timestamp.fromMillis(now),
        updatedAt: Timestamp.fromMillis(now),
        ...SCHEDULE_STAMP,
      });
      return true;
    });
}

export async function sweepCustody(now = Date.now()): Promise<SweepCounts> {
  const at = Timestamp.fromMillis(now);
  const open = ['open', 'partially_returned'];
  const out = ['checked_out', 'partially_returned'];
  const overdueCheckouts = await sweep(
    db().collectionGroup('checkouts').where('status', 'in', open).where('dueAt', '<=', at),
    'dueAt',
    markOverdue('dueAt', open, now),
  );
  const overdueBookings = await sweep(
    db().collectionGroup('bookings').where('status', 'in', out).where('to', '<=', at),
    'to',
    markOverdue('to', out, now),
  );
  const noShowBefore = Timestamp.fromMillis(now - bookingNoShowMs());
  const noShows = await sweep(
    db()
      .collectionGroup('bookings')
      .where('status', '==', 'reserved')
      .where('from', '<=', noShowBefore),
    'from',
    async (doc) => {
      const orgId = doc.ref.parent.parent?.id;
      if (!orgId) return false;
      try {
        return (await endBooking(orgId, doc.id, 'no_show', 'schedule', now, 'schedule')).changed;
      } catch (err) {
        // Taken meanwhile (checked out, cancelled): a 409 booking_closed, not a no-show any more.
        if (err instanceof AppError && err.code === 'conflict') return false;
        throw err;
      }
    },
  );
  return { overdueCheckouts, overdueBookings, noShows };
}
