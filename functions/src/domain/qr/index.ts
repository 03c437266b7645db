// QR images, pure: text and options in, PNG bytes or SVG text out. No Firebase here; the HTTP
// routes and triggers call these and turn the errors into replies.
import { createHash } from 'node:crypto';
import { pixelLayout } from './layout';
import { buildMatrix } from './matrix';
import { resolveQrOptions, type QrOptions } from './options';
import { encodeIndexedPng, type Rgb } from './png';
import { rasterise } from './raster';
import { matrixToSvg } from './svg';

export {
  QR_DEFAULTS,
  QR_LIMITS,
  QrOptionError,
  parseQrOptions,
  resolveQrOptions,
  type ErrorCorrection,
  type QrOptions,
} from './options';
export { QR_CAPACITY, QrTextEmptyError, QrTextTooLongError } from './matrix';

/**
 * Bumped whenever the same text and options would give different image bytes, so that cached
 * copies (ETags built with qrCacheKey) are not reused across the change.
 */
export const QR_RENDERER_VERSION = 1;

export type QrFormat = 'png' | 'svg';

/** A PNG of exactly options.size pixels square. Throws QrOptionError, QrTextTooLongError. */
export function renderPng(text: string, options: Partial<QrOptions> = {}): Buffer {
  const resolved = resolveQrOptions(options);
  const matrix = buildMatrix(text, resolved.errorCorrection);
  const layout = pixelLayout(matrix, resolved.size, resolved.margin);
  const transparent = resolved.light === 'transparent';
  // A transparent background keeps a white colour under its zero alpha, for viewers that
  // ignore tRNS.
  const light = hexToRgb(transparent ? '#ffffff' : resolved.light);
  return encodeIndexedPng({
    width: resolved.size,
    height: resolved.size,
    palette: [light, hexToRgb(resolved.dark)],
    transparentZero: transparent,
    scanlines: rasterise(matrix, resolved.size, layout),
  });
}

/** An SVG document, width and height options.size. Throws QrOptionError, QrTextTooLongError. */
export function renderSvg(text: string, options: Partial<QrOptions> = {}): string {
  const resolved = resolveQrOptions(options);
  const matrix = buildMatrix(text, resolved.errorCorrection);
  // The same refusal as the PNG: an SVG a printer scales down below one pixel per module would
  // not read either, and both formats of one code should accept the same options.
  pixelLayout(matrix, resolved.size, resolved.margin);
  return matrixToSvg(matrix, resolved);
}

/**
 * A stable digest (base64url SHA-256) of exactly what goes into an image: renderer version,
 * format, text and every resolved option. Equal keys mean equal bytes; use it for a strong ETag.
 */
export function qrCacheKey(text: string, options: Partial<QrOptions>, format: QrFormat): string {
  const o = resolveQrOptions(options);
  const canonical = JSON.stringify([
    QR_RENDERER_VERSION,
    format,
    text,
    o.size,
    o.errorCorrection,
    o.margin,
    o.dark,
    o.light,
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}

function hexToRgb(hex: string): Rgb {
  const value = parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}
