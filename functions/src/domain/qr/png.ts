// A minimal PNG writer for one kind of image: indexed colour, bit depth 1, a two-entry palette.
// A QR code has two colours, so one bit per pixel is all it needs: the raw image is 1/32 of an
// RGBA one, and deflate has that much less to read (qrcode's own PNG path goes through RGBA).
import { crc32, deflateSync } from 'node:zlib';

export type Rgb = readonly [number, number, number];

export interface IndexedPng {
  width: number;
  height: number;
  /** Palette entries 0 and 1. */
  palette: readonly [Rgb, Rgb];
  /** Palette entry 0 is fully transparent (a one-entry tRNS chunk). */
  transparentZero: boolean;
  /**
   * The filtered image data: `height` scanlines of one filter-type byte followed by
   * ceil(width / 8) bytes, most significant bit first (the PNG layout, ready for deflate).
   * Filtering is the caller's business: it knows which rows repeat.
   */
  scanlines: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function rowBytes(width: number): number {
  return 1 + Math.ceil(width / 8);
}

export function encodeIndexedPng(image: IndexedPng): Buffer {
  const { width, height, palette, transparentZero, scanlines } = image;
  if (scanlines.length !== height * rowBytes(width)) {
    throw new RangeError(
      `scanlines hold ${scanlines.length} bytes, not ${height} rows of ${width}`,
    );
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 3; // colour type: indexed
  // compression 0 (deflate), filter method 0, interlace 0 (none): already zero.
  const plte = Buffer.from([...palette[0], ...palette[1]]);
  // Level 6 (zlib's default): on QR scanlines level 9 took 3 to 4 times as long at 2000 px for
  // about 10 % fewer bytes, and Z_RLE was fast but a third larger (bench/suites/qr-render.mjs).
  const idat = deflateSync(scanlines, { level: 6 });
  const chunks = [
    SIGNATURE,
    chunk('IHDR', header),
    chunk('PLTE', plte),
    ...(transparentZero ? [chunk('tRNS', Buffer.from([0]))] : []),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ];
  return Buffer.concat(chunks);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  // The CRC covers the chunk type and data, not the length.
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
