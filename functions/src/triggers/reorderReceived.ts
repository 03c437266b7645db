// A receipt updates its item-supplier's lead time at once: any write of a reorder whose
// receipts or first receipt changed recomputes that item-supplier from its reorders
// (data/leadTimes.ts), so a second delivery writes the same numbers. The daily schedule
// (scheduled/leadTimeSchedule.ts) is the backstop for an event that never arrived.
import { onDocumentUpdated } from 'firebase-functions/v2/firestore';
import { leadTimeReceipts } from '../config';
import { recomputeLeadTime } from '../data/leadTimes';
import { stockLeadTime } from '../logs';
import { giveUpWhenStale } from './retries';

const receiptCount = (d: FirebaseFirestore.DocumentData | undefined): number =>
  Array.isArray(d?.receipts) ? (d.receipts as unknown[]).length : 0;

export const reorderReceived = onDocumentUpdated(
  { document: 'organizations/{orgId}/reorders/{reorderId}', retry: true },
  giveUpWhenStale('reorderReceived', async (event) => {
    const before = event.data?.before.data();
    const after = event.data?.after.data();
    if (!after || receiptCount(after) === receiptCount(before)) return;
    const { orgId, reorderId } = event.params;
    const sku = String(after.sku);
    const supplierId = String(after.supplierId);
    const stats = await recomputeLeadTime(orgId, sku, supplierId, leadTimeReceipts());
    stockLeadTime({
      orgId,
      sku,
      supplierId,
      reorderId,
      eventId: event.id,
      samples: stats?.samples ?? 0,
      averageDays: stats?.averageDays ?? null,
    });
  }),
);
