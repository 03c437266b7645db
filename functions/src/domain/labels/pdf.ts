// Label sheets as PDF, with pdfkit: the QR codes are vector paths (one filled path of module
// runs per code, never an image), text in embedded subsets of Noto fonts chosen by script
// (fonts.ts), so names print as written in Latin, Greek, Cyrillic, Arabic and Japanese.
// Pages go out as they are made: the caller's sink receives the bytes and the writer waits for
// the sink to drain after each page, so 5 000 labels never sit in memory.
import PDFDocument from 'pdfkit';
import {
  cutMarks,
  labelBox,
  layoutLabel,
  placement,
  type LabelLayout,
  type LineInput,
  type Measure,
  type Offset,
  type QrFit,
} from './layout';
import { face, runsOf, type Run } from './fonts';
import type { LabelTemplate } from './templates';

const PT_PER_MM = 72 / 25.4;
const pt = (mm: number): number => mm * PT_PER_MM;

export interface LabelContent {
  qrText: string;
  lines: LineInput[];
}

export interface PdfOptions {
  startPosition: number;
  offsetMm: Offset;
  /** The error-correction level and QR square chosen for the template (fitQr). */
  qr: Pick<QrFit, 'errorCorrection' | 'squareMm'>;
  title: string;
}

/** Where the bytes go: `write` returns false when the sink wants the writer to wait. */
export interface PdfSink {
  write(chunk: Buffer): boolean;
  /** Resolves when the sink can take more: at once when it already can. */
  drained(): Promise<void>;
  end(): void;
}

/**
 * A right-to-left run is laid out as one piece: pdfkit otherwise shapes it word by word and
 * leaves the words in left-to-right order. Passing features (any) makes it shape the whole run;
 * fontkit still applies the script's own (joining forms, required ligatures).
 */
const RTL_FEATURES: PDFKit.Mixins.OpenTypeFeatures[] = ['rlig'];
const featuresOf = (run: Run) => (run.rtl ? { features: RTL_FEATURES } : {});

const registered = new WeakMap<PDFKit.PDFDocument, Set<string>>();

/** Selects the run's font on `doc`, registering it there on first use (so only used fonts embed). */
function useFont(doc: PDFKit.PDFDocument, run: Run, bold: boolean, sizePt: number): void {
  const f = face(run.script, bold);
  let names = registered.get(doc);
  if (!names) registered.set(doc, (names = new Set()));
  if (!names.has(f.name)) {
    doc.registerFont(f.name, f.bytes);
    names.add(f.name);
  }
  doc.font(f.name).fontSize(sizePt);
}

let measuringDoc: PDFKit.PDFDocument | undefined;

/**
 * Widths at 1 pt, by text: fitting a label measures the same lines at many sizes, and shaping
 * (kerning, joining) costs far more than the multiplication that scales a width.
 */
const widthCache = new Map<string, number>();
const WIDTH_CACHE_SIZE = 50_000;

/** Widths from pdfkit's own layout of the embedded fonts (the ones the PDF is drawn with). */
export const notoMeasure: Measure = {
  width(text, bold, sizePt) {
    const key = (bold ? 'b' : 'r') + text;
    let perPt = widthCache.get(key);
    if (perPt === undefined) {
      measuringDoc ??= new PDFDocument({ autoFirstPage: false });
      const doc = measuringDoc;
      perPt = runsOf(text).reduce((sum, run) => {
        useFont(doc, run, bold, 1);
        return sum + doc.widthOfString(run.text, featuresOf(run));
      }, 0);
      if (widthCache.size >= WIDTH_CACHE_SIZE) {
        // pdfkit keeps every word it shaped for the document's life: a new measuring document
        // lets a long-lived instance forget them too.
        widthCache.clear();
        measuringDoc = undefined;
      }
      widthCache.set(key, perPt);
    }
    return perPt * sizePt;
  },
  extent(text, bold) {
    const runs = runsOf(text);
    // An empty line still has the height of the Latin font, as an empty line of text does.
    const faces = (runs.length > 0 ? runs : [{ script: 'latin' as const }]).map((r) =>
      face(r.script, bold),
    );
    return {
      ascent: Math.max(...faces.map((f) => f.ascent)),
      descent: Math.max(...faces.map((f) => f.descent)),
    };
  },
};

/** The layout of label number `index` (0-based) of a document, as the writer draws it. */
export function layoutAt(
  template: LabelTemplate,
  index: number,
  content: LabelContent,
  options: Pick<PdfOptions, 'startPosition' | 'offsetMm' | 'qr'>,
): { page: number; layout: LabelLayout } {
  const { page, slot } = placement(template, index, options.startPosition);
  const box = labelBox(template, slot, options.offsetMm);
  return {
    page,
    layout: layoutLabel(box, content.qrText, options.qr, content.lines, notoMeasure),
  };
}

