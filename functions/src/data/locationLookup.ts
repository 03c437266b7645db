// Which location an equipment field or CSV cell means: a location's id, or its name in any case.
import { AppError, conflict } from '../domain/errors';
import { ID_PATTERN } from '../domain/ids';
import { locationNameKey } from '../domain/locations';
import { locationsRef } from './paths';

/** A location a request named, with what decides whether new items may go there. */
export interface FoundLocation {
  id: string;
  name: string;
  /** Deactivated locations keep their items but take no new ones (deleting one that is used). */
  active: boolean;
}

function foundLocation(doc: FirebaseFirestore.DocumentSnapshot): FoundLocation {
  const name = doc.get('name');
  return {
    id: doc.id,
    name: typeof name === 'string' ? name : doc.id,
    active: doc.get('active') !== false,
  };
}

/** All of an organisation's locations, read once (an upload resolves many cells with it). */
export interface LocationLookup {
  /** The location that `text` names (an id first, then a name), or undefined. */
  resolve(text: string): FoundLocation | undefined;
}

export async function loadLocationLookup(orgId: string): Promise<LocationLookup> {
  const snap = await locationsRef(orgId).select('nameKey', 'name', 'active').get();
  const byId = new Map<string, FoundLocation>();
  const byName = new Map<string, FoundLocation>();
  for (const doc of snap.docs) {
    const found = foundLocation(doc);
    byId.set(doc.id, found);
    const key = doc.get('nameKey') ?? doc.get('name');
    if (typeof key === 'string') byName.set(locationNameKey(key), found);
  }
  return {
    resolve: (text) => {
      const trimmed = text.trim();
      return byId.get(trimmed) ?? byName.get(locationNameKey(trimmed));
    },
  };
}

/** One location id or name, resolved with two reads at most (for a single JSON request). */
export async function resolveLocation(
  orgId: string,
  text: string,
): Promise<FoundLocation | undefined> {
  const trimmed = text.trim();
  if (ID_PATTERN.test(trimmed)) {
    const doc = await locationsRef(orgId).doc(trimmed).get();
    if (doc.exists) return foundLocation(doc);
  }
  const byName = await locationsRef(orgId)
    .where('nameKey', '==', locationNameKey(trimmed))
    .limit(1)
    .get();
  return byName.empty ? undefined : foundLocation(byName.docs[0]);
}

/** The words for a deactivated location, in an API reply and in a CSV row's error alike. */
export function inactiveLocationMessage(location: FoundLocation): string {
  return `location "${location.name}" (${location.id}) is deactivated: choose an active location, or reactivate it with PATCH .../locations/${location.id} {"active": true}`;
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
  if (found === undefined || (field === 'locationId' && found.id !== given)) {
    const message = `no location ${field === 'locationId' ? 'with this id' : 'with this name or id'} in this organisation`;
    throw new AppError('invalid_argument', `Invalid request: ${field} ${message}`, {
      errors: [{ field, message }],
    });
  }
  if (!found.active) {
    throw conflict('location_inactive', `The ${inactiveLocationMessage(found)}`, {
      field,
      locationId: found.id,
    });
  }
  return found.id;
}
