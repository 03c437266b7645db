// What a downloaded file is, from its first bytes (magic numbers), never from the Content-Type
// a server sent: a PNG served as text/html is a PNG, an HTML page served as image/png is not.
// Pure: no I/O.

export type ImportableType = 'png' | 'jpeg' | 'webp' | 'gif';

export const IMPORTABLE_TYPES: Record<ImportableType, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};

export type Sniffed =
  | { importable: true; type: ImportableType; mimeType: string }
  | { importable: false; description: string };

const startsWith = (bytes: Buffer, signature: number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length &&
  signature.every((byte, i) => bytes[offset + i] === byte);

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

/** Known non-importable formats, by signature, with words for the error message. */
const OTHER_BINARY: Array<[number[], string, number?]> = [
  [ascii('%PDF-'), 'a PDF document'],
  [[0x49, 0x49, 0x2a, 0x00], 'a TIFF image'],
  [[0x4d, 0x4d, 0x00, 0x2a], 'a TIFF image'],
  [ascii('BM'), 'a BMP image'],
  [[0x00, 0x00, 0x01, 0x00], 'an icon file (ICO)'],
  [ascii('ftypavif'), 'an AVIF image', 4],
  [ascii('ftypheic'), 'a HEIC image', 4],
  [ascii('ftypmif1'), 'a HEIF image', 4],
  [ascii('ftyp'), 'a video or ISO media file', 4],
  [[0xff, 0x0a], 'a JPEG XL image'],
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive (or an office document)'],
  [[0x1f, 0x8b], 'gzip-compressed data'],
  [[0x7f, 0x45, 0x4c, 0x46], 'a program (ELF)'],
  [ascii('RIFF'), 'a RIFF file that is not WebP (audio or video)'],
];

/**
 * How much of a download the sniff looks at: magic numbers sit in the first bytes, and a text
 * format is named from its first tags. Every check below is a plain scan of at most these bytes,
 * so the sniff's work is linear and bounded whatever a server sends (issue 19: a pattern that
 * backtracked on `<!---->` × 290 stalled a whole import instance).
 */
export const SNIFF_BYTES = 2048;
/** Bytes the "mostly printable" check of plain text counts. */
const PRINTABLE_SAMPLE_BYTES = 512;

const HTML_STARTS = [
  '<!doctype html',
  '<html',
  '<head',
  '<body',
  '<script',
  '<meta',
  '<title',
  '<div',
];

/** White space as `\s` and trimStart() know it, one character at a time. */
const isSpace = (c: string): boolean => c.trim() === '';

/** Index of the first character after white space from `from`. */
function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSpace(text[i])) i++;
  return i;
}

/**
 * Index of the first tag after any leading `<!-- ... -->` comments and white space, or -1 when a
 * comment is not closed within the text. Each step moves forward: linear in the text's length.
 */
function afterComments(text: string): number {
  let i = skipSpace(text, 0);
  while (text.startsWith('<!--', i)) {
    const close = text.indexOf('-->', i + 4);
    if (close < 0) return -1;
    i = skipSpace(text, close + 3);
  }
  return i;
}

/** `<p` as a whole tag name: `<p>`, `<p class=...>`, not `<path` or `<pre`. */
function isParagraphTag(text: string, at: number): boolean {
  if (!text.startsWith('<p', at)) return false;
  const next = text.charAt(at + 2);
  return !/[a-z0-9_]/.test(next);
}

/** Text formats, recognised after a BOM, white space and comments, case-insensitively. */
function describeText(bytes: Buffer): string | undefined {
  let head = bytes.subarray(0, SNIFF_BYTES).toString('utf8').toLowerCase();
  if (head.startsWith('\uFEFF')) head = head.slice(1);
  head = head.trimStart();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) {
    return 'an SVG drawing';
  }
  const tag = afterComments(head);
  if (tag >= 0) {
    if (head.startsWith('<svg', tag)) return 'an SVG drawing';
    if (HTML_STARTS.some((start) => head.startsWith(start, tag)) || isParagraphTag(head, tag)) {
      return 'an HTML page';
    }
  }
  if (head.startsWith('<')) return 'an XML or HTML document';
  if (head.startsWith('{') || head.startsWith('[')) return 'JSON text';
  // Mostly printable characters: some other text.
  const sample = bytes.subarray(0, PRINTABLE_SAMPLE_BYTES);
  let printable = 0;
  for (const b of sample) if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127)) printable++;
  if (sample.length > 0 && printable / sample.length > 0.95) return 'plain text';
  return undefined;
}

/** The type of `bytes` by its magic number. */
export function sniffImageType(whole: Buffer): Sniffed {
  // A view, not a copy: nothing past SNIFF_BYTES is ever looked at.
  const bytes = whole.subarray(0, SNIFF_BYTES);
  if (bytes.length === 0) return { importable: false, description: 'an empty file' };
  const found = (type: ImportableType): Sniffed => ({
    importable: true,
    type,
    mimeType: IMPORTABLE_TYPES[type],
  });
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return found('png');
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return found('jpeg');
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return found('gif');
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return found('webp');
  for (const [signature, description, offset] of OTHER_BINARY) {
    if (startsWith(bytes, signature, offset ?? 0)) return { importable: false, description };
  }
  return { importable: false, description: describeText(bytes) ?? 'a file of an unknown type' };
}

/** The error a person reads when the URL gave something other than an importable image. */
export function notAnImageMessage(description: string, contentType?: string): string {
  const said = contentType ? ` (the server called it ${contentType.split(';')[0].trim()})` : '';
  return `The URL returned ${description}${said}, not an image. Only PNG, JPEG, WebP and GIF images can be imported.`;
}
