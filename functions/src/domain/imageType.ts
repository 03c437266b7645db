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

/** Text formats, recognised after a BOM and leading white space, case-insensitively. */
function describeText(bytes: Buffer): string | undefined {
  const head = bytes
    .subarray(0, 2048)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) {
    return 'an SVG drawing';
  }
  if (/^(<!--[\s\S]*?-->\s*)*<svg/.test(head)) return 'an SVG drawing';
  if (
    /^(<!--[\s\S]*?-->\s*)*(<!doctype html|<html|<head|<body|<script|<meta|<title|<div|<p\b)/.test(
      head,
    )
  ) {
    return 'an HTML page';
  }
  if (head.startsWith('<?xml') || head.startsWith('<')) return 'an XML or HTML document';
  if (head.startsWith('{') || head.startsWith('[')) return 'JSON text';
  // Mostly printable characters: some other text.
  const sample = bytes.subarray(0, 512);
  const printable = sample.filter((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  if (sample.length > 0 && printable.length / sample.length > 0.95) return 'plain text';
  return undefined;
}

/** The type of `bytes` by its magic number. */
export function sniffImageType(bytes: Buffer): Sniffed {
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
