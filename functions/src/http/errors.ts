// One error shape for every reply: {"error": {"code", "message", "details"?}} with the right status.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { httpUnexpectedError } from '../logs';
import { tooLarge } from './sizeLimits';
import { AppError, type ErrorCode } from '../domain/errors';

export { AppError, type ErrorCode };

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  key_not_allowed: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  quota_exceeded: 429,
  internal: 500,
};

/** The HTTP status of an error code. */
export function statusOf(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function errorBody(err: AppError): ErrorBody {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.details !== undefined) body.error.details = err.details;
  return body;
}

/** Fallback route: anything no router claimed. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `No route for ${req.method} ${req.path}`));
};

/** Errors thrown by body-parser carry a `type`; these are the caller's fault, not ours. */
function fromBodyParser(err: unknown): AppError | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  switch ((err as { type: unknown }).type) {
    case 'entity.parse.failed':
      return new AppError('invalid_argument', 'Request body is not valid JSON');
    case 'entity.too.large': {
      const limit = Number((err as { limit?: unknown }).limit);
      return tooLarge(
        `The request body is too large; at most ${limit} bytes are accepted`,
        'bytes',
        limit,
      );
    }
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'Request body encoding is not supported');
    case 'request.aborted':
      return new AppError('invalid_argument', 'Request was aborted by the client');
    default:
      return undefined;
  }
}

/** Turns any error into the JSON shape; unexpected ones are logged and never leak a stack trace. */
export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  let httpError = err instanceof AppError ? err : fromBodyParser(err);
  if (!httpError) {
    httpUnexpectedError({ method: req.method, path: req.path, error: err });
    httpError = new AppError('internal', 'Internal error');
  }
  const retryAfter = (httpError.details as { retryAfterSeconds?: unknown } | undefined)
    ?.retryAfterSeconds;
  if (httpError.code === 'rate_limited' && typeof retryAfter === 'number') {
    res.set('Retry-After', String(retryAfter));
  }
  // A daily quota says when it resets: Retry-After as the seconds until then.
  const resetsAt = (httpError.details as { resetsAt?: unknown } | undefined)?.resetsAt;
  if (httpError.code === 'quota_exceeded' && typeof resetsAt === 'string') {
    const seconds = Math.ceil((Date.parse(resetsAt) - Date.now()) / 1000);
    if (seconds > 0) res.set('Retry-After', String(seconds));
  }
  res.status(statusOf(httpError.code)).json(errorBody(httpError));
};
