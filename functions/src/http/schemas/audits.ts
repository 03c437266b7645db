// Schemas of the audit routes. Bodies are checked by domain/audits (validateNewAudit,
// validateComplete); these document them and the replies.
import { z } from 'zod';
import { CATEGORIES } from '../../domain/equipment';
import { ITEM_STATES } from '../../domain/audits';
import { idSchema, queryInt, queryText } from '../../domain/schemas/kit';
import { isoTime } from './replies';

export const newAuditBody = z.strictObject({
  name: z.string().max(200),
  locationId: idSchema.optional().meta({
    description: 'Where the audit happens: scanned items that belong elsewhere are unexpected',
  }),
  filter: z
    .strictObject({
      category: z
        .string()
        .optional()
        .meta({ description: `One of ${CATEGORIES.join(', ')}` }),
      locationId: idSchema.optional(),
    })
    .optional()
    .meta({ description: 'Which items are expected (default: the items at locationId)' }),
  dueAt: isoTime.optional(),
});

export const completeBody = z.strictObject({
  apply: z
    .strictObject({
      moveUnexpectedHere: z.boolean().optional(),
      markMissing: z.boolean().optional(),
    })
    .optional(),
});

const counts = z.object({
  found: z.number().int(),
  missing: z.number().int(),
  unexpected: z.number().int(),
  unknown: z.number().int(),
});

export const auditSchema = z.object({
  auditId: z.string(),
  name: z.string(),
  locationId: z.string().nullable(),
  filter: z.object({ category: z.string().optional(), locationId: z.string().optional() }),
  dueAt: isoTime.nullable(),
  status: z.enum(['open', 'completed']),
  expected: z.number().int(),
  counts,
  byAuditor: z.record(z.string(), z.number().int()),
  snapshot: z.object({ done: z.boolean(), progress: z.number() }),
  completion: z.object({
    running: z.boolean(),
    progress: z.number(),
    apply: z.object({ moveUnexpectedHere: z.boolean(), markMissing: z.boolean() }).nullable(),
    lastAudited: z.number().int(),
    moved: z.number().int(),
    markedMissing: z.number().int(),
  }),
  createdAt: isoTime.nullable(),
  createdBy: z.string().nullable(),
  completedAt: isoTime.nullable(),
});

export const auditItemsQuery = {
  state: z.enum(ITEM_STATES, { error: `must be one of ${ITEM_STATES.join(', ')}` }),
  limit: queryInt(1, 500, 100),
  pageToken: queryText,
};

export const auditItemsSchema = z.object({
  items: z.array(
    z.object({
      assetId: z.string().nullable(),
      code: z.string().nullable(),
      name: z.string().nullable(),
      category: z.string().nullable(),
      locationId: z
        .string()
        .nullable()
        .meta({ description: 'Where the item belongs (for unexpected: not here)' }),
      state: z.enum(ITEM_STATES),
      scannedBy: z.string().nullable(),
      scannedAt: isoTime.nullable(),
    }),
  ),
  nextPageToken: z.string().nullable(),
});
