// What a scan of an item changes about where it was last seen, shared by every event type of
// the ledger: only a scan newer than the item's lastSeenAt changes anything, so a scan synced
// late never moves an item back.
import { Timestamp } from 'firebase-admin/firestore';
import type { ScanEvent, ScanResult } from '../domain/scanEvents';

type Doc = FirebaseFirestore.DocumentData;

/** A decided event inside a transaction: its result and the writes of its effect. */
export interface Effect {
  result: ScanResult;
  /** The effect's writes, made after every read of the transaction. */
  write: () => void;
}

/** The item fields a sighting sets, when `scannedAt` is newer than the item's lastSeenAt. */
export function sighting(item: Doc, event: ScanEvent, locationId: string | null): Doc | undefined {
  const last = item.lastSeenAt instanceof Timestamp ? item.lastSeenAt.toMillis() : -Infinity;
  if (event.scannedAt.getTime() <= last) return undefined;
  return {
    lastSeenAt: Timestamp.fromDate(event.scannedAt),
    // The notSeenSince sort field follows lastSeenAt once an item is seen (data/seenOrCreated.ts).
    seenOrCreatedAt: Timestamp.fromDate(event.scannedAt),
    lastSeenLocationId: locationId,
    lastSeenBy: event.by,
  };
}
