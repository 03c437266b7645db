// The QR matrix as SVG: one background rect (unless transparent) and one path whose subpaths are
// the horizontal runs of dark modules. The viewBox counts modules, so the code is sharp at any
// zoom; width and height are the requested size in pixels.
import type { QrMatrix } from './matrix';
import type { QrOptions } from './options';

export function matrixToSvg(matrix: QrMatrix, options: QrOptions): string {
  const { size, margin, dark, light } = options;
  const n = matrix.size;
  const total = n + 2 * margin;
  const parts: string[] = [];
  for (let row = 0; row < n; row++) {
    const base = row * n;
    let col = 0;
    while (col < n) {
      if (matrix.modules[base + col] === 0) {
        col++;
        continue;
      }
      const start = col;
      while (col < n && matrix.modules[base + col] !== 0) col++;
      const run = col - start;
      parts.push(`M${start + margin} ${row + margin}h${run}v1h-${run}z`);
    }
  }
  const background =
    light === 'transparent' ? '' : `<rect width="${total}" height="${total}" fill="${light}"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" ` +
    `viewBox="0 0 ${total} ${total}" shape-rendering="crispEdges">` +
    `${background}<path fill="${dark}" d="${parts.join('')}"/></svg>`
  );
}
