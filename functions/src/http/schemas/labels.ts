// Schemas of the label and tag routes. Label request values are checked by domain/labels
// (validateLabelRequest, whose messages name the template's limits), tags by domain/tags.
import { z } from 'zod';
import { LABEL_FIELDS, MAX_ASSET_IDS } from '../../domain/labels/request';
import { MAX_IMPORT_CODES, MAX_POOL_SIZE } from '../../domain/tags';
import { codeValueProblem } from '../../domain/tagCodes';
import { idSchema } from '../../domain/schemas/kit';

const pageSize = z.union([
  z.enum(['A4', 'Letter']),
  z.object({ widthMm: z.number().min(10).max(1200), heightMm: z.number().min(10).max(1200) }),
]);

export const customTemplateSchema = z.strictObject({
  name: z.string().max(100).optional(),
  page: pageSize,
  columns: z.number().int().min(1).max(50),
  rows: z.number().int().min(1).max(100),
  labelWidthMm: z.number().min(5).max(1200),
  labelHeightMm: z.number().min(5).max(1200),
  marginLeftMm: z.number().min(0).max(1200),
  marginTopMm: z.number().min(0).max(1200),
  pitchXMm: z.number().min(5).max(1200).optional(),
  pitchYMm: z.number().min(5).max(1200).optional(),
  cutMarks: z.boolean().optional(),
});

export const labelRequestBody = z
  .strictObject({
    assetIds: z.array(idSchema).min(1).max(MAX_ASSET_IDS).optional(),
    filter: z
      .strictObject({ category: z.string().max(50).optional(), locationId: idSchema.optional() })
      .optional(),
    tagPoolId: idSchema.optional(),
    stockItemIds: z
      .array(idSchema)
      .min(1)
      .max(MAX_ASSET_IDS)
      .optional()
      .meta({ description: 'Bin labels of stock items (skus)' }),
    template: z
      .union([z.string().meta({ description: 'A built-in template id' }), customTemplateSchema])
      .meta({ description: 'A built-in template id (GET /v1/label-templates) or a custom grid' }),
    lengthMm: z.number().optional().meta({ description: 'Continuous media only' }),
    fields: z.array(z.enum(LABEL_FIELDS)).optional(),
    startPosition: z.number().int().min(1).optional(),
    offsetMm: z
      .strictObject({ x: z.number().min(-20).max(20), y: z.number().min(-20).max(20) })
      .partial()
      .optional(),
  })
  .meta({ description: 'Exactly one of assetIds, filter, tagPoolId or stockItemIds' });

export const labelTemplatesSchema = z.object({
  minModuleMm: z.number(),
  templates: z.array(
    z.looseObject({ id: z.string(), name: z.string(), labelsPerPage: z.number().int() }),
  ),
});

export const newTagPoolBody = z.strictObject({
  count: z.number().int().min(1).max(MAX_POOL_SIZE),
  name: z.string().min(1).max(200).optional(),
});

export const assignBody = z.strictObject({ assetId: idSchema });

export const importBody = z.strictObject({
  codes: z
    .array(z.strictObject({ code: z.string(), assetId: idSchema.optional() }))
    .min(1)
    .max(MAX_IMPORT_CODES),
});

export const tagSchema = z.object({
  code: z.string(),
  kind: z.enum(['pool', 'imported']),
  assetId: z.string().nullable(),
  poolId: z.string().optional(),
  scanUrl: z.string().optional(),
});

export const tagPoolSchema = z.object({
  poolId: z.string(),
  name: z.string().optional(),
  count: z.number().int(),
  status: z.string(),
  progress: z.number(),
  made: z.number().int(),
  assigned: z.number().int(),
  unassigned: z.number().int(),
  error: z.string().optional(),
});

const rejectedRow = z.object({ index: z.number().int(), field: z.string(), message: z.string() });

export const importResultSchema = z.object({
  imported: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.array(rejectedRow),
});

export const lookupQuery = {
  code: z
    .string({ error: 'is required' })
    .superRefine((value, ctx) => {
      const problem = codeValueProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform((value) => value.trim())
    .meta({ description: 'Any code printed on a tag or item' }),
};
