// Where the modules land in a square image of exactly `size` pixels: every module is the same
// whole number of pixels, and what is left over goes to the quiet zone, split as evenly as
// possible (the extra pixel, if any, to the right and bottom).
import type { QrMatrix } from './matrix';
import { QrOptionError } from './options';

export interface PixelLayout {
  /** Pixels per module side. */
  scale: number;
  /** Pixel offset of the symbol's first module (top and left), quiet zone included. */
  offset: number;
}

export function pixelLayout(matrix: QrMatrix, size: number, margin: number): PixelLayout {
  const modules = matrix.size + 2 * margin;
  const scale = Math.floor(size / modules);
  if (scale < 1) {
    // Fewer pixels than modules would drop whole modules: such an image cannot be read, so it
    // is refused rather than drawn.
    throw new QrOptionError(
      'size',
      `size ${size} is too small for this code: it is ${matrix.size} modules wide, ` +
        `${modules} with margin ${margin}, and needs at least one pixel per module, ` +
        `so size must be at least ${modules} (or use a smaller margin, a lower error ` +
        `correction level or shorter text)`,
    );
  }
  const leftover = size - scale * modules;
  return { scale, offset: Math.floor(leftover / 2) + margin * scale };
}
