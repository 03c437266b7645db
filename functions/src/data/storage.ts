// Cloud Storage objects of the organisations, in the default bucket. Objects that apps show get
// a Firebase download token, so their URL works without credentials (as getDownloadURL() does).
import { randomUUID } from 'node:crypto';
import { getStorage } from 'firebase-admin/storage';
import { adminApp } from './firebase';
import { isStoragePreconditionFailed } from './firestoreErrors';

export function bucket() {
  return getStorage(adminApp()).bucket();
}

/** The Firebase download URL of an object with this token; the emulator's when running locally. */
export function downloadUrl(bucketName: string, path: string, token: string): string {
  const emulator = process.env.FIREBASE_STORAGE_EMULATOR_HOST;
  const origin = emulator
    ? `http://${emulator.replace(/^https?:\/\//, '')}`
    : 'https://firebasestorage.googleapis.com';
  return `${origin}/v0/b/${bucketName}/o/${encodeURIComponent(path)}?alt=media&token=${token}`;
}

export interface StoredObject {
  path: string;
  url: string;
}

export interface SaveOptions {
  contentType: string;
  cacheControl: string;
  /**
   * Upload only if no object is there yet (a generation-0 precondition); otherwise keep the one
   * that is and answer with its URL. A trigger delivered twice then uploads once, and both
   * deliveries agree on the URL, whichever finishes first.
   */
  onlyIfAbsent?: boolean;
}

/** Uploads bytes in one request, with a new download token; resolves with the path and URL. */
export async function saveObject(
  path: string,
  bytes: Buffer,
  options: SaveOptions,
): Promise<StoredObject> {
  const b = bucket();
  const file = b.file(path);
  const token = randomUUID();
  try {
    await file.save(bytes, {
      resumable: false,
      contentType: options.contentType,
      metadata: {
        cacheControl: options.cacheControl,
        metadata: { firebaseStorageDownloadTokens: token },
      },
      ...(options.onlyIfAbsent ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
    });
  } catch (err) {
    if (!options.onlyIfAbsent || !isStoragePreconditionFailed(err)) throw err;
    const [metadata] = await file.getMetadata();
    const existing = String(metadata.metadata?.firebaseStorageDownloadTokens ?? '').split(',')[0];
    if (!existing) throw err;
    return { path, url: downloadUrl(b.name, path, existing) };
  }
  return { path, url: downloadUrl(b.name, path, token) };
}

/** Deletes every object under `prefix` (which ends with "/"); resolves with how many there were. */
export async function deletePrefix(prefix: string): Promise<number> {
  const [files] = await bucket().getFiles({ prefix });
  await Promise.all(files.map((file) => file.delete({ ignoreNotFound: true })));
  return files.length;
}
