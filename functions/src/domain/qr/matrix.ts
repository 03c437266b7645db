// The QR symbol itself: qrcode chooses the segments (numeric, alphanumeric or UTF-8 bytes), the
// smallest version that holds them and the mask; we only read back its module matrix.
import * as QRCode from 'qrcode';
import type { ErrorCorrection } from './options';

export interface QrMatrix {
  /** Modules per side, without the quiet zone (21 for version 1, 177 for version 40). */
  size: number;
  /** Row-major, size * size entries, 1 for a dark module. */
  modules: Uint8Array;
  version: number;
}

/**
 * What version 40 holds at each level (ISO/IEC 18004, table 7), for text of one kind: only
 * digits, only the alphanumeric set (0-9, A-Z, space and $%*+-./:), or anything else as UTF-8.
 */
export const QR_CAPACITY: Readonly<
  Record<ErrorCorrection, { numeric: number; alphanumeric: number; bytes: number }>
> = Object.freeze({
  L: { numeric: 7089, alphanumeric: 4296, bytes: 2953 },
  M: { numeric: 5596, alphanumeric: 3391, bytes: 2331 },
  Q: { numeric: 3993, alphanumeric: 2420, bytes: 1663 },
  H: { numeric: 3057, alphanumeric: 1852, bytes: 1273 },
});

/** The text does not fit in a QR code at the chosen level; `limit` is the most that does. */
export class QrTextTooLongError extends Error {
  constructor(
    message: string,
    readonly limit: number,
    /** What `limit` counts: digits, alphanumeric characters, or UTF-8 bytes. */
    readonly unit: 'digits' | 'characters' | 'bytes',
    readonly length: number,
    readonly errorCorrection: ErrorCorrection,
  ) {
    super(message);
    this.name = 'QrTextTooLongError';
  }
}

/** A QR code needs at least one character to encode. */
export class QrTextEmptyError extends Error {
  constructor() {
    super('text to encode must not be empty');
    this.name = 'QrTextEmptyError';
  }
}

export function buildMatrix(text: string, errorCorrection: ErrorCorrection): QrMatrix {
  if (text.length === 0) throw new QrTextEmptyError();
  tooLongCheck(text, errorCorrection);
  let code: QRCode.QRCode;
  try {
    code = QRCode.create(text, { errorCorrectionLevel: errorCorrection });
  } catch (err) {
    // Mixed text (say a URL with a long run of digits) can pack slightly better than one mode
    // alone, so the check above lets it through and qrcode has the last word.
    if (err instanceof Error && /too big/i.test(err.message)) throw tooLong(text, errorCorrection);
    throw err;
  }
  const { size, data } = code.modules;
  return { size, modules: data, version: code.version };
}

function tooLongCheck(text: string, errorCorrection: ErrorCorrection): void {
  // Anything above the byte capacity in UTF-8 bytes cannot fit even when qrcode finds a cheaper
  // mix of modes, unless the text is all digits or all alphanumeric: then its own limit applies.
  const error = tooLong(text, errorCorrection);
  if (error.length > error.limit) throw error;
}

function tooLong(text: string, errorCorrection: ErrorCorrection): QrTextTooLongError {
  const capacity = QR_CAPACITY[errorCorrection];
  let limit: number;
  let unit: 'digits' | 'characters' | 'bytes';
  let length: number;
  if (/^[0-9]+$/.test(text)) {
    [limit, unit, length] = [capacity.numeric, 'digits', text.length];
  } else if (/^[0-9A-Z $%*+\-./:]+$/.test(text)) {
    [limit, unit, length] = [capacity.alphanumeric, 'characters', text.length];
  } else {
    [limit, unit, length] = [capacity.bytes, 'bytes', Buffer.byteLength(text, 'utf8')];
  }
  const kind =
    unit === 'bytes' ? 'bytes of UTF-8' : unit === 'digits' ? 'digits' : 'alphanumeric characters';
  return new QrTextTooLongError(
    `text is too long for a QR code at error correction ${errorCorrection}: ` +
      `it is ${length} ${kind} and the limit is ${limit} ${kind}` +
      (errorCorrection === 'L' ? '' : ' (a lower error correction level holds more)'),
    limit,
    unit,
    length,
    errorCorrection,
  );
}

/** Calls `run(start, end)` for each run of dark modules in `row`, left to right (end exclusive). */
export function forEachDarkRun(
  matrix: QrMatrix,
  row: number,
  run: (start: number, end: number) => void,
): void {
  const n = matrix.size;
  const base = row * n;
  let col = 0;
  while (col < n) {
    if (matrix.modules[base + col] === 0) {
      col++;
      continue;
    }
    const start = col;
    while (col < n && matrix.modules[base + col] !== 0) col++;
    run(start, col);
  }
}
