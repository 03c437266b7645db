// Storage triggers for client-uploaded equipment photos (data/photos.ts does the work):
// equipmentPhotoFinalized treats each new upload and lists it on the item;
// equipmentPhotoDeleted takes a deleted photo off the list. Both fire for every object of the
// default bucket (Storage triggers filter by bucket only) and return at once for any object
// that is not `organizations/{orgId}/equipment/{assetId}/photos/{fileName}`.
//
// Retried (retry: true) when Firestore or Storage fail; a file that is not an importable image
// is not retried: it stays unlisted and the log says why. Idempotent: see data/photos.ts.
import {
  onObjectDeleted,
  onObjectFinalized,
  type StorageEvent,
} from 'firebase-functions/v2/storage';
import { IMAGE_IMPORT_CONCURRENCY, IMAGE_IMPORT_MAX_INSTANCES } from '../config';
import { ImageError } from '../domain/imageConvert';
import { importUploadedPhoto, removeDeletedPhoto, type ObjectEventData } from '../data/photos';
import { equipmentPhotoOutcome, equipmentPhotoRefused } from '../logs';
import { giveUpWhenStale, type RetriedEvent } from './retries';

type PhotoEvent = RetriedEvent & { object: ObjectEventData };

/** The parts of a Storage event the handlers use, in the shape giveUpWhenStale wants. */
function photoEvent(event: StorageEvent): PhotoEvent {
  const d = event.data;
  const metadata = d.metadata && typeof d.metadata === 'object' ? d.metadata : null;
  return {
    id: event.id,
    time: event.time,
    params: { object: d.name },
    object: {
      name: d.name,
      generation: d.generation,
      md5Hash: d.md5Hash,
      contentType: d.contentType,
      timeCreated: d.timeCreated instanceof Date ? d.timeCreated.toISOString() : d.timeCreated,
      metadata,
    },
  };
}

const finalized = giveUpWhenStale('equipmentPhotoFinalized', async (e: PhotoEvent) => {
  try {
    const result = await importUploadedPhoto(e.object);
    if (result.outcome === 'not_a_photo') return;
    if (result.outcome === 'refused') {
      equipmentPhotoRefused({ path: e.object.name, eventId: e.id, reason: result.reason });
      return;
    }
    equipmentPhotoOutcome({ path: e.object.name, eventId: e.id, outcome: result.outcome });
  } catch (err) {
    if (!(err instanceof ImageError)) throw err;
    equipmentPhotoRefused({ path: e.object.name, eventId: e.id, reason: err.message });
  }
});

const deleted = giveUpWhenStale('equipmentPhotoDeleted', async (e: PhotoEvent) => {
  const outcome = await removeDeletedPhoto(e.object);
  if (outcome !== 'not_a_photo') {
    equipmentPhotoOutcome({ path: e.object.name, eventId: e.id, outcome });
  }
});

export const equipmentPhotoFinalized = onObjectFinalized(
  {
    retry: true,
    // As the image import: a 50-megapixel photo decodes to 200 MB.
    timeoutSeconds: 120,
    memory: '1GiB',
    cpu: 1,
    concurrency: IMAGE_IMPORT_CONCURRENCY,
    maxInstances: IMAGE_IMPORT_MAX_INSTANCES,
  },
  (event) => finalized(photoEvent(event)),
);

export const equipmentPhotoDeleted = onObjectDeleted({ retry: true }, (event) =>
  deleted(photoEvent(event)),
);
