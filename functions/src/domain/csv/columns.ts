// The CSV columns of equipment and how header names are matched to them.
import { CsvFileError } from './errors';

export const REQUIRED_COLUMNS = ['name', 'category'] as const;
export const OPTIONAL_COLUMNS = [
  'serialNumber',
  'brand',
  'model',
  'location',
  'notes',
  'imageUrl',
  'assetId',
] as const;
/**
 * Written by the export and derived from the item, so an upload accepts and ignores them
 * without reporting them: an exported file uploaded back must not produce warnings.
 */
export const EXPORT_ONLY_COLUMNS = ['scanUrl', 'qrCodeUrl'] as const;

export type ImportColumn = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];
export type CsvColumn = ImportColumn | (typeof EXPORT_ONLY_COLUMNS)[number];

/** Every column of an export, in order: what an upload reads, then what only the export has. */
export const EXPORT_COLUMNS: readonly CsvColumn[] = [
  ...REQUIRED_COLUMNS,
  ...OPTIONAL_COLUMNS,
  ...EXPORT_ONLY_COLUMNS,
];

/** "Serial Number", "serial_number", "SERIAL-NUMBER" and "serialNumber" are the same column. */
export function normalizeHeaderName(header: string): string {
  return header.toLowerCase().replace(/[\s_-]+/g, '');
}

const BY_NORMALIZED = new Map<string, CsvColumn>(
  EXPORT_COLUMNS.map((column) => [normalizeHeaderName(column), column]),
);

export interface HeaderMap {
  /** For each cell position, the column it feeds, or null when that column is ignored. */
  columns: (ImportColumn | null)[];
  /** Header names (as written) of the columns that are not equipment fields, once each. */
  ignoredColumns: string[];
}

export function describeColumns(): string {
  return (
    `required columns: ${REQUIRED_COLUMNS.join(', ')}; ` +
    `optional columns: ${OPTIONAL_COLUMNS.join(', ')} ` +
    '(header names match ignoring case, spaces, underscores and hyphens)'
  );
}

/**
 * Maps header cells to columns. A blank header cell is reported as an ignored column named by
 * its position, since cells under it would otherwise vanish without a word.
 */
export function mapHeader(headers: string[]): HeaderMap {
  const columns: (ImportColumn | null)[] = [];
  const ignoredColumns: string[] = [];
  const seenAt = new Map<CsvColumn, string>();
  const duplicates: string[] = [];
  headers.forEach((header, index) => {
    const column = BY_NORMALIZED.get(normalizeHeaderName(header));
    if (column === undefined) {
      columns.push(null);
      ignoredColumns.push(header.trim() === '' ? `(column ${index + 1}, no name)` : header);
      return;
    }
    const earlier = seenAt.get(column);
    if (earlier !== undefined) duplicates.push(`"${earlier}" and "${header}" are both ${column}`);
    seenAt.set(column, header);
    columns.push(column === 'scanUrl' || column === 'qrCodeUrl' ? null : column);
  });
  if (duplicates.length > 0) {
    throw new CsvFileError(
      'duplicate_columns',
      `the header names a column twice (${duplicates.join('; ')}); ${describeColumns()}`,
      { duplicates },
    );
  }
  const missing = REQUIRED_COLUMNS.filter((column) => !seenAt.has(column));
  if (missing.length > 0) {
    throw new CsvFileError(
      'missing_columns',
      `the header lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ` +
        describeColumns(),
      {
        missing,
        required: [...REQUIRED_COLUMNS],
        optional: [...OPTIONAL_COLUMNS],
        found: headers,
      },
    );
  }
  return { columns, ignoredColumns };
}
