// Client-uploaded equipment photos (`organizations/{orgId}/equipment/{assetId}/photos/{file}`)
// get the imported image's treatment (domain/imageConvert.ts: type from the bytes, pixel limit,
// EXIF orientation applied, metadata stripped, WebP at most 1600 px and a 256 px thumbnail) and
// are listed in the item's `photos` field.
//
// The treated WebP replaces the upload at its own path, so the path the app chose stays the
// photo's name and the original (with its GPS position) is gone. That write is itself a
// Storage event: the entry records the MD5 of the WebP before the WebP is written, and an event
// whose object has that MD5 is recognised as the function's own. Every write of the object is
// conditional on the generation that was converted, so a newer upload is never overwritten with
// an older one's result; a second delivery of an event finds a newer generation (ours) and
// does nothing.
import { createHash, randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { imageImportLimits } from '../config';
import { convertImage } from '../domain/imageConvert';
import {
  isPhotoOfItem,
  photoFits,
  photosOf,
  withoutPhoto,
  withPhoto,
  type StoredPhoto,
} from '../domain/photos';
import { AppError } from '../domain/errors';
import { db } from './firebase';
import { isStoragePreconditionFailed } from './firestoreErrors';
import { equipmentPhotoThumbPath, equipmentRef, parseEquipmentPhotoPath } from './paths';
import { bucket, downloadUrl, saveObject } from './storage';
import { IMAGE_CACHE_CONTROL } from './equipmentImages';
import { quotaLimits, spendDaily } from './quotas';
import { iso } from './timestamps';

/** What a Storage event says of the object (the JSON API's object resource). */
export interface ObjectEventData {
  name: string;
  generation: string | number;
  md5Hash?: string;
  contentType?: string;
  timeCreated?: string;
  metadata?: Record<string, string> | null;
}

/** A photo as the API shows it: the stored entry without the trigger's own fields. */
export type EquipmentPhoto = Omit<StoredPhoto, 'at' | 'md5' | 'thumbnailPath'> & {
  at: string | null;
};

export function toEquipmentPhotos(value: unknown): EquipmentPhoto[] {
  return photosOf(value).map((p) => ({
    path: p.path,
    url: p.url,
    thumbnailUrl: p.thumbnailUrl,
    width: p.width,
    height: p.height,
    uploadedBy: typeof p.uploadedBy === 'string' ? p.uploadedBy : null,
    at: iso(p.at),
  }));
}

export type PhotoOutcome =
  | { outcome: 'ready'; photo: StoredPhoto<Timestamp> }
  | { outcome: 'not_a_photo' | 'own' | 'superseded' | 'no_item' | 'gone' }
  | { outcome: 'refused'; reason: string };

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('base64');

const photoLocation = (name: string) => {
  const loc = parseEquipmentPhotoPath(name);
  return loc && isPhotoOfItem(loc) ? loc : null;
};

/** Treats one finalized object, if it is an equipment photo the function has not written. */
export async function importUploadedPhoto(object: ObjectEventData): Promise<PhotoOutcome> {
  const loc = photoLocation(object.name);
  if (!loc) return { outcome: 'not_a_photo' };
  const item = equipmentRef(loc.orgId).doc(loc.assetId);
  const snap = await item.get();
  const listed = photosOf(snap.get('photos')).find((p) => p.path === object.name);
  if (listed && object.md5Hash !== undefined && listed.md5 === object.md5Hash) {
    return { outcome: 'own' };
  }
  const file = bucket().file(object.name);
  let bytes: Buffer;
  try {
    [bytes] = await file.download();
    const [meta] = await file.getMetadata();
    // Read after the download: if it is still the event's generation, so were the bytes.
    if (String(meta.generation) !== String(object.generation)) return { outcome: 'superseded' };
  } catch (err) {
    if ((err as { code?: unknown }).code === 404) return { outcome: 'gone' };
    throw err;
  }
  // storage.rules let apps upload only for an existing item: it was deleted meanwhile (its
  // delete trigger removes the item's objects), or a function or script wrote the object. Left
  // as it is, unlisted.
  if (!snap.exists) return { outcome: 'no_item' };
  if (!photoFits(photosOf(snap.get('photos')), object.name)) {
    await deleteIfGeneration(object.name, object.generation);
    return { outcome: 'refused', reason: 'the item already lists the most photos it may' };
  }
  // Each treatment is CPU and two writes the project pays for: counted per organisation and day.
  try {
    const quota = (await quotaLimits(loc.orgId)).photosPerDay;
    await spendDaily(loc.orgId, 'photosPerDay', 1, quota);
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'quota_exceeded') throw err;
    await deleteIfGeneration(object.name, object.generation);
    return { outcome: 'refused', reason: err.message };
  }
  const limits = imageImportLimits();
  // An ImageError (not an image, too many pixels, undecodable) is the caller's to report.
  const image = await convertImage(bytes, {
    maxPixels: limits.maxPixels,
    contentType: object.contentType,
  });
  const thumbnailPath = equipmentPhotoThumbPath(loc.orgId, loc.assetId, loc.fileName);
  const thumb = await saveObject(thumbnailPath, image.thumb.bytes, {
    contentType: 'image/webp',
    cacheControl: IMAGE_CACHE_CONTROL,
  });
  const token = randomUUID();
  const uploadedBy = object.metadata?.uploadedBy;
  const at = object.timeCreated
    ? Timestamp.fromDate(new Date(object.timeCreated))
    : Timestamp.now();
  const photo: StoredPhoto<Timestamp> = {
    path: object.name,
    url: downloadUrl(bucket().name, object.name, token),
    thumbnailUrl: thumb.url,
    width: image.full.width,
    height: image.full.height,
    uploadedBy: typeof uploadedBy === 'string' && uploadedBy !== '' ? uploadedBy : null,
    at,
    md5: md5(image.full.bytes),
    thumbnailPath,
  };
  // The entry first: the write of the WebP below is an event that must find it.
  const listedNow = await db().runTransaction(async (tx) => {
    const current = await tx.get(item);
    if (!current.exists) return false;
    const list = photosOf(current.get('photos')) as StoredPhoto<Timestamp>[];
    tx.update(item, { photos: withPhoto(list, photo) });
    return true;
  });
  if (!listedNow) return { outcome: 'no_item' };
  try {
    await file.save(image.full.bytes, {
      resumable: false,
      contentType: 'image/webp',
      metadata: {
        cacheControl: IMAGE_CACHE_CONTROL,
        metadata: {
          firebaseStorageDownloadTokens: token,
          ...(photo.uploadedBy ? { uploadedBy: photo.uploadedBy } : {}),
        },
      },
      preconditionOpts: { ifGenerationMatch: Number(object.generation) },
    });
  } catch (err) {
    // A newer upload arrived meanwhile: its own event lists it, replacing this entry.
    if (isStoragePreconditionFailed(err)) return { outcome: 'superseded' };
    throw err;
  }
  return { outcome: 'ready', photo };
}

