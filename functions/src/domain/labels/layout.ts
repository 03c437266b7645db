// Where everything goes on a label sheet, in millimetres from the page's top-left corner. Pure:
// the PDF writer draws what this computes, and the tests check the same numbers against what an
// independent renderer and reader find on the page.
import { buildMatrix, type QrMatrix } from '../qr/matrix';
import type { ErrorCorrection } from '../qr/options';
import { BUILT_IN_TEMPLATES, labelsPerPage, type LabelTemplate } from './templates';
import { AppError } from '../errors';

/** Smallest module (one QR "pixel") we print: below this, phone cameras and printers fail. */
export const MIN_MODULE_MM = 0.35;
/** The quiet zone ISO/IEC 18004 asks for around the symbol, in modules; it stays on the label. */
export const QUIET_MODULES = 4;
/** Nothing printed is closer than this to a label's edge (die-cut and feed tolerance). */
export const SAFE_MARGIN_MM = 1;
/** Gap between the QR code's quiet zone and the text. */
const TEXT_GAP_MM = 0.5;
/** Largest and smallest text size, in points. */
const MAX_FONT_PT = 9;
export const MIN_FONT_PT = 4.5;
const PT_PER_MM = 72 / 25.4;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Offset {
  x: number;
  y: number;
}

/** Page and slot (0-based, left to right then top to bottom) of the label number `index`. */
export function placement(
  template: LabelTemplate,
  index: number,
  startPosition: number,
): { page: number; slot: number } {
  const perPage = labelsPerPage(template);
  const absolute = startPosition - 1 + index;
  return { page: Math.floor(absolute / perPage), slot: absolute % perPage };
}

/** The label rectangle of a slot, moved by the printer-feed offset. */
export function labelBox(template: LabelTemplate, slot: number, offset: Offset): Box {
  const column = slot % template.columns;
  const row = Math.floor(slot / template.columns);
  return {
    x: template.marginLeftMm + column * template.pitchXMm + offset.x,
    y: template.marginTopMm + row * template.pitchYMm + offset.y,
    width: template.labelWidthMm,
    height: template.labelHeightMm,
  };
}

/** How the QR code and the text share a label, by its shape. */
type Arrangement = 'wide' | 'tall' | 'square';

function arrangement(width: number, height: number): Arrangement {
  if (width >= height * 1.3) return 'wide';
  if (height >= width * 1.3) return 'tall';
  return 'square';
}

/**
 * The sides of the square (quiet zone included) that the QR code may use on a label: a smaller
 * one that leaves the text room on wide labels, and the largest the label allows.
 */
export function qrSquaresMm(template: LabelTemplate): number[] {
  const w = template.labelWidthMm;
  const h = template.labelHeightMm;
  switch (arrangement(w, h)) {
    case 'wide':
      // At most half the width when the code still fits: names need the room more than the
      // code needs to be larger than necessary.
      return h > w / 2 ? [w / 2, h] : [h];
    case 'tall':
      return [w];
    case 'square':
      // Keep about a third of the height for two or three lines of text below the code.
      return [Math.min(w, h * 0.7)];
  }
}

/** The module size a symbol of `size` modules gets in a square of `squareMm`. */
export function moduleMmFor(squareMm: number, size: number): number {
  return Math.min(squareMm / (size + 2 * QUIET_MODULES), (squareMm - 2 * SAFE_MARGIN_MM) / size);
}

export interface QrFit {
  errorCorrection: ErrorCorrection;
  version: number;
  moduleMm: number;
  /** The square the symbol and its quiet zone are centred in. */
  squareMm: number;
}

/** Strongest error correction first: more damage tolerated where the label has room for it. */
const LEVELS: ErrorCorrection[] = ['H', 'Q', 'M', 'L'];

/**
 * The strongest error-correction level whose symbol for `text` still has modules of at least
 * MIN_MODULE_MM on this template (in the smaller square when it fits there); undefined when even
 * level L does not fit.
 */
export function fitQr(template: LabelTemplate, text: string): QrFit | undefined {
  for (const level of LEVELS) {
    const matrix = buildMatrix(text, level);
    for (const squareMm of qrSquaresMm(template)) {
      const moduleMm = moduleMmFor(squareMm, matrix.size);
      if (moduleMm >= MIN_MODULE_MM) {
        return { errorCorrection: level, version: matrix.version, moduleMm, squareMm };
      }
    }
  }
  return undefined;
}

