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

function parseFormat(value: unknown): QrFormat {
  if (value === undefined || value === 'png') return 'png';
  if (value === 'svg') return 'svg';
  throw new AppError('invalid_argument', 'format must be png or svg', { field: 'format' });
}

function parseDownload(value: unknown): boolean {
  if (value === undefined || value === '0' || value === 'false') return false;
  if (value === '' || value === '1' || value === 'true') return true;
  throw new AppError('invalid_argument', 'download must be true or false', { field: 'download' });
}

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

export function sendQrImage(req: Request, res: Response, text: string, fileBase: string): void {
  let format: QrFormat;
  let options;
  try {
    format = parseFormat(req.query.format);
    options = parseQrOptions(req.query as Record<string, unknown>);
  } catch (err) {
    if (err instanceof QrOptionError) {
      throw new AppError('invalid_argument', err.message, { field: err.field });
    }
    throw err;
  }
  const download = parseDownload(req.query.download);
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
        field: 'ecc',
        limit: err.limit,
        unit: err.unit,
        errorCorrection: err.errorCorrection,
      });
    }
    if (err instanceof QrOptionError) {
      throw new AppError('invalid_argument', err.message, { field: err.field });
    }
    throw err;
  }
  res.type(format === 'png' ? 'image/png' : 'image/svg+xml');
  if (download) res.attachment(`${safeFileName(fileBase)}.${format}`);
  res.send(body);
}
