// How a route's replies are declared: status -> JSON schema, or a media type (images, CSV, PDF),
// or nothing (204, 304). The OpenAPI document and the reply checks of the tests read these.
import { z } from 'zod';

export interface JsonReply {
  kind: 'json';
  description: string;
  schema: z.ZodType;
  /** Other media types of the same reply, chosen by a query parameter (an SVG chart, say). */
  otherTypes: readonly string[];
}

export interface MediaReply {
  kind: 'media';
  description: string;
  types: readonly string[];
}

export interface EmptyReply {
  kind: 'empty';
  description: string;
}

export type ReplySpec = JsonReply | MediaReply | EmptyReply;

export const json = (
  description: string,
  schema: z.ZodType,
  ...otherTypes: string[]
): JsonReply => ({ kind: 'json', description, schema, otherTypes });

export const media = (description: string, ...types: string[]): MediaReply => ({
  kind: 'media',
  description,
  types,
});

export const empty = (description: string): EmptyReply => ({ kind: 'empty', description });

/** Every error reply: {"error": {"code", "message", "details"?}}. */
export const errorReplySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});

/** A Firestore timestamp as the API writes it: an ISO 8601 string (or null where unset). */
export const isoTime = z.string().meta({ format: 'date-time' });
