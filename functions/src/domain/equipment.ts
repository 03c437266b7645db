// Equipment fields: categories, limits, validation of a JSON body (or a CSV row), new asset ids.
// Pure: no Firebase imports. The HTTP layer maps a failed validation to 400 with `errors` in
// `details`; resolving `location` (a name) to a location id is the caller's job.
import { randomBytes } from 'node:crypto';
import { SETTABLE_STATUSES, type SettableStatus } from './custody';
import { ID_PATTERN, ID_RULE } from './ids';

export const CATEGORIES = [
  'CAMERA',
  'LENS',
  'AUDIO',
  'LIGHTING',
  'STORAGE',
  'TRIPOD',
  'COMPUTER',
  'ACCESSORY',
  'OTHER',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Longest accepted value of each text field, in characters (Unicode code points). */
export const LIMITS = {
  name: 200,
  serialNumber: 100,
  brand: 100,
  model: 100,
  location: 200,
  notes: 2000,
  imageUrl: 2048,
} as const;

/** Every id that becomes part of a Firestore path (the one pattern, from ids.ts). */
export { ID_PATTERN };

/** Fields of a new item, as validated. Optional fields that were absent or empty are left out. */
export interface EquipmentCreate {
  name: string;
  category: Category;
  serialNumber?: string;
  brand?: string;
  model?: string;
  locationId?: string;
  /** A location's name (or id) to be resolved by the caller; never together with locationId. */
  location?: string;
  notes?: string;
  imageUrl?: string;
  assetId?: string;
}

/**
 * Changes to an existing item. A key that is absent stays as it is; `null` clears an optional
 * field (the caller deletes it). name and category can be changed but never cleared, and the
 * assetId is the item's document id, so it cannot be changed.
 */
export interface EquipmentPatch {
  name?: string;
  category?: Category;
  serialNumber?: string | null;
  brand?: string | null;
  model?: string | null;
  locationId?: string | null;
  location?: string | null;
  notes?: string | null;
  imageUrl?: string | null;
  /** retired, missing or available (which clears needs_service); never checked_out. */
  status?: SettableStatus;
}

export type EquipmentFields = EquipmentCreate | EquipmentPatch;

export interface FieldError {
  field: string;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const OPTIONAL_TEXT = ['serialNumber', 'brand', 'model', 'location', 'notes'] as const;
const KNOWN_KEYS = new Set([
  'name',
  'category',
  'serialNumber',
  'brand',
  'model',
  'locationId',
  'location',
  'notes',
  'imageUrl',
  'assetId',
  'status',
]);

/** Number of characters as a person counts them: an emoji is one, not two UTF-16 units. */
function charCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** Upper-cased category, or undefined when the text names none of CATEGORIES. */
export function parseCategory(text: string): Category | undefined {
  const upper = text.trim().toUpperCase();
  return (CATEGORIES as readonly string[]).includes(upper) ? (upper as Category) : undefined;
}

/** A value echoed in an error message: quoted, and cut short so a report stays readable. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Validates an equipment body and reports every problem at once, each naming its field.
 *
 * Choices:
 * - Single-line fields (name, category, serialNumber, brand, model, location, locationId,
 *   imageUrl, assetId) are trimmed: leading and trailing spaces there are accidents. notes are
 *   kept exactly as given, line breaks and spaces included.
 * - Lengths count Unicode code points, after trimming.
 * - create: an optional field that is null, empty (or only spaces) is treated as absent.
 *   update: an optional field that is null or empty means "clear it" and comes back as null;
 *   name and category cannot be cleared; assetId is rejected (it is the id in the URL).
 * - locationId and location together are an error: one says which location, not both.
 * - Keys that are not equipment fields are an error naming them, so a typo is not lost quietly.
 */
export function validateEquipment(
  input: Record<string, unknown>,
  mode: 'create',
): Validation<EquipmentCreate>;
export function validateEquipment(
  input: Record<string, unknown>,
  mode: 'update',
): Validation<EquipmentPatch>;
export function validateEquipment(
  input: Record<string, unknown>,
  mode: 'create' | 'update',
): Validation<EquipmentFields>;
export function validateEquipment(
  input: Record<string, unknown>,
  mode: 'create' | 'update',
): Validation<EquipmentFields> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ field: '', message: 'the body must be a JSON object' }] };
  }
  const body = bodyReader(input, mode);
  const unknown = Object.keys(input).filter((key) => !KNOWN_KEYS.has(key));
  for (const key of unknown)
    body.fail(key, `unknown field; known fields: ${[...KNOWN_KEYS].join(', ')}`);
  readNameAndCategory(body);
  readOptionalTexts(body);
  readLocationId(body);
  readImageUrl(body);
  readAssetId(body);
  readStatus(body, input.status);
  if (body.errors.length > 0) return { ok: false, errors: body.errors };
  return { ok: true, value: body.value as unknown as EquipmentFields };
}

/** One body being validated: what was read so far, the problems, and how to read a field. */
interface BodyReader {
  mode: 'create' | 'update';
  value: Record<string, string | null>;
  errors: FieldError[];
  fail(field: string, message: string): void;
  /**
   * The field's text: trimmed unless `exact`; undefined when absent; null when empty or null
   * (a clear request); false after reporting a non-string.
   */
  text(field: string, exact?: boolean): string | null | undefined | false;
  /** Whether `got` fits the field's limit (reported when it does not). */
  withinLimit(field: keyof typeof LIMITS, got: string): boolean;
}

