// Short codes of blank tags, for people to read and type: Crockford's base32
// (https://www.crockford.com/base32.html) in three groups of three, "7KM-2XQ-9DA", the last
// symbol a check symbol. Eight data symbols carry 40 random bits (10^12 values), plenty for an
// organisation's tags; uniqueness is still enforced by the code being the document id.
//
// The check symbol is the data's value modulo 37, written with Crockford's 37 check symbols
// (the 32 digits, then * ~ $ = U). We only issue codes whose check symbol is one of the 32
// ordinary symbols (reject-and-draw-again, 32 out of 37 draws are kept): * ~ $ = do not survive
// URLs, paths and handwriting, and every issued code can be typed as letters and digits. Parsing
// still accepts the five extra symbols, so a code from another system checks by the same rule.
import { createHash, randomBytes } from 'node:crypto';

const SYMBOLS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CHECK_SYMBOLS = `${SYMBOLS}*~$=U`;
export const DATA_SYMBOLS = 8;

/** The check symbol of a string of data symbols (already canonical). */
export function checkSymbol(data: string): string {
  let remainder = 0;
  for (const ch of data) {
    const value = SYMBOLS.indexOf(ch);
    if (value < 0) throw new Error(`not a Crockford base32 symbol: ${ch}`);
    // The value of the whole number mod 37, one base-32 digit at a time.
    remainder = (remainder * 32 + value) % 37;
  }
  return CHECK_SYMBOLS[remainder];
}

/** "7KM2XQ9DA" → "7KM-2XQ-9DA". */
export function formatTagCode(canonical: string): string {
  return canonical.match(/.{1,3}/g)?.join('-') ?? canonical;
}

/** A fresh code, canonical (no hyphens): 8 random data symbols and an ordinary check symbol. */
export function newTagCode(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const bytes = random(5); // 40 bits = 8 symbols of 5 bits
    let bits = 0n;
    for (const b of bytes) bits = (bits << 8n) | BigInt(b);
    let data = '';
    for (let i = DATA_SYMBOLS - 1; i >= 0; i--)
      data += SYMBOLS[Number((bits >> BigInt(i * 5)) & 31n)];
    const check = checkSymbol(data);
    if (SYMBOLS.includes(check)) return data + check;
  }
}

/**
 * The canonical form of what someone typed, when it is a valid tag code: upper case, hyphens and
 * spaces dropped, O read as 0 and I, L as 1 (Crockford's decoding rules), right length and a
 * matching check symbol. Undefined otherwise.
 */
export function parseTagCode(input: string): string | undefined {
  const cleaned = input
    .toUpperCase()
    .replace(/[-\s]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (cleaned.length !== DATA_SYMBOLS + 1) return undefined;
  const data = cleaned.slice(0, DATA_SYMBOLS);
  const check = cleaned.slice(DATA_SYMBOLS);
  if ([...data].some((c) => !SYMBOLS.includes(c))) return undefined;
  return checkSymbol(data) === check ? data + check : undefined;
}

/**
 * The document id of any code in the organisation's code index: a tag code's canonical form, or
 * for a code printed elsewhere (an imported barcode or serial), "x" and a hash of its exact
 * value. One value always gives one id, so a lookup is one read and a duplicate is a conflict.
 * The canonical tag form has 9 characters and no "x" prefix+43, so the two kinds never collide.
 */
export function codeKey(value: string): string {
  const tag = parseTagCode(value);
  if (tag) return tag;
  return `x${createHash('sha256').update(value, 'utf8').digest('base64url')}`;
}

/** A code value as people give it: 1 to 200 characters, no control characters. */
export function codeValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  const trimmed = value.trim();
  if (trimmed.length === 0) return 'must not be empty';
  if ([...trimmed].length > 200) return 'is longer than 200 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return 'must not contain control characters';
  return undefined;
}
