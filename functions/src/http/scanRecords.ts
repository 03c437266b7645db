// Scan records (analyst and up): a code's or an item's records page by page, newest first; the
// organisation's analytics for a window; and every record of a window as a streamed CSV file.
import { Router } from 'express';
import {
  ANALYTICS_MAX_RECORDS,
  analyticsFolder,
  analyticsWindow,
  SCAN_CSV_COLUMNS,
} from '../domain/analytics';
import { csvCell } from '../domain/csv/write';
import { AppError } from '../domain/errors';
import { equipmentExists } from '../data/equipment';
import { getQrCode } from '../data/qrCodes';
import { listScanRecords, scanRecordsBetween, type ScanRecordView } from '../data/scanRecords';
import { sendCsv } from './csvReply';
import { orgEndpoint } from './declare';
import { json, media } from './schemas/replies';
import { analyticsSchema, scanListQuery, scanPageSchema, windowQuery } from './schemas/scanRecords';

export const scanRecordsRouter = Router();

const tags = ['analytics'];
const pageReply = json('A page of scan records, newest first', scanPageSchema);

orgEndpoint(
  scanRecordsRouter,
  'readAnalytics',
  {
    method: 'get',
    path: '/qr-codes/:qrId/scans',
    summary: 'A standalone code’s scan records, newest first',
    tags,
    query: scanListQuery,
    replies: { 200: pageReply },
  },
  async (_req, res, { orgId, params, query }) => {
    // An expired code's records are still history: read them without the 410.
    await getQrCode(orgId, params.qrId).catch((err: unknown) => {
      if (!(err instanceof AppError && err.code === 'gone')) throw err;
    });
    res.set('Cache-Control', 'private, no-cache');
    res.json(await listScanRecords(orgId, { kind: 'code', id: params.qrId }, query));
  },
);

orgEndpoint(
  scanRecordsRouter,
  'readAnalytics',
  {
    method: 'get',
    path: '/equipment/:assetId/scans',
    summary: 'An equipment item’s scan records (its own and its tags’), newest first',
    tags,
    query: scanListQuery,
    replies: { 200: pageReply },
  },
  async (_req, res, { orgId, params, query }) => {
    if (!(await equipmentExists(orgId, params.assetId))) {
      throw new AppError('not_found', `Equipment ${params.assetId} not found`);
    }
    res.set('Cache-Control', 'private, no-cache');
    res.json(await listScanRecords(orgId, { kind: 'item', id: params.assetId }, query));
  },
);

function windowOf(query: { from?: string; to?: string }) {
  const window = analyticsWindow(query.from, query.to, new Date());
  if ('problem' in window) {
    throw new AppError('invalid_argument', `${window.field} ${window.problem}`, {
      field: window.field,
      errors: [{ field: window.field, message: window.problem }],
    });
  }
  return window;
}

orgEndpoint(
  scanRecordsRouter,
  'readAnalytics',
  {
    method: 'get',
    path: '/analytics',
    summary:
      'Scans of the organisation in a window: totals and the top codes, devices, referrers, languages, countries',
    description:
      'Summed from the scan records (SCAN_RECORDS), read a page at a time, newest first; a window is at most 366 days, and at most 100 000 records are summed (truncated: true beyond).',
    tags,
    query: windowQuery,
    replies: { 200: json('The window’s totals and top tens', analyticsSchema) },
  },
  async (_req, res, { orgId, query }) => {
    const { from, to } = windowOf(query);
    const folder = analyticsFolder(from, to);
    let read = 0;
    let truncated = false;
    for await (const record of scanRecordsBetween(orgId, from, to)) {
      if (read === ANALYTICS_MAX_RECORDS) {
        truncated = true;
        break;
      }
      folder.add(record);
      read += 1;
    }
    res.set('Cache-Control', 'private, no-cache');
    res.json(folder.finish(truncated));
  },
);

function csvLine(r: ScanRecordView): string {
  const cells = [
    r.scanId,
    r.at,
    r.subject.kind,
    r.subject.id,
    r.outcome,
    String(r.bot),
    r.botKind,
    r.device.family,
    r.device.os,
    r.device.browser,
    r.referrerHost,
    r.language,
    r.country,
    r.visitor,
  ];
  return cells.map(csvCell).join(',') + '\r\n';
}

async function* csvText(orgId: string, from: Date, to: Date): AsyncGenerator<string> {
  yield `\uFEFF${SCAN_CSV_COLUMNS.join(',')}\r\n`;
  for await (const record of scanRecordsBetween(orgId, from, to)) yield csvLine(record);
}

orgEndpoint(
  scanRecordsRouter,
  'readAnalytics',
  {
    method: 'get',
    path: '/scans.csv',
    summary: 'Every scan record of a window as CSV, newest first, streamed',
    tags,
    query: windowQuery,
    replies: { 200: media('The CSV file (UTF-8)', 'text/csv') },
  },
  async (_req, res, { orgId, query }) => {
    const { from, to } = windowOf(query);
    await sendCsv(res, `scans-${orgId}.csv`, csvText(orgId, from, to));
  },
);
