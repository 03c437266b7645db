// Which location an equipment field or CSV cell means: a location's id, or its name in any case.
import { AppError } from '../domain/errors';
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

/**
 * The location id a JSON body names: `locationId` (must exist) or `location` (an id or a name,
 * any case). Undefined when neither was given, null when the body clears it; an unknown one is a
 * 400 naming the field.
 */
export async function locationIdFor(
  orgId: string,
  fields: { locationId?: string | null; location?: string | null },
): Promise<string | null | undefined> {
  const field = fields.locationId !== undefined ? 'locationId' : 'location';
  const given = fields[field];
  if (given === undefined) return undefined;
  if (given === null) return null;
  const found = await resolveLocation(orgId, given);
  if (found === undefined || (field === 'locationId' && found !== given)) {
    const message = `no location ${field === 'locationId' ? 'with this id' : 'with this name or id'} in this organisation`;
    throw new AppError('invalid_argument', `Invalid request: ${field} ${message}`, {
      errors: [{ field, message }],
    });
  }
  return found;
}
