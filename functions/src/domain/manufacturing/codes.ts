// Unit and master codes: Crockford base32 text with at least 100 random bits, so nobody can guess
// a neighbour's code from one they hold.
//
// A unit code is derived from its batch's secret and its sequence number (HMAC-SHA256). The same
// sequence number always gives the same code, so a batch generator that runs twice (a duplicated
// or retried trigger) writes the same documents instead of a second set, while without the secret
// the codes are as unguessable as random ones. A code that collides with an existing one in the
// organisation (2^-100 per pair, but handled) takes the next `attempt`.
import { createHmac, randomBytes } from 'node:crypto';

/** Crockford's alphabet: no I, L, O, U, so codes survive being read aloud or typed. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 20 characters of 5 bits: 100 bits. */
export const CODE_BODY_LENGTH = 20;
export const CODE_BITS = CODE_BODY_LENGTH * 5;
/** Letters, digits, "_" and "-", up to 32: a code must stay a valid path id (at most 128). */
export const PREFIX_PATTERN = /^[A-Za-z0-9_-]{0,32}$/;

/** The first `length` base32 characters of `bytes` (big-endian bit order). */
export function crockford(bytes: Uint8Array, length: number = CODE_BODY_LENGTH): string {
  if (bytes.length * 8 < length * 5) throw new RangeError('not enough bytes for the code');
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
    if (out.length === length) break;
  }
  return out;
}

/** A new batch secret (128 bits, base64url): the key that unit codes are derived from. */
export function newBatchSecret(): string {
  return randomBytes(16).toString('base64url');
}

/** The unit code of sequence number `seq` in a batch; `attempt` > 0 only after a collision. */
export function unitCode(secret: string, prefix: string, seq: number, attempt = 0): string {
  const mac = createHmac('sha256', Buffer.from(secret, 'base64url'))
    .update(`${seq}:${attempt}`)
    .digest();
  return `${prefix}${crockford(mac)}`;
}

/** A random master case code: `M` and 100 random bits. */
export function newMasterCode(): string {
  return `M${crockford(randomBytes(13))}`;
}

/** The deterministic id of a queue entry: at most one per order, batch and code. */
export function queueEntryId(orderId: string, batchId: string, code: string): string {
  return `${orderId}~${batchId}~${code}`;
}
