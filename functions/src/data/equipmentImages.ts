// The imported image of an equipment item: the `image` field of
// organizations/{orgId}/equipment/{assetId} and its two Storage objects. Every step is a small
// transaction that first checks the import is still the one the document wants, so an import
// for an older URL never overwrites the result for a newer one, and a second delivery of an
// event imports nothing twice.
//
// Ownership: each import has an `importId` (from its event id) and stores its files in its own
// folder `.../image/{importId}/`. Files are written once and never overwritten, so two imports
// that overlap cannot clobber each other; whoever drops a folder from the document (a newer
// import, a clear, a re-import request) deletes that folder, and an import that lost deletes
// its own.
import { randomUUID } from 'node:crypto';
import { FieldValue, Timestamp, type DocumentData } from 'firebase-admin/firestore';
import { AppError, conflict } from '../domain/errors';
import { db } from './firebase';
import { equipmentImageFolder, equipmentRef, imageFolder, orgRef } from './paths';
import { deletePrefix, saveObject, type StoredObject } from './storage';
import { iso } from './timestamps';

export const IMAGE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export type ImageStatus = 'pending' | 'ready' | 'failed';

/** What the document asks for: the URL and, after an import-image request, its id. */
export interface WantedImage {
  sourceUrl: string;
  requestId: string | null;
}

/** The image field as the API shows it. */
export interface EquipmentImage {
  status: ImageStatus;
  sourceUrl: string;
  url: string | null;
  thumbnailUrl: string | null;
  width: number | null;
  height: number | null;
  thumbnailWidth: number | null;
  thumbnailHeight: number | null;
  contentType: string | null;
  sourceContentType: string | null;
  bytes: number | null;
  importedAt: string | null;
  attempts: number;
  error: string | null;
  requestedAt: string | null;
}

/**
 * Which documents have imported images: equipment items and stock items (same `imageUrl` and
 * `image` fields, Storage folders under each document's own path).
 */
export type ImageOwner = 'equipment' | 'stockItems';

const itemRef = (orgId: string, assetId: string, owner: ImageOwner) =>
  owner === 'equipment'
    ? equipmentRef(orgId).doc(assetId)
    : orgRef(orgId).collection('stockItems').doc(assetId);

function imageOf(data: DocumentData | undefined): DocumentData | undefined {
  const image: unknown = data?.image;
  return typeof image === 'object' && image !== null ? (image as DocumentData) : undefined;
}

/** The URL a document wants imported, or null (absent, empty or not text). */
export function wantedUrl(data: DocumentData | undefined): string | null {
  const url: unknown = data?.imageUrl;
  return typeof url === 'string' && url.trim() !== '' ? url : null;
}

/** The import-image request id a document carries, or null. */
export function wantedRequestId(data: DocumentData | undefined): string | null {
  const id: unknown = imageOf(data)?.requestId;
  return typeof id === 'string' ? id : null;
}

const text = (v: unknown) => (typeof v === 'string' ? v : null);
const num = (v: unknown) => (typeof v === 'number' ? v : null);

export function toEquipmentImage(data: DocumentData | undefined): EquipmentImage | null {
  const image = imageOf(data);
  if (!image) return null;
  return {
    status: (['pending', 'ready', 'failed'] as const).includes(image.status)
      ? (image.status as ImageStatus)
      : 'pending',
    sourceUrl: String(image.sourceUrl ?? ''),
    url: text(image.url),
    thumbnailUrl: text(image.thumbnailUrl),
    width: num(image.width),
    height: num(image.height),
    thumbnailWidth: num(image.thumbnailWidth),
    thumbnailHeight: num(image.thumbnailHeight),
    contentType: text(image.contentType),
    sourceContentType: text(image.sourceContentType),
    bytes: num(image.bytes),
    importedAt: iso(image.importedAt),
    attempts: num(image.attempts) ?? 0,
    error: text(image.error),
    requestedAt: iso(image.requestedAt),
  };
}

/** Fields of an image that is not (yet) stored. */
const EMPTY_RESULT = {
  url: null,
  thumbnailUrl: null,
  width: null,
  height: null,
  thumbnailWidth: null,
  thumbnailHeight: null,
  contentType: null,
  sourceContentType: null,
  bytes: null,
  importedAt: null,
  path: null,
};

