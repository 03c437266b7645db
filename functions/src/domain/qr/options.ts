// What a caller may choose about a QR image, its defaults and its validation. Two entry points:
// parseQrOptions for query-string input (strings, field names as in the URL) and
// resolveQrOptions for typed input from code (field names as in QrOptions).

export type ErrorCorrection = 'L' | 'M' | 'Q' | 'H';

export interface QrOptions {
  /** Width and height of the image in pixels, 100 to 2000. */
  size: number;
  errorCorrection: ErrorCorrection;
  /** Quiet zone around the code, in modules, 0 to 16. */
  margin: number;
  /** Colour of the dark modules, `#rrggbb` in lower case. */
  dark: string;
  /** Background colour, `#rrggbb` in lower case, or `transparent`. */
  light: string;
}

export const QR_DEFAULTS: Readonly<QrOptions> = Object.freeze({
  size: 300,
  errorCorrection: 'M',
  margin: 4,
  dark: '#000000',
  light: '#ffffff',
});

export const QR_LIMITS = Object.freeze({
  minSize: 100,
  maxSize: 2000,
  minMargin: 0,
  maxMargin: 16,
});

const LEVELS: readonly ErrorCorrection[] = ['L', 'M', 'Q', 'H'];

/** An option value that is not allowed; `field` names the option as the caller spelled it. */
export class QrOptionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'QrOptionError';
  }
}

/** The query-string names of the options, in the order they are checked. */
export type QrQueryField = 'size' | 'ecc' | 'margin' | 'dark' | 'light';

/**
 * Validates query-string style input (`size`, `ecc`, `margin`, `dark`, `light`; each a string or
 * absent) and fills in the defaults. Other keys are ignored: they belong to the caller. Colours
 * may be written with or without the leading `#` (a bare `#` would start the URL's fragment).
 */
export function parseQrOptions(raw: Record<string, unknown>): QrOptions {
  const size = optionalString(raw, 'size');
  const ecc = optionalString(raw, 'ecc');
  const margin = optionalString(raw, 'margin');
  const dark = optionalString(raw, 'dark');
  const light = optionalString(raw, 'light');
  const options: QrOptions = {
    size: size === undefined ? QR_DEFAULTS.size : checkSize(parseInteger(size, 'size'), 'size'),
    errorCorrection: ecc === undefined ? QR_DEFAULTS.errorCorrection : checkLevel(ecc, 'ecc'),
    margin:
      margin === undefined
        ? QR_DEFAULTS.margin
        : checkMargin(parseInteger(margin, 'margin'), 'margin'),
    dark: dark === undefined ? QR_DEFAULTS.dark : checkColour(dark, 'dark', false),
    light: light === undefined ? QR_DEFAULTS.light : checkColour(light, 'light', true),
  };
  checkDistinct(options, light === undefined ? 'dark' : 'light');
  return options;
}

/** Validates typed options from code and fills in the defaults. */
export function resolveQrOptions(partial: Partial<QrOptions> = {}): QrOptions {
  const options: QrOptions = {
    size: partial.size === undefined ? QR_DEFAULTS.size : checkSize(partial.size, 'size'),
    errorCorrection:
      partial.errorCorrection === undefined
        ? QR_DEFAULTS.errorCorrection
        : checkLevel(partial.errorCorrection, 'errorCorrection'),
    margin:
      partial.margin === undefined ? QR_DEFAULTS.margin : checkMargin(partial.margin, 'margin'),
    dark: partial.dark === undefined ? QR_DEFAULTS.dark : checkColour(partial.dark, 'dark', false),
    light:
      partial.light === undefined ? QR_DEFAULTS.light : checkColour(partial.light, 'light', true),
  };
  checkDistinct(options, partial.light === undefined ? 'dark' : 'light');
  return options;
}

function optionalString(raw: Record<string, unknown>, field: QrQueryField): string | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  // Express turns `?size=1&size=2` into an array and `?size[a]=1` into an object.
  if (Array.isArray(value)) throw new QrOptionError(field, `${field} must be given only once`);
  if (typeof value !== 'string') {
    throw new QrOptionError(field, `${field} must be a single text value, got ${typeof value}`);
  }
  return value;
}

function parseInteger(text: string, field: string): number {
  // Digits only: no sign, no exponent, no unit, no spaces, so "300px" or "3e2" are refused.
  if (!/^[0-9]{1,6}$/.test(text)) {
    throw new QrOptionError(field, `${field} must be a whole number, got ${quote(text)}`);
  }
  return Number(text);
}

function checkSize(value: number, field: string): number {
  const { minSize, maxSize } = QR_LIMITS;
  if (!Number.isInteger(value) || value < minSize || value > maxSize) {
    throw new QrOptionError(
      field,
      `${field} must be a whole number of pixels from ${minSize} to ${maxSize}, got ${String(value)}`,
    );
  }
  return value;
}

function checkMargin(value: number, field: string): number {
  const { minMargin, maxMargin } = QR_LIMITS;
  if (!Number.isInteger(value) || value < minMargin || value > maxMargin) {
    throw new QrOptionError(
      field,
      `${field} must be a whole number of modules from ${minMargin} to ${maxMargin}, got ${String(value)}`,
    );
  }
  return value;
}

function checkLevel(value: string, field: string): ErrorCorrection {
  const upper = typeof value === 'string' ? value.toUpperCase() : '';
  const level = LEVELS.find((l) => l === upper);
  if (level === undefined) {
    throw new QrOptionError(field, `${field} must be one of L, M, Q or H, got ${quote(value)}`);
  }
  return level;
}

function checkColour(value: string, field: string, mayBeTransparent: boolean): string {
  if (typeof value === 'string') {
    if (mayBeTransparent && value.toLowerCase() === 'transparent') return 'transparent';
    const match = /^#?([0-9a-fA-F]{6})$/.exec(value);
    if (match) return `#${match[1].toLowerCase()}`;
  }
  const allowed = mayBeTransparent ? '#rrggbb (or rrggbb) or transparent' : '#rrggbb (or rrggbb)';
  throw new QrOptionError(field, `${field} must be a colour as ${allowed}, got ${quote(value)}`);
}

/** `field` is the one the caller gave (light when both were given). */
function checkDistinct(options: QrOptions, field: 'dark' | 'light'): void {
  // A code drawn in one colour on the same colour cannot be read by anything.
  if (options.dark === options.light) {
    const other = field === 'dark' ? 'light' : 'dark';
    throw new QrOptionError(field, `${field} must differ from ${other} (both are ${options.dark})`);
  }
}

function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
