// Schemas of the manufacturing routes: orders, batches, unit codes, master cases, prep jobs.
// Body values are checked by domain/manufacturing/validate.ts.
import { z } from 'zod';
import { CODE_STATUSES } from '../../domain/manufacturing/status';
import {
  MAX_BATCH_UNITS,
  MAX_EXCLUDE_CODES,
  MAX_LINK_UNITS,
  MAX_MASTER_UNITS,
} from '../../domain/manufacturing/validate';
import { idSchema, queryInt, queryText } from '../../domain/schemas/kit';
import { isoTime } from './replies';

export const newOrderBody = z.strictObject({
  orderId: idSchema.optional(),
  name: z.string().max(200),
  sku: z.string().max(100).nullable().optional(),
  productName: z.string().max(200).nullable().optional(),
  gtin: z.string().nullable().optional().meta({
    description: 'GTIN-8/12/13/14 with its check digit: units then encode a GS1 Digital Link URI',
  }),
  redemptionSecret: z
    .boolean()
    .optional()
    .meta({ description: 'Units need their printed secret (codes.csv) to be redeemed' }),
});

export const newBatchBody = z.strictObject({
  units: z.number().int().min(1).max(MAX_BATCH_UNITS),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{0,32}$/)
    .nullable()
    .optional(),
});

export const statusChangeBody = z.strictObject({ status: z.enum(CODE_STATUSES) });

export const newMasterBody = z.strictObject({
  orderId: idSchema,
  expectedUnits: z.number().int().min(1).max(MAX_MASTER_UNITS),
  caseNumber: z.number().int().min(1).max(1_000_000_000).nullable().optional(),
  batchId: idSchema
    .nullable()
    .optional()
    .meta({ description: 'The one batch whose codes it takes (409 batch_mismatch for another)' }),
});

export const linkBody = z.strictObject({
  orderId: idSchema,
  batchId: idSchema,
  targetUnits: z.number().int().min(1).max(MAX_LINK_UNITS),
  allowPartial: z.boolean().optional(),
});

export const newPrepJobBody = z.strictObject({
  orderId: idSchema,
  batchId: idSchema,
  excludeCodes: z.array(z.string().max(128)).max(MAX_EXCLUDE_CODES).nullable().optional(),
});

export const orderSchema = z.looseObject({
  orderId: z.string(),
  name: z.string(),
  sku: z.string().nullable(),
  productName: z.string().nullable().optional(),
  gtin: z.string().nullable().optional(),
  redemptionSecret: z.boolean().optional(),
});

export const batchSchema = z.looseObject({
  batchId: z.string(),
  orderId: z.string(),
  status: z.string(),
  units: z.number().int(),
  prefix: z.string(),
  generatedCount: z.number().int(),
  progress: z.number(),
  errorMessage: z.string().nullable(),
  createdAt: isoTime.nullable(),
  readyAt: isoTime.nullable(),
});

export const unitCodeSchema = z.looseObject({
  code: z.string(),
  seq: z.number().int(),
  orderId: z.string(),
  batchId: z.string(),
  status: z.enum(CODE_STATUSES),
  masterCode: z.string().nullable(),
  createdAt: isoTime.nullable(),
  statusChangedAt: isoTime.nullable(),
});

export const codeListQuery = {
  status: z.enum(CODE_STATUSES, { error: `must be one of ${CODE_STATUSES.join(', ')}` }).optional(),
  limit: queryInt(1, 1000, 100),
  pageToken: queryText,
};

export const codePageSchema = z.looseObject({
  codes: z.array(unitCodeSchema),
  nextPageToken: z.string().nullable(),
});

export const masterInfoSchema = z.looseObject({
  masterCode: z.string(),
  caseNumber: z.number().int(),
  expectedUnits: z.number().int(),
  actualUnits: z.number().int(),
});

export const masterSchema = masterInfoSchema.extend({
  orderId: z.string(),
  linkedCodes: z.array(
    z.looseObject({
      code: z.string(),
      batchId: z.string(),
      seq: z.number().int(),
      status: z.string(),
    }),
  ),
});

export const linkResultSchema = z.looseObject({
  masterCodeInfo: masterInfoSchema,
  linkedCodes: z.array(z.string()),
  linkedCount: z.number().int(),
  consumedCount: z.number().int(),
  fromQueue: z.literal(true),
});

export const prepJobSchema = z.looseObject({
  jobId: z.string(),
  orderId: z.string(),
  batchId: z.string(),
  status: z.string(),
  progress: z.number(),
});

export const createdPrepJobSchema = z.looseObject({
  jobId: z.string(),
  status: z.literal('queued'),
  excludeCount: z.number().int(),
  unknownExcludeCodes: z.array(z.string()),
  unknownExcludeCount: z.number().int(),
});

export const prepJobLogsQuery = { limit: queryInt(1, 1000, 200) };

export const prepJobLogsSchema = z.object({
  logs: z.array(z.looseObject({ level: z.string(), message: z.string(), at: isoTime.nullable() })),
});
