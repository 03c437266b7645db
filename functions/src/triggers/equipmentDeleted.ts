// An equipment item deleted by anyone (a client app under the rules, the API, a script) leaves
// nothing behind: its Storage objects (QR PNG, imported images, photos) and its scan token go
// with it. The API's DELETE runs the same cleanup at once; running it twice removes nothing twice
// (missing objects and documents are simply skipped).
import { logger } from 'firebase-functions';
import { onDocumentDeleted } from 'firebase-functions/v2/firestore';
import { equipmentExists, removeEquipmentArtifacts } from '../data/equipment';
import { isStaleEvent } from './retries';

export const equipmentDeleted = onDocumentDeleted(
  { document: 'organizations/{orgId}/equipment/{assetId}', retry: true },
  async (event) => {
    const { orgId, assetId } = event.params;
    if (isStaleEvent(event.time)) {
      logger.error('equipment.cleanup.gave_up', { orgId, assetId, eventId: event.id });
      return;
    }
    // An id can come back (a caller-chosen assetId, a re-uploaded export): a late or retried
    // event must not remove the files of the item that now has it.
    if (await equipmentExists(orgId, assetId)) {
      logger.info('equipment.cleanup.skipped_recreated', { orgId, assetId, eventId: event.id });
      return;
    }
    await removeEquipmentArtifacts(orgId, assetId, event.data?.get('scanToken'));
    logger.info('equipment.cleanup', { orgId, assetId, eventId: event.id });
  },
);
