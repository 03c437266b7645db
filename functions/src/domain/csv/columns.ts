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

export type HeaderMap = ColumnMap<ImportColumn>;

/** A CSV format's columns: what an upload reads, what it requires, what only the export has. */
export interface ColumnSet<C extends string = string> {
  required: readonly C[];
  optional: readonly C[];
  /** Derived by the export; an upload accepts and ignores them without reporting them. */
  exportOnly: readonly string[];
}

export const EQUIPMENT_COLUMNS: ColumnSet<ImportColumn> = {
  required: REQUIRED_COLUMNS,
  optional: OPTIONAL_COLUMNS,
  exportOnly: EXPORT_ONLY_COLUMNS,
};

export function describeColumns(set: ColumnSet = EQUIPMENT_COLUMNS): string {
  return (
    `required columns: ${set.required.join(', ')}; ` +
    `optional columns: ${set.optional.join(', ')} ` +
    '(header names match ignoring case, spaces, underscores and hyphens)'
  );
}

export interface ColumnMap<C extends string> {
  /** For each cell position, the column it feeds, or null when that column is ignored. */
  columns: (C | null)[];
  /** Header names (as written) of the columns that are not fields, once each. */
  ignoredColumns: string[];
}

/**
 * Maps header cells to the columns of `set`. A blank header cell is reported as an ignored column
 * named by its position, since cells under it would otherwise vanish without a word.
 */
export function mapHeaderTo<C extends string>(headers: string[], set: ColumnSet<C>): ColumnMap<C> {
  const known = [...set.required, ...set.optional, ...set.exportOnly];
  const byNormalized = new Map<string, string>(known.map((c) => [normalizeHeaderName(c), c]));
  const columns: (C | null)[] = [];
  const ignoredColumns: string[] = [];
  const seenAt = new Map<string, string>();
  const duplicates: string[] = [];
  headers.forEach((header, index) => {
    const column = byNormalized.get(normalizeHeaderName(header));
    if (column === undefined) {
      columns.push(null);
      ignoredColumns.push(header.trim() === '' ? `(column ${index + 1}, no name)` : header);
      return;
    }
    const earlier = seenAt.get(column);
    if (earlier !== undefined) duplicates.push(`"${earlier}" and "${header}" are both ${column}`);
    seenAt.set(column, header);
    columns.push(set.exportOnly.includes(column) ? null : (column as C));
  });
  if (duplicates.length > 0) {
    throw new CsvFileError(
      'duplicate_columns',
      `the header names a column twice (${duplicates.join('; ')}); ${describeColumns(set)}`,
      { duplicates },
    );
  }
  const missing = set.required.filter((column) => !seenAt.has(column));
  if (missing.length > 0) {
    throw new CsvFileError(
      'missing_columns',
      `the header lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ` +
        describeColumns(set),
      {
        missing,
        required: [...set.required],
        optional: [...set.optional],
        found: headers,
      },
    );
  }
  return { columns, ignoredColumns };
}

/** The equipment columns of a header (see mapHeaderTo). */
export function mapHeader(headers: string[]): HeaderMap {
  return mapHeaderTo(headers, EQUIPMENT_COLUMNS);
}
