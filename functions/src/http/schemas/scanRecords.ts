// Schemas of the scan record, analytics and export routes.
import { z } from 'zod';
import { queryInt, queryText } from '../../domain/schemas/kit';
import { isoTime } from './replies';

const subjectSchema = z.object({
  kind: z.enum(['code', 'item', 'tag', 'unit', 'master', 'business', 'stockItem']),
  id: z.string(),
});

export const scanRecordSchema = z.object({
  scanId: z.string(),
  at: isoTime.nullable(),
  subject: subjectSchema,
  subjectKey: z.string(),
  outcome: z.enum(['redirect', 'interstitial', 'page', 'expired', 'notYetValid', 'limitReached']),
  bot: z.boolean(),
  botKind: z.enum(['linkPreview', 'mailScanner', 'crawler']).nullable(),
  device: z.object({
    family: z.string(),
    os: z.string().nullable(),
    browser: z.string().nullable(),
  }),
  referrerHost: z.string().nullable(),
  language: z.string().nullable(),
  country: z.string().nullable(),
  visitor: z
    .string()
    .nullable()
    .meta({ description: 'Per-day pseudonymous id: the same person on another day has another' }),
});

export const scanPageSchema = z.object({
  scans: z.array(scanRecordSchema),
  nextPageToken: z.string().nullable(),
});

export const scanListQuery = {
  limit: queryInt(1, 500, 50),
  pageToken: queryText,
};

export const windowQuery = {
  from: queryText.meta({ description: 'ISO 8601 date or instant; 30 days before `to` by default' }),
  to: queryText.meta({ description: 'ISO 8601 date or instant, excluded; now by default' }),
};

const ranked = z.object({ key: z.string(), scans: z.number().int(), humans: z.number().int() });

export const analyticsSchema = z.object({
  from: isoTime,
  to: isoTime,
  scans: z.number().int(),
  humans: z.number().int(),
  bots: z.number().int(),
  visitors: z.number().int(),
  truncated: z
    .boolean()
    .meta({ description: 'More than 100 000 records: the oldest were left out' }),
  topCodes: z.array(ranked.extend({ subject: subjectSchema })),
  devices: z.array(ranked),
  operatingSystems: z.array(ranked),
  browsers: z.array(ranked),
  referrers: z.array(ranked),
  languages: z.array(ranked),
  countries: z.array(ranked),
});
