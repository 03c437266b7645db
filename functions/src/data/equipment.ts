// Equipment documents: organizations/{orgId}/equipment/{assetId}, their QR PNG in Storage under
// the same path, and their scan token. The QR fields are written by triggers/equipmentCreated.ts
// and data/equipmentQr.ts; everything else here.
import {
  FieldPath,
  FieldValue,
  Timestamp,
  type DocumentReference,
  type DocumentSnapshot,
  type Transaction,
} from 'firebase-admin/firestore';
import { AppError, conflict } from '../domain/errors';
import {
  newAssetId,
  type Category,
  type EquipmentCreate,
  type EquipmentPatch,
} from '../domain/equipment';
import type { Custodian, ItemStatus } from '../domain/custody';
import { itemStateOf } from './custody';
import { db } from './firebase';
import { deletionNoteRef, equipmentRef, equipmentStoragePrefix, scanTokenRef } from './paths';
import { deletionNote } from './activityStamps';
import { toEquipmentPhotos, type EquipmentPhoto } from './photos';
import { type StoredReply } from './idempotency';
import { locationIdFor } from './locationLookup';
import { forgetEquipmentScanUrl } from './scanTokens';
import { deletePrefix } from './storage';
import { itemTags } from './tags';
import { iso } from './timestamps';
import { enforceItems, itemCount, quotaLimits } from './quotas';

/**
 * Where an item's QR code stands; one field, so that each `qr` filter is one indexed query.
 * `refused`: a client app wrote the item past the organisation's item quota; it gets no code.
 */
export type QrStatus = 'pending' | 'ready' | 'failed' | 'refused';
export const QR_STATUSES: readonly QrStatus[] = ['pending', 'ready', 'failed', 'refused'];

/** Who wrote an item: the JSON API, a CSV upload, or a client app writing Firestore itself. */
export type EquipmentSource = 'api' | 'csv' | 'client';

export interface Equipment {
  assetId: string;
  name: string;
  category: string;
  serialNumber: string | null;
  brand: string | null;
  model: string | null;
  locationId: string | null;
  notes: string | null;
  imageUrl: string | null;
  source: string | null;
  createdBy: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  qrStatus: QrStatus;
  qrCodeGenerated: boolean;
  scanUrl: string | null;
  qrCodeUrl: string | null;
  qrCodePath: string | null;
  qrCodeGeneratedAt: string | null;
  qrCodeError: string | null;
  qrCodeAttempts: number;
  /** Where and when a scan last saw it (the scan ledger), and its last completed audit. */
  lastSeenAt: string | null;
  lastSeenLocationId: string | null;
  lastSeenBy: string | null;
  lastAuditedAt: string | null;
  /** available when the document has none (items from before custody). */
  status: ItemStatus;
  custody: {
    checkoutId: string;
    custodian: Custodian;
    since: string | null;
    dueAt: string | null;
  } | null;
  /** Client-uploaded photos after the image treatment (data/photos.ts). */
  photos: EquipmentPhoto[];
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The status of a document, also for one a client wrote without `qrStatus`. */
export function qrStatusOf(d: FirebaseFirestore.DocumentData): QrStatus {
  if (QR_STATUSES.includes(d.qrStatus as QrStatus)) return d.qrStatus as QrStatus;
  if (d.qrCodeGenerated === true) return 'ready';
  return typeof d.qrCodeError === 'string' ? 'failed' : 'pending';
}

export function toEquipment(assetId: string, d: FirebaseFirestore.DocumentData): Equipment {
  return {
    assetId,
    name: String(d.name ?? ''),
    category: String(d.category ?? ''),
    serialNumber: text(d.serialNumber),
    brand: text(d.brand),
    model: text(d.model),
    locationId: text(d.locationId),
    notes: text(d.notes),
    imageUrl: text(d.imageUrl),
    source: text(d.source),
    createdBy: text(d.createdBy),
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    qrStatus: qrStatusOf(d),
    qrCodeGenerated: d.qrCodeGenerated === true,
    scanUrl: text(d.scanUrl),
    qrCodeUrl: text(d.qrCodeUrl),
    qrCodePath: text(d.qrCodePath),
    qrCodeGeneratedAt: iso(d.qrCodeGeneratedAt),
    qrCodeError: text(d.qrCodeError),
    qrCodeAttempts: typeof d.qrCodeAttempts === 'number' ? d.qrCodeAttempts : 0,
    lastSeenAt: iso(d.lastSeenAt),
    lastSeenLocationId: text(d.lastSeenLocationId),
    lastSeenBy: text(d.lastSeenBy),
    lastAuditedAt: iso(d.lastAuditedAt),
    ...custodyFields(d),
    photos: toEquipmentPhotos(d.photos),
  };
}

function custodyFields(d: FirebaseFirestore.DocumentData): Pick<Equipment, 'status' | 'custody'> {
  const { status, custody } = itemStateOf(d);
  const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    status,
    custody: custody && { ...custody, since: at(custody.since), dueAt: at(custody.dueAt) },
  };
}

