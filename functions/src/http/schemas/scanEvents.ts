// Schemas of the scan ledger's bulk route (POST .../scan-events). The values are checked by
// domain/scanEvents (validateBulkEvents), which answers a bad event alone, not the request.
import { z } from 'zod';
import { MAX_BULK_EVENTS, RESULT_STATUSES, SCAN_TYPES } from '../../domain/scanEvents';
import { idSchema } from '../../domain/schemas/kit';
import { isoTime } from './replies';

const custodian = z.union([
  z.strictObject({ uid: idSchema }),
  z.strictObject({ name: z.string().max(200), email: z.string().max(320).optional() }),
]);

export const bulkEventSchema = z.strictObject({
  scanId: idSchema.meta({
    description: 'Chosen by the scanner (a UUID): sending it again is answered `duplicate`',
  }),
  type: z.enum(SCAN_TYPES),
  code: z.string().max(200).meta({
    description:
      'Anything printed on the item: its scan URL or token, a tag code, an imported code',
  }),
  scannedAt: isoTime.meta({ description: 'The device’s clock, ISO 8601 with an offset or Z' }),
  auditId: idSchema.optional().meta({ description: 'Required for type audit' }),
  checkoutId: idSchema.optional(),
  locationId: idSchema
    .optional()
    .meta({ description: 'Required for type move; where the item was seen' }),
  custodian: custodian
    .optional()
    .meta({ description: 'checkout: who takes it (default: the caller)' }),
  deviceId: z.string().max(128).optional(),
});

export const bulkEventsBody = z.strictObject({
  events: z.array(bulkEventSchema).min(1).max(MAX_BULK_EVENTS),
});

export const bulkResultSchema = z.object({
  results: z.array(
    z.object({
      index: z.number().int(),
      scanId: z.string().nullable(),
      status: z.enum(RESULT_STATUSES),
      reason: z.string().optional(),
      message: z.string().optional(),
      appliedAt: isoTime,
      itemId: z.string().optional(),
      errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  ),
});
