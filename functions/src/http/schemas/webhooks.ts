// Webhooks and deliveries: bodies and replies (docs/api.md#activity-and-webhooks).
import { z } from 'zod';
import { eventsProblem, MAX_EVENT_PATTERNS, urlProblem } from '../../domain/webhooks/validate';
import { check, queryInt, queryText } from '../../domain/schemas/kit';
import type { Validated } from '../../domain/validation';
import { isoTime } from './replies';

const url = z
  .string({ error: 'must be a string' })
  .max(2048)
  .meta({ description: 'http(s) URL the events are POSTed to' });
const events = z
  .array(z.string({ error: 'must be a string' }))
  .max(MAX_EVENT_PATTERNS)
  .meta({ description: 'Event types, prefixes such as "custody.*", or "*"' });
const description = z.string({ error: 'must be a string' }).max(500);

export const newWebhookBody = z.strictObject({ url, events, description: description.optional() });
export const webhookPatchBody = z.strictObject({
  url: url.optional(),
  events: events.optional(),
  description: description.nullable().optional(),
  active: z.boolean({ error: 'must be true or false' }).optional(),
});

const nullableTime = isoTime.nullable();
export const webhookSchema = z.object({
  webhookId: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  active: z.boolean(),
  disabledReason: z.string().nullable(),
  disabledAt: nullableTime,
  failingSince: nullableTime,
  lastSuccessAt: nullableTime,
  lastFailureAt: nullableTime,
  secretRotatedAt: nullableTime,
  createdAt: nullableTime,
  createdBy: z.string().nullable(),
  updatedAt: nullableTime,
});

export const createdWebhookSchema = webhookSchema.extend({
  secret: z.string().meta({ description: 'The signing secret (whsec_...): shown this once' }),
});

export const rotatedSchema = z.object({
  secret: z.string(),
  previousValidUntil: isoTime,
});

export const deliverySchema = z.object({
  deliveryId: z.string(),
  webhookId: z.string(),
  status: z.enum(['pending', 'retrying', 'delivered', 'failed']),
  eventCount: z.number().int(),
  eventTypes: z.array(z.string()),
  createdAt: nullableTime,
  nextAttemptAt: nullableTime,
  redeliveryOf: z.string().nullable(),
  attempts: z.array(
    z.object({
      at: isoTime,
      responseCode: z.number().int().nullable(),
      durationMs: z.number(),
      error: z.string().nullable(),
    }),
  ),
});

export const deliveriesQueryShape = { limit: queryInt(1, 200, 50), pageToken: queryText };

export const queuedSchema = z.object({ deliveryId: z.string(), status: z.literal('pending') });

type FieldProblems = { field: string; message: string }[];

function withProblems<T extends { url?: string; events?: string[] }>(
  parsed: Validated<T>,
): Validated<T> {
  if (!parsed.ok) return parsed;
  const errors: FieldProblems = [];
  const url = parsed.value.url === undefined ? undefined : urlProblem(parsed.value.url);
  if (url) errors.push({ field: 'url', message: url });
  const events = parsed.value.events === undefined ? undefined : eventsProblem(parsed.value.events);
  if (events) errors.push({ field: 'events', message: events });
  return errors.length ? { ok: false, errors } : parsed;
}

export const validateNewWebhook = (body: Record<string, unknown>) =>
  withProblems(check(newWebhookBody, body));
export const validateWebhookPatch = (body: Record<string, unknown>) =>
  withProblems(check(webhookPatchBody, body));
