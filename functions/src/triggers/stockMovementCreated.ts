// Low stock, explained: a movement that leaves its item at or below the reorder point makes a
// draft reorder for the preferred supplier, with the numbers and the rule that fired. Whoever
// wrote the movement; at most one open request per item (data/reorders.ts draftIfLow: the
// item's lock and a draft id derived from the movement), so a duplicated event, or ten
// movements crossing the point at once, make one draft.
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { draftIfLow } from '../data/reorders';
import { stockLowStock } from '../logs';
import { giveUpWhenStale } from './retries';

export const stockMovementCreated = onDocumentCreated(
  { document: 'organizations/{orgId}/stockItems/{sku}/movements/{movementId}', retry: true },
  giveUpWhenStale('stockMovementCreated', async (event) => {
    const { orgId, sku, movementId } = event.params;
    const after = event.data?.get('after');
    const point = event.data?.get('reorderPoint');
    // A movement that went up and ended above the point cannot have made the item low.
    if (typeof after === 'number' && typeof point === 'number' && after > point) return;
    const result = await draftIfLow(orgId, sku, movementId);
    stockLowStock({
      orgId,
      sku,
      movementId,
      eventId: event.id,
      outcome: result.outcome,
      ...('reorderId' in result ? { reorderId: result.reorderId } : {}),
      ...('reason' in result ? { rule: result.reason.rule } : {}),
    });
  }),
);
