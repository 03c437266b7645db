// Size limits of requests: the JSON body limit applied before anything reads it, and the one
// shape of every 413 (http/declare.ts parses and validates the bodies themselves).
import type { Request, RequestHandler } from 'express';
import { maxJsonBodyBytes } from '../config';
import { AppError } from '../domain/errors';

/** The one shape of every 413's details: which limit, and its value. */
export function tooLarge(message: string, limit: 'bytes' | 'rows', max: number): AppError {
  return new AppError('payload_too_large', message, { limit, max });
}

/** A JSON body is on its way (req.is is null without a body, false for another type). */
const isJson = (req: Request): boolean =>
  Boolean(req.is(['application/json', 'application/*+json']));

/**
 * Refuses a JSON body over MAX_JSON_BODY_BYTES before anything else (authentication included)
 * sees it. Cloud Functions has read and parsed the whole body before the app runs, so
 * express.json's own limit never applies there: the size is checked on `req.rawBody`, or on the
 * declared Content-Length where the body was not read yet.
 */
export const limitJsonBody: RequestHandler = (req, _res, next) => {
  if (!isJson(req)) {
    next();
    return;
  }
  const max = maxJsonBodyBytes();
  const raw = (req as Request & { rawBody?: Buffer }).rawBody;
  const declared = Number(req.header('content-length'));
  const size = raw !== undefined ? raw.length : Number.isFinite(declared) ? declared : 0;
  if (size > max) {
    throw tooLarge(
      `The request body is ${size} bytes; at most ${max} bytes are accepted`,
      'bytes',
      max,
    );
  }
  next();
};
