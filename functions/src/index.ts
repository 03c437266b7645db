// Every deployed function, one line each. Options shared by all of them are set here.
import { setGlobalOptions } from 'firebase-functions/v2';
import { REGION } from './config';

setGlobalOptions({ region: REGION });

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
