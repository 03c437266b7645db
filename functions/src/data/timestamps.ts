// Firestore Timestamps become ISO 8601 strings in API replies.
import { Timestamp } from 'firebase-admin/firestore';

export function iso(value: unknown): string | null {
  return value instanceof Timestamp ? value.toDate().toISOString() : null;
}
