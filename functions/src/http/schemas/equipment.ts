// Schemas of the equipment routes: the item, its list filters, the QR backfill job, the upload.
import { z } from 'zod';
import { CATEGORIES, LIMITS, parseCategory } from '../../domain/equipment';
import { ID_PATTERN, ID_RULE } from '../../domain/ids';
import { check, idSchema, queryInt, queryText } from '../../domain/schemas/kit';
import type { Validated } from '../../domain/validation';
import { photoSchema } from './photos';
import { parseInstant } from '../../domain/scanEvents';
import { isoTime } from './replies';
import { ITEM_STATUSES, SETTABLE_STATUSES } from '../../domain/custody';
import { custodySchema } from './custodyItem';

const text = (max: number) => z.string().max(max);
const clearable = (max: number) => text(max).nullable().optional();

/** POST .../equipment. Values are checked by domain/equipment (validateEquipment). */
export const newEquipmentBody = z.strictObject({
  name: text(LIMITS.name),
  category: z.string().meta({ description: `One of ${CATEGORIES.join(', ')} (any case)` }),
  serialNumber: text(LIMITS.serialNumber).optional(),
  brand: text(LIMITS.brand).optional(),
  model: text(LIMITS.model).optional(),
  locationId: idSchema.optional(),
  location: text(LIMITS.location)
    .optional()
    .meta({ description: 'A location’s name (or id), instead of locationId' }),
  notes: text(LIMITS.notes).optional(),
  imageUrl: text(LIMITS.imageUrl).optional().meta({ description: 'An http(s) URL, imported' }),
  assetId: idSchema.optional().meta({ description: 'Chosen by the caller; made up when absent' }),
});

/** PATCH .../equipment/{assetId}: null clears an optional field. */
export const equipmentPatchBody = z.strictObject({
  name: text(LIMITS.name).optional(),
  category: z.string().optional(),
  serialNumber: clearable(LIMITS.serialNumber),
  brand: clearable(LIMITS.brand),
  model: clearable(LIMITS.model),
  locationId: idSchema.nullable().optional(),
  location: clearable(LIMITS.location),
  notes: clearable(LIMITS.notes),
  imageUrl: clearable(LIMITS.imageUrl),
  status: z.enum(SETTABLE_STATUSES).optional().meta({
    description: 'retired, missing or available (clears needs_service); 409 checked_out while out',
  }),
});

export const QR_STATUSES = ['pending', 'ready', 'failed', 'refused'] as const;

export const equipmentSchema = z.looseObject({
  assetId: z.string(),
  name: z.string(),
  category: z.string(),
  serialNumber: z.string().nullable(),
  brand: z.string().nullable(),
  model: z.string().nullable(),
  locationId: z.string().nullable(),
  notes: z.string().nullable(),
  imageUrl: z.string().nullable(),
  source: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: isoTime.nullable(),
  updatedAt: isoTime.nullable(),
  qrStatus: z.enum(QR_STATUSES),
  qrCodeGenerated: z.boolean(),
  scanUrl: z.string().nullable(),
  qrCodeUrl: z.string().nullable(),
  qrCodePath: z.string().nullable(),
  qrCodeGeneratedAt: isoTime.nullable(),
  qrCodeError: z.string().nullable(),
  qrCodeAttempts: z.number().int(),
  status: z.enum(ITEM_STATUSES).meta({ description: 'available when never set' }),
  custody: custodySchema.nullable().meta({ description: 'Who has the item, while it is out' }),
  photos: z.array(photoSchema).meta({ description: 'Client-uploaded photos, treated and listed' }),
});

/** The `qr` filter's words, as the `qrStatus` field holds them. */
const QR_FILTER = {
  missing: 'pending',
  failed: 'failed',
  ready: 'ready',
  refused: 'refused',
} as const;

