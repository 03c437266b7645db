// The `hashing` namespace's digests over a string's UTF-8 bytes or a bytes value.
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { fail } from './coerce';
import { isBytes, typeOf, type RValue } from './values';

let crc32cTable: Uint32Array | undefined;

/** CRC-32C (Castagnoli), which node:zlib does not offer (its crc32 is the IEEE polynomial). */
function crc32c(data: Uint8Array): number {
  if (!crc32cTable) {
    crc32cTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      crc32cTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of data) crc = crc32cTable[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function hashInput(v: RValue): Uint8Array {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (isBytes(v)) return v;
  return fail(`Hashing needs a string or bytes, got ${typeOf(v)}`);
}

export function crc32(v: RValue): bigint {
  return BigInt(zlib.crc32(hashInput(v)));
}

export function crc32cOf(v: RValue): bigint {
  return BigInt(crc32c(hashInput(v)));
}

export function digest(algorithm: 'md5' | 'sha256', v: RValue): Uint8Array {
  return new Uint8Array(createHash(algorithm).update(hashInput(v)).digest());
}
