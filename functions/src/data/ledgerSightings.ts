// GET .../equipment?notSeenSince=...: the items whose last sighting by a scan (lastSeenAt, kept
// by the ledger) is older than a time, oldest first. A range on lastSeenAt with the list's
// equality filters needs the composite indexes (category, locationId, lastSeenAt) in
// firestore.indexes.json. Items never scanned have no lastSeenAt, so Firestore cannot list them
// by it: they are not in this list.
import { FieldPath, Timestamp } from 'firebase-admin/firestore';
import { AppError } from '../domain/errors';
import { decodePageToken, encodePageToken } from '../domain/pageTokens';
import { toEquipment, type EquipmentFilter, type EquipmentPage } from './equipment';
import { equipmentRef } from './paths';

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
  let query: FirebaseFirestore.Query = equipmentRef(orgId);
  if (filter.category) query = query.where('category', '==', filter.category);
  if (filter.locationId) query = query.where('locationId', '==', filter.locationId);
  query = query
    .where('lastSeenAt', '<', Timestamp.fromDate(since))
    .orderBy('lastSeenAt')
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
          (last.get('lastSeenAt') as Timestamp).toMillis(),
          last.id,
          filterKey(filter, since),
        ])
      : null;
  return { equipment: page.map((d) => toEquipment(d.id, d.data())), nextPageToken: token };
}
