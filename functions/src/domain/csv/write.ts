// Equipment CSV export: the upload's columns plus assetId, scanUrl and qrCodeUrl, so a file can
// be edited and uploaded back. RFC 4180 quoting, CRLF line ends, UTF-8 with a BOM (Excel reads a
// UTF-8 file without BOM as the system code page), formula cells neutralised (formula.ts).
import { EXPORT_COLUMNS, type CsvColumn } from './columns';
import { neutraliseFormula } from './formula';

/** One item as exported; `location` is whatever identifies it for people (name or id). */
export type EquipmentCsvItem = { assetId: string; name: string; category: string } & Partial<
  Record<CsvColumn, string | null | undefined>
>;

const LINE_END = '\r\n';

/** A cell as CSV text: neutralised, then quoted when it holds a comma, quote, line break, or
 * starts or ends with spaces (some readers trim unquoted cells). */
export function csvCell(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const text = neutraliseFormula(value);
  return /[",;\t\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The first line of an export of `columns`, BOM included. */
export function csvHeader(columns: readonly string[]): string {
  return `\uFEFF${columns.join(',')}${LINE_END}`;
}

/** One record as a CSV line of `columns`, line end included. */
export function csvRow(
  columns: readonly string[],
  item: Partial<Record<string, string | null | undefined>>,
): string {
  return columns.map((column) => csvCell(item[column])).join(',') + LINE_END;
}

/** The first line of an export, BOM included. */
export function equipmentCsvHeader(): string {
  return csvHeader(EXPORT_COLUMNS);
}

/** One item as a CSV line, line end included. */
export function equipmentCsvRow(item: EquipmentCsvItem): string {
  return csvRow(EXPORT_COLUMNS, item);
}

/**
 * The whole export as text pieces, for `Readable.from(...)`: the header, then one line per item,
 * pulling items only as fast as the reader takes the text.
 */
export async function* equipmentCsvLines(
  items: AsyncIterable<EquipmentCsvItem> | Iterable<EquipmentCsvItem>,
): AsyncGenerator<string> {
  yield equipmentCsvHeader();
  for await (const item of items) yield equipmentCsvRow(item);
}
