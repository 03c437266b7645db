// A new organisation, however it was created, gets the default locations, exactly once.
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { addDefaultLocations } from '../data/locations';
import { orgDefaultLocations } from '../logs';
import { giveUpWhenStale } from './retries';

export const organizationCreated = onDocumentCreated(
  { document: 'organizations/{orgId}', retry: true },
  giveUpWhenStale('organizationCreated', async (event) => {
    const { orgId } = event.params;
    const outcome = await addDefaultLocations(orgId);
    orgDefaultLocations({ orgId, eventId: event.id, outcome });
  }),
);
