// Stock items as CSV: POST .../stock-items/bulk-upload (multipart, the file in `file`) and GET
// .../stock-items/export.csv, with the equipment upload's reader and guarantees (dialects,
// encodings, per-line errors, nothing valid lost, formula-safe export that uploads back
// unchanged). Mounted before the /stock-items/:sku routes, which would capture these paths.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { equipmentUploadLimits } from '../config';
import { csvHeader, csvRow, describeColumns, readCsvRecords } from '../domain/csv';
import { STOCK_COLUMNS, STOCK_EXPORT_COLUMNS, stockExportRow } from '../domain/stockCsv';
import { locationNamesById } from '../data/locationLookup';
import { listStockItems, type StockItem } from '../data/stockItems';
import { importStockCsv } from '../data/stockUpload';
import { callerId } from './auth';
import { sendCsv } from './csvReply';
import { orgEndpoint } from './declare';
import { requireMultipart, uploadError, withUploadedFile } from './equipmentUpload';
import { uploadResultSchema } from './schemas/equipment';
import { json, media } from './schemas/replies';

export const stockCsvRouter = Router();

const describe = () => describeColumns(STOCK_COLUMNS);

orgEndpoint(
  stockCsvRouter,
  'write',
  {
    method: 'post',
    path: '/stock-items/bulk-upload',
    summary: 'Create and update stock items from a CSV file; bad rows are reported by line',
    tags: ['stock'],
    rawBody: {
      contentType: 'multipart/form-data',
      description: 'The CSV file in the field "file" (curl -F "file=@stock.csv")',
      schema: z.object({ file: z.string().meta({ contentMediaType: 'text/csv' }) }),
    },
    replies: { 200: json('What was saved, and the rows that were not', uploadResultSchema) },
  },
  async (req, res, access) => {
    requireMultipart(
      req,
      'send multipart/form-data with the CSV in the field "file" (curl -F "file=@stock.csv")',
    );
    const rawBody = (req as Request & { rawBody?: Buffer }).rawBody;
    try {
      const result = await withUploadedFile(req, rawBody, (file) =>
        importStockCsv(
          access.orgId,
          readCsvRecords(file, equipmentUploadLimits(), describe()),
          callerId(access.caller),
        ),
      );
      res.json(result);
    } catch (err) {
      throw uploadError(err, describe);
    }
  },
);

async function* exportLines(orgId: string): AsyncGenerator<string> {
  const names = await locationNamesById(orgId);
  yield csvHeader(STOCK_EXPORT_COLUMNS);
  let pageToken: string | undefined;
  do {
    const page = await listStockItems(orgId, {}, { limit: 500, pageToken });
    for (const item of page.items as StockItem[]) {
      const location = item.locationId ? (names.get(item.locationId) ?? item.locationId) : null;
      yield csvRow(STOCK_EXPORT_COLUMNS, stockExportRow({ ...item, location }));
    }
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
}

orgEndpoint(
  stockCsvRouter,
  'read',
  {
    method: 'get',
    path: '/stock-items/export.csv',
    summary: 'Every stock item (active or not) as CSV, in the upload’s columns',
    tags: ['stock'],
    replies: { 200: media('The CSV file (UTF-8)', 'text/csv') },
  },
  async (_req, res, access) => {
    await sendCsv(res, `stock-${access.orgId}.csv`, exportLines(access.orgId));
  },
);