/**
 * The dark modules as rectangles in module units: each run of dark modules in a row, grown
 * downwards while the rows below have the same run. Fewer, integer rectangles keep the PDF small.
 */
export function moduleRects(
  matrix: LabelLayout['qr']['matrix'],
): Array<[number, number, number, number]> {
  const { size, modules } = matrix;
  const done: Array<[number, number, number, number]> = [];
  // Open rectangles by "start,length" of their run: [x, y, width, height].
  let open = new Map<string, [number, number, number, number]>();
  for (let row = 0; row <= size; row++) {
    const next = new Map<string, [number, number, number, number]>();
    let col = 0;
    while (row < size && col < size) {
      if (modules[row * size + col] !== 1) {
        col++;
        continue;
      }
      const start = col;
      while (col < size && modules[row * size + col] === 1) col++;
      const key = `${start},${col - start}`;
      const above = open.get(key);
      if (above) {
        above[3]++;
        open.delete(key);
        next.set(key, above);
      } else next.set(key, [start, row, col - start, 1]);
    }
    done.push(...open.values());
    open = next;
  }
  return done;
}

function drawQr(doc: PDFKit.PDFDocument, layout: LabelLayout): void {
  const { x, y, moduleMm, matrix } = layout.qr;
  // Drawn in module units (a scale and a move), so every coordinate is a small whole number.
  // All rectangles make one path, filled once: no seams between neighbouring modules when a
  // renderer anti-aliases.
  doc.save();
  doc.transform(pt(moduleMm), 0, 0, pt(moduleMm), pt(x), pt(y));
  for (const [rx, ry, w, h] of moduleRects(matrix)) doc.rect(rx, ry, w, h);
  doc.fillColor('black').fill('nonzero');
  doc.restore();
}

/** Draws a label's lines in their fonts (exported for the labels bench's raster anchor). */
export function drawText(doc: PDFKit.PDFDocument, layout: LabelLayout): void {
  doc.fillColor('black');
  for (const line of layout.lines) {
    let x = pt(line.x);
    for (const run of runsOf(line.text)) {
      useFont(doc, run, line.bold, line.sizePt);
      const options = { ...featuresOf(run), lineBreak: false, baseline: 'alphabetic' as const };
      doc.text(run.text, x, pt(line.baselineY), options);
      x += notoMeasure.width(run.text, line.bold, line.sizePt);
    }
  }
}

function drawCutMarks(doc: PDFKit.PDFDocument, template: LabelTemplate, offset: Offset): void {
  for (const [x1, y1, x2, y2] of cutMarks(template, offset))
    doc.moveTo(pt(x1), pt(y1)).lineTo(pt(x2), pt(y2));
  doc.lineWidth(pt(0.15)).strokeColor('#555555').stroke();
}

/** Writes the whole PDF of `labels` to `sink`. Resolves when the last byte has been written. */
export async function writeLabelsPdf(
  template: LabelTemplate,
  labels: AsyncIterable<LabelContent> | Iterable<LabelContent>,
  options: PdfOptions,
  sink: PdfSink,
): Promise<{ labels: number; pages: number }> {
  const doc = new PDFDocument({
    autoFirstPage: false,
    compress: true,
    info: { Title: options.title, Producer: 'qr-asset-backend labels' },
  });
  let waiting = false;
  doc.on('data', (chunk: Buffer) => {
    if (!sink.write(chunk)) waiting = true;
  });
  const finished = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  let currentPage = -1;
  let count = 0;
  const newPage = async () => {
    // Adding a page flushes the previous one into the stream: let it reach the sink, and wait
    // for the sink when it is full, so memory holds one page at a time.
    await new Promise((resolve) => setImmediate(resolve));
    if (waiting) {
      waiting = false;
      await sink.drained();
    }
    doc.addPage({ size: [pt(template.page.widthMm), pt(template.page.heightMm)], margin: 0 });
    if (template.cutMarks) drawCutMarks(doc, template, options.offsetMm);
  };
  for await (const content of labels) {
    const { page, layout } = layoutAt(template, count, content, options);
    while (currentPage < page) {
      await newPage();
      currentPage++;
    }
    drawQr(doc, layout);
    drawText(doc, layout);
    count++;
  }
  if (currentPage < 0) await newPage();
  doc.end();
  await finished;
  sink.end();
  return { labels: count, pages: Math.max(1, currentPage + 1) };
}
