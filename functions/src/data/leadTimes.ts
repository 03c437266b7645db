// Lead times of item-suppliers, learned from their own received reorders: days from orderedAt
// to the first receipt, over the newest LEAD_TIME_RECEIPTS of them. Recomputed from the
// reorders every time (never incremented), so running it twice, or after a missed event, gives
// the same numbers. The receipt trigger recomputes one item-supplier at once; the schedule
// visits those marked by a receipt since its last run and repairs anything missed.
import { FieldPath, Timestamp, type QueryDocumentSnapshot } from 'firebase-admin/firestore';
import { leadDays, leadTimeStats, type LeadTimeStats } from '../domain/stock';
import { db } from './firebase';
import { ITEM_SUPPLIERS, itemSuppliersRef, leadTimeRunRef, reordersRef } from './paths';

/** Recomputes one item-supplier's lead time from its reorders; null when none was received. */
export async function recomputeLeadTime(
  orgId: string,
  sku: string,
  supplierId: string,
  receipts: number,
): Promise<LeadTimeStats | null> {
  const snap = await reordersRef(orgId)
    .where('sku', '==', sku)
    .where('supplierId', '==', supplierId)
    .orderBy('firstReceivedAt', 'desc')
    .limit(receipts)
    .select('orderedAt', 'firstReceivedAt')
    .get();
  const days = snap.docs
    .filter((d) => d.get('orderedAt') instanceof Timestamp)
    .map((d) =>
      leadDays(
        (d.get('orderedAt') as Timestamp).toDate(),
        (d.get('firstReceivedAt') as Timestamp).toDate(),
      ),
    );
  const stats = leadTimeStats(days);
  const ref = itemSuppliersRef(orgId, sku).doc(supplierId);
  await ref.set(
    { orgId, sku, supplierId, leadTime: stats ? { ...stats, updatedAt: Timestamp.now() } : null },
    { merge: true },
  );
  return stats;
}

/** How far before its mark a run looks again: receipts committed out of clock order. */
export const OVERLAP_MS = 5 * 60 * 1000;

export interface LeadTimeRun {
  visited: number;
  updated: number;
  pages: number;
  since: string;
  mark: string | null;
}

/**
 * The schedule's work: every item-supplier whose receiptMarkedAt is after the last run's mark
 * (less the overlap) and not after `now`, page by page (a collection-group query on the marker,
 * indexed), recomputed. The mark then moves to the newest marker seen, the data's time rather
 * than the clock's, so a run with a clock moved forward misses nothing later.
 */
export async function runLeadTimes(opts: {
  now?: Date;
  receipts: number;
  pageSize?: number;
}): Promise<LeadTimeRun> {
  const now = opts.now ?? new Date();
  const pageSize = opts.pageSize ?? 300;
  const state = await leadTimeRunRef().get();
  const mark = state.get('mark');
  const since = mark instanceof Timestamp ? new Date(mark.toMillis() - OVERLAP_MS) : new Date(0);
  let newest: Timestamp | undefined = mark instanceof Timestamp ? mark : undefined;
  let after: QueryDocumentSnapshot | undefined;
  const run: LeadTimeRun = {
    visited: 0,
    updated: 0,
    pages: 0,
    since: since.toISOString(),
    mark: null,
  };
  for (;;) {
    let query = db()
      .collectionGroup(ITEM_SUPPLIERS)
      .where('receiptMarkedAt', '>', Timestamp.fromDate(since))
      .where('receiptMarkedAt', '<=', Timestamp.fromDate(now))
      .orderBy('receiptMarkedAt')
      .orderBy(FieldPath.documentId())
      .limit(pageSize);
    if (after) query = query.startAfter(after);
    const docs = (await query.get()).docs;
    run.pages++;
    await Promise.all(
      docs.map(async (doc) => {
        const orgId = String(doc.get('orgId') ?? doc.ref.parent.parent?.parent.parent?.id);
        const sku = String(doc.get('sku') ?? doc.ref.parent.parent?.id);
        const stats = await recomputeLeadTime(orgId, sku, doc.id, opts.receipts);
        run.visited++;
        if (stats) run.updated++;
        const at = doc.get('receiptMarkedAt') as Timestamp;
        if (!newest || at.toMillis() > newest.toMillis()) newest = at;
      }),
    );
    if (docs.length < pageSize) break;
    after = docs[docs.length - 1];
  }
  if (newest)
    await leadTimeRunRef().set(
      { mark: newest, lastRunAt: Timestamp.fromDate(now) },
      { merge: true },
    );
  run.mark = newest ? newest.toDate().toISOString() : null;
  return run;
}
