// A new equipment item, whoever wrote it (the API, a CSV upload, a client app), gets its QR code:
// a PNG in Storage beside its document, and scanUrl, qrCodeUrl, qrCodePath, qrCodeGenerated,
// qrCodeGeneratedAt on the document. Idempotent (data/equipmentQr.ts): a second delivery
// uploads nothing and never overwrites a newer state. A failure is written onto the document
// (qrCodeError, qrCodeAttempts) and rethrown so the event is retried, EQUIPMENT_QR_MAX_ATTEMPTS
// times at most; then the error stays for a person, and regenerate or backfill fix it. An item a
// client app wrote past the organisation's item quota is marked `refused` instead (no code).
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { equipmentQrMaxAttempts } from '../config';
import { makeQrOnCreate, recordFailure } from '../data/equipmentQr';
import { equipmentQrOutcome, equipmentQrRefused } from '../logs';
import { giveUpWhenStale } from './retries';

export const equipmentCreated = onDocumentCreated(
  { document: 'organizations/{orgId}/equipment/{assetId}', retry: true },
  giveUpWhenStale(
    'equipmentCreated',
    async (event) => {
      const { orgId, assetId } = event.params;
      const result = await makeQrOnCreate(orgId, assetId, equipmentQrMaxAttempts());
      if (result.outcome === 'refused') {
        equipmentQrRefused({
          orgId,
          assetId,
          eventId: event.id,
          items: result.items,
          limit: result.limit,
        });
      } else {
        equipmentQrOutcome(result.outcome, { orgId, assetId, eventId: event.id });
      }
    },
    {
      // Say so on the item, so qr=failed and the backfill find it, instead of leaving it pending.
      onGiveUp: (event) =>
        recordFailure(
          event.params.orgId,
          event.params.assetId,
          new Error('The QR code was not made within an hour of the item being created'),
        ),
    },
  ),
);
