// Schemas of check-out, check-in, bookings and availability (docs/api.md "Check-out, check-in and
// bookings"). Times are ISO 8601 strings: with an offset or Z exact, without one read in the
// organisation's time zone; the handlers parse them once the zone is known.
import { z } from 'zod';
import {
  BOOKING_STATUSES,
  CHECKOUT_STATUSES,
  CONDITIONS,
  MAX_CUSTODY_ITEMS,
} from '../../domain/custody';
import { ID_PATTERN, ID_RULE } from '../../domain/ids';
import { check, idSchema, queryInt, queryText } from '../../domain/schemas/kit';
import { isoTime } from './replies';
import { custodianSchema } from './custodyItem';
import { equipmentListQuery } from './equipment';

export { custodianSchema };

const many = `1 to ${MAX_CUSTODY_ITEMS}`;
const assetIds = z
  .array(z.string().regex(ID_PATTERN, { error: ID_RULE }))
  .min(1, { error: `must list ${many} ids` })
  .max(MAX_CUSTODY_ITEMS, { error: `must list ${many} ids` })
  .optional()
  .meta({ description: 'The items by asset id (give assetIds or codes)' });
const codes = z
  .array(z.string().min(1).max(2048))
  .min(1, { error: `must list ${many} codes` })
  .max(MAX_CUSTODY_ITEMS, { error: `must list ${many} codes` })
  .optional()
  .meta({
    description:
      'Anything printed on the items: a scan URL or its token, a tag code (7KM-2XQ-9DA), an imported code',
  });
const time = (description: string) => z.string().max(40).meta({ description });
const note = z.string().max(2000).optional();

export const checkoutBody = z.strictObject({
  assetIds,
  codes,
  custodian: custodianSchema.optional().meta({
    description: 'Who takes the items; the booking’s custodian or the caller when absent',
  }),
  dueAt: time('When the items are due back (in the future)').optional(),
  bookingId: idSchema.optional().meta({ description: 'The booking this checkout picks up' }),
  note,
  partial: z
    .boolean()
    .optional()
    .meta({ description: 'Let the available items go out and report the rest' }),
});

export const checkinBody = z.strictObject({
  assetIds,
  codes,
  condition: z.enum(CONDITIONS).optional().meta({
    description: 'ok (default), damaged (recorded), needs_service (blocks check-out until PATCHed)',
  }),
  note,
  locationId: idSchema.optional().meta({ description: 'Where the items are put back' }),
});

export const newBookingBody = z.strictObject({
  assetIds,
  codes,
  from: time('Start, inclusive; may lie in the past'),
  to: time('End, exclusive; in the future'),
  custodian: custodianSchema.optional().meta({ description: 'The caller when absent' }),
  note,
});

export const bookingChangesBody = z.strictObject({
  from: time('A new start').optional(),
  to: time('A new end').optional(),
  addAssetIds: assetIds,
  removeAssetIds: assetIds,
  note: z.string().max(2000).nullable().optional(),
});

const unavailableItem = z.looseObject({
  assetId: z.string().optional(),
  code: z.string().optional(),
  reason: z.string().meta({
    description:
      'checked_out, booked, retired, missing, needs_service, not_in_booking, not_found, unknown_code',
  }),
  checkoutId: z.string().optional(),
  bookingId: z.string().optional(),
  until: isoTime.nullable().optional(),
});

export const checkoutCreatedSchema = z.object({
  checkoutId: z.string(),
  status: z.literal('open'),
  assetIds: z.array(z.string()),
  custodian: custodianSchema,
  dueAt: isoTime.nullable(),
  bookingId: z.string().nullable(),
  unavailable: z.array(unavailableItem),
});

const returnSchema = z.object({
  assetId: z.string(),
  at: isoTime.nullable(),
  by: z.string().nullable(),
  condition: z.enum(CONDITIONS),
  note: z.string().nullable(),
  locationId: z.string().nullable(),
});

export const checkoutSchema = z.object({
  checkoutId: z.string(),
  status: z.enum(CHECKOUT_STATUSES),
  assetIds: z.array(z.string()),
  outstanding: z.array(z.string()),
  custodian: custodianSchema,
  dueAt: isoTime.nullable(),
  bookingId: z.string().nullable(),
  note: z.string().nullable(),
  at: isoTime.nullable(),
  by: z.string().nullable(),
  returnedAt: isoTime.nullable(),
  returns: z.array(returnSchema),
});

export const checkinResultSchema = z.object({
  returned: z.array(z.string()),
  notCheckedOut: z.array(z.string()),
  unknownCodes: z.array(z.string()),
  checkouts: z.array(z.object({ checkoutId: z.string(), status: z.enum(CHECKOUT_STATUSES) })),
});

export const bookingSchema = z.object({
  bookingId: z.string(),
  status: z.enum(BOOKING_STATUSES),
  assetIds: z.array(z.string()),
  from: isoTime.meta({ description: 'In the organisation’s time zone, with its offset' }),
  to: isoTime,
  custodian: custodianSchema,
  note: z.string().nullable(),
  checkoutIds: z.array(z.string()),
  createdAt: isoTime.nullable(),
  by: z.string().nullable(),
  updatedAt: isoTime.nullable(),
});

export const pageToken = queryText;

export const checkoutListQuery = {
  status: z.enum(CHECKOUT_STATUSES).optional(),
  custodian: z.string().max(320).optional().meta({ description: 'A uid, an email or a name' }),
  limit: queryInt(1, 500, 50),
  pageToken,
};

export const bookingListQuery = {
  from: z.string().max(40).optional().meta({ description: 'Bookings that end after this' }),
  to: z.string().max(40).optional().meta({ description: 'Bookings that start before this' }),
  status: z.enum(BOOKING_STATUSES).optional(),
  custodian: z.string().max(320).optional().meta({ description: 'A uid, an email or a name' }),
  limit: queryInt(1, 500, 50),
  pageToken,
};

export const windowQuery = {
  from: z.string().max(40).meta({ description: 'Start of the window, inclusive' }),
  to: z.string().max(40).meta({ description: 'End of the window, exclusive' }),
};

export const availabilityQuery = {
  ...windowQuery,
  // The equipment list's own filters, so both read a category and a location alike.
  category: equipmentListQuery.category,
  locationId: equipmentListQuery.locationId,
  limit: queryInt(1, 1000, 100),
  pageToken,
};

export const historyQuery = { limit: queryInt(1, 500, 50), pageToken };

export const custodyEntrySchema = z.object({
  checkoutId: z.string(),
  status: z.enum(CHECKOUT_STATUSES),
  custodian: custodianSchema,
  checkedOutAt: isoTime.nullable(),
  checkedOutBy: z.string().nullable(),
  dueAt: isoTime.nullable(),
  bookingId: z.string().nullable(),
  note: z.string().nullable(),
  returnedAt: isoTime.nullable(),
  returnedBy: z.string().nullable(),
  condition: z.enum(CONDITIONS).nullable(),
  returnNote: z.string().nullable(),
});

export const busySchema = z.object({
  from: isoTime,
  to: isoTime.nullable().meta({ description: 'null: out with no due date' }),
  bookingId: z.string().optional(),
  checkoutId: z.string().optional(),
});

/** A body declared and checked by its zod schema alone, typed as the schema's output. */
export function zodBody<S extends z.ZodType>(schema: S) {
  return { schema, validate: (body: Record<string, unknown>) => check(schema, body) };
}
