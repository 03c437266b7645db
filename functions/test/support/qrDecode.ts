// Reads QR images back with readers that share no code with our renderer: pngjs parses PNGs
// (checking every CRC), resvg rasterises SVGs, jsQR reads the pixels back to the text.
import { strict as assert } from 'node:assert';
import { Resvg } from '@resvg/resvg-js';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

export interface Rgba {
  width: number;
  height: number;
  /** 4 bytes a pixel, straight alpha. */
  data: Uint8Array;
}

export function pngPixels(png: Buffer): Rgba {
  // pngjs checks every chunk's CRC by default and throws on a mismatch.
  const image = PNG.sync.read(png, { checkCRC: true });
  return { width: image.width, height: image.height, data: new Uint8Array(image.data) };
}

export function svgPixels(svg: string): Rgba {
  const image = new Resvg(svg).render();
  return { width: image.width, height: image.height, data: new Uint8Array(image.pixels) };
}

/** Composites on white, as a page or a scanner's screen would show a transparent image. */
export function onWhite(image: Rgba): Uint8ClampedArray {
  const out = new Uint8ClampedArray(image.data.length);
  for (let i = 0; i < image.data.length; i += 4) {
    const alpha = image.data[i + 3] / 255;
    for (let c = 0; c < 3; c++) out[i + c] = image.data[i + c] * alpha + 255 * (1 - alpha);
    out[i + 3] = 255;
  }
  return out;
}

export function decode(image: Rgba): { data: string; version: number } {
  const result = jsQR(onWhite(image), image.width, image.height, {
    inversionAttempts: 'dontInvert',
  });
  assert.ok(result, 'jsQR found no QR code in the image');
  return { data: result.data, version: result.version };
}

export const decodePng = (png: Buffer): string => decode(pngPixels(png)).data;
export const decodeSvg = (svg: string): string => decode(svgPixels(svg)).data;
