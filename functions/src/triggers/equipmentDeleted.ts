// An equipment item deleted by anyone (a client app under the rules, the API, a script) leaves
// nothing behind: its Storage objects (QR PNG, imported images, photos) and its scan token go
// with it. The API's DELETE runs the same cleanup at once; running it twice removes nothing twice
// (missing objects and documents are simply skipped).
import { onDocumentDeleted } from 'firebase-functions/v2/firestore';
import { equipmentExists, removeEquipmentArtifacts } from '../data/equipment';
import { equipmentCleanup, equipmentCleanupSkippedRecreated } from '../logs';
import { giveUpWhenStale } from './retries';

export const equipmentDeleted = onDocumentDeleted(
  { document: 'organizations/{orgId}/equipment/{assetId}', retry: true },
  giveUpWhenStale('equipmentDeleted', async (event) => {
    const { orgId, assetId } = event.params;
    const ids = { orgId, assetId, eventId: event.id };
    // An id can come back (a caller-chosen assetId, a re-uploaded export): a late or retried
    // event must not remove the files of the item that now has it.
    if (await equipmentExists(orgId, assetId)) {
      equipmentCleanupSkippedRecreated(ids);
      return;
    }
    await removeEquipmentArtifacts(orgId, assetId, event.data?.get('scanToken'));
    equipmentCleanup(ids);
  }),
);
