// The QR matrix as SVG: one background rect (unless transparent) and one path for the dark
// modules. Each horizontal run of dark modules is a line one module thick, stroked along the
// middle of its row (y + 0.5), and each run moves relative to where the last one ended, which
// keeps the path about half the size of one rectangle per run. The viewBox counts modules, so
// the code is sharp at any zoom; width and height are the requested size in pixels.
import { forEachDarkRun, type QrMatrix } from './matrix';
import type { QrOptions } from './options';

export function matrixToSvg(matrix: QrMatrix, options: QrOptions): string {
  const { size, margin, dark, light } = options;
  const n = matrix.size;
  const total = n + 2 * margin;
  const parts: string[] = [];
  // Where the last run ended, in matrix coordinates; the first run moves absolutely.
  let penX = 0;
  let penY = 0;
  let started = false;
  for (let row = 0; row < n; row++) {
    forEachDarkRun(matrix, row, (start, end) => {
      const move = started
        ? `m${start - penX} ${row - penY}`
        : `M${start + margin} ${row + margin + 0.5}`;
      parts.push(`${move}h${end - start}`);
      [penX, penY, started] = [end, row, true];
    });
  }
  const background =
    light === 'transparent' ? '' : `<rect width="${total}" height="${total}" fill="${light}"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" ` +
    `viewBox="0 0 ${total} ${total}" shape-rendering="crispEdges">${background}` +
    `<path fill="none" stroke="${dark}" stroke-width="1" d="${parts.join('')}"/></svg>`
  );
}