/**
 * A deleted object that was an equipment photo leaves the item's list, with its thumbnail.
 * Nothing happens while an object is at the path again (the WebP that replaced the upload, or a
 * new upload): the delete was of an older generation.
 */
export async function removeDeletedPhoto(
  object: ObjectEventData,
): Promise<'removed' | 'not_listed' | 'replaced' | 'not_a_photo'> {
  const loc = photoLocation(object.name);
  if (!loc) return 'not_a_photo';
  const [exists] = await bucket().file(object.name).exists();
  if (exists) return 'replaced';
  const item = equipmentRef(loc.orgId).doc(loc.assetId);
  const removed = await db().runTransaction(async (tx) => {
    const snap = await tx.get(item);
    const list = photosOf(snap.get('photos'));
    if (!snap.exists || !list.some((p) => p.path === object.name)) return false;
    tx.update(item, { photos: withoutPhoto(list, object.name) });
    return true;
  });
  await bucket()
    .file(equipmentPhotoThumbPath(loc.orgId, loc.assetId, loc.fileName))
    .delete({ ignoreNotFound: true });
  return removed ? 'removed' : 'not_listed';
}

async function deleteIfGeneration(name: string, generation: string | number): Promise<void> {
  try {
    await bucket()
      .file(name)
      .delete({ ifGenerationMatch: Number(generation), ignoreNotFound: true });
  } catch (err) {
    if (!isStoragePreconditionFailed(err)) throw err;
  }
}
