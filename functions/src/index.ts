// Every deployed function, one line each. Options shared by all of them are set here.
import { setGlobalOptions } from 'firebase-functions/v2';
import { REGION, TRIGGER_MAX_INSTANCES } from './config';

// Every trigger and schedule scales to TRIGGER_MAX_INSTANCES at most (a bound on what a burst of
// writes can cost); `api` and the image work (equipmentImageImport, equipmentPhotoFinalized)
// set their own.
setGlobalOptions({ region: REGION, maxInstances: TRIGGER_MAX_INSTANCES });

export { api } from './http/api';
export { organizationCreated } from './triggers/organizationCreated';
export { qrCodeCreated } from './triggers/qrCodeCreated';
export { tagPoolCreated } from './triggers/tagPoolCreated';
export { equipmentImageSync } from './triggers/equipmentImageSync';
export { equipmentCreated } from './triggers/equipmentCreated';
export { qrJobCreated } from './triggers/qrJobCreated';
export { equipmentDeleted } from './triggers/equipmentDeleted';
export { cleanupExpiredQrCodes } from './scheduled/cleanupExpiredQrCodes';
export { batchCreated } from './triggers/batchCreated';
export { prepJobQueued } from './triggers/prepJobQueued';
export { sweepPrepJobs } from './scheduled/sweepPrepJobs';
export { scanEventCreated } from './triggers/scanEventsCreated';
export { custodySweep } from './scheduled/custodySweep';
export { equipmentImageImport } from './tasks/imageImportTask';
export { equipmentPhotoFinalized, equipmentPhotoDeleted } from './triggers/photosStorage';
export { deliverWebhooks } from './tasks/deliveries';
export { sweepWebhookOutboxes } from './scheduled/sweepWebhookOutboxes';
export { eventsEquipment } from './triggers/events';
export { eventsMembers } from './triggers/events';
export { eventsApiKeys } from './triggers/events';
export { eventsInvitations } from './triggers/events';
export { eventsLocations } from './triggers/events';
export { eventsQrCodes } from './triggers/events';
export { eventsTags } from './triggers/events';
export { eventsTagPools } from './triggers/events';
export { eventsMasters } from './triggers/events';
export { eventsOrders } from './triggers/events';
export { eventsCheckouts } from './triggers/events';
export { eventsBookings } from './triggers/events';
export { eventsStockItems } from './triggers/events';
export { eventsStockMovements } from './triggers/events';
export { eventsReorders } from './triggers/events';
export { eventsSuppliers } from './triggers/events';
export { eventsAudits } from './triggers/events';
export { eventsScanEvents } from './triggers/events';
export { eventsWebhooks } from './triggers/events';
export { stockMovementCreated } from './triggers/stockMovementCreated';
export { reorderReceived } from './triggers/reorderReceived';
export { leadTimeSchedule } from './scheduled/leadTimeSchedule';
export { stockItemImageSync } from './triggers/stockItemImageSync';
export { backfillProductCodes } from './scheduled/backfillProductCodes';
