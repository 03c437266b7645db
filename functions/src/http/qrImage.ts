// Sends a QR image rendered on the fly: PNG or SVG, any size and level, with a strong ETag
// derived from exactly what goes into the image, so a repeat request is a 304 before any render.
import type { Request, Response } from 'express';
import { AppError } from '../domain/errors';
import {
  parseQrOptions,
  qrCacheKey,
  QrOptionError,
  QrTextTooLongError,
  renderPng,
  renderSvg,
  type QrFormat,
} from '../domain/qr';
import type { QrImageQuery } from './schemas/qr';

/** RFC 9110 13.1.2: does If-None-Match name this (strong) ETag, or "*"? Weak tags compare equal. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** A file name made only of safe characters, for Content-Disposition. */
function safeFileName(base: string): string {
  return base.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 100) || 'qr';
}

/** A QrOptionError as a 400, naming the option as the caller spelled it (ecc or error_correction). */
function optionError(err: QrOptionError, eccName: string, details: Record<string, unknown> = {}) {
  const field = err.field === 'ecc' ? eccName : err.field;
  const message = err.field === 'ecc' ? err.message.replace(/^ecc\b/, eccName) : err.message;
  return new AppError('invalid_argument', message, { field, ...details });
}

/** Sends `text` as the image `query` asks for (its values are checked here, by domain/qr). */
export function sendQrImage(
  req: Request,
  res: Response,
  query: QrImageQuery,
  text: string,
  fileBase: string,
): void {
  const eccName = req.query.error_correction !== undefined ? 'error_correction' : 'ecc';
  const format: QrFormat = query.format ?? 'png';
  let options;
  try {
    options = parseQrOptions(query);
  } catch (err) {
    if (err instanceof QrOptionError) throw optionError(err, eccName);
    throw err;
  }
  const download = query.download !== undefined && ['', '1', 'true'].includes(query.download);
  const etag = `"${qrCacheKey(text, options, format)}"`;
  // The image needs the caller's token, so shared caches must not keep it.
  res.set({ ETag: etag, 'Cache-Control': 'private, max-age=3600' });
  if (ifNoneMatchHits(req.header('if-none-match'), etag)) {
    res.status(304).end();
    return;
  }
  let body: Buffer | string;
  try {
    body = format === 'png' ? renderPng(text, options) : renderSvg(text, options);
  } catch (err) {
    if (err instanceof QrTextTooLongError) {
      throw new AppError('invalid_argument', err.message, {
        field: eccName,
        limit: err.limit,
        unit: err.unit,
        errorCorrection: err.errorCorrection,
      });
    }
    if (err instanceof QrOptionError) throw optionError(err, eccName);
    throw err;
  }
  res.type(format === 'png' ? 'image/png' : 'image/svg+xml');
  if (download) res.attachment(`${safeFileName(fileBase)}.${format}`);
  res.send(body);
}