export async function equipmentExists(orgId: string, assetId: string): Promise<boolean> {
  return (await equipmentRef(orgId).doc(assetId).get()).exists;
}

/** Fields of a new item once its location is resolved (no `location` name any more). */
export type NewEquipmentFields = Omit<EquipmentCreate, 'location' | 'assetId'>;

/** The document of a new item: its fields, who made it, and a code still to be made. */
export function newEquipmentDocument(
  fields: NewEquipmentFields,
  createdBy: string,
  source: EquipmentSource,
  now: Timestamp,
): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null) doc[key] = value;
  }
  return {
    ...doc,
    createdAt: now,
    updatedAt: now,
    // Never seen yet: the notSeenSince list sorts it by its creation (data/seenOrCreated.ts).
    seenOrCreatedAt: now,
    createdBy,
    source,
    qrStatus: 'pending',
    qrCodeGenerated: false,
  };
}

/**
 * An update of an item's fields: null clears a field (deleted from the document), undefined
 * leaves it alone. `location` must have been resolved to `locationId` already.
 */
export function equipmentUpdate(fields: Omit<EquipmentPatch, 'location'>): Record<string, unknown> {
  const update: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    update[key] = value === null ? FieldValue.delete() : value;
  }
  return update;
}

/** How many times a drawn asset id may collide before giving up (41 random bits: never). */
const ID_DRAWS = 5;

/** The fields without the ones that name the location (resolved) or the item (its id). */
function plainFields<T extends { location?: unknown; locationId?: unknown; assetId?: unknown }>(
  fields: T,
): Omit<T, 'location' | 'locationId' | 'assetId'> {
  const copy = { ...fields };
  delete copy.location;
  delete copy.locationId;
  delete copy.assetId;
  return copy;
}

/**
 * Creates an item from a validated body (its `location` resolved to `locationId`) in one
 * transaction, with the reply that an Idempotency-Key stores with it (so a retried request finds
 * either nothing or both). `assetId` given: 409 when taken.
 */
