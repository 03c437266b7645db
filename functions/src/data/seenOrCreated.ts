// `seenOrCreatedAt`, the sort field of GET .../equipment?notSeenSince: an item's lastSeenAt, or
// its createdAt while no scan has seen it. Firestore cannot list documents that lack a field, so
// a range on lastSeenAt alone would leave out the items never scanned, the first a stocktake
// wants. Server-owned (the equipment rules allow no client to write it). Kept by:
// - newEquipmentDocument (API and CSV upload): createdAt;
// - the create trigger's write-back (equipmentQr.ts) for items a client app wrote: createdAt;
// - sighting() (every ledger event type, audits included): the applied scan's time;
// - backfillSeenOrCreated for items written before the field existed, once per organisation,
//   run by the first notSeenSince list that finds the organisation not yet migrated.
import { FieldPath, Timestamp, type DocumentData } from 'firebase-admin/firestore';
import { db } from './firebase';
import { equipmentRef, migrationRef } from './paths';

export const SEEN_OR_CREATED = 'seenOrCreatedAt';

/** The field's value for an item: lastSeenAt, else createdAt, else the document's create time. */
export function seenOrCreatedOf(d: DocumentData, createTime?: Timestamp): Timestamp | undefined {
  if (d.lastSeenAt instanceof Timestamp) return d.lastSeenAt;
  if (d.createdAt instanceof Timestamp) return d.createdAt;
  return createTime;
}

/**
 * The update that gives an item the field when it has none (a client-written item, or one from
 * before the field); nothing when it has one, so a sighting written meanwhile is never undone.
 */
export function seenOrCreatedFill(snap: FirebaseFirestore.DocumentSnapshot): DocumentData {
  const data = snap.data();
  if (!data || data[SEEN_OR_CREATED] instanceof Timestamp) return {};
  const value = seenOrCreatedOf(data, snap.createTime);
  return value ? { [SEEN_OR_CREATED]: value } : {};
}

/** Items per backfill transaction (each a read and at most a small write). */
const BACKFILL_PAGE = 300;

/**
 * Gives every item of the organisation the field, once: pages through the items by id, each page
 * one transaction that also records the cursor in migrations/seenOrCreatedAt, so a cut-short run
 * resumes and a second or concurrent run writes nothing twice. Resolves with the items written.
 */
export async function backfillSeenOrCreated(
  orgId: string,
  pageSize = BACKFILL_PAGE,
): Promise<number> {
  const marker = migrationRef(orgId, SEEN_OR_CREATED);
  let written = 0;
  for (;;) {
    const step = await db().runTransaction(async (tx) => {
      const state = (await tx.get(marker)).data();
      if (state?.done === true) return { done: true, written: 0 };
      let query = equipmentRef(orgId).orderBy(FieldPath.documentId()).limit(pageSize);
      if (typeof state?.after === 'string') query = query.startAfter(state.after);
      const docs = (await tx.get(query)).docs;
      let n = 0;
      for (const doc of docs) {
        const fill = seenOrCreatedFill(doc);
        if (Object.keys(fill).length === 0) continue;
        tx.update(doc.ref, fill);
        n += 1;
      }
      const last = docs[docs.length - 1];
      const done = docs.length < pageSize;
      tx.set(marker, {
        done,
        after: last ? last.id : (state?.after ?? null),
        written: Number(state?.written ?? 0) + n,
        updatedAt: Timestamp.now(),
      });
      return { done, written: n };
    });
    written += step.written;
    if (step.done) return written;
  }
}

/** Whether the organisation's items all carry the field (its backfill has completed). */
export async function seenOrCreatedReady(orgId: string): Promise<boolean> {
  return (await migrationRef(orgId, SEEN_OR_CREATED).get()).get('done') === true;
}
