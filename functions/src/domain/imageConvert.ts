// Turns downloaded bytes into the two WebP files an equipment item shows: the image at most
// 1 600 px wide and a 256 px wide thumbnail. No Firebase, no network: bytes in, bytes out.
// - The type is decided from the bytes first (imageType.ts); sharp only ever sees PNG, JPEG,
//   WebP or GIF (it could read SVG, TIFF and more, which we do not want to parse).
// - The pixel count is checked from the header before decoding, so a small file that declares
//   a huge image (a decompression bomb) is refused without allocating it; sharp's own
//   limitInputPixels is the second lock.
// - EXIF orientation is applied (rotate()) and every piece of metadata (EXIF with GPS, XMP, IPTC,
//   ICC) is dropped: sharp writes none unless asked with withMetadata/keepExif, which we never do.
// - A GIF gives its first frame (sharp reads one page unless told otherwise).
import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import {
  IMPORTABLE_TYPES,
  notAnImageMessage,
  sniffImageType,
  type ImportableType,
} from './imageType';

// libvips' operation cache keeps recent results in memory for reuse; every import is new.
sharp.cache(false);

export const FULL_MAX_WIDTH = 1600;
export const THUMB_WIDTH = 256;
/**
 * Heights are capped at 4 times the width: a tall panorama would otherwise stay taller than
 * WebP's 16 383 px limit. Ordinary portrait photos are never affected.
 */
const MAX_ASPECT = 4;
const WEBP_QUALITY = 82;
// libwebp's effort 0-6 (default 4): 2 took 40-60 % less CPU than 4 on a 1 MB photo, and the file
// came out no larger. Imports are CPU-bound, so this is most of their cost.
const WEBP_EFFORT = 2;

export type ImageFailure = 'not_an_image' | 'too_many_pixels' | 'undecodable';

/** A file that will never import, whatever the retries: the message says why, for a person. */
export class ImageError extends Error {
  constructor(
    readonly kind: ImageFailure,
    message: string,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}

export interface WebpFile {
  bytes: Buffer;
  width: number;
  height: number;
}

export interface ConvertedImage {
  sourceType: ImportableType;
  sourceMimeType: string;
  sourceWidth: number;
  sourceHeight: number;
  full: WebpFile;
  thumb: WebpFile;
}

function megapixels(pixels: number): string {
  return `${Math.round(pixels / 100_000) / 10} megapixels`;
}

async function toWebp(pipeline: Sharp, width: number): Promise<WebpFile> {
  const { data, info } = await pipeline
    .resize({ width, height: width * MAX_ASPECT, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: WEBP_QUALITY, effort: WEBP_EFFORT })
    .toBuffer({ resolveWithObject: true });
  return { bytes: data, width: info.width, height: info.height };
}

/**
 * Checks and converts `bytes`; `contentType` is what the server claimed (only for the error
 * message). Rejects with ImageError when the bytes are not an importable image.
 */
export async function convertImage(
  bytes: Buffer,
  options: { maxPixels: number; contentType?: string },
): Promise<ConvertedImage> {
  const sniffed = sniffImageType(bytes);
  if (!sniffed.importable) {
    throw new ImageError(
      'not_an_image',
      notAnImageMessage(sniffed.description, options.contentType),
    );
  }
  const input = (limitInputPixels: number | false = options.maxPixels) =>
    sharp(bytes, {
      limitInputPixels,
      // A truncated or corrupt file is refused, not half-decoded into grey.
      failOn: 'error',
      pages: 1,
    });
  let metadata: Metadata;
  try {
    // The header alone (no decoding): the pixel count is checked below, in words for a person.
    metadata = await input(false).metadata();
  } catch (err) {
    throw new ImageError(
      'undecodable',
      `The ${sniffed.type.toUpperCase()} file could not be read: ${(err as Error).message}.`,
    );
  }
  const width = metadata.width ?? 0;
  const height = metadata.pageHeight ?? metadata.height ?? 0;
  if (metadata.format !== sniffed.type || width === 0 || height === 0) {
    throw new ImageError(
      'undecodable',
      `The ${sniffed.type.toUpperCase()} file could not be read.`,
    );
  }
  if (width * height > options.maxPixels) {
    throw new ImageError(
      'too_many_pixels',
      `The image is ${width} × ${height} pixels (${megapixels(width * height)}); at most ${megapixels(options.maxPixels)} are imported.`,
    );
  }
  try {
    // rotate() with no angle applies the EXIF orientation, before resizing.
    const [full, thumb] = await Promise.all([
      toWebp(input().rotate(), FULL_MAX_WIDTH),
      toWebp(input().rotate(), THUMB_WIDTH),
    ]);
    return {
      sourceType: sniffed.type,
      sourceMimeType: IMPORTABLE_TYPES[sniffed.type],
      sourceWidth: width,
      sourceHeight: height,
      full,
      thumb,
    };
  } catch (err) {
    throw new ImageError(
      'undecodable',
      `The ${sniffed.type.toUpperCase()} file could not be decoded: ${(err as Error).message}.`,
    );
  }
}