function bodyReader(input: Record<string, unknown>, mode: 'create' | 'update'): BodyReader {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string): void => {
    errors.push({ field, message });
  };
  return {
    mode,
    value: {},
    errors,
    fail,
    text(field, exact = false) {
      const raw = input[field];
      if (raw === undefined) return undefined;
      if (raw === null) return null;
      if (typeof raw !== 'string') {
        fail(field, 'must be a string');
        return false;
      }
      const cleaned = exact ? raw : raw.trim();
      return cleaned === '' ? null : cleaned;
    },
    withinLimit(field, got) {
      const count = charCount(got);
      if (count <= LIMITS[field]) return true;
      fail(field, `must be at most ${LIMITS[field]} characters (got ${count})`);
      return false;
    },
  };
}

/** name and category: required on create, never clearable on update. */
function readNameAndCategory(body: BodyReader): void {
  const { mode, value } = body;
  const missing = mode === 'create' ? 'is required' : 'cannot be empty';
  const name = body.text('name');
  if (typeof name === 'string') {
    if (body.withinLimit('name', name)) value.name = name;
  } else if (name === null || (name === undefined && mode === 'create')) {
    body.fail('name', missing);
  }
  const category = body.text('category');
  if (typeof category === 'string') {
    const parsed = parseCategory(category);
    if (parsed) value.category = parsed;
    else
      body.fail(
        'category',
        `must be one of ${CATEGORIES.join(', ')} (any case); got ${quoted(category)}`,
      );
  } else if (category === null || (category === undefined && mode === 'create')) {
    body.fail('category', missing);
  }
}

/** serialNumber, brand, model, location, notes: null or empty clears them on update. */
function readOptionalTexts(body: BodyReader): void {
  for (const field of OPTIONAL_TEXT) {
    const got = body.text(field, field === 'notes');
    if (typeof got === 'string') {
      if (body.withinLimit(field, got)) body.value[field] = got;
    } else if (got === null && body.mode === 'update') {
      body.value[field] = null;
    }
  }
}

/** An id, and never together with a location name (read before this). */
function readLocationId(body: BodyReader): void {
  const locationId = body.text('locationId');
  if (typeof locationId === 'string') {
    if (ID_PATTERN.test(locationId)) body.value.locationId = locationId;
    else body.fail('locationId', ID_RULE);
  } else if (locationId === null && body.mode === 'update') {
    body.value.locationId = null;
  }
  if (typeof locationId === 'string' && typeof body.value.location === 'string') {
    body.fail('location', 'give either locationId or location, not both');
  }
}

function readImageUrl(body: BodyReader): void {
  const imageUrl = body.text('imageUrl');
  if (typeof imageUrl === 'string') {
    if (!isHttpUrl(imageUrl)) body.fail('imageUrl', 'must be an http or https URL');
    else if (body.withinLimit('imageUrl', imageUrl)) body.value.imageUrl = imageUrl;
  } else if (imageUrl === null && body.mode === 'update') {
    body.value.imageUrl = null;
  }
}

/** A caller's own id on create; on update it is the id in the URL and cannot change. */
function readAssetId(body: BodyReader): void {
  const assetId = body.text('assetId');
  if (body.mode === 'update') {
    if (assetId !== undefined && assetId !== false) {
      body.fail('assetId', 'is the id in the URL and cannot be changed');
    }
  } else if (typeof assetId === 'string') {
    if (ID_PATTERN.test(assetId)) body.value.assetId = assetId;
    else body.fail('assetId', ID_RULE);
  }
}

/** status (update only): what an editor may set; checked_out comes only from a checkout. */
function readStatus(body: BodyReader, raw: unknown): void {
  if (raw === undefined) return;
  if (body.mode === 'create') {
    body.fail('status', 'is set by check-out and check-in, or by a PATCH of the item');
  } else if (typeof raw === 'string' && (SETTABLE_STATUSES as readonly string[]).includes(raw)) {
    body.value.status = raw;
  } else {
    body.fail(
      'status',
      `must be one of ${SETTABLE_STATUSES.join(', ')} (checked_out comes from a checkout)`,
    );
  }
}

/** Anything that gives random bytes, like node:crypto; tests pass a fixed one. */
export interface RandomSource {
  randomBytes(size: number): Buffer;
}

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';
const RANDOM_PART_LENGTH = 8;

/**
 * A new asset id: the category, "_", and 8 random lowercase base-36 characters
 * (`CAMERA_a1b2c3d4`, about 41 bits). Bytes of 252 and above are dropped so that every
 * character is equally likely. Ids can still collide (rarely): create the document with
 * `create()` (fails when it exists) and draw a new id on that failure.
 */
export function newAssetId(category: Category, random: RandomSource = { randomBytes }): string {
  if (!(CATEGORIES as readonly string[]).includes(category)) {
    throw new RangeError(`not an equipment category: ${String(category)}`);
  }
  return `${category}_${randomBase36(RANDOM_PART_LENGTH, random)}`;
}

/** `length` random lowercase base-36 characters, each equally likely (bytes ≥ 252 dropped). */
export function randomBase36(length: number, random: RandomSource = { randomBytes }): string {
  let part = '';
  while (part.length < length) {
    for (const byte of random.randomBytes(length * 2)) {
      if (byte >= 252 || part.length === length) continue;
      part += BASE36[byte % 36];
    }
  }
  return part;
}
