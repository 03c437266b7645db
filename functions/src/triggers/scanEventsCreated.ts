// The scan ledger's trigger: every scan event a client app writes (online, or queued offline and
// synced later) is applied once and gets its result (data/ledger.ts). The result is written in
// the effect's own transaction, so a second delivery, or the delivery that follows an event the
// bulk API wrote with its result, changes nothing.
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { applyStoredScanEvent, markScanEventGaveUp } from '../data/ledger';
import { ledgerEventApplied } from '../logs';
import { giveUpWhenStale } from './retries';

export const scanEventCreated = onDocumentCreated(
  { document: 'organizations/{orgId}/scanEvents/{scanId}', retry: true },
  giveUpWhenStale(
    'scanEventCreated',
    async (event) => {
      const { orgId, scanId } = event.params;
      const data = event.data?.data();
      // Written by the bulk API with its result: applied there already; nothing to read.
      if (!data || data.result) return;
      const started = Date.now();
      const { result, fresh } = await applyStoredScanEvent(orgId, scanId, data, event.time);
      ledgerEventApplied({
        orgId,
        scanId,
        type: String(data.type),
        status: result.status,
        ...(result.reason ? { reason: result.reason } : {}),
        source: 'trigger',
        fresh,
        durationMs: Date.now() - started,
      });
    },
    { onGiveUp: (event) => markScanEventGaveUp(event.params.orgId, event.params.scanId) },
  ),
);
