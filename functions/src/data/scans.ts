// Scan counters: one document per day and shard under the scanned document,
// .../{id}/scanDays/{date}~{shard} = {date, scans, humanScans, visitors}. A scan increments a
// random shard, so a burst on one code spreads over SHARDS documents instead of queueing on one
// (Firestore sustains about one write a second per document). No address is stored.
import { FieldValue, type DocumentReference } from 'firebase-admin/firestore';
import type { ScanTarget } from '../domain/scanTokens';
import type { DayCounts } from '../domain/timeline';
import { scanTargetRef } from './paths';

const SHARDS = 8;

export interface CountedScan {
  human: boolean;
  newVisitor: boolean;
}

/** Counts one scan of `counted` (any document with scanDays under it). */
export async function countScan(
  counted: DocumentReference,
  day: string,
  scan: CountedScan = { human: true, newVisitor: false },
): Promise<void> {
  const shard = Math.floor(Math.random() * SHARDS);
  await counted
    .collection('scanDays')
    .doc(`${day}~${shard}`)
    .set(
      {
        date: day,
        scans: FieldValue.increment(1),
        humanScans: FieldValue.increment(scan.human ? 1 : 0),
        visitors: FieldValue.increment(scan.newVisitor ? 1 : 0),
      },
      { merge: true },
    );
}

export async function recordScan(
  target: ScanTarget,
  day: string,
  scan?: CountedScan,
): Promise<void> {
  await countScan(scanTargetRef(target.orgId, target.kind, target.id), day, scan);
}

/**
 * Counts per day ('YYYY-MM-DD') of `counted` for the days from..to, both included. Shards
 * written before humans were told apart have no humanScans: their scans count as human.
 */
export async function dayCountsOf(
  counted: DocumentReference,
  fromDay: string,
  toDay: string,
): Promise<Map<string, DayCounts>> {
  const snap = await counted
    .collection('scanDays')
    .where('date', '>=', fromDay)
    .where('date', '<=', toDay)
    .get();
  const counts = new Map<string, DayCounts>();
  for (const doc of snap.docs) {
    const date = String(doc.get('date'));
    const scans = Number(doc.get('scans') ?? 0);
    const humans = Number(doc.get('humanScans') ?? scans);
    const visitors = Number(doc.get('visitors') ?? 0);
    const day = counts.get(date) ?? { scans: 0, humans: 0, visitors: 0 };
    counts.set(date, {
      scans: day.scans + scans,
      humans: day.humans + humans,
      visitors: day.visitors + visitors,
    });
  }
  return counts;
}

export async function scanCounts(
  target: ScanTarget,
  fromDay: string,
  toDay: string,
): Promise<Map<string, DayCounts>> {
  return dayCountsOf(scanTargetRef(target.orgId, target.kind, target.id), fromDay, toDay);
}
