// Images for the import tests, made with sharp (and one made by hand: a decompression bomb).
import sharp from 'sharp';

export function solid(width: number, height: number, colour = '#3366cc') {
  return sharp({ create: { width, height, channels: 3, background: colour } });
}

export const png = (w: number, h: number) => solid(w, h).png().toBuffer();
export const jpeg = (w: number, h: number) => solid(w, h).jpeg({ quality: 90 }).toBuffer();
export const webp = (w: number, h: number) => solid(w, h).webp().toBuffer();

/** A two-frame animated GIF: red, then blue. */
export async function animatedGif(w: number, h: number): Promise<Buffer> {
  const red = await solid(w, h, '#ff0000').png().toBuffer();
  const blue = await solid(w, h, '#0000ff').png().toBuffer();
  return sharp([red, blue], { join: { animated: true } })
    .gif({ delay: [100, 100] })
    .toBuffer();
}

/** A phone photo: EXIF with a GPS position, and orientation 6 (rotate 90° to show it upright). */
export function jpegWithGps(w: number, h: number): Promise<Buffer> {
  return solid(w, h)
    .jpeg()
    .withExif({
      IFD0: { Make: 'TestPhone', Model: 'GPS-1' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '52/1 31/1 12/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '13/1 24/1 36/1',
      },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A decompression bomb: a PNG of a few hundred bytes whose header declares width × height
 * pixels (e.g. 20 000 × 20 000, which would decode to 1.6 GB).
 */
export async function pngBomb(width: number, height: number): Promise<Buffer> {
  const small = Buffer.from(await png(1, 1));
  // IHDR is the first chunk: length(4) type(4) at offset 8, data at 16 (width, height), CRC at 29.
  small.writeUInt32BE(width, 16);
  small.writeUInt32BE(height, 20);
  small.writeUInt32BE(crc32(small.subarray(12, 29)), 29);
  return small;
}
