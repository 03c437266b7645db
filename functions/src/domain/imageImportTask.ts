// The task an image import is queued as: what equipmentImageSync hands to the
// equipmentImageImport task queue function. Pure: the payload's shape and checks, no Firebase.
import { z } from 'zod';
import { ID_PATTERN } from './ids';

/** An import id is the first 20 hex digits of a hash of the trigger event's id. */
const IMPORT_ID = /^[0-9a-f]{20}$/;

/** The collections whose documents have imported images (equipment, stock items). */
export const IMAGE_OWNERS = ['equipment', 'stockItems'] as const;

export const imageImportTaskSchema = z.strictObject({
  orgId: z.string().regex(ID_PATTERN),
  /** The item's id in its collection: an asset id, or a stock item's sku. */
  assetId: z.string().regex(ID_PATTERN),
  /** Tasks queued before stock items had images carry none: they are equipment's. */
  owner: z.enum(IMAGE_OWNERS).default('equipment'),
  sourceUrl: z.string().min(1).max(4096),
  requestId: z.string().max(128).nullable(),
  importId: z.string().regex(IMPORT_ID),
  /** The trigger event's id and time: logs name it, and an import over an hour old is given up. */
  eventId: z.string().min(1).max(1500),
  eventTime: z.string().min(1),
});

export type ImageImportTask = z.infer<typeof imageImportTaskSchema>;
/** What the trigger hands over (owner may be left out for equipment). */
export type ImageImportTaskInput = z.input<typeof imageImportTaskSchema>;

/** The task's data, or why it is not an import task (a hand-made or corrupted task). */
export function parseImageImportTask(
  data: unknown,
): { ok: true; task: ImageImportTask } | { ok: false; reason: string } {
  const parsed = imageImportTaskSchema.safeParse(data);
  if (parsed.success) return { ok: true, task: parsed.data };
  return {
    ok: false,
    reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
  };
}

/**
 * The Cloud Tasks id of an import: one per import, so a second delivery of the trigger event
 * that enqueues it is refused by the queue (ALREADY_EXISTS) instead of importing twice.
 */
export const imageImportTaskId = (importId: string): string => `image-${importId}`;
