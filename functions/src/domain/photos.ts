// The `photos` list of an equipment item: client-uploaded photos after the image treatment.
// Pure: the entries' shape, the list's order and bound, no Firebase.
import { isValidId } from './ids';

/** Photos listed on one item at most: the list lives in the item document (1 MiB). */
export const MAX_PHOTOS_PER_ITEM = 50;

/** File names a photo may have: no slash (one path segment), not only dots, a sane length. */
export function isPhotoFileName(name: string): boolean {
  return name.length >= 1 && name.length <= 200 && !/^\.+$/.test(name) && !name.includes('/');
}

/** Whether the ids of a photo's path may name an item (the ids every path segment needs). */
export function isPhotoOfItem(loc: { orgId: string; assetId: string; fileName: string }): boolean {
  return isValidId(loc.orgId) && isValidId(loc.assetId) && isPhotoFileName(loc.fileName);
}

/** One entry as stored (`at` as the store's timestamp type, opaque here). */
export interface StoredPhoto<T = unknown> {
  path: string;
  url: string;
  thumbnailUrl: string;
  width: number;
  height: number;
  uploadedBy: string | null;
  at: T;
  /** MD5 (base64) of the stored WebP: a Storage event for that content is the trigger's own. */
  md5: string;
  thumbnailPath: string;
}

function isEntry(v: unknown): v is StoredPhoto {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.path === 'string' &&
    typeof e.url === 'string' &&
    typeof e.thumbnailUrl === 'string' &&
    typeof e.width === 'number' &&
    typeof e.height === 'number'
  );
}

/** The entries of a stored `photos` field; anything malformed is left out. */
export function photosOf(value: unknown): StoredPhoto[] {
  return Array.isArray(value) ? value.filter(isEntry) : [];
}

/** The list with `entry` in place of any entry of the same path (kept in upload order). */
export function withPhoto<T>(list: StoredPhoto<T>[], entry: StoredPhoto<T>): StoredPhoto<T>[] {
  const i = list.findIndex((p) => p.path === entry.path);
  if (i < 0) return [...list, entry];
  const out = [...list];
  out[i] = entry;
  return out;
}

export function withoutPhoto<T>(list: StoredPhoto<T>[], path: string): StoredPhoto<T>[] {
  return list.filter((p) => p.path !== path);
}

/** Whether a new photo at `path` still fits on the item. */
export function photoFits(list: StoredPhoto[], path: string): boolean {
  return list.some((p) => p.path === path) || list.length < MAX_PHOTOS_PER_ITEM;
}