function isCurrent(data: DocumentData | undefined, want: WantedImage): boolean {
  return (
    data !== undefined &&
    wantedUrl(data) === want.sourceUrl &&
    wantedRequestId(data) === want.requestId
  );
}

export type StartOutcome =
  { outcome: 'go'; attempts: number } | { outcome: 'superseded' | 'done' | 'busy' };

/**
 * Claims the import for `importId`: the document shows `pending`. Outcomes: `superseded` (the
 * document wants something else now), `done` (this URL is already imported, or this delivery
 * already failed for good), `busy` (another delivery of the same event holds the claim).
 * A folder of an earlier import that the document drops is deleted.
 */
export async function startImport(
  orgId: string,
  assetId: string,
  want: WantedImage,
  importId: string,
  leaseMs: number,
  owner: ImageOwner = 'equipment',
): Promise<StartOutcome> {
  const ref = itemRef(orgId, assetId, owner);
  let obsolete: string | null = null;
  const result = await db().runTransaction(async (tx): Promise<StartOutcome> => {
    obsolete = null;
    const data = (await tx.get(ref)).data();
    if (!isCurrent(data, want)) return { outcome: 'superseded' };
    const image = imageOf(data);
    if (image?.status === 'ready' && image.sourceUrl === want.sourceUrl) return { outcome: 'done' };
    const mine = image?.importId === importId;
    if (mine && image?.status === 'failed') return { outcome: 'done' };
    const now = Timestamp.now();
    if (mine && image?.leaseUntil instanceof Timestamp && image.leaseUntil > now) {
      return { outcome: 'busy' };
    }
    const attempts = mine ? (num(image?.attempts) ?? 0) + 1 : 1;
    if (image && !mine && typeof image.path === 'string') obsolete = image.path;
    tx.update(ref, {
      image: {
        ...EMPTY_RESULT,
        status: 'pending',
        sourceUrl: want.sourceUrl,
        requestId: want.requestId,
        requestedAt: want.requestId ? (image?.requestedAt ?? null) : null,
        requestedBy: want.requestId ? (image?.requestedBy ?? null) : null,
        attempts,
        // A retry keeps the last error visible until it succeeds or fails for good.
        error: mine ? (text(image?.error) ?? null) : null,
        importId,
        leaseUntil: Timestamp.fromMillis(now.toMillis() + leaseMs),
        updatedAt: now,
      },
    });
    return { outcome: 'go', attempts };
  });
  if (obsolete) await deletePrefix(obsolete);
  return result;
}

export interface ImportResult {
  folder: string;
  full: StoredObject & { width: number; height: number; bytes: number };
  thumb: StoredObject & { width: number; height: number };
  sourceContentType: string;
}

/**
 * Stores the two WebP files in this import's folder. Written only if absent: a second delivery
 * of the same event (same folder) keeps the first one's files and gets their URLs.
 */
export async function storeImageFiles(
  orgId: string,
  assetId: string,
  importId: string,
  full: { bytes: Buffer; width: number; height: number },
  thumb: { bytes: Buffer; width: number; height: number },
  sourceContentType: string,
  owner: ImageOwner = 'equipment',
): Promise<ImportResult> {
  const folder =
    owner === 'equipment'
      ? equipmentImageFolder(orgId, assetId, importId)
      : imageFolder(orgId, owner, assetId, importId);
  const options = {
    contentType: 'image/webp',
    cacheControl: IMAGE_CACHE_CONTROL,
    onlyIfAbsent: true,
  };
  const [fullObject, thumbObject] = await Promise.all([
    saveObject(`${folder}image.webp`, full.bytes, options),
    saveObject(`${folder}thumb.webp`, thumb.bytes, options),
  ]);
  return {
    folder,
    full: { ...fullObject, width: full.width, height: full.height, bytes: full.bytes.length },
    thumb: { ...thumbObject, width: thumb.width, height: thumb.height },
    sourceContentType,
  };
}

/**
 * Writes the result if this import is still the one the document wants; otherwise deletes the
 * files it stored. Resolves with whether the result was written.
 */
