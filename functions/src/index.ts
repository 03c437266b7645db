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
export { stockMovementCreated } from './triggers/stockMovementCreated';
export { reorderReceived } from './triggers/reorderReceived';
export { leadTimeSchedule } from './scheduled/leadTimeSchedule';
export { stockItemImageSync } from './triggers/stockItemImageSync';
