// A new standalone code gets its PNG in Storage, beside its document, and the document gets the
// PNG's path and download URL. Idempotent: a second delivery finds the object (a generation
// precondition) and writes the same URL; a code deleted meanwhile leaves no object behind.
import { logger } from 'firebase-functions';
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { renderPng } from '../domain/qr';
import { qrCodeStoragePrefix } from '../data/paths';
import { setQrCodePng } from '../data/qrCodes';
import { bucket, saveObject } from '../data/storage';
import { isStaleEvent } from './retries';

export const QR_PNG_CACHE_CONTROL = 'public, max-age=86400';

export const qrCodeCreated = onDocumentCreated(
  { document: 'organizations/{orgId}/qrCodes/{qrId}', retry: true },
  async (event) => {
    const { orgId, qrId } = event.params;
    const data = event.data?.data();
    if (!data || typeof data.data !== 'string' || typeof data.pngPath === 'string') return;
    if (isStaleEvent(event.time)) {
      logger.error('qr.png.gave_up', { orgId, qrId, eventId: event.id, time: event.time });
      return;
    }
    const path = `${qrCodeStoragePrefix(orgId, qrId)}qr.png`;
    const png = await saveObject(path, renderPng(data.data), {
      contentType: 'image/png',
      cacheControl: QR_PNG_CACHE_CONTROL,
      onlyIfAbsent: true,
    });
    if (!(await setQrCodePng(orgId, qrId, png))) {
      await bucket().file(path).delete({ ignoreNotFound: true });
      logger.info('qr.png.code_deleted', { orgId, qrId, eventId: event.id });
      return;
    }
    logger.info('qr.png.stored', { orgId, qrId, path, eventId: event.id });
  },
);
