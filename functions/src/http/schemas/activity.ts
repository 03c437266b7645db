// The activity log's query and replies (docs/api.md#activity-and-webhooks).
import { z } from 'zod';
import { ACTOR_KINDS, VIAS } from '../../domain/events/model';
import { idSchema, queryInt, queryText } from '../../domain/schemas/kit';
import { isoTime } from './replies';

const isoQuery = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d\d-\d\d/.test(v), {
    error: 'must be an ISO 8601 time such as 2026-12-08T00:00:00Z',
  })
  .transform((v) => new Date(v))
  .optional();

const typeQuery = z
  .string()
  .regex(/^[a-z][a-z_]*\.[a-z][a-z_]*$/, {
    error: 'must be an event type such as equipment.updated',
  })
  .optional();
const kindQuery = z
  .string()
  .regex(/^[a-z][a-z_]{0,40}$/, { error: 'must be a subject kind such as equipment' })
  .optional();

export const activityQueryShape = {
  type: typeQuery,
  subjectKind: kindQuery,
  subjectId: idSchema.optional(),
  actor: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]{1,128}$/, { error: 'must be a uid or API key id' })
    .optional()
    .meta({ description: 'The actor id: a uid or an API key id' }),
  from: isoQuery.meta({ description: 'Events at or after this time' }),
  to: isoQuery.meta({ description: 'Events before this time' }),
  limit: queryInt(1, 500, 50),
  pageToken: queryText,
};

export const exportQueryShape = {
  ...activityQueryShape,
  format: z
    .enum(['ndjson', 'csv'], { error: 'must be ndjson or csv' })
    .optional()
    .transform((v) => v ?? 'ndjson'),
};

export const historyQueryShape = {
  limit: queryInt(1, 500, 50),
  pageToken: queryText,
};

export const eventSchema = z.object({
  id: z.string(),
  type: z.string(),
  orgId: z.string(),
  subject: z.object({ kind: z.string(), id: z.string() }),
  actor: z.object({ kind: z.enum(ACTOR_KINDS), id: z.string().nullable() }),
  via: z.enum(VIAS),
  at: isoTime,
  changes: z.record(z.string(), z.tuple([z.unknown(), z.unknown()])),
  data: z.record(z.string(), z.unknown()),
  audience: z.enum(['members', 'admins']),
});

export const activityPageSchema = z.object({
  events: z.array(eventSchema),
  nextPageToken: z.string().nullable(),
});
