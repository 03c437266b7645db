// Schemas of the stock routes: stock items, movements, suppliers, item-suppliers, reorders and
// reorder advice (docs/api.md, "Stock and restocking").
import { z } from 'zod';
import { MOVEMENT_REASONS, REORDER_STATUSES, STOCK_LIMITS, STOCK_UNITS } from '../../domain/stock';
import { check, idSchema, queryEnum, queryInt, queryText } from '../../domain/schemas/kit';
import { equipmentImageSchema } from './equipment';
import { isoTime } from './replies';

/** A body declaration whose schema is also its validator: the handler gets the schema's output. */
export const checked = <S extends z.ZodType>(schema: S) => ({
  schema,
  validate: (body: Record<string, unknown>) => check(schema, body),
});

const text = (max: number) => z.string().max(max);
const clearable = (max: number) => text(max).nullable().optional();
const quantity = z
  .number()
  .int({ error: 'must be a whole number' })
  .min(0, { error: 'must be 0 or more' })
  .max(STOCK_LIMITS.quantity);
const positive = z
  .number()
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be 1 or more' })
  .max(STOCK_LIMITS.quantity);
const unit = z.enum(STOCK_UNITS, { error: `must be one of ${STOCK_UNITS.join(', ')}` });

export const newStockItemBody = z.strictObject({
  sku: idSchema
    .optional()
    .meta({ description: 'Chosen by the caller; made up (STK-…) when absent' }),
  name: text(STOCK_LIMITS.name).min(1, { error: 'must not be empty' }),
  description: text(STOCK_LIMITS.description).optional(),
  unit: unit.optional().default('each'),
  locationId: idSchema.optional(),
  imageUrl: text(2048).optional(),
  quantityOnHand: quantity.optional().meta({
    description: 'The starting quantity, recorded as the first (adjusted) movement',
  }),
  reorderPoint: quantity.optional(),
  reorderQuantity: positive.optional(),
  preferredSupplierId: idSchema.optional(),
});

export const stockItemPatchBody = z.strictObject({
  name: text(STOCK_LIMITS.name).min(1, { error: 'must not be empty' }).optional(),
  description: clearable(STOCK_LIMITS.description),
  unit: unit.optional(),
  locationId: idSchema.nullable().optional(),
  imageUrl: clearable(2048),
  reorderPoint: quantity.nullable().optional(),
  reorderQuantity: positive.nullable().optional(),
  preferredSupplierId: idSchema.nullable().optional(),
  active: z.boolean().optional(),
});

export const stockItemSchema = z.object({
  sku: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  unit: z.string(),
  locationId: z.string().nullable(),
  imageUrl: z.string().nullable(),
  quantityOnHand: z.number(),
  reorderPoint: z.number().nullable(),
  reorderQuantity: z.number().nullable(),
  preferredSupplierId: z.string().nullable(),
  active: z.boolean(),
  lowStock: z.boolean(),
  openReorderId: z.string().nullable(),
  movementCount: z.number().int(),
  createdAt: isoTime.nullable(),
  updatedAt: isoTime.nullable(),
  createdBy: z.string().nullable(),
  image: equipmentImageSchema
    .nullable()
    .meta({ description: 'The image imported from imageUrl in the background (as for equipment)' }),
});

const boolWord = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .transform((w) => w === 'true')
  .optional();

export const stockListQuery = {
  locationId: idSchema.optional(),
  low: boolWord.meta({ description: 'true: at or below the reorder point' }),
  supplierId: idSchema.optional().meta({ description: 'The preferred supplier' }),
  q: text(STOCK_LIMITS.name).optional().meta({ description: 'A prefix of the name, any case' }),
  active: queryEnum(['true', 'false', 'all'], 'true'),
  limit: queryInt(1, 500, 50),
  pageToken: queryText,
};

export const stockPageSchema = z.object({
  items: z.array(stockItemSchema),
  nextPageToken: z.string().nullable(),
});

export const movementBody = z.strictObject({
  reason: z.enum(MOVEMENT_REASONS, { error: `must be one of ${MOVEMENT_REASONS.join(', ')}` }),
  delta: z
    .number()
    .int({ error: 'must be a whole number' })
    .min(-STOCK_LIMITS.quantity)
    .max(STOCK_LIMITS.quantity)
    .optional()
    .meta({ description: 'Signed: used < 0, received and returned > 0, adjusted either' }),
  quantity: quantity.optional().meta({ description: 'With reason counted: what is there' }),
  note: text(STOCK_LIMITS.note).optional(),
  reorderId: idSchema.optional(),
  idempotencyKey: z
    .string()
    .min(1)
    .max(STOCK_LIMITS.idempotencyKey)
    .optional()
    .meta({ description: 'A retry with the same key returns the first movement (200)' }),
});

export const movementSchema = z.object({
  movementId: z.string(),
  sku: z.string(),
  seq: z.number().int(),
  reason: z.enum(MOVEMENT_REASONS),
  delta: z.number(),
  before: z.number(),
  after: z.number(),
  note: z.string().nullable(),
  reorderId: z.string().nullable(),
  idempotencyKey: z.string().nullable(),
  by: z.string().nullable(),
  at: isoTime.nullable(),
});

