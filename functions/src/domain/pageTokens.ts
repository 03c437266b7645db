// Page tokens of the audit lists, `notSeenSince`, the activity log and webhook deliveries: a JSON array (the cursor's values and
// the list it belongs to) as base64url. Opaque to callers; a token of another list, or one
// this API never gave out, is a 400 rather than a wrong page.
import { AppError } from './errors';

export function encodePageToken(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The token's values, when `valid` accepts them; otherwise the 400. */
export function decodePageToken<T extends unknown[]>(
  token: string,
  valid: (values: unknown[]) => values is T,
): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString());
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !valid(parsed)) {
    throw new AppError(
      'invalid_argument',
      'pageToken is not one this list gave out (send the same filters as for page one)',
      { field: 'pageToken' },
    );
  }
  return parsed;
}

/** A `[time, id]` cursor: an ISO 8601 time and a document id (newest-first lists). */
export function isTimeAndId(values: unknown[]): values is [string, string] {
  const [at, id] = values;
  return (
    values.length === 2 &&
    typeof at === 'string' &&
    typeof id === 'string' &&
    !Number.isNaN(Date.parse(at))
  );
}
