// Which location an equipment field or CSV cell means: a location's id, or its name in any case.
import { ID_PATTERN } from '../domain/ids';
import { locationNameKey } from '../domain/locations';
import { locationsRef } from './paths';

/** All of an organisation's locations, read once (an upload resolves many cells with it). */
export interface LocationLookup {
  /** The location id that `text` names (an id first, then a name), or undefined. */
  resolve(text: string): string | undefined;
}

export async function loadLocationLookup(orgId: string): Promise<LocationLookup> {
  const snap = await locationsRef(orgId).select('nameKey', 'name').get();
  const ids = new Set<string>();
  const byName = new Map<string, string>();
  for (const doc of snap.docs) {
    ids.add(doc.id);
    const key = doc.get('nameKey') ?? doc.get('name');
    if (typeof key === 'string') byName.set(locationNameKey(key), doc.id);
  }
  return {
    resolve: (text) => {
      const trimmed = text.trim();
      if (ids.has(trimmed)) return trimmed;
      return byName.get(locationNameKey(trimmed));
    },
  };
}

/** One location id or name, resolved with two reads at most (for a single JSON request). */
export async function resolveLocation(orgId: string, text: string): Promise<string | undefined> {
  const trimmed = text.trim();
  if (ID_PATTERN.test(trimmed) && (await locationsRef(orgId).doc(trimmed).get()).exists) {
    return trimmed;
  }
  const byName = await locationsRef(orgId)
    .where('nameKey', '==', locationNameKey(trimmed))
    .limit(1)
    .get();
  return byName.empty ? undefined : byName.docs[0].id;
}

/** Location names by id, for the export (a name reads better than an id and uploads back). */
export async function locationNamesById(orgId: string): Promise<Map<string, string>> {
  const snap = await locationsRef(orgId).select('name').get();
  return new Map(snap.docs.map((doc) => [doc.id, String(doc.get('name') ?? doc.id)]));
}
