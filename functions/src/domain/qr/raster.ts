// Draws a QR matrix as 1-bit PNG scanlines. Palette index 0 is the background, so a zero-filled
// buffer is already the quiet zone (filter type 0, all pixels 0). Each module row is drawn once,
// into the first of the `scale` pixel rows it covers; the rows below it repeat it, so they are
// written with filter type 2 (Up: each byte minus the byte above), which makes them all zeros.
// Deflate then has long runs of zeros instead of long-distance copies to find: at 2000 px this
// is faster and smaller than filter type 0 everywhere (see bench/suites/qr-render.mjs).
import type { PixelLayout } from './layout';
import { forEachDarkRun, type QrMatrix } from './matrix';
import { rowBytes } from './png';

const FILTER_UP = 2;

export function rasterise(matrix: QrMatrix, size: number, layout: PixelLayout): Buffer {
  const stride = rowBytes(size);
  const out = Buffer.alloc(size * stride);
  const line = Buffer.alloc(stride);
  const { scale, offset } = layout;
  const n = matrix.size;
  for (let row = 0; row < n; row++) {
    line.fill(0);
    // +8: the pixels of a scanline start after its filter byte.
    forEachDarkRun(matrix, row, (start, end) =>
      setBits(line, 8 + offset + start * scale, 8 + offset + end * scale),
    );
    const top = offset + row * scale;
    line.copy(out, top * stride);
    for (let y = top + 1; y < top + scale; y++) out[y * stride] = FILTER_UP;
  }
  return out;
}

/** Sets bits [from, to) of `buf`, most significant bit first. */
function setBits(buf: Buffer, from: number, to: number): void {
  let bit = from;
  while (bit < to && (bit & 7) !== 0) {
    buf[bit >> 3] |= 0x80 >> (bit & 7);
    bit++;
  }
  const fullEnd = to & ~7;
  if (bit < fullEnd) {
    buf.fill(0xff, bit >> 3, fullEnd >> 3);
    bit = fullEnd;
  }
  while (bit < to) {
    buf[bit >> 3] |= 0x80 >> (bit & 7);
    bit++;
  }
}
