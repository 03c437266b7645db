// Errors meant for the caller. Domain and data code throw these; the HTTP layer turns them into
// {"error": {"code", "message", "details"?}} with the status that belongs to the code.

export type ErrorCode =
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'key_not_allowed'
  | 'not_found'
  | 'conflict'
  | 'unavailable'
  | 'gone'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'internal';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/**
 * A 409: the request is fine but the state does not allow it. `reason` is a stable word a
 * script can branch on (`asset_id_taken`, `location_inactive`, ...); docs/api.md lists them.
 */
export function conflict(
  reason: string,
  message: string,
  details: Record<string, unknown> = {},
): AppError {
  return new AppError('conflict', message, { reason, ...details });
}

/**
 * A 409 of a check-out: some items cannot go out now. `items` says why for each, by reason
 * (`checked_out`, `booked`, `retired`, `unknown_code`, ...: docs/api.md lists them).
 */
export function unavailable(message: string, items: unknown[]): AppError {
  return new AppError('unavailable', message, { reason: 'unavailable', items });
}