export const movementListQuery = {
  reason: z
    .enum(MOVEMENT_REASONS, { error: `must be one of ${MOVEMENT_REASONS.join(', ')}` })
    .optional(),
  limit: queryInt(1, 500, 50),
  pageToken: queryText,
};

export const movementPageSchema = z.object({
  movements: z.array(movementSchema),
  nextPageToken: z.string().nullable(),
});

export const newSupplierBody = z.strictObject({
  supplierId: idSchema.optional(),
  name: text(200).min(1, { error: 'must not be empty' }),
  email: z.email({ error: 'must be an email address' }).max(320).optional(),
  phone: text(50).optional(),
  url: z.url({ error: 'must be a URL' }).max(2048).optional(),
  notes: text(2000).optional(),
});

export const supplierPatchBody = z.strictObject({
  name: text(200).min(1, { error: 'must not be empty' }).optional(),
  email: z.email({ error: 'must be an email address' }).max(320).nullable().optional(),
  phone: clearable(50),
  url: z.url({ error: 'must be a URL' }).max(2048).nullable().optional(),
  notes: clearable(2000),
});

export const supplierSchema = z.object({
  supplierId: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  url: z.string().nullable(),
  notes: z.string().nullable(),
  createdAt: isoTime.nullable(),
  updatedAt: isoTime.nullable(),
});

export const itemSupplierBody = z.strictObject({
  supplierSku: text(100).nullable().optional(),
  unitCost: z.number().min(0, { error: 'must be 0 or more' }).nullable().optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code such as EUR' })
    .nullable()
    .optional(),
  minOrderQuantity: positive.nullable().optional(),
});

export const leadTimeSchema = z.object({
  averageDays: z.number(),
  p90Days: z.number(),
  samples: z.number().int(),
  lastDays: z.number(),
  updatedAt: isoTime.nullable(),
});

export const itemSupplierSchema = z.object({
  sku: z.string(),
  supplierId: z.string(),
  supplierSku: z.string().nullable(),
  unitCost: z.number().nullable(),
  currency: z.string().nullable(),
  minOrderQuantity: z.number().nullable(),
  leadTime: leadTimeSchema.nullable(),
  lastReceiptAt: isoTime.nullable(),
  updatedAt: isoTime.nullable(),
});

export const newReorderBody = z.strictObject({
  sku: idSchema,
  supplierId: idSchema,
  quantity: positive,
});

/** `at`: when it really happened (ISO 8601); never in the future. */
const when = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-03-01T09:00:00Z' })
  .transform((s) => new Date(s))
  .optional();

export const orderBody = z.strictObject({ at: when });
export const receiptBody = z.strictObject({ quantity: positive, at: when });

const reasonSchema = z.object({ onHand: z.number(), reorderPoint: z.number(), rule: z.string() });

export const reorderSchema = z.object({
  reorderId: z.string(),
  sku: z.string(),
  supplierId: z.string(),
  quantity: z.number().int(),
  status: z.enum(REORDER_STATUSES),
  source: z.enum(['manual', 'low_stock']),
  reason: reasonSchema.nullable(),
  by: z.string().nullable(),
  at: isoTime.nullable(),
  createdAt: isoTime.nullable(),
  orderedAt: isoTime.nullable(),
  orderedBy: z.string().nullable(),
  expectedAt: isoTime.nullable(),
  receipts: z.array(
    z.object({
      quantity: z.number().int(),
      receivedAt: isoTime.nullable(),
      by: z.string().nullable(),
      recordedAt: isoTime.nullable(),
      movementId: z.string().nullable(),
    }),
  ),
  receivedQuantity: z.number().int(),
  overDelivery: z.number().int(),
  firstReceivedAt: isoTime.nullable(),
  closedAt: isoTime.nullable(),
  cancelledAt: isoTime.nullable(),
  updatedAt: isoTime.nullable(),
});

export const reorderListQuery = {
  status: z
    .enum(REORDER_STATUSES, { error: `must be one of ${REORDER_STATUSES.join(', ')}` })
    .optional(),
  supplierId: idSchema.optional(),
  sku: idSchema.optional(),
  limit: queryInt(1, 500, 100),
  pageToken: queryText,
};

export const reorderPageSchema = z.object({
  reorders: z.array(reorderSchema),
  nextPageToken: z.string().nullable(),
  bySupplier: z
    .array(
      z.object({
        supplierId: z.string(),
        name: z.string().nullable(),
        reorders: z.array(reorderSchema),
      }),
    )
    .optional()
    .meta({
      description: 'With status=draft: the drafts grouped by supplier (one purchase order each)',
    }),
});

export const adviceSchema = z.object({
  sku: z.string(),
  suggestedReorderPoint: z.number().int().nullable(),
  currentReorderPoint: z.number().nullable(),
  explanation: z.string(),
  inputs: z.object({
    windowDays: z.number().int(),
    usedTotal: z.number(),
    usageDays: z.number().int(),
    averageDailyUse: z.number(),
    dailyUseStdDev: z.number(),
    supplierId: z.string().nullable(),
    averageLeadDays: z.number().nullable(),
    p90LeadDays: z.number().nullable(),
    leadTimeSamples: z.number().int(),
    safetyStock: z.number().nullable(),
    serviceZ: z.number(),
  }),
});
