// A new standalone code gets its PNG in Storage, beside its document, and the document gets the
// PNG's path and download URL. Idempotent: a second delivery finds the object (a generation
// precondition) and writes the same URL; a code deleted meanwhile leaves no object behind.
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { storeQrCodePng } from '../data/qrCodes';
import { qrPngCodeDeleted, qrPngStored } from '../logs';
import { giveUpWhenStale } from './retries';

/** Nothing to do: no text to encode, or the PNG is stored already. */
function hasNoWork(data: FirebaseFirestore.DocumentData | undefined): boolean {
  return !data || typeof data.data !== 'string' || typeof data.pngPath === 'string';
}

export const qrCodeCreated = onDocumentCreated(
  { document: 'organizations/{orgId}/qrCodes/{qrId}', retry: true },
  giveUpWhenStale(
    'qrCodeCreated',
    async (event) => {
      const { orgId, qrId } = event.params;
      const data = event.data?.data();
      if (hasNoWork(data)) return;
      const ids = { orgId, qrId, eventId: event.id };
      const stored = await storeQrCodePng(orgId, qrId, String(data?.data));
      if (stored.outcome === 'stored') qrPngStored({ ...ids, path: stored.path });
      else qrPngCodeDeleted(ids);
    },
    { exempt: (event) => hasNoWork(event.data?.data()) },
  ),
);
