// Scan counters: one document per day and shard under the scanned document,
// .../{qrCodes|equipment}/{id}/scanDays/{date}~{shard} = {date, scans}. A scan increments a
// random shard, so a burst on one code spreads over SHARDS documents instead of queueing on one
// (Firestore sustains about one write a second per document). No address is stored.
import { FieldValue } from 'firebase-admin/firestore';
import type { ScanTarget } from '../domain/scanTokens';
import { scanTargetRef } from './paths';

const SHARDS = 8;

const scanDaysRef = (target: ScanTarget) =>
  scanTargetRef(target.orgId, target.kind, target.id).collection('scanDays');

export async function recordScan(target: ScanTarget, day: string): Promise<void> {
  const shard = Math.floor(Math.random() * SHARDS);
  await scanDaysRef(target)
    .doc(`${day}~${shard}`)
    .set({ date: day, scans: FieldValue.increment(1) }, { merge: true });
}

/** Scans per day ('YYYY-MM-DD' → count) for the days from..to, both included. */
export async function scanCounts(
  target: ScanTarget,
  fromDay: string,
  toDay: string,
): Promise<Map<string, number>> {
  const snap = await scanDaysRef(target)
    .where('date', '>=', fromDay)
    .where('date', '<=', toDay)
    .get();
  const counts = new Map<string, number>();
  for (const doc of snap.docs) {
    const date = String(doc.get('date'));
    counts.set(date, (counts.get(date) ?? 0) + Number(doc.get('scans') ?? 0));
  }
  return counts;
}
