// Independent checks of generated PDFs: poppler's pdftoppm renders pages, zbar's zbarimg reads
// the QR codes, poppler's pdftotext says where each word is. None of them shares code with the
// writer. They come from Debian (poppler-utils, zbar-tools); .ci/run installs them, and without
// them these tests fail (never skip) with the command to install them.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const INSTALL_HINT =
  'Install them with: sudo apt-get update && sudo apt-get install -y poppler-utils zbar-tools ' +
  '(Debian/Ubuntu; macOS: brew install poppler zbar)';

/** Fails the test with the install command when a tool is missing. */
export async function requireTools(): Promise<void> {
  const missing: string[] = [];
  for (const [tool, args] of [
    ['pdftoppm', ['-v']],
    ['pdftotext', ['-v']],
    ['pdfinfo', ['-v']],
    ['zbarimg', ['--version']],
  ] as const) {
    try {
      await run(tool, [...args]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') missing.push(tool);
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `The label tests need ${missing.join(', ')}, which are not installed. ${INSTALL_HINT}`,
    );
  }
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** A grey page image: one byte per pixel, 0 black to 255 white. */
export interface Gray {
  width: number;
  height: number;
  pixels: Buffer;
}

/** Renders one page (1-based) at `dpi` with pdftoppm, as 8-bit grey. */
export async function renderPage(pdf: string, page: number, dpi: number): Promise<Gray> {
  const dir = tempDir('page');
  const base = path.join(dir, 'p');
  await run(
    'pdftoppm',
    ['-r', String(dpi), '-gray', '-f', String(page), '-l', String(page), '-singlefile', pdf, base],
    {
      maxBuffer: 1 << 20,
    },
  );
  const bytes = fs.readFileSync(`${base}.pgm`);
  fs.rmSync(dir, { recursive: true, force: true });
  return parsePgm(bytes);
}

/** Binary PGM (P5), 8 bits per pixel, as pdftoppm -gray writes it. */
export function parsePgm(bytes: Buffer): Gray {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(bytes[i]))) i++;
    if (bytes[i] === 0x23) {
      while (bytes[i] !== 0x0a) i++;
      continue;
    }
    let field = '';
    while (!/\s/.test(String.fromCharCode(bytes[i]))) field += String.fromCharCode(bytes[i++]);
    fields.push(field);
  }
  i++; // the single whitespace after maxval
  if (fields[0] !== 'P5' || fields[3] !== '255')
    throw new Error(`not an 8-bit P5 PGM: ${fields.join(' ')}`);
  const width = Number(fields[1]);
  const height = Number(fields[2]);
  return { width, height, pixels: bytes.subarray(i, i + width * height) };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function crop(image: Gray, r: Rect): Gray {
  const x0 = Math.max(0, Math.round(r.x));
  const y0 = Math.max(0, Math.round(r.y));
  const w = Math.min(image.width - x0, Math.round(r.width));
  const h = Math.min(image.height - y0, Math.round(r.height));
  const out = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++)
    image.pixels.copy(out, y * w, (y0 + y) * image.width + x0, (y0 + y) * image.width + x0 + w);
  return { width: w, height: h, pixels: out };
}

function pgm(image: Gray): Buffer {
  return Buffer.concat([Buffer.from(`P5\n${image.width} ${image.height}\n255\n`), image.pixels]);
}

/**
 * Decodes the QR code in each image with one zbarimg run; the result has one entry per image:
 * the decoded texts (none when nothing was found).
 */
export async function decodeAll(images: Gray[]): Promise<string[][]> {
  const dir = tempDir('zbar');
  const files = images.map((img, i) => {
    const file = path.join(dir, `c${i}.pgm`);
    fs.writeFileSync(file, pgm(img));
    return file;
  });
  let stdout: string;
  try {
    // zbarimg exits 4 when some image held no code: its output is still what we want.
    const r = await run('zbarimg', ['-q', '--xml', '-Sdisable', '-Sqrcode.enable', ...files], {
      maxBuffer: 64 << 20,
    });
    stdout = r.stdout;
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    if (e.code !== 4 || e.stdout === undefined) throw err;
    stdout = e.stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const results: string[][] = images.map(() => []);
  const sourceRe = /<source href='[^']*c(\d+)\.pgm'>([\s\S]*?)<\/source>/g;
  for (const m of stdout.matchAll(sourceRe)) {
    const data = [...m[2].matchAll(/<data><!\[CDATA\[([\s\S]*?)\]\]><\/data>/g)].map((d) => d[1]);
    results[Number(m[1])] = data;
  }
  return results;
}

/** The bounding box of dark pixels (value < 128) inside `r`, or undefined when all light. */
export function darkBox(image: Gray, r: Rect): Rect | undefined {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(image.width, Math.ceil(r.x + r.width));
  const y1 = Math.min(image.height, Math.ceil(r.y + r.height));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      if (image.pixels[y * image.width + x] < 128) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  if (minX === Infinity) return undefined;
  return { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/** Every word pdftotext finds, with its box in millimetres from the page's top-left corner. */
export async function wordBoxes(
  pdf: string,
): Promise<Array<{ page: number; word: string } & Rect>> {
  const { stdout } = await run('pdftotext', ['-bbox', pdf, '-'], { maxBuffer: 256 << 20 });
  const words: Array<{ page: number; word: string } & Rect> = [];
  let page = 0;
  const mm = (v: string) => (Number(v) * 25.4) / 72;
  for (const line of stdout.split('\n')) {
    if (line.includes('<page ')) page++;
    const m =
      /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)<\/word>/.exec(
        line,
      );
    if (m) {
      words.push({
        page,
        word: m[5],
        x: mm(m[1]),
        y: mm(m[2]),
        width: mm(m[3]) - mm(m[1]),
        height: mm(m[4]) - mm(m[2]),
      });
    }
  }
  return words;
}

export async function pageCount(pdf: string): Promise<number> {
  const { stdout } = await run('pdfinfo', [pdf]);
  const m = /^Pages:\s+(\d+)/m.exec(stdout);
  if (!m) throw new Error(`pdfinfo gave no page count: ${stdout}`);
  return Number(m[1]);
}