export async function createEquipment(
  orgId: string,
  input: EquipmentCreate,
  opts: {
    createdBy: string;
    source: EquipmentSource;
    /** Reads a stored reply (or throws on a mismatch) and records the new one, in `tx`. */
    idempotency?: {
      find(tx: Transaction): Promise<StoredReply | undefined>;
      record(tx: Transaction, reply: StoredReply): void;
    };
  },
): Promise<StoredReply> {
  const locationId = await locationIdFor(orgId, input);
  const fields: NewEquipmentFields = {
    ...plainFields(input),
    ...(locationId ? { locationId } : {}),
  };
  const assetId = input.assetId;
  const limits = await quotaLimits(orgId);
  // Before the transaction (data/quotas.ts says why); a replayed request was counted already.
  const items = await itemCount(orgId);
  return db().runTransaction(async (tx) => {
    const stored = await opts.idempotency?.find(tx);
    if (stored) return stored;
    enforceItems(orgId, items, 1, limits.items);
    let ref = equipmentRef(orgId).doc(assetId ?? newAssetId(fields.category));
    for (let draw = 1; (await tx.get(ref)).exists; draw++) {
      if (assetId !== undefined) {
        throw conflict('asset_id_taken', `An item with assetId ${assetId} exists already`, {
          assetId,
        });
      }
      if (draw >= ID_DRAWS) throw new AppError('internal', 'Could not draw a free asset id');
      ref = equipmentRef(orgId).doc(newAssetId(fields.category));
    }
    tx.create(ref, newEquipmentDocument(fields, opts.createdBy, opts.source, Timestamp.now()));
    const reply: StoredReply = { status: 201, body: { assetId: ref.id, qrCodeGenerating: true } };
    opts.idempotency?.record(tx, reply);
    return reply;
  });
}

/** The item's document, for a route that reads it together with the caller's member document. */
export function equipmentDocument(orgId: string, assetId: string): DocumentReference {
  return equipmentRef(orgId).doc(assetId);
}

/** The item; `read` is its document when the caller already has it (read with the role). */
export async function getEquipment(
  orgId: string,
  assetId: string,
  read?: DocumentSnapshot,
): Promise<Equipment> {
  const data = (read ?? (await equipmentRef(orgId).doc(assetId).get())).data();
  if (!data) throw new AppError('not_found', `Equipment ${assetId} not found`);
  return toEquipment(assetId, data);
}

/**
 * One item as `GET .../equipment/{assetId}` shows it: its fields and the codes of the tags
 * assigned to it (pool tags and imported codes, sorted), read side by side.
 */
export async function getEquipmentWithTags(
  orgId: string,
  assetId: string,
  read?: DocumentSnapshot,
): Promise<Equipment & { tags: string[] }> {
  const [item, tags] = await Promise.all([
    getEquipment(orgId, assetId, read),
    itemTags(orgId, assetId),
  ]);
  return { ...item, tags: tags.map((t) => t.code).sort() };
}

/** Applies a validated patch (its `location` resolved to `locationId`); 404 for no such item. */
export async function updateEquipment(
  orgId: string,
  assetId: string,
  patch: EquipmentPatch,
  updatedBy?: string,
): Promise<Equipment> {
  const locationId = await locationIdFor(orgId, patch);
  const fields = { ...plainFields(patch), ...(locationId !== undefined ? { locationId } : {}) };
  const ref = equipmentRef(orgId).doc(assetId);
  await db().runTransaction(async (tx) => {
    const current = (await tx.get(ref)).data();
    if (!current) {
      throw new AppError('not_found', `Equipment ${assetId} not found`);
    }
    // The status of an item that is out changes by checking it in, not by PATCH.
    if (fields.status !== undefined && current.custody) {
      throw conflict('checked_out', `Equipment ${assetId} is checked out; check it in first`, {
        assetId,
        checkoutId: (current.custody as { checkoutId?: unknown }).checkoutId,
      });
    }
    tx.update(ref, {
      ...equipmentUpdate(fields),
      updatedAt: Timestamp.now(),
      // Who and through what, for the change's event (docs/events.md#actors).
      ...(updatedBy ? { updatedBy, updatedVia: 'api' } : {}),
    });
  });
  return getEquipment(orgId, assetId);
}

export interface EquipmentFilter {
  category?: Category;
  locationId?: string;
  qr?: QrStatus;
}

export interface EquipmentPage {
  equipment: Equipment[];
  nextPageToken: string | null;
}

/**
 * The query of a list or export: equality filters only, ordered by asset id. Firestore serves
 * any combination of them by merging the automatic single-field indexes, so none needs a
 * composite index (docs/data-model.md).
 */
