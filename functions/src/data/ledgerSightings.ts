// GET .../equipment?notSeenSince=...: the items nobody has seen since a time, oldest first: those
// whose last sighting by a scan (lastSeenAt, kept by the ledger) is older, and those never
// scanned that were created before it (their lastSeenAt null). Both are one range on
// seenOrCreatedAt (data/seenOrCreated.ts: lastSeenAt, or createdAt while never seen); with the
// list's equality filters it needs the composite indexes (category, locationId, seenOrCreatedAt)
// in firestore.indexes.json. An organisation's items from before that field are given it by a
// one-off backfill, run here the first time the organisation asks.
import { FieldPath, Timestamp } from 'firebase-admin/firestore';
import { AppError } from '../domain/errors';
import { decodePageToken, encodePageToken } from '../domain/pageTokens';
import { toEquipment, type EquipmentFilter, type EquipmentPage } from './equipment';
import { equipmentRef } from './paths';
import { backfillSeenOrCreated, SEEN_OR_CREATED, seenOrCreatedReady } from './seenOrCreated';

const filterKey = (f: EquipmentFilter, since: Date): string =>
  JSON.stringify([f.category ?? null, f.locationId ?? null, since.getTime()]);

export async function listNotSeenSince(
  orgId: string,
  filter: EquipmentFilter,
  since: Date,
  opts: { limit: number; pageToken?: string },
): Promise<EquipmentPage> {
  if (filter.qr) {
    throw new AppError('invalid_argument', 'notSeenSince cannot be combined with qr', {
      field: 'qr',
    });
  }
  if (!(await seenOrCreatedReady(orgId))) await backfillSeenOrCreated(orgId);
  let query: FirebaseFirestore.Query = equipmentRef(orgId);
  if (filter.category) query = query.where('category', '==', filter.category);
  if (filter.locationId) query = query.where('locationId', '==', filter.locationId);
  query = query
    .where(SEEN_OR_CREATED, '<', Timestamp.fromDate(since))
    .orderBy(SEEN_OR_CREATED)
    .orderBy(FieldPath.documentId())
    .limit(opts.limit + 1);
  if (opts.pageToken) {
    const key = filterKey(filter, since);
    const [ms, id] = decodePageToken(
      opts.pageToken,
      (v): v is [number, string, string] =>
        typeof v[0] === 'number' && typeof v[1] === 'string' && v[2] === key,
    );
    query = query.startAfter(Timestamp.fromMillis(ms), id);
  }
  const docs = (await query.get()).docs;
  const page = docs.slice(0, opts.limit);
  const last = page[page.length - 1];
  const token =
    docs.length > opts.limit && last
      ? encodePageToken([
          (last.get(SEEN_OR_CREATED) as Timestamp).toMillis(),
          last.id,
          filterKey(filter, since),
        ])
      : null;
  return { equipment: page.map((d) => toEquipment(d.id, d.data())), nextPageToken: token };
}