/** The largest module a template can give `text` (level L, largest square). */
export function bestModuleMm(template: LabelTemplate, text: string): number {
  const size = buildMatrix(text, 'L').size;
  return Math.max(...qrSquaresMm(template).map((sq) => moduleMmFor(sq, size)));
}

/** The smallest built-in template (by label area) on which `text` fits, for the 400's advice. */
export function smallestFittingTemplate(text: string): LabelTemplate | undefined {
  return [...BUILT_IN_TEMPLATES]
    .filter((t) => !t.continuous)
    .sort((a, b) => a.labelWidthMm * a.labelHeightMm - b.labelWidthMm * b.labelHeightMm)
    .find((t) => fitQr(t, text) !== undefined);
}

/** Where the symbol's modules go on one label. */
export interface QrPlacement {
  /** Top-left corner of the first module (quiet zone excluded). */
  x: number;
  y: number;
  moduleMm: number;
  matrix: QrMatrix;
}

export interface TextLine {
  text: string;
  bold: boolean;
  /** Left edge and top of the line box, in mm. */
  x: number;
  y: number;
  sizePt: number;
  /** Measured width of the (possibly shortened) text, in mm. */
  widthMm: number;
  /** Height of the line box (the fonts' ascent and descent), in mm. */
  heightMm: number;
  /** Where the glyphs stand, in mm from the page's top. */
  baselineY: number;
}

export interface LabelLayout {
  box: Box;
  qr: QrPlacement;
  textArea: Box;
  lines: TextLine[];
}

/** How the fonts that print the text measure it. */
export interface Measure {
  /** Width of `text` in points at `sizePt`. */
  width(text: string, bold: boolean, sizePt: number): number;
  /**
   * Above and below the baseline, in em, of the fonts `text` prints in: the line box. Fonts for
   * other scripts are taller (Noto Sans 1.36 em, Noto Sans JP 1.45, Noto Sans Arabic 2.11), so
   * each line gets the height of its own fonts.
   */
  extent(text: string, bold: boolean): { ascent: number; descent: number };
}

export interface LineInput {
  text: string;
  bold: boolean;
  /** A code (asset id, tag code): the font shrinks, down to MIN_FONT_PT, before it is shortened. */
  keepWhole?: boolean;
}

/** Lays out one label: the QR code in its square, the lines in the space beside or below it. */
export function layoutLabel(
  box: Box,
  qrText: string,
  fit: Pick<QrFit, 'errorCorrection' | 'squareMm'>,
  lines: LineInput[],
  measure: Measure,
): LabelLayout {
  const matrix = buildMatrix(qrText, fit.errorCorrection);
  const square = fit.squareMm;
  const moduleMm = moduleMmFor(square, matrix.size);
  const symbolMm = moduleMm * matrix.size;
  const shape = arrangement(box.width, box.height);
  let qrX: number;
  let qrY: number;
  let textArea: Box;
  const inner = square / 2 - symbolMm / 2; // from the square's edge to the first module
  if (shape === 'wide') {
    qrX = box.x + inner;
    qrY = box.y + (box.height - symbolMm) / 2;
    const left = qrX + symbolMm + QUIET_MODULES * moduleMm + TEXT_GAP_MM;
    textArea = {
      x: left,
      y: box.y + SAFE_MARGIN_MM,
      width: box.x + box.width - SAFE_MARGIN_MM - left,
      height: box.height - 2 * SAFE_MARGIN_MM,
    };
  } else {
    qrX = box.x + (box.width - symbolMm) / 2;
    qrY = box.y + inner;
    const top = qrY + symbolMm + QUIET_MODULES * moduleMm + TEXT_GAP_MM;
    textArea = {
      x: box.x + SAFE_MARGIN_MM,
      y: top,
      width: box.width - 2 * SAFE_MARGIN_MM,
      height: box.y + box.height - SAFE_MARGIN_MM - top,
    };
  }
  return {
    box,
    qr: { x: qrX, y: qrY, moduleMm, matrix },
    textArea,
    lines: fitLines(textArea, lines, measure, shape !== 'wide'),
  };
}