export const equipmentListQuery = {
  category: z
    .string()
    .transform((value, ctx) => {
      const category = parseCategory(value);
      if (!category) ctx.addIssue({ code: 'custom', message: `"${value}" is not a category` });
      return category;
    })
    .optional()
    .meta({ description: `One of ${CATEGORIES.join(', ')} (any case)` }),
  locationId: z.string().regex(ID_PATTERN, { error: 'must be a location id' }).optional(),
  qr: z
    .enum(['missing', 'failed', 'ready', 'refused'], {
      error: 'must be one of missing, failed, ready, refused',
    })
    .transform((word) => QR_FILTER[word])
    .optional()
    .meta({ description: 'missing (no code yet), failed, ready or refused (over the item quota)' }),
  notSeenSince: z
    .string()
    .transform((value, ctx) => {
      const at = parseInstant(value);
      if (!at)
        ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time with an offset or Z' });
      return at;
    })
    .optional()
    .meta({
      description:
        'Items nobody has seen since this time, oldest first: last seen by a scan before it, or never scanned and created before it (lastSeenAt null)',
    }),
  limit: queryInt(1, 500, 50),
  pageToken: queryText,
};

/** GET .../equipment/{assetId}: the item and the codes of the tags assigned to it. */
export const equipmentWithTagsSchema = equipmentSchema.extend({ tags: z.array(z.string()) });

export const equipmentPageSchema = z.object({
  equipment: z.array(equipmentSchema),
  nextPageToken: z.string().nullable(),
});

export const equipmentQrSchema = z.object({
  assetId: z.string(),
  qrCodeUrl: z.string(),
  scanUrl: z.string(),
});

/** Most asset ids one job may name (a larger set: several jobs, or `missing`). */
export const MAX_JOB_ASSET_IDS = 500;

const jobAssetIds = z
  .array(z.string().regex(ID_PATTERN, { error: ID_RULE }))
  .min(1, { error: `must list 1 to ${MAX_JOB_ASSET_IDS} ids` })
  .max(MAX_JOB_ASSET_IDS, { error: `must list 1 to ${MAX_JOB_ASSET_IDS} ids` });

const byIds = z.strictObject({ assetIds: jobAssetIds });
const missingOnes = z.strictObject({
  missing: z.literal(true, { error: 'must be true' }),
});

/** POST .../equipment/batch-generate-qr: {assetIds}, {missing: true}, or a bare array of ids. */
export const qrJobBody = z.union([
  byIds,
  missingOnes,
  jobAssetIds.meta({ description: 'A bare array of asset ids, as {"assetIds": [...]}' }),
]);

export type QrJobBody = { assetIds: string[] } | { missing: true };

/** The job request, one shape checked at a time so the errors name that shape's fields. */
export function validateQrJobRequest(body: Record<string, unknown>): Validated<QrJobBody> {
  const usage = `send {"assetIds": [...]} (at most ${MAX_JOB_ASSET_IDS}), a bare array of asset ids, or {"missing": true}`;
  const schema = 'missing' in body && !('assetIds' in body) ? missingOnes : byIds;
  const parsed = check(schema, body);
  if (parsed.ok) {
    const value = parsed.value;
    return {
      ok: true,
      value: 'assetIds' in value ? { assetIds: [...new Set(value.assetIds)] } : { missing: true },
    };
  }
  return { ok: false, errors: [...parsed.errors, { field: '', message: usage }] };
}

export const qrJobSchema = z.object({
  jobId: z.string(),
  status: z.enum(['queued', 'running', 'done']),
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  progress: z.number(),
  errors: z.array(z.object({ assetId: z.string(), error: z.string() })),
  createdAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
});

export const uploadResultSchema = z.object({
  total: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  failed: z.array(z.object({ line: z.number().int(), errors: z.array(z.string()) })),
  ignoredColumns: z.array(z.string()),
});

export const equipmentImageSchema = z.looseObject({
  status: z.enum(['pending', 'ready', 'failed']),
  sourceUrl: z.string(),
  url: z.string().nullable(),
  thumbnailUrl: z.string().nullable(),
});
