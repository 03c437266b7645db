// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): a client that retries a create
// sends the same key, and gets the first reply instead of a second item. Pure helpers.
import { createHash } from 'node:crypto';
import { AppError } from './errors';

/** How long a key's first reply is kept (24 h, as Stripe does; the draft leaves it open). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** The header value: 1 to 255 visible ASCII characters; undefined when the header is absent. */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw new AppError(
      'invalid_argument',
      'Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good choice)',
      { field: 'Idempotency-Key' },
    );
  }
  return header;
}

/** JSON with object keys sorted, so that two equal bodies give the same text. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Fingerprint of a request: its route and its JSON body (key order ignored). */
export function requestFingerprint(route: string, body: unknown): string {
  return createHash('sha256').update(route).update('\n').update(stableJson(body)).digest('hex');
}

/** The stored record's id: who called and with which key (one caller cannot see another's). */
export function idempotencyRecordId(caller: string, key: string): string {
  return createHash('sha256').update(caller).update('\n').update(key).digest('hex');
}
