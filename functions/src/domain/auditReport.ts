// A completed audit's report, as CSV and as PDF (pdfkit, with the labels' embedded Noto fonts so
// names print as written in any script the labels support): a one-page summary, then the lists
// found, missing, unexpected (with where each belongs) and unknown.
import PDFDocument from 'pdfkit';
import { csvCell } from './csv/write';
import { face, runsOf } from './labels/fonts';
import type { ItemState } from './audits';

export interface ReportItem {
  state: ItemState;
  assetId: string | null;
  code: string | null;
  name: string | null;
  category: string | null;
  locationId: string | null;
  scannedBy: string | null;
  scannedAt: string | null;
}

export interface ReportSummary {
  auditId: string;
  name: string;
  locationId: string | null;
  filter: { category?: string; locationId?: string };
  createdAt: string | null;
  completedAt: string | null;
  expected: number;
  counts: Record<ItemState, number>;
  byAuditor: Record<string, number>;
  applied: { lastAudited: number; moved: number; markedMissing: number };
}

const CSV_COLUMNS = [
  'state',
  'assetId',
  'code',
  'name',
  'category',
  'locationId',
  'scannedBy',
  'scannedAt',
] as const;

/** The CSV: a BOM and header, then one line per item, lists in the order of ITEM_STATES. */
export async function* auditCsvLines(items: AsyncIterable<ReportItem>): AsyncGenerator<string> {
  yield `\uFEFF${CSV_COLUMNS.join(',')}\r\n`;
  for await (const item of items) {
    yield CSV_COLUMNS.map((c) => csvCell(item[c])).join(',') + '\r\n';
  }
}

const MARGIN = 40;
const LINE = 14;

const TITLES: Record<ItemState, string> = {
  found: 'Found',
  missing: 'Missing (expected, not scanned)',
  unexpected: 'Unexpected (scanned here, belongs elsewhere)',
  unknown: 'Unknown codes (match nothing)',
};

/** The PDF, whole. Lists come by state, each in asset-id order. */
export async function auditReportPdf(
  summary: ReportSummary,
  lists: Array<{ state: ItemState; items: AsyncIterable<ReportItem> }>,
): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: `Audit ${summary.name}` },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  const registered = new Set<string>();
  const bottom = doc.page.height - MARGIN;
  let y = MARGIN;

  /** One piece of text at (x, y), cut into runs of one font each, at most `width` wide. */
  const write = (text: string, x: number, size: number, bold = false, width = 500) => {
    let at = x;
    for (const run of runsOf(text)) {
      const f = face(run.script, bold);
      if (!registered.has(f.name)) {
        doc.registerFont(f.name, f.bytes);
        registered.add(f.name);
      }
      doc.font(f.name).fontSize(size);
      let piece = run.text;
      while (piece.length > 1 && at - x + doc.widthOfString(piece) > width) {
        piece = piece.slice(0, -2) + '…';
      }
      doc.text(piece, at, y, { lineBreak: false });
      at += doc.widthOfString(piece);
      if (at - x >= width) break;
    }
  };
  const newLine = (height = LINE) => {
    y += height;
    if (y > bottom - LINE) {
      doc.addPage();
      y = MARGIN;
    }
  };

  write(`Audit report: ${summary.name}`, MARGIN, 18, true);
  newLine(30);
  const rows: Array<[string, string]> = [
    ['Audit', summary.auditId],
    ['Location', summary.locationId ?? '(none)'],
    [
      'Filter',
      [summary.filter.category, summary.filter.locationId].filter(Boolean).join(', ') || '(none)',
    ],
    ['Created', summary.createdAt ?? ''],
    ['Completed', summary.completedAt ?? ''],
    ['Expected', String(summary.expected)],
    ['Found', String(summary.counts.found)],
    ['Missing', String(summary.counts.missing)],
    ['Unexpected', String(summary.counts.unexpected)],
    ['Unknown', String(summary.counts.unknown)],
    ['Last audited set on', String(summary.applied.lastAudited)],
    ['Moved here', String(summary.applied.moved)],
    ['Marked missing', String(summary.applied.markedMissing)],
  ];
  for (const [label, value] of rows) {
    write(label, MARGIN, 11, true, 150);
    write(value, MARGIN + 160, 11, false, 340);
    newLine(16);
  }
  newLine(8);
  write('Scans by auditor', MARGIN, 11, true);
  newLine(16);
  for (const [uid, n] of Object.entries(summary.byAuditor).sort()) {
    write(uid, MARGIN, 10, false, 300);
    write(String(n), MARGIN + 320, 10);
    newLine();
  }

  for (const list of lists) {
    doc.addPage();
    y = MARGIN;
    write(`${TITLES[list.state]}: ${summary.counts[list.state]}`, MARGIN, 14, true);
    newLine(22);
    const where = list.state === 'unexpected' ? 'Belongs at' : 'Location';
    write(list.state === 'unknown' ? 'Code' : 'Asset id', MARGIN, 9, true, 110);
    write('Name', MARGIN + 120, 9, true, 200);
    write(list.state === 'unknown' ? 'Scanned by' : where, MARGIN + 330, 9, true, 90);
    write('Scanned at', MARGIN + 425, 9, true, 90);
    newLine();
    for await (const item of list.items) {
      write(item.assetId ?? item.code ?? '', MARGIN, 9, false, 110);
      write(item.name ?? '', MARGIN + 120, 9, false, 200);
      write(
        (list.state === 'unknown' ? item.scannedBy : item.locationId) ?? '',
        MARGIN + 330,
        9,
        false,
        90,
      );
      write(item.scannedAt?.slice(0, 16).replace('T', ' ') ?? '', MARGIN + 425, 9, false, 90);
      newLine();
    }
  }
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
