// Label templates as data: each sheet or label-printer medium is one record of measurements in
// millimetres, and the layout code reads nothing else. The sources of the numbers are listed in
// docs/labels.md; a sheet whose published numbers disagree between sources says so in `note`.
// Inch values are written as millimetres (1 in = 25.4 mm) with the inch value beside them.

export interface PageSize {
  widthMm: number;
  heightMm: number;
}

export interface LabelTemplate {
  id: string;
  name: string;
  /** `sheet`: a page of labels for an office printer; `printer`: one label per page. */
  kind: 'sheet' | 'printer';
  page: PageSize;
  columns: number;
  rows: number;
  labelWidthMm: number;
  labelHeightMm: number;
  /** Page's left edge to the left edge of the first column. */
  marginLeftMm: number;
  /** Page's top edge to the top edge of the first row. */
  marginTopMm: number;
  /** Left edge of one column to the left edge of the next (label width + gap). */
  pitchXMm: number;
  /** Top edge of one row to the top edge of the next (label height + gap). */
  pitchYMm: number;
  /** Plain paper: short cut lines are drawn in the page margin along every label edge. */
  cutMarks: boolean;
  /** Continuous media: the request's `lengthMm` sets the label (and page) width. */
  continuous?: { minLengthMm: number; maxLengthMm: number; defaultLengthMm: number };
  note?: string;
}

const A4: PageSize = { widthMm: 210, heightMm: 297 };
const LETTER: PageSize = { widthMm: 215.9, heightMm: 279.4 };

/** One label per page, the page being the label (label printers). */
function single(width: number, height: number) {
  return {
    kind: 'printer' as const,
    page: { widthMm: width, heightMm: height },
    columns: 1,
    rows: 1,
    labelWidthMm: width,
    labelHeightMm: height,
    marginLeftMm: 0,
    marginTopMm: 0,
    pitchXMm: width,
    pitchYMm: height,
    cutMarks: false,
  };
}