function filteredQuery(orgId: string, filter: EquipmentFilter): FirebaseFirestore.Query {
  let query: FirebaseFirestore.Query = equipmentRef(orgId);
  if (filter.category) query = query.where('category', '==', filter.category);
  if (filter.locationId) query = query.where('locationId', '==', filter.locationId);
  if (filter.qr) query = query.where('qrStatus', '==', filter.qr);
  return query.orderBy(FieldPath.documentId());
}

/** The page token: the last asset id, and the filters it belongs to (a token is for one list). */
interface Cursor {
  after: string;
  filter: EquipmentFilter;
}

const filterKey = (f: EquipmentFilter): string =>
  JSON.stringify([f.category ?? null, f.locationId ?? null, f.qr ?? null]);

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.after, filterKey(cursor.filter)])).toString(
    'base64url',
  );
}

function decodeCursor(token: string, filter: EquipmentFilter): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString());
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') {
    throw new AppError('invalid_argument', 'pageToken is not one this API gave out', {
      field: 'pageToken',
    });
  }
  if (parsed[1] !== filterKey(filter)) {
    throw new AppError(
      'invalid_argument',
      'pageToken belongs to a list with other filters; send the same filters as for page one',
      { field: 'pageToken' },
    );
  }
  return parsed[0];
}

export async function listEquipment(
  orgId: string,
  filter: EquipmentFilter,
  opts: { limit: number; pageToken?: string },
): Promise<EquipmentPage> {
  let query = filteredQuery(orgId, filter).limit(opts.limit + 1);
  if (opts.pageToken) query = query.startAfter(decodeCursor(opts.pageToken, filter));
  const docs = (await query.get()).docs;
  const page = docs.slice(0, opts.limit);
  const more = docs.length > opts.limit;
  return {
    equipment: page.map((doc) => toEquipment(doc.id, doc.data())),
    nextPageToken: more ? encodeCursor({ after: page[page.length - 1].id, filter }) : null,
  };
}

/** Every item (filtered), page by page with a cursor, for the export. */
export async function* allEquipment(
  orgId: string,
  filter: EquipmentFilter = {},
  pageSize = 500,
): AsyncGenerator<Equipment> {
  let after: string | undefined;
  for (;;) {
    let query = filteredQuery(orgId, filter).limit(pageSize);
    if (after !== undefined) query = query.startAfter(after);
    const docs = (await query.get()).docs;
    for (const doc of docs) yield toEquipment(doc.id, doc.data());
    if (docs.length < pageSize) return;
    after = docs[docs.length - 1].id;
  }
}

/**
 * What an item leaves behind besides its document: its Storage objects (the QR PNG) and its
 * scan token. Shared with a Firestore delete trigger, which gets the deleted data.
 */
export async function removeEquipmentArtifacts(
  orgId: string,
  assetId: string,
  scanToken: unknown,
): Promise<void> {
  await Promise.all([
    deletePrefix(equipmentStoragePrefix(orgId, assetId)),
    typeof scanToken === 'string' ? scanTokenRef(scanToken).delete() : undefined,
  ]);
}

/** Deletes an item, its Storage objects and its scan token; 404 when there is no such item. */
export async function deleteEquipment(
  orgId: string,
  assetId: string,
  deletedBy?: string,
): Promise<void> {
  const ref = equipmentRef(orgId).doc(assetId);
  const snap = await db().runTransaction(async (tx) => {
    const found = await tx.get(ref);
    if (!found.exists) throw new AppError('not_found', `Equipment ${assetId} not found`);
    // The delete's event names who asked (docs/events.md#actors): a note beside it.
    if (deletedBy) tx.set(deletionNoteRef(orgId, 'equipment', assetId), deletionNote(deletedBy));
    tx.delete(ref);
    return found;
  });
  forgetEquipmentScanUrl(orgId, assetId);
  await removeEquipmentArtifacts(orgId, assetId, snap.get('scanToken'));
}
