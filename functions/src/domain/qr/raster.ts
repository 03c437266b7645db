// Draws a QR matrix as 1-bit PNG scanlines. Palette index 0 is the background, so a zero-filled
// buffer is already the quiet zone; each module row is drawn once into one scanline and copied
// to the `scale` pixel rows it covers.
import type { PixelLayout } from './layout';
import type { QrMatrix } from './matrix';
import { rowBytes } from './png';

export function rasterise(matrix: QrMatrix, size: number, layout: PixelLayout): Buffer {
  const stride = rowBytes(size);
  // Filter type 0 (none) on every row: with only two colours, deflate's matches over repeated
  // rows do as well as the Up filter would, and the filter bytes stay zero.
  const out = Buffer.alloc(size * stride);
  const line = Buffer.alloc(stride);
  const { scale, offset } = layout;
  const n = matrix.size;
  for (let row = 0; row < n; row++) {
    line.fill(0);
    const base = row * n;
    let col = 0;
    while (col < n) {
      if (matrix.modules[base + col] === 0) {
        col++;
        continue;
      }
      const start = col;
      while (col < n && matrix.modules[base + col] !== 0) col++;
      // +8: the pixels of a scanline start after its filter byte.
      setBits(line, 8 + offset + start * scale, 8 + offset + col * scale);
    }
    const top = offset + row * scale;
    for (let y = top; y < top + scale; y++) line.copy(out, y * stride);
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
