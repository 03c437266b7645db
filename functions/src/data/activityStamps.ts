// The note an API delete leaves beside the deleted document, so that the delete's event can
// name who asked (a deleted document carries no stamp of its own). Read by the event trigger
// within minutes; a TTL policy on expiresAt removes it after a week.
import { Timestamp } from 'firebase-admin/firestore';

const NOTE_DAYS = 7;

export function deletionNote(by: string, via: 'api' | 'csv' = 'api') {
  const at = Timestamp.now();
  return { by, via, at, expiresAt: Timestamp.fromMillis(at.toMillis() + NOTE_DAYS * 86_400_000) };
}

/** The stamp of a scheduled job's write: actor system (id `schedule`), via schedule. */
export const SCHEDULE_STAMP = { updatedBy: 'system:schedule', updatedVia: 'schedule' } as const;