export async function finishImport(
  orgId: string,
  assetId: string,
  want: WantedImage,
  importId: string,
  result: ImportResult,
  owner: ImageOwner = 'equipment',
): Promise<boolean> {
  const ref = itemRef(orgId, assetId, owner);
  const written = await db().runTransaction(async (tx) => {
    const data = (await tx.get(ref)).data();
    const image = imageOf(data);
    if (!isCurrent(data, want) || image?.importId !== importId) return false;
    if (image.status === 'ready') return true; // a duplicate delivery got here first
    const now = Timestamp.now();
    tx.update(ref, {
      image: {
        status: 'ready',
        sourceUrl: want.sourceUrl,
        requestId: want.requestId,
        requestedAt: image.requestedAt ?? null,
        requestedBy: image.requestedBy ?? null,
        url: result.full.url,
        thumbnailUrl: result.thumb.url,
        width: result.full.width,
        height: result.full.height,
        thumbnailWidth: result.thumb.width,
        thumbnailHeight: result.thumb.height,
        contentType: 'image/webp',
        sourceContentType: result.sourceContentType,
        bytes: result.full.bytes,
        importedAt: now,
        attempts: num(image.attempts) ?? 1,
        error: null,
        importId,
        path: result.folder,
        leaseUntil: null,
        updatedAt: now,
      },
    });
    return true;
  });
  if (!written) await deletePrefix(result.folder);
  return written;
}

/**
 * Records a failure of this import, if it is still the current one. `final`: the status becomes
 * `failed`; otherwise it stays `pending` with the error and the claim released for the retry.
 */
export async function recordFailure(
  orgId: string,
  assetId: string,
  want: WantedImage,
  importId: string,
  error: string,
  final: boolean,
  owner: ImageOwner = 'equipment',
): Promise<void> {
  const ref = itemRef(orgId, assetId, owner);
  await db().runTransaction(async (tx) => {
    const data = (await tx.get(ref)).data();
    const image = imageOf(data);
    if (!isCurrent(data, want) || image?.importId !== importId || image.status === 'ready') return;
    tx.update(ref, {
      'image.status': final ? 'failed' : 'pending',
      'image.error': error,
      'image.leaseUntil': null,
      'image.updatedAt': Timestamp.now(),
    });
  });
}

/**
 * The document no longer has an imageUrl: removes the `image` field and the stored files.
 * Does nothing when a URL came back meanwhile (that write has its own event).
 */
export async function clearImage(
  orgId: string,
  assetId: string,
  owner: ImageOwner = 'equipment',
): Promise<boolean> {
  const ref = itemRef(orgId, assetId, owner);
  let folder: string | null = null;
  const cleared = await db().runTransaction(async (tx) => {
    folder = null;
    const data = (await tx.get(ref)).data();
    if (!data || wantedUrl(data) !== null) return false;
    const image = imageOf(data);
    if (!image) return false;
    folder = text(image.path);
    tx.update(ref, { image: FieldValue.delete() });
    return true;
  });
  if (folder) await deletePrefix(folder);
  return cleared;
}

/** Deletes the stored files of a deleted item's image (its last known folder). */
export async function deleteImageFolder(data: DocumentData | undefined): Promise<number> {
  const folder = text(imageOf(data)?.path);
  return folder ? deletePrefix(folder) : 0;
}

/**
 * Asks for the item's image to be imported again (POST .../import-image): a new request id in
 * the document, which the trigger sees as a change. 404 without the item, 409 without a URL.
 */
export async function requestImageImport(
  orgId: string,
  assetId: string,
  requestedBy: string,
): Promise<EquipmentImage> {
  const ref = itemRef(orgId, assetId, 'equipment');
  let folder: string | null = null;
  const image = await db().runTransaction(async (tx) => {
    folder = null;
    const data = (await tx.get(ref)).data();
    if (!data) throw new AppError('not_found', `Equipment ${assetId} not found`);
    const sourceUrl = wantedUrl(data);
    if (!sourceUrl) {
      throw conflict('no_image_url', `Equipment ${assetId} has no imageUrl to import`, {
        field: 'imageUrl',
      });
    }
    folder = text(imageOf(data)?.path);
    const now = Timestamp.now();
    const fields = {
      ...EMPTY_RESULT,
      status: 'pending',
      sourceUrl,
      requestId: randomUUID(),
      requestedAt: now,
      requestedBy,
      attempts: 0,
      error: null,
      importId: null,
      leaseUntil: null,
      updatedAt: now,
    };
    tx.update(ref, { image: fields });
    return toEquipmentImage({ image: fields });
  });
  if (folder) await deletePrefix(folder);
  return image as EquipmentImage;
}
