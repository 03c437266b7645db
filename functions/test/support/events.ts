// Reading the activity log straight from Firestore, for tests that wait for a change's events.
import { db } from '../../src/data/firebase';
import type { ActivityEvent } from '../../src/domain/events/model';
import { waitFor } from './wait';

/** The stored events of one subject, oldest first. */
export async function eventsOf(orgId: string, subjectId: string): Promise<ActivityEvent[]> {
  const snap = await db()
    .collection(`organizations/${orgId}/activity`)
    .where('subject.id', '==', subjectId)
    .get();
  return snap.docs
    .map((d) => ({ ...(d.data() as ActivityEvent), at: d.get('at').toDate().toISOString() }))
    .sort((a, b) => a.at.localeCompare(b.at));
}

/** The subject's first event of `type` (and matching `where`, if given), once it is logged. */
export function eventOf(
  orgId: string,
  subjectId: string,
  type: string,
  where: (e: ActivityEvent) => boolean = () => true,
): Promise<ActivityEvent> {
  return waitFor(
    async () => (await eventsOf(orgId, subjectId)).find((e) => e.type === type && where(e)),
    { timeoutMs: 30_000 },
  );
}
