// Locations: where equipment lives. Names are unique per organisation, ignoring case and
// repeated spaces, so "Tool crib" and "tool  Crib" are the same place.
import {
  type Body,
  type Validated,
  readBoolean,
  readString,
  result,
  unknownFields,
} from './validation';

export const LOCATION_NAME_MAX = 100;
export const LOCATION_DESCRIPTION_MAX = 500;

/** Every new organisation starts with these (the makerspace seed's ten), each added once. */
export const DEFAULT_LOCATIONS: ReadonlyArray<{ id: string; name: string; description: string }> = [
  {
    id: 'main-workshop',
    name: 'Main Workshop',
    description: 'Primary workspace for general projects',
  },
  { id: 'electronics-lab', name: 'Electronics Lab', description: 'ESD-safe electronics work' },
  { id: 'wood-shop', name: 'Wood Shop', description: 'Woodworking with saws and sanders' },
  { id: 'metal-shop', name: 'Metal Shop', description: 'Metal fabrication and welding' },
  { id: '3d-printing-area', name: '3D Printing Area', description: '3D printers and filament' },
  { id: 'tool-crib', name: 'Tool Crib', description: 'Shared hand tools' },
  { id: 'storage-room', name: 'Storage Room', description: 'General supplies storage' },
  { id: 'office-supplies', name: 'Office Supplies', description: 'Paper, pens, office items' },
  { id: 'safety-equipment', name: 'Safety Equipment', description: 'PPE and first aid' },
  { id: 'consumables', name: 'Consumables', description: 'Sandpaper, rags, disposable items' },
];

/** The key that makes names unique: lower case, inner spaces collapsed. */
export function locationNameKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

export interface LocationFields {
  name?: string;
  description?: string;
  active?: boolean;
}

export function validateLocation(body: Body, mode: 'create' | 'update'): Validated<LocationFields> {
  const errors = unknownFields(body, ['name', 'description', 'active']);
  const fields: LocationFields = {};
  const name = readString(
    body,
    'name',
    { required: mode === 'create' || body.name !== undefined, max: LOCATION_NAME_MAX },
    errors,
  );
  if (name) fields.name = name.replace(/\s+/g, ' ');
  const description = readString(body, 'description', { max: LOCATION_DESCRIPTION_MAX }, errors);
  if (description !== undefined) fields.description = description;
  const active = readBoolean(body, 'active', errors);
  if (active !== undefined) fields.active = active;
  if (mode === 'update' && errors.length === 0 && Object.keys(fields).length === 0) {
    errors.push({ field: '', message: 'nothing to change: give name, description or active' });
  }
  return result(fields, errors);
}