export const BUILT_IN_TEMPLATES: readonly LabelTemplate[] = Object.freeze([
  {
    id: 'avery-l7160',
    name: 'Avery L7160 (A4, 21 per sheet, 63.5 × 38.1 mm)',
    kind: 'sheet',
    page: A4,
    columns: 3,
    rows: 7,
    labelWidthMm: 63.5,
    labelHeightMm: 38.1,
    marginLeftMm: 7.25,
    marginTopMm: 15.15,
    pitchXMm: 66.04,
    pitchYMm: 38.1,
    cutMarks: false,
  },
  {
    id: 'avery-l7163',
    name: 'Avery L7163 (A4, 14 per sheet, 99.1 × 38.1 mm)',
    kind: 'sheet',
    page: A4,
    columns: 2,
    rows: 7,
    labelWidthMm: 99.1,
    labelHeightMm: 38.1,
    marginLeftMm: 4.65,
    marginTopMm: 15.15,
    pitchXMm: 101.6,
    pitchYMm: 38.1,
    cutMarks: false,
  },
  {
    id: 'avery-l7651',
    name: 'Avery L7651 (A4, 65 per sheet, 38.1 × 21.2 mm)',
    kind: 'sheet',
    page: A4,
    columns: 5,
    rows: 13,
    labelWidthMm: 38.1,
    labelHeightMm: 21.2,
    marginLeftMm: 4.75,
    marginTopMm: 10.7,
    pitchXMm: 40.6,
    pitchYMm: 21.2,
    cutMarks: false,
  },
  {
    id: 'avery-5160',
    name: 'Avery 5160 (Letter, 30 per sheet, 2 5/8 × 1 in)',
    kind: 'sheet',
    page: LETTER,
    columns: 3,
    rows: 10,
    labelWidthMm: 66.675, // 2.625 in
    labelHeightMm: 25.4, // 1 in
    marginLeftMm: 4.7625, // 0.1875 in
    marginTopMm: 12.7, // 0.5 in
    pitchXMm: 69.85, // 2.75 in
    pitchYMm: 25.4,
    cutMarks: false,
    note: 'gLabels uses a left margin of 0.15625 in and a pitch of 2.78125 in; three other sources agree on 0.1875 in and 2.75 in.',
  },
  {
    id: 'avery-5163',
    name: 'Avery 5163 (Letter, 10 per sheet, 4 × 2 in)',
    kind: 'sheet',
    page: LETTER,
    columns: 2,
    rows: 5,
    labelWidthMm: 101.6, // 4 in
    labelHeightMm: 50.8, // 2 in
    marginLeftMm: 3.96875, // 0.15625 in
    marginTopMm: 12.7, // 0.5 in
    pitchXMm: 106.3625, // 4.1875 in
    pitchYMm: 50.8,
    cutMarks: false,
  },
  {
    id: 'avery-22805',
    name: 'Avery 22805 (Letter, 24 per sheet, 1.5 × 1.5 in)',
    kind: 'sheet',
    page: LETTER,
    columns: 4,
    rows: 6,
    labelWidthMm: 38.1, // 1.5 in
    labelHeightMm: 38.1,
    marginLeftMm: 19.84375, // 0.78125 in
    marginTopMm: 12.7, // 0.5 in
    pitchXMm: 46.0375, // 1.8125 in
    pitchYMm: 43.18, // 1.7 in
    cutMarks: false,
    note: 'Side margin and column pitch measured on a sheet (issue 26): 0.78125 in and 1.8125 in, which fill the 8.5 in Letter width exactly (2 × 0.78125 + 3 × 1.8125 + 1.5); top margin and row pitch (0.5 in, 1.7 in) fill the 11 in height symmetrically.',
  },
  {
    id: 'a4-30x20',
    name: 'Plain A4 cut into 30 × 20 mm labels (78 per sheet, cut marks)',
    kind: 'sheet',
    page: A4,
    columns: 6,
    rows: 13,
    labelWidthMm: 30,
    labelHeightMm: 20,
    marginLeftMm: 15,
    marginTopMm: 18.5,
    pitchXMm: 30,
    pitchYMm: 20,
    cutMarks: true,
  },
  {
    id: 'a4-45x30',
    name: 'Plain A4 cut into 45 × 30 mm labels (36 per sheet, cut marks)',
    kind: 'sheet',
    page: A4,
    columns: 4,
    rows: 9,
    labelWidthMm: 45,
    labelHeightMm: 30,
    marginLeftMm: 15,
    marginTopMm: 13.5,
    pitchXMm: 45,
    pitchYMm: 30,
    cutMarks: true,
  },
  {
    id: 'a4-60x40',
    name: 'Plain A4 cut into 60 × 40 mm labels (18 per sheet, cut marks)',
    kind: 'sheet',
    page: A4,
    columns: 3,
    rows: 6,
    labelWidthMm: 60,
    labelHeightMm: 40,
    marginLeftMm: 15,
    marginTopMm: 28.5,
    pitchXMm: 60,
    pitchYMm: 40,
    cutMarks: true,
  },
  {
    id: 'letter-30x20',
    name: 'Plain Letter cut into 30 × 20 mm labels (72 per sheet, cut marks)',
    kind: 'sheet',
    page: LETTER,
    columns: 6,
    rows: 12,
    labelWidthMm: 30,
    labelHeightMm: 20,
    marginLeftMm: 17.95,
    marginTopMm: 19.7,
    pitchXMm: 30,
    pitchYMm: 20,
    cutMarks: true,
  },
  {
    id: 'letter-45x30',
    name: 'Plain Letter cut into 45 × 30 mm labels (32 per sheet, cut marks)',
    kind: 'sheet',
    page: LETTER,
    columns: 4,
    rows: 8,
    labelWidthMm: 45,
    labelHeightMm: 30,
    marginLeftMm: 17.95,
    marginTopMm: 19.7,
    pitchXMm: 45,
    pitchYMm: 30,
    cutMarks: true,
  },
  {
    id: 'letter-60x40',
    name: 'Plain Letter cut into 60 × 40 mm labels (18 per sheet, cut marks)',
    kind: 'sheet',
    page: LETTER,
    columns: 3,
    rows: 6,
    labelWidthMm: 60,
    labelHeightMm: 40,
    marginLeftMm: 17.95,
    marginTopMm: 19.7,
    pitchXMm: 60,
    pitchYMm: 40,
    cutMarks: true,
  },
  // Label printers: the page is the label, landscape (the long side across), as the printers'
  // drivers lay out text along the label.
  {
    id: 'brother-dk-11201',
    name: 'Brother DK-11201 (29 × 90 mm, one label per page)',
    ...single(90, 29),
  },
  {
    id: 'brother-dk-11204',
    name: 'Brother DK-11204 (17 × 54 mm, one label per page)',
    ...single(54, 17),
  },
  {
    id: 'brother-62mm',
    name: 'Brother 62 mm continuous tape (DK-22205), cut at lengthMm (default 40 mm)',
    ...single(40, 62),
    continuous: { minLengthMm: 25, maxLengthMm: 300, defaultLengthMm: 40 },
  },
  {
    id: 'dymo-30334',
    name: 'Dymo 30334 (57 × 32 mm, one label per page)',
    ...single(57.15, 31.75), // 2 1/4 × 1 1/4 in
  },
]);

export function builtInTemplate(id: string): LabelTemplate | undefined {
  return BUILT_IN_TEMPLATES.find((t) => t.id === id);
}

/** A continuous medium cut at `lengthMm`: the label and page are that long. */
export function withLength(template: LabelTemplate, lengthMm: number): LabelTemplate {
  return {
    ...template,
    page: { ...template.page, widthMm: lengthMm },
    labelWidthMm: lengthMm,
    pitchXMm: lengthMm,
  };
}

export function labelsPerPage(template: LabelTemplate): number {
  return template.columns * template.rows;
}
