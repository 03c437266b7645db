// Stock items as CSV: the columns, a row's cells checked into a create or a patch, and an item
// as an export row (the same columns, so an export uploads back unchanged). The reading itself
// (dialects, encodings, line numbers, limits, formula safety) is domain/csv's.
import { z } from 'zod';
import { check } from './schemas/kit';
import type { ColumnSet } from './csv';
import { STOCK_LIMITS, STOCK_UNITS } from './stock';
import { ID_PATTERN, ID_RULE } from './ids';

export const STOCK_COLUMNS: ColumnSet = {
  required: ['name'],
  optional: [
    'sku',
    'description',
    'unit',
    'location',
    'quantityOnHand',
    'reorderPoint',
    'reorderQuantity',
    'preferredSupplierId',
    'imageUrl',
  ],
  exportOnly: [],
};

export const STOCK_EXPORT_COLUMNS = [...STOCK_COLUMNS.required, ...STOCK_COLUMNS.optional];

/** A row's values: text as written, numbers parsed; undefined where the column is absent. */
export interface StockCsvRow {
  sku?: string;
  name: string;
  description?: string | null;
  unit?: string;
  location?: string | null;
  quantityOnHand?: number | null;
  reorderPoint?: number | null;
  reorderQuantity?: number | null;
  preferredSupplierId?: string | null;
  imageUrl?: string | null;
}

const NUMBERS = ['quantityOnHand', 'reorderPoint', 'reorderQuantity'] as const;

/** The cells of one row (by column) as a row, or the row's errors in words. */
export function parseStockRow(
  input: Record<string, string>,
): { ok: true; row: StockCsvRow } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const cell = (c: string): string | null | undefined =>
    c in input ? (input[c].trim() === '' ? null : input[c].trim()) : undefined;
  const name = cell('name');
  if (!name) errors.push('name: is required');
  else if (name.length > STOCK_LIMITS.name)
    errors.push(`name: is longer than ${STOCK_LIMITS.name} characters`);
  const row: StockCsvRow = { name: name ?? '' };
  const sku = cell('sku');
  if (sku) {
    if (!ID_PATTERN.test(sku)) errors.push(`sku: ${ID_RULE}`);
    else row.sku = sku;
  }
  for (const n of NUMBERS) {
    const v = cell(n);
    if (v === undefined) continue;
    if (v === null) {
      row[n] = null;
      continue;
    }
    const parsed = check(
      n === 'reorderQuantity' ? STOCK_POSITIVE : STOCK_QUANTITY,
      /^-?[0-9]+$/.test(v) ? Number(v) : Number.NaN,
    );
    if (!parsed.ok)
      errors.push(
        `${n}: must be a whole number${n === 'reorderQuantity' ? ' of 1 or more' : ' of 0 or more'} (got "${v}")`,
      );
    else row[n] = parsed.value as number;
  }
  const unit = cell('unit');
  if (unit) {
    const lower = unit.toLowerCase();
    if (!(STOCK_UNITS as readonly string[]).includes(lower))
      errors.push(`unit: must be one of ${STOCK_UNITS.join(', ')}`);
    else row.unit = lower;
  }
  const description = cell('description');
  if (description !== undefined) {
    if (description && description.length > STOCK_LIMITS.description)
      errors.push('description: is too long');
    else row.description = description;
  }
  const supplier = cell('preferredSupplierId');
  if (supplier !== undefined) {
    if (supplier !== null && !ID_PATTERN.test(supplier))
      errors.push(`preferredSupplierId: ${ID_RULE}`);
    else row.preferredSupplierId = supplier;
  }
  const imageUrl = cell('imageUrl');
  if (imageUrl !== undefined) {
    if (imageUrl !== null && !/^https?:\/\//i.test(imageUrl))
      errors.push('imageUrl: must be an http(s) URL');
    else row.imageUrl = imageUrl;
  }
  const location = cell('location');
  if (location !== undefined) row.location = location;
  return errors.length ? { ok: false, errors } : { ok: true, row };
}

const STOCK_QUANTITY = z.number().int().min(0).max(STOCK_LIMITS.quantity);
const STOCK_POSITIVE = z.number().int().min(1).max(STOCK_LIMITS.quantity);

/** An item as an export row: numbers as digits, empty for none. */
export function stockExportRow(item: {
  sku: string;
  name: string;
  description: string | null;
  unit: string;
  location: string | null;
  quantityOnHand: number;
  reorderPoint: number | null;
  reorderQuantity: number | null;
  preferredSupplierId: string | null;
  imageUrl: string | null;
}): Record<string, string | null> {
  const n = (v: number | null) => (v === null ? null : String(v));
  return {
    sku: item.sku,
    name: item.name,
    description: item.description,
    unit: item.unit,
    location: item.location,
    quantityOnHand: String(item.quantityOnHand),
    reorderPoint: n(item.reorderPoint),
    reorderQuantity: n(item.reorderQuantity),
    preferredSupplierId: item.preferredSupplierId,
    imageUrl: item.imageUrl,
  };
}
