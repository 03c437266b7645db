// Replies of the public product code routes (/u/{code}, the GS1 Digital Link paths, redeem).
import { z } from 'zod';
import { isoTime } from './replies';

export const productViewSchema = z.object({
  genuine: z.literal(true),
  kind: z.enum(['unit', 'master']),
  code: z.string(),
  product: z.object({
    name: z.string().nullable(),
    sku: z.string().nullable(),
    gtin: z.string().nullable(),
  }),
  order: z.object({ name: z.string() }),
  status: z.string().nullable().meta({ description: 'A unit’s status; null for a master case' }),
  firstScannedAt: isoTime.nullable(),
  redeemedAt: isoTime.nullable(),
  warning: z.string().nullable().meta({
    description: 'Set when more distinct visitors scanned it than PRODUCT_CODE_WARN_VISITORS',
  }),
});

export const unknownProductSchema = z.object({
  genuine: z.literal(false),
  warning: z.string().meta({ description: '"not a code of this manufacturer"' }),
});

export const redeemBody = z.strictObject({
  secret: z.string().max(64).optional().meta({
    description:
      'The redemption secret printed under the unit’s scratch-off, when its order has them',
  }),
});

export const redeemedSchema = z.object({
  code: z.string(),
  redeemed: z.literal(true),
  redeemedAt: isoTime,
});
