// One error shape for every reply: {"error": {"code", "message", "details"?}} with the right status.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { logger } from 'firebase-functions';

export type ErrorCode =
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
};

/** An error meant for the caller: its code, message and details are sent as they are. */
export class HttpError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = STATUS_BY_CODE[code];
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function errorBody(err: HttpError): ErrorBody {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.details !== undefined) body.error.details = err.details;
  return body;
}

/** Fallback route: anything no router claimed. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError('not_found', `No route for ${req.method} ${req.path}`));
};

/** Errors thrown by body-parser carry a `type`; these are the caller's fault, not ours. */
function fromBodyParser(err: unknown): HttpError | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  switch ((err as { type: unknown }).type) {
    case 'entity.parse.failed':
      return new HttpError('invalid_argument', 'Request body is not valid JSON');
    case 'entity.too.large': {
      const limit = (err as { limit?: unknown }).limit;
      return new HttpError('payload_too_large', 'Request body is too large', { limitBytes: limit });
    }
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError('unsupported_media_type', 'Request body encoding is not supported');
    case 'request.aborted':
      return new HttpError('invalid_argument', 'Request was aborted by the client');
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
  let httpError = err instanceof HttpError ? err : fromBodyParser(err);
  if (!httpError) {
    logger.error('http.unexpected_error', {
      method: req.method,
      path: req.path,
      error:
        err instanceof Error
          ? { name: err.name, message: err.message, stack: err.stack }
          : String(err),
    });
    httpError = new HttpError('internal', 'Internal error');
  }
  res.status(httpError.status).json(errorBody(httpError));
};
