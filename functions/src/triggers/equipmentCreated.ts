// A new equipment item, whoever wrote it (the API, a CSV upload, a client app), gets its QR code:
// a PNG in Storage beside its document, and scanUrl, qrCodeUrl, qrCodePath, qrCodeGenerated,
// qrCodeGeneratedAt on the document. Idempotent (data/equipmentQr.ts): a second delivery
// uploads nothing and never overwrites a newer state. A failure is written onto the document
// (qrCodeError, qrCodeAttempts) and rethrown so the event is retried, EQUIPMENT_QR_MAX_ATTEMPTS
// times at most; then the error stays for a person, and regenerate or backfill fix it.
import { logger } from 'firebase-functions';
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { equipmentQrMaxAttempts } from '../config';
import { makeQrOnCreate, recordFailure } from '../data/equipmentQr';
import { isStaleEvent } from './retries';

export const equipmentCreated = onDocumentCreated(
  { document: 'organizations/{orgId}/equipment/{assetId}', retry: true },
  async (event) => {
    const { orgId, assetId } = event.params;
    if (isStaleEvent(event.time)) {
      // Say so on the item, so qr=failed and the backfill find it, instead of leaving it pending.
      await recordFailure(
        orgId,
        assetId,
        new Error('The QR code was not made within an hour of the item being created'),
      );
      logger.error('equipment.qr.gave_up_stale', { orgId, assetId, eventId: event.id });
      return;
    }
    const result = await makeQrOnCreate(orgId, assetId, equipmentQrMaxAttempts());
    if (result.outcome === 'gave-up') {
      logger.error('equipment.qr.gave_up', { orgId, assetId, eventId: event.id });
    } else {
      logger.info(`equipment.qr.${result.outcome}`, { orgId, assetId, eventId: event.id });
    }
  },
);
