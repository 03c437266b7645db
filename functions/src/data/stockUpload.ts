// Saving a stock CSV upload (rows read by domain/csv readCsvRecords, checked by
// domain/stockCsv): a row with an existing sku patches that item, any other row creates one
// (its quantityOnHand recorded as the first movement, as for the JSON route). A quantity is
// never changed by a file: a row that gives another quantity for an existing item fails, naming
// what is on hand, since only movements change stock. Rows are saved 20 at a time; every valid
// row is saved, each invalid one reported with its line.
import { decodeRecord, mapHeaderTo, type CsvRecordEvent } from '../domain/csv';
import { AppError, conflict } from '../domain/errors';
import { parseStockRow, STOCK_COLUMNS, type StockCsvRow } from '../domain/stockCsv';
import type { StockUnit } from '../domain/stock';
import { inactiveLocationMessage, loadLocationLookup, type LocationLookup } from './locationLookup';
import { stockItemsRef } from './paths';
import { quotaLimits, spendDaily } from './quotas';
import { createStockItem, updateStockItem } from './stockItems';

export interface StockUploadResult {
  total: number;
  created: number;
  updated: number;
  failed: { line: number; errors: string[] }[];
  ignoredColumns: string[];
}

const BATCH = 20;

function locationOf(lookup: LocationLookup, row: StockCsvRow): string | null | undefined {
  if (row.location === undefined || row.location === null) return row.location;
  const found = lookup.resolve(row.location);
  if (!found)
    throw new AppError(
      'invalid_argument',
      `location: no location named "${row.location}" (or with that id)`,
    );
  if (!found.active) {
    throw conflict('location_inactive', `location: ${inactiveLocationMessage(found)}`, {
      locationId: found.id,
    });
  }
  return found.id;
}

async function saveRow(
  orgId: string,
  row: StockCsvRow,
  lookup: LocationLookup,
  by: string,
): Promise<'created' | 'updated'> {
  const locationId = locationOf(lookup, row);
  const existing = row.sku ? await stockItemsRef(orgId).doc(row.sku).get() : undefined;
  if (existing?.exists) {
    const onHand = Number(existing.get('quantityOnHand') ?? 0);
    if (
      row.quantityOnHand !== undefined &&
      row.quantityOnHand !== null &&
      row.quantityOnHand !== onHand
    ) {
      throw new AppError(
        'invalid_argument',
        `quantityOnHand: ${row.sku} has ${onHand} on hand; a file does not change stock (record a counted movement)`,
      );
    }
    await updateStockItem(
      orgId,
      existing.id,
      {
        name: row.name,
        ...(row.description !== undefined ? { description: row.description } : {}),
        ...(row.unit !== undefined ? { unit: row.unit as StockUnit } : {}),
        ...(locationId !== undefined ? { locationId } : {}),
        ...(row.reorderPoint !== undefined ? { reorderPoint: row.reorderPoint } : {}),
        ...(row.reorderQuantity !== undefined ? { reorderQuantity: row.reorderQuantity } : {}),
        ...(row.preferredSupplierId !== undefined
          ? { preferredSupplierId: row.preferredSupplierId }
          : {}),
        ...(row.imageUrl !== undefined ? { imageUrl: row.imageUrl } : {}),
      },
      { by, via: 'csv' },
    );
    return 'updated';
  }
  const present = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;
  await createStockItem(
    orgId,
    {
      name: row.name,
      unit: (row.unit ?? 'each') as StockUnit,
      ...(row.sku ? { sku: row.sku } : {}),
      ...(present(row.description) ? { description: row.description } : {}),
      ...(present(locationId) ? { locationId } : {}),
      ...(present(row.quantityOnHand) ? { quantityOnHand: row.quantityOnHand } : {}),
      ...(present(row.reorderPoint) ? { reorderPoint: row.reorderPoint } : {}),
      ...(present(row.reorderQuantity) ? { reorderQuantity: row.reorderQuantity } : {}),
      ...(present(row.preferredSupplierId) ? { preferredSupplierId: row.preferredSupplierId } : {}),
      ...(present(row.imageUrl) ? { imageUrl: row.imageUrl } : {}),
    },
    by,
    'csv',
  );
  return 'created';
}

/** Saves the rows of `events`; CsvFileError and CsvLimitError of the reader reach the caller. */
export async function importStockCsv(
  orgId: string,
  events: AsyncIterable<CsvRecordEvent>,
  by: string,
): Promise<StockUploadResult> {
  const lookup = await loadLocationLookup(orgId);
  const { rowsPerDay } = await quotaLimits(orgId);
  const result: StockUploadResult = {
    total: 0,
    created: 0,
    updated: 0,
    failed: [],
    ignoredColumns: [],
  };
  let columns: (string | null)[] = [];
  let pending: { line: number; row: StockCsvRow }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await spendDaily(orgId, 'rowsPerDay', pending.length, rowsPerDay);
    const rows = pending;
    pending = [];
    // Rows naming the same sku go one after the other; the others side by side.
    await Promise.all(
      rows.map(async ({ line, row }) => {
        try {
          result[await saveRow(orgId, row, lookup, by)] += 1;
        } catch (err) {
          if (!(err instanceof AppError) || err.code === 'internal') throw err;
          result.failed.push({ line, errors: [err.message.replace(/^Invalid request: /, '')] });
        }
      }),
    );
  };
  for await (const event of events) {
    if (event.kind === 'header') {
      const mapped = mapHeaderTo(event.names, STOCK_COLUMNS);
      columns = mapped.columns;
      result.ignoredColumns = mapped.ignoredColumns;
      continue;
    }
    result.total += 1;
    if (event.kind === 'unclosed') {
      result.failed.push({
        line: event.line,
        errors: ['a quoted cell that starts on this row is never closed; check the quotes'],
      });
      break;
    }
    const { input, errors } = decodeRecord(event.cells, columns, event.encoding);
    const parsed = parseStockRow(input);
    if (errors.length || !parsed.ok) {
      result.failed.push({
        line: event.line,
        errors: [...errors, ...(parsed.ok ? [] : parsed.errors)],
      });
      continue;
    }
    // A sku twice in one batch would race with itself: save what came before first.
    if (parsed.row.sku && pending.some((p) => p.row.sku === parsed.row.sku)) await flush();
    pending.push({ line: event.line, row: parsed.row });
    if (pending.length >= BATCH) await flush();
  }
  await flush();
  result.failed.sort((a, b) => a.line - b.line);
  return result;
}
