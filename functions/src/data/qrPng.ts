// The one routine that stores a QR code's PNG in Storage, for equipment items and standalone
// codes alike, with one cache policy.
import { renderPng } from '../domain/qr';
import { saveObject } from './storage';

/** The PNG never changes for a given text; a day of caching is safe and cheap. */
export const QR_PNG_CACHE_CONTROL = 'public, max-age=86400';

/**
 * Renders `text` and stores it at `path` with a download token. With `onlyIfAbsent` (a trigger's
 * first attempt or its duplicate delivery), an object already there is kept and its URL returned.
 */
export function storeQrPng(
  path: string,
  text: string,
  options: { onlyIfAbsent: boolean },
): Promise<{ path: string; url: string }> {
  return saveObject(path, renderPng(text), {
    contentType: 'image/png',
    cacheControl: QR_PNG_CACHE_CONTROL,
    onlyIfAbsent: options.onlyIfAbsent,
  });
}
