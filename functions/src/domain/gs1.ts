// GS1 identifiers for product codes: the GTIN with its check digit, and the GS1 Digital Link URI
// (GS1 Digital Link standard 1.x) that carries a GTIN (AI 01) and a serial number (AI 21) on our
// own host: `{PUBLIC_BASE_URL}/01/{gtin}/21/{serial}`. Any GS1-aware scanner can read the GTIN
// from it; a phone opens it like any URL.

/** GTIN-8, -12, -13 and -14: the lengths GS1 allocates. */
const GTIN_LENGTHS = new Set([8, 12, 13, 14]);

/** The GS1 mod-10 check digit of the digits before it (weights 3,1,3,... from the right). */
export function gtinCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** Why `value` is not a GTIN, or undefined. */
export function gtinProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return 'must be a GTIN: digits only';
  if (!GTIN_LENGTHS.has(value.length)) return 'must have 8, 12, 13 or 14 digits';
  const expected = gtinCheckDigit(value.slice(0, -1));
  if (Number(value.at(-1)) !== expected) {
    return `has a wrong check digit (the last digit should be ${expected})`;
  }
  return undefined;
}

/** The GTIN-14 form Digital Link URIs use: left-padded with zeros. */
export function gtin14(gtin: string): string {
  return gtin.padStart(14, '0');
}

/**
 * AI 21 (serial) allows up to 20 characters of GS1's character set 82; our unit codes are 20
 * Crockford characters, plus a batch prefix when one was given. A longer serial still resolves
 * here, but is outside the standard.
 */
export const GS1_SERIAL_MAX = 20;

export function digitalLinkUrl(base: string, gtin: string, serial: string): string {
  return `${base}/01/${gtin14(gtin)}/21/${encodeURIComponent(serial)}`;
}
