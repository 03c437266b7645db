// Sends a QR image rendered on the fly: PNG or SVG, any size and level, with a strong ETag
// derived from exactly what goes into the image, so a repeat request is a 304 before any render.
import type { Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
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
import { noteStep } from './serverTiming';

/**
 * Rendered images by ETag, per instance. The ETag is a SHA-256 of everything that goes into the
 * image (text, options, format, renderer version), so an entry can only ever answer a request for
 * exactly that image: a caller who may see the text is shown the bytes it would have rendered.
 */
const RENDERS_MAX = 2_000;
/** Bytes the rendered images may hold at most (a 300 px PNG is about 1-3 KB, 2000 px 20-60 KB). */
const RENDERS_MAX_BYTES = 32 * 1024 * 1024;
const renders = new LRUCache<string, Buffer | string>({
  max: RENDERS_MAX,
  maxSize: RENDERS_MAX_BYTES,
  sizeCalculation: (body) =>
    Math.max(1, typeof body === 'string' ? Buffer.byteLength(body) : body.length),
});
const renderStats = { hits: 0, misses: 0 };

/** How the render cache has done on this instance, and what it holds. */
export function renderCacheStats(): {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
} {
  return { ...renderStats, entries: renders.size, bytes: renders.calculatedSize };
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

/** A QrOptionError as a 400, naming the option as the caller spelled it (ecc or error_correction). */
function optionError(err: QrOptionError, eccName: string, details: Record<string, unknown> = {}) {
  const field = err.field === 'ecc' ? eccName : err.field;
  const message = err.field === 'ecc' ? err.message.replace(/^ecc\b/, eccName) : err.message;
  return new AppError('invalid_argument', message, { field, ...details });
}

interface PreparedImage {
  format: QrFormat;
  options: ReturnType<typeof parseQrOptions>;
  etag: string;
  eccName: string;
}

/** The format, options and ETag of the image `query` asks for (its values checked by domain/qr). */
function prepare(req: Request, query: QrImageQuery, text: string): PreparedImage {
  const eccName = req.query.error_correction !== undefined ? 'error_correction' : 'ecc';
  const format: QrFormat = query.format ?? 'png';
  let options;
  try {
    options = parseQrOptions(query);
  } catch (err) {
    if (err instanceof QrOptionError) throw optionError(err, eccName);
    throw err;
  }
  return { format, options, etag: `"${qrCacheKey(text, options, format)}"`, eccName };
}

/** Answers 304 when If-None-Match names the ETag; true when it did. */
function answeredNotModified(req: Request, res: Response, etag: string): boolean {
  // The image needs the caller's token, so shared caches must not keep it.
  res.set({ ETag: etag, 'Cache-Control': 'private, max-age=3600' });
  if (!ifNoneMatchHits(req.header('if-none-match'), etag)) return false;
  res.status(304).end();
  return true;
}

function render(text: string, image: PreparedImage): Buffer | string {
  const { format, options, eccName } = image;
  try {
    return format === 'png' ? renderPng(text, options) : renderSvg(text, options);
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
}

/** Sends `text` as the image `query` asks for (its values are checked here, by domain/qr). */
export function sendQrImage(
  req: Request,
  res: Response,
  query: QrImageQuery,
  text: string,
  fileBase: string,
): void {
  const image = prepare(req, query, text);
  const download = query.download !== undefined && ['', '1', 'true'].includes(query.download);
  if (answeredNotModified(req, res, image.etag)) return;
  const start = process.hrtime.bigint();
  let body = renders.get(image.etag);
  if (body === undefined) {
    renderStats.misses += 1;
    body = render(text, image);
    renders.set(image.etag, body);
    noteStep(req, 'render', start, 'miss');
  } else {
    renderStats.hits += 1;
    noteStep(req, 'render', start, 'hit');
  }
  res.type(image.format === 'png' ? 'image/png' : 'image/svg+xml');
  if (download) res.attachment(`${safeFileName(fileBase)}.${image.format}`);
  res.send(body);
}
