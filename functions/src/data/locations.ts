// Locations: organizations/{orgId}/locations/{locationId} with name, nameKey (the unique key),
// description and active.
import { Timestamp, type Transaction } from 'firebase-admin/firestore';
import { AppError, conflict } from '../domain/errors';
import { DEFAULT_LOCATIONS, locationNameKey, type LocationFields } from '../domain/locations';
import { deletionNote } from './activityStamps';
import { db } from './firebase';
import { deletionNoteRef, equipmentRef, locationsRef, orgRef } from './paths';
import { iso } from './timestamps';

export interface Location {
  locationId: string;
  name: string;
  description: string;
  active: boolean;
  createdAt: string | null;
  updatedAt: string | null;
}

function toLocation(locationId: string, data: FirebaseFirestore.DocumentData): Location {
  return {
    locationId,
    name: String(data.name ?? ''),
    description: String(data.description ?? ''),
    active: data.active !== false,
    createdAt: iso(data.createdAt),
    updatedAt: iso(data.updatedAt),
  };
}

export async function listLocations(orgId: string): Promise<Location[]> {
  const snap = await locationsRef(orgId).orderBy('nameKey').get();
  return snap.docs.map((doc) => toLocation(doc.id, doc.data()));
}

/** Refuses a name another location of the organisation already has (ignoring case). */
async function assertNameFree(
  tx: Transaction,
  orgId: string,
  name: string,
  exceptId?: string,
): Promise<void> {
  const same = await tx.get(locationsRef(orgId).where('nameKey', '==', locationNameKey(name)));
  const clash = same.docs.find((doc) => doc.id !== exceptId);
  if (clash) {
    throw conflict('name_taken', `A location named "${clash.get('name')}" exists already`, {
      locationId: clash.id,
    });
  }
}

/** `by` is the caller (a uid or `apiKey:<id>`): the stamp the location's events name. */
export async function createLocation(
  orgId: string,
  fields: LocationFields,
  by: string,
): Promise<Location> {
  const name = fields.name ?? '';
  const ref = locationsRef(orgId).doc();
  const now = Timestamp.now();
  const data = {
    name,
    nameKey: locationNameKey(name),
    description: fields.description ?? '',
    active: fields.active ?? true,
    createdAt: now,
    updatedAt: now,
    createdBy: by,
  };
  await db().runTransaction(async (tx) => {
    await assertNameFree(tx, orgId, name);
    tx.create(ref, data);
  });
  return toLocation(ref.id, data);
}

export async function updateLocation(
  orgId: string,
  locationId: string,
  fields: LocationFields,
  by: string,
): Promise<Location> {
  const ref = locationsRef(orgId).doc(locationId);
  return db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const data = snap.data();
    if (!data) throw new AppError('not_found', `Location ${locationId} not found`);
    if (fields.name !== undefined) await assertNameFree(tx, orgId, fields.name, locationId);
    const update: Record<string, unknown> = {
      ...fields,
      updatedAt: Timestamp.now(),
      updatedBy: by,
      updatedVia: 'api',
    };
    if (fields.name !== undefined) update.nameKey = locationNameKey(fields.name);
    tx.update(ref, update);
    return toLocation(locationId, { ...data, ...update });
  });
}

/**
 * Deletes a location, or, while equipment still points at it, deactivates it instead (a
 * deleted location would leave those items pointing at nothing).
 */
export async function deleteLocation(
  orgId: string,
  locationId: string,
  by: string,
): Promise<{ deleted: boolean; location: Location }> {
  const ref = locationsRef(orgId).doc(locationId);
  return db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const data = snap.data();
    if (!data) throw new AppError('not_found', `Location ${locationId} not found`);
    const inUse = await tx.get(equipmentRef(orgId).where('locationId', '==', locationId).limit(1));
    if (inUse.empty) {
      tx.delete(ref);
      tx.set(deletionNoteRef(orgId, 'locations', locationId), deletionNote(by));
      return { deleted: true, location: toLocation(locationId, data) };
    }
    const update = {
      active: false,
      updatedAt: Timestamp.now(),
      updatedBy: by,
      updatedVia: 'api',
    };
    tx.update(ref, update);
    return { deleted: false, location: toLocation(locationId, { ...data, ...update }) };
  });
}

/**
 * Adds the default locations to a new organisation, exactly once: a marker on the organisation
 * document records that it was done, in the same transaction. Defaults whose name a location
 * already has (someone was quick) are skipped.
 */
export async function addDefaultLocations(
  orgId: string,
): Promise<'added' | 'already-added' | 'no-organization'> {
  const org = orgRef(orgId);
  return db().runTransaction(async (tx) => {
    const snap = await tx.get(org);
    if (!snap.exists) return 'no-organization';
    if (snap.get('defaultLocationsAddedAt')) return 'already-added';
    const existing = await tx.get(locationsRef(orgId));
    const taken = new Set(existing.docs.map((doc) => doc.get('nameKey') as string));
    const now = Timestamp.now();
    for (const location of DEFAULT_LOCATIONS) {
      const nameKey = locationNameKey(location.name);
      if (taken.has(nameKey)) continue;
      tx.set(locationsRef(orgId).doc(location.id), {
        name: location.name,
        nameKey,
        description: location.description,
        active: true,
        createdAt: now,
        updatedAt: now,
      });
    }
    tx.update(org, { defaultLocationsAddedAt: now });
    return 'added';
  });
}
