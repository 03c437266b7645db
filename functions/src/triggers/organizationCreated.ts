// A new organisation, however it was created, gets the default locations, exactly once.
import { logger } from 'firebase-functions';
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { addDefaultLocations } from '../data/locations';
import { isStaleEvent } from './retries';

export const organizationCreated = onDocumentCreated(
  { document: 'organizations/{orgId}', retry: true },
  async (event) => {
    const { orgId } = event.params;
    if (isStaleEvent(event.time)) {
      logger.error('org.default_locations.gave_up', { orgId, eventId: event.id, time: event.time });
      return;
    }
    const outcome = await addDefaultLocations(orgId);
    logger.info('org.default_locations', { orgId, eventId: event.id, outcome });
  },
);
