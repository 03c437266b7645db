// Independent checks of generated PDFs, with tools npm installs (devDependencies, no install
// scripts, nothing from the system's package manager): Mozilla's pdf.js renders pages (onto
// @napi-rs/canvas, Skia in a prebuilt binary) and extracts the text with its positions; ZXing
// (C++, compiled to WebAssembly: zxing-wasm) reads the QR codes. None of them shares code with
// the writer (pdfkit and fontkit). If one of them cannot load, these tests fail with the reason.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import * as pdfjs from 'pdfjs-dist/legacy/build/pdf.mjs';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';

const pdfjsRoot = path.dirname(require.resolve('pdfjs-dist/package.json'));

let zxingReady: Promise<unknown> | undefined;

/**
 * ZXing's WebAssembly from node_modules: left alone, zxing-wasm would download it from a CDN at
 * the first decode, and a test may make no request outside this machine.
 */
function zxing(): Promise<unknown> {
  if (!zxingReady) {
    const wasm = require.resolve('zxing-wasm/reader/zxing_reader.wasm');
    const bytes = fs.readFileSync(wasm);
    zxingReady = prepareZXingModule({
      overrides: {
        wasmBinary: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        locateFile: (file: string) => path.join(path.dirname(wasm), file),
      },
      fireImmediately: true,
    });
  }
  return zxingReady;
}

/**
 * Loads the three tools once (pdf.js, the canvas binary, ZXing's WebAssembly) so that a broken
 * install fails the suite at its start with the package to reinstall, not in the middle.
 */
export async function requireTools(): Promise<void> {
  const problems: string[] = [];
  try {
    createCanvas(1, 1).getContext('2d');
  } catch (err) {
    problems.push(
      `@napi-rs/canvas (its prebuilt binary for ${process.platform}-${process.arch}): ${String(err)}`,
    );
  }
  try {
    await zxing();
  } catch (err) {
    problems.push(`zxing-wasm: ${String(err)}`);
  }
  if (typeof pdfjs.getDocument !== 'function') problems.push('pdfjs-dist: no getDocument');
  if (problems.length > 0) {
    throw new Error(
      `The label tests' PDF tools did not load; run \`npm ci\` again (with optional dependencies). ${problems.join('; ')}`,
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

async function openPdf(pdf: string) {
  return pdfjs.getDocument({
    data: new Uint8Array(fs.readFileSync(pdf)),
    // Local files only: the fonts pdf.js may need for non-embedded standard fonts.
    standardFontDataUrl: path.join(pdfjsRoot, 'standard_fonts') + path.sep,
    cMapUrl: path.join(pdfjsRoot, 'cmaps') + path.sep,
    useSystemFonts: false,
    disableFontFace: true,
    isEvalSupported: false,
    verbosity: 0,
  }).promise;
}

/** Renders one page (1-based) at `dpi` with pdf.js, as 8-bit grey on white. */
export async function renderPage(pdf: string, page: number, dpi: number): Promise<Gray> {
  const doc = await openPdf(pdf);
  try {
    const p = await doc.getPage(page);
    const viewport = p.getViewport({ scale: dpi / 72 });
    const width = Math.ceil(viewport.width);
    const height = Math.ceil(viewport.height);
    const canvas = createCanvas(width, height);
    const context = canvas.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
    await p.render({
      canvas: canvas as never,
      canvasContext: context as never,
      viewport,
    }).promise;
    const rgba = context.getImageData(0, 0, width, height).data;
    const pixels = Buffer.alloc(width * height);
    // ITU-R BT.601 luma, as poppler's and most greyscale conversions use.
    for (let i = 0, j = 0; j < pixels.length; i += 4, j++)
      pixels[j] = Math.round(0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2]);
    return { width, height, pixels };
  } finally {
    await doc.destroy();
  }
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

/**
 * Decodes every QR code in each image with ZXing; the result has one entry per image: the
 * decoded texts (none when nothing was found).
 */
export async function decodeAll(images: Gray[]): Promise<string[][]> {
  await zxing();
  const results: string[][] = [];
  for (const image of images) {
    const data = new Uint8ClampedArray(image.width * image.height * 4);
    for (let j = 0, i = 0; j < image.pixels.length; j++, i += 4) {
      data[i] = data[i + 1] = data[i + 2] = image.pixels[j];
      data[i + 3] = 255;
    }
    const found = await readBarcodes(
      {
        width: image.width,
        height: image.height,
        data,
        colorSpace: 'srgb',
      } as unknown as Parameters<typeof readBarcodes>[0],
      { formats: ['QRCode'], maxNumberOfSymbols: 255, tryHarder: true },
    );
    results.push(found.filter((r) => r.isValid).map((r) => r.text));
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

/**
 * A piece of text as pdf.js extracts it: what one text-showing operation drew (here a line of a
 * label, or the part of it in one font), in reading order (pdf.js puts right-to-left text back in
 * logical order). The box is in millimetres from the page's top-left corner, from the baseline
 * up by the font's ascent and down by its descent.
 */
export interface TextRun extends Rect {
  page: number;
  text: string;
  /** 'ltr' or 'rtl', as pdf.js finds the characters. */
  dir: string;
  /** The baseline, in mm from the page's top. */
  baseline: number;
  fontSizeMm: number;
}

/** Every piece of text of every page. */
export async function textRuns(pdf: string): Promise<TextRun[]> {
  const doc = await openPdf(pdf);
  const mm = (v: number) => (v * 25.4) / 72;
  const runs: TextRun[] = [];
  try {
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const [, y0, , y1] = page.view;
      const content = await page.getTextContent();
      for (const item of content.items) {
        if (!('str' in item)) continue;
        // Arabic fonts split some letters into a base and its dots while shaping; the dots
        // stand for no character, and pdf.js reports them as U+0001: they are not text.
        const text = [...item.str].filter((c) => c.charCodeAt(0) >= 0x20).join('');
        if (text.trim() === '') continue;
        const [, , c, d, e, f] = item.transform as number[];
        const size = Math.hypot(c, d);
        const style = content.styles[item.fontName];
        const baseline = y1 - y0 - (f - y0);
        runs.push({
          page: n,
          text,
          dir: item.dir,
          x: mm(e),
          y: mm(baseline - style.ascent * size),
          width: mm(item.width),
          height: mm((style.ascent - style.descent) * size),
          baseline: mm(baseline),
          fontSizeMm: mm(size),
        });
      }
    }
  } finally {
    await doc.destroy();
  }
  return runs;
}

export async function pageCount(pdf: string): Promise<number> {
  const doc = await openPdf(pdf);
  try {
    return doc.numPages;
  } finally {
    await doc.destroy();
  }
}
