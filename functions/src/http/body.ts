// Request bodies: a JSON object, validated by a domain function; every problem is reported.
import type { Request } from 'express';
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
