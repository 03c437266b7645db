// maxScans: a limited code's human scans are counted in one document in a transaction, so the
// limit holds exactly under concurrent scans (the 501st of a 500-scan code is refused however
// the scans interleave). That document takes about one write a second, which bounds a limited
// code's scan rate; unlimited codes never touch it and count on the sharded day counters only.
import type { DocumentReference } from 'firebase-admin/firestore';
import { db } from './firebase';
import { scanTotalRef } from './paths';

/** Takes one of the code's human scans: false (and nothing written) when none is left. */
export async function takeHumanScan(
  counted: DocumentReference,
  maxScans: number,
): Promise<boolean> {
  const ref = scanTotalRef(counted);
  return db().runTransaction(async (tx) => {
    const taken = Number((await tx.get(ref)).get('count') ?? 0);
    if (taken >= maxScans) return false;
    tx.set(ref, { count: taken + 1 }, { merge: true });
    return true;
  });
}

/** Human scans a limited code has taken so far (0 before the first). */
export async function humanScansTaken(counted: DocumentReference): Promise<number> {
  return Number((await scanTotalRef(counted).get()).get('count') ?? 0);
}
