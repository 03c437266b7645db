// Request bodies: a JSON object, validated by a domain function; every problem is reported.
import type { Request, RequestHandler } from 'express';
import { maxJsonBodyBytes } from '../config';
import { AppError } from '../domain/errors';
import { isPlainObject, type Body, type Validated } from '../domain/validation';

export function jsonBody(req: Request): Body {
  // curl -d sends application/x-www-form-urlencoded unless told otherwise: say so, rather than
  // answering "name is required" about a body that was never read.
  if (req.is(['application/json', 'application/*+json']) === false) {
    throw new AppError(
      'unsupported_media_type',
      `Send the body as JSON with Content-Type: application/json (got ${req.header('content-type')})`,
    );
  }
  const body: unknown = req.body;
  if (body === undefined || body === null || body === '') return {};
  if (!isPlainObject(body)) {
    throw new AppError('invalid_argument', 'The request body must be a JSON object');
  }
  return body;
}

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

/** The validated value, or a 400 whose details list every field that was wrong. */
export function valid<T>(validated: Validated<T>): T {
  if (validated.ok) return validated.value;
  const summary = validated.errors
    .map((e) => (e.field ? `${e.field} ${e.message}` : e.message))
    .join('; ');
  throw new AppError('invalid_argument', `Invalid request: ${summary}`, {
    errors: validated.errors,
  });
}