/** Smallest size at which the first line (the name) may wrap onto a second line. */
const MIN_WRAP_FONT_PT = 6;

/**
 * The lines at the largest size (up to MAX_FONT_PT) at which they stack in the area and the
 * codes among them fit whole, each line shortened with an ellipsis to the area's width. A first
 * line too long for one line wraps at a space onto a second when the text stays legible. When
 * even MIN_FONT_PT is too large for all lines, lines are left out, other lines before codes, last
 * first: a label never prints text outside itself.
 */
export function fitLines(
  area: Box,
  lines: LineInput[],
  measure: Measure,
  centred: boolean,
): TextLine[] {
  if (area.width <= 0 || area.height <= 0) return [];
  const heightPt = area.height * PT_PER_MM;
  const widthPt = area.width * PT_PER_MM;
  const em = (l: LineInput) => {
    const e = measure.extent(l.text, l.bold);
    return e.ascent + e.descent;
  };
  const stackEm = (stack: LineInput[]) => stack.reduce((sum, l) => sum + em(l), 0);
  const fits = (stack: LineInput[]) => heightPt / stackEm(stack) >= MIN_FONT_PT;
  const kept = lines.filter((l) => l.text.length > 0);
  while (kept.length > 0 && !fits(kept)) {
    const lastOther = kept.map((l) => !l.keepWhole).lastIndexOf(true);
    kept.splice(lastOther >= 0 ? lastOther : kept.length - 1, 1);
  }
  if (kept.length === 0) return [];
  const sizeFor = (stack: LineInput[]): number => {
    let sizePt = Math.min(MAX_FONT_PT, heightPt / stackEm(stack));
    const whole = stack.filter((l) => l.keepWhole);
    while (
      sizePt > MIN_FONT_PT &&
      whole.some((l) => measure.width(l.text, l.bold, sizePt) > widthPt)
    ) {
      sizePt = Math.max(MIN_FONT_PT, sizePt - 0.25);
    }
    return sizePt;
  };
  const sizePt = sizeFor(kept);
  const [first, ...rest] = kept;
  if (
    !first.keepWhole &&
    measure.width(first.text, first.bold, sizePt) > widthPt &&
    fits([first, ...kept])
  ) {
    const wrappedSize = sizeFor([first, ...kept]);
    if (wrappedSize >= Math.max(MIN_WRAP_FONT_PT, sizePt * 0.75)) {
      const [head, tail] = splitAtSpace(first.text, first.bold, wrappedSize, widthPt, measure);
      if (head && tail) {
        return place(
          area,
          [{ ...first, text: head }, { ...first, text: tail }, ...rest],
          wrappedSize,
          measure,
          centred,
        );
      }
    }
  }
  return place(area, kept, sizePt, measure, centred);
}

/** The most whole words of `text` that fit `widthPt`, and the rest. */
function splitAtSpace(
  text: string,
  bold: boolean,
  sizePt: number,
  widthPt: number,
  measure: Measure,
): [string, string] {
  const words = text.split(/\s+/);
  let k = 0;
  while (
    k < words.length - 1 &&
    measure.width(words.slice(0, k + 1).join(' '), bold, sizePt) <= widthPt
  )
    k++;
  return [words.slice(0, k).join(' '), words.slice(k).join(' ')];
}

/** Stacks the lines at `sizePt`, centred vertically in the area, each shortened to its width. */
function place(
  area: Box,
  lines: LineInput[],
  sizePt: number,
  measure: Measure,
  centred: boolean,
): TextLine[] {
  const widthPt = area.width * PT_PER_MM;
  const shortened = lines.map((line) => ({
    ...line,
    text: shorten(line.text, line.bold, sizePt, widthPt, measure),
  }));
  // The block was sized with the whole texts: a line keeps the taller of both boxes.
  const extents = lines.map((l, i) => {
    const whole = measure.extent(l.text, l.bold);
    const cut = measure.extent(shortened[i].text, l.bold);
    return {
      ascent: Math.max(whole.ascent, cut.ascent),
      descent: Math.max(whole.descent, cut.descent),
    };
  });
  const mm = (em: number) => (em * sizePt) / PT_PER_MM;
  const blockMm = extents.reduce((sum, e) => sum + mm(e.ascent + e.descent), 0);
  let y = area.y + (area.height - blockMm) / 2;
  const out: TextLine[] = [];
  shortened.forEach((line, i) => {
    const e = extents[i];
    const heightMm = mm(e.ascent + e.descent);
    const top = y;
    // A line left out still keeps its place: the block was centred with it.
    y += heightMm;
    if (line.text.length === 0) return;
    const widthMm = measure.width(line.text, line.bold, sizePt) / PT_PER_MM;
    out.push({
      text: line.text,
      bold: line.bold,
      x: centred ? area.x + (area.width - widthMm) / 2 : area.x,
      y: top,
      sizePt,
      widthMm,
      heightMm,
      baselineY: top + mm(e.ascent),
    });
  });
  return out;
}

