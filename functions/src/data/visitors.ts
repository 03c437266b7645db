// Distinct visitors per day. Under each counted document, scanVisitors/{day}~{visitor} is made
// the first time that visitor scans it that day; whether the create succeeded says whether the
// visitor is new. The set is exact for a day (not an estimate); its documents carry `expireAt`
// two days on, for a Firestore TTL policy to remove (docs/operations.md), since after the day
// they answer nothing.
import { Timestamp, type DocumentReference } from 'firebase-admin/firestore';
import { isAlreadyExists } from './firestoreErrors';

const KEEP_MS = 2 * 24 * 3_600_000;

/** True the first time `visitor` is seen under `counted` on `day`. */
export async function isNewVisitor(
  counted: DocumentReference,
  day: string,
  visitor: string,
  now: Date,
): Promise<boolean> {
  try {
    await counted
      .collection('scanVisitors')
      .doc(`${day}~${visitor}`)
      .create({ day, expireAt: Timestamp.fromMillis(now.getTime() + KEEP_MS) });
    return true;
  } catch (err) {
    if (isAlreadyExists(err)) return false;
    throw err;
  }
}