const ELLIPSIS = '…';

/** The longest start of `text` (by whole characters) that fits `widthPt`, with "…" when cut. */
export function shorten(
  text: string,
  bold: boolean,
  sizePt: number,
  widthPt: number,
  measure: Measure,
): string {
  if (measure.width(text, bold, sizePt) <= widthPt) return text;
  const chars = [...text];
  let low = 0;
  let high = chars.length - 1;
  // Binary search on the number of characters kept: width grows with every character.
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    const candidate = chars.slice(0, mid).join('').trimEnd() + ELLIPSIS;
    if (measure.width(candidate, bold, sizePt) <= widthPt) low = mid;
    else high = mid - 1;
  }
  if (low === 0) return measure.width(ELLIPSIS, bold, sizePt) <= widthPt ? ELLIPSIS : '';
  return chars.slice(0, low).join('').trimEnd() + ELLIPSIS;
}

/** Cut-mark segments (x1, y1, x2, y2 in mm) in the page margin along every label edge. */
export function cutMarks(
  template: LabelTemplate,
  offset: Offset,
): Array<[number, number, number, number]> {
  const gap = 1;
  const length = 4;
  const xs = new Set<number>();
  const ys = new Set<number>();
  for (let c = 0; c < template.columns; c++) {
    const left = template.marginLeftMm + c * template.pitchXMm;
    xs.add(left).add(left + template.labelWidthMm);
  }
  for (let r = 0; r < template.rows; r++) {
    const top = template.marginTopMm + r * template.pitchYMm;
    ys.add(top).add(top + template.labelHeightMm);
  }
  const top = template.marginTopMm;
  const bottom =
    template.marginTopMm + (template.rows - 1) * template.pitchYMm + template.labelHeightMm;
  const left = template.marginLeftMm;
  const right =
    template.marginLeftMm + (template.columns - 1) * template.pitchXMm + template.labelWidthMm;
  const marks: Array<[number, number, number, number]> = [];
  for (const x of xs) {
    marks.push([x, top - gap - length, x, top - gap], [x, bottom + gap, x, bottom + gap + length]);
  }
  for (const y of ys) {
    marks.push([left - gap - length, y, left - gap, y], [right + gap, y, right + gap + length, y]);
  }
  return marks.map(([x1, y1, x2, y2]) => [
    x1 + offset.x,
    y1 + offset.y,
    x2 + offset.x,
    y2 + offset.y,
  ]);
}

/**
 * The QR fit for `template` with codes like `sample`, or a 400 naming the smallest built-in
 * template that fits: labels need modules of at least MIN_MODULE_MM to scan reliably.
 */
export function requireFit(template: LabelTemplate, sample: string): QrFit {
  const fit = fitQr(template, sample);
  if (fit) return fit;
  const smallest = smallestFittingTemplate(sample);
  const moduleMm = bestModuleMm(template, sample);
  throw new AppError(
    'invalid_argument',
    `Template ${template.id} is too small: its QR codes would have modules of ${moduleMm.toFixed(2)} mm, ` +
      `and labels need at least ${MIN_MODULE_MM} mm to scan reliably. ` +
      (smallest
        ? `The smallest template that fits is ${smallest.id} (${smallest.name}).`
        : 'No built-in template fits.'),
    {
      moduleMm: Number(moduleMm.toFixed(3)),
      minModuleMm: MIN_MODULE_MM,
      smallestTemplate: smallest?.id ?? null,
    },
  );
}
