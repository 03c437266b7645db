// Every Firestore path of the organisation data, in one place: the contract with client apps
// (docs/data-model.md). Ids are validated before they get here.
import type { CollectionReference, DocumentReference } from 'firebase-admin/firestore';
import { db } from './firebase';

export const ORGS = 'organizations';

export const orgRef = (orgId: string): DocumentReference => db().collection(ORGS).doc(orgId);
export const membersRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('members');
export const memberRef = (orgId: string, uid: string): DocumentReference =>
  membersRef(orgId).doc(uid);
export const apiKeysRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('apiKeys');
/** Invitations to join, `{invitationId}` random: a collection group, found by id or email. */
export const INVITATIONS = 'invitations';
export const invitationsRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection(INVITATIONS);
export const locationsRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('locations');
export const equipmentRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('equipment');
export const qrCodesRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('qrCodes');
/** The top-level lookup of scan tokens: scanTokens/{token} says whose code it is. */
export const scanTokenRef = (token: string): DocumentReference =>
  db().collection('scanTokens').doc(token);
/** The organisation's code index: pool tags and imported codes, id = codeKey(code). */
export const tagsRef = (orgId: string): CollectionReference => orgRef(orgId).collection('tags');
export const tagPoolsRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('tagPools');
/** The document a scan token points at: a standalone code, an equipment item or a tag. */
export const scanTargetRef = (
  orgId: string,
  kind: 'qrCode' | 'equipment' | 'tag' | 'organization' | 'stockItem',
  id: string,
): DocumentReference =>
  kind === 'organization'
    ? orgRef(orgId)
    : (kind === 'qrCode'
        ? qrCodesRef(orgId)
        : kind === 'tag'
          ? tagsRef(orgId)
          : kind === 'stockItem'
            ? orgRef(orgId).collection('stockItems')
            : equipmentRef(orgId)
      ).doc(id);

/** Storage folder of a standalone code's objects. */
export const qrCodeStoragePrefix = (orgId: string, qrId: string): string =>
  `organizations/${orgId}/qrCodes/${qrId}/`;

// Manufacturing (docs/data-model.md#manufacturing).
export const ordersRef = (orgId: string): CollectionReference => orgRef(orgId).collection('orders');
export const batchesRef = (orgId: string, orderId: string): CollectionReference =>
  ordersRef(orgId).doc(orderId).collection('batches');
/**
 * The secret a batch's unit codes are derived from, in a top-level collection that no client
 * rule opens (members may read batches, and must not be able to derive codes).
 */
export const batchSecretRef = (
  orgId: string,
  orderId: string,
  batchId: string,
): DocumentReference => db().collection('batchSecrets').doc(`${orgId}~${orderId}~${batchId}`);
/** Case numbers of an order, one document each: the unique constraint on case numbers. */
export const casesRef = (orgId: string, orderId: string): CollectionReference =>
  ordersRef(orgId).doc(orderId).collection('cases');
/** Unit codes, the code as the id: unique within the organisation. */
export const unitCodesRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('codes');
export const mastersRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('masters');
export const prepJobsRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('prepJobs');
export const prepJobLogsRef = (orgId: string, jobId: string): CollectionReference =>
  prepJobsRef(orgId).doc(jobId).collection('logs');
/** The prepared-code queue, ids `{orderId}~{batchId}~{code}`. */
export const preparedCodesRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('preparedCodes');

/** Storage folder of one import of a stock item's (or any item's) image, beside its document. */
export const imageFolder = (
  orgId: string,
  collection: string,
  id: string,
  importId: string,
): string => `organizations/${orgId}/${collection}/${id}/image/${importId}/`;
/** Storage folder of one import of an equipment item's image (image.webp and thumb.webp). */
export const equipmentImageFolder = (orgId: string, assetId: string, importId: string): string =>
  `organizations/${orgId}/equipment/${assetId}/image/${importId}/`;

/** Storage folder of an equipment item's objects (its QR PNG): removed with the item. */
export const equipmentStoragePrefix = (orgId: string, assetId: string): string =>
  `organizations/${orgId}/equipment/${assetId}/`;
/** Where the equipment trigger stores an item's QR code. */
export const equipmentQrPngPath = (orgId: string, assetId: string): string =>
  `${equipmentStoragePrefix(orgId, assetId)}qr.png`;
/** Background QR (re)generation jobs of an organisation's equipment. */
export const qrJobsRef = (orgId: string): CollectionReference => orgRef(orgId).collection('qrJobs');
/** Stored first replies of requests sent with an Idempotency-Key header. */
export const idempotencyKeysRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('idempotencyKeys');

// Abuse and cost controls (data/quotas.ts). No client may read or write these.
/** The organisation's counts of one UTC day, id `yyyy-mm-dd`: one field per daily quota. */
export const usageDayRef = (orgId: string, day: string): DocumentReference =>
  orgRef(orgId).collection('usage').doc(day);
/** The operator's raised (or lowered) limits for one organisation, fields named as the quotas. */
export const quotaOverrideRef = (orgId: string): DocumentReference =>
  db().collection('quotaOverrides').doc(orgId);
/** What one user has created: `organizationsCreated`. */
export const userUsageRef = (uid: string): DocumentReference =>
  db().collection('userUsage').doc(uid);

// Custody and bookings (docs/data-model.md#custody-and-bookings).
/** Checkouts: who took which items when, and what came back. */
export const checkoutsRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('checkouts');
/** Bookings: a window reserved on items for a custodian. */
export const bookingsRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('bookings');
/**
 * The per-item booking index, id = the asset id: the live holds of every booking of the item,
 * read in each booking's and checkout's transaction (why it cannot double-book: data-model.md).
 */
export const bookingIndexRef = (orgId: string, assetId: string): DocumentReference =>
  orgRef(orgId).collection('bookingIndex').doc(assetId);
/** A photo a client app uploads of an equipment item (storage.rules lets editors write it). */
export const equipmentPhotoPath = (orgId: string, assetId: string, fileName: string): string =>
  `${equipmentStoragePrefix(orgId, assetId)}photos/${fileName}`;
/** The 256 px thumbnail the photo trigger makes of it (functions alone write there). */
export const equipmentPhotoThumbPath = (orgId: string, assetId: string, fileName: string): string =>
  `${equipmentStoragePrefix(orgId, assetId)}photoThumbs/${fileName}.webp`;
/** The ids of a Storage object name that is an equipment photo, or null for any other object. */
export function parseEquipmentPhotoPath(
  name: string,
): { orgId: string; assetId: string; fileName: string } | null {
  const m = /^organizations\/([^/]+)\/equipment\/([^/]+)\/photos\/([^/]+)$/.exec(name);
  return m ? { orgId: m[1], assetId: m[2], fileName: m[3] } : null;
}

// The scan ledger and audits (docs/data-model.md#audits-and-offline-scanning).
/** Scan events a client app (or the bulk API) writes with an id it chose: applied once each. */
export const scanEventsRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('scanEvents');
export const auditsRef = (orgId: string): CollectionReference => orgRef(orgId).collection('audits');
/** One document per expected item and per scanned item or code of an audit. */
export const auditItemsRef = (orgId: string, auditId: string): CollectionReference =>
  auditsRef(orgId).doc(auditId).collection('items');
/** The audit's counts, spread over shards so that auditors scanning at once do not queue. */
export const auditCountersRef = (orgId: string, auditId: string): CollectionReference =>
  auditsRef(orgId).doc(auditId).collection('counters');
// Scans (docs/data-model.md#scans). Records are written by the server only.
/** One record per scan: organizations/{orgId}/scans/{scanId}. */
export const scanRecordsRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('scans');
/** The human scans a limited code has taken in all: the counter maxScans is checked against. */
export const scanTotalRef = (counted: DocumentReference): DocumentReference =>
  counted.collection('scanTotals').doc('humans');
/** Top-level lookup of unit and master codes for /u/{code}: productCodes/{code} = {orgId, kind}. */
export const productCodeRef = (code: string): DocumentReference =>
  db().collection('productCodes').doc(code);
/** An order's redemption key (data/redeem.ts), where no client rule reaches. */
export const redemptionSecretRef = (orgId: string, orderId: string): DocumentReference =>
  db().collection('redemptionSecrets').doc(`${orgId}~${orderId}`);
export const orderRefOf = (orgId: string, orderId: string): DocumentReference =>
  ordersRef(orgId).doc(orderId);
// Events (docs/events.md): the activity log, webhooks with their outbox and deliveries.
/** The organisation's activity log, one document per event, id = the event id. */
export const activityRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('activity');
export const webhooksRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('webhooks');
/** Events waiting to be sent to one webhook, id = the event id (a retried trigger adds it once). */
export const webhookOutboxRef = (orgId: string, webhookId: string): CollectionReference =>
  webhooksRef(orgId).doc(webhookId).collection('outbox');
/** Each delivery (one request's message, with its attempts). */
export const webhookDeliveriesRef = (orgId: string, webhookId: string): CollectionReference =>
  webhooksRef(orgId).doc(webhookId).collection('deliveries');
/** A webhook's signing secrets, top-level so that no client rule can ever open them. */
export const webhookSecretRef = (orgId: string, webhookId: string): DocumentReference =>
  db().collection('webhookSecrets').doc(`${orgId}~${webhookId}`);
/** Who deleted a document through the API, for the delete's event (data/activityStamps.ts). */
export const deletionNoteRef = (orgId: string, collection: string, id: string): DocumentReference =>
  orgRef(orgId).collection('deletionNotes').doc(`${collection}~${id}`);
// Stock and restocking (docs/data-model.md#stock-and-restocking).
export const stockItemsRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('stockItems');
/** A stock item's movements, immutable: every change of its quantityOnHand, one each. */
export const stockMovementsRef = (orgId: string, sku: string): CollectionReference =>
  stockItemsRef(orgId).doc(sku).collection('movements');
export const suppliersRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('suppliers');
/** Who supplies one item, on what terms, and how fast (id = supplierId). */
export const itemSuppliersRef = (orgId: string, sku: string): CollectionReference =>
  stockItemsRef(orgId).doc(sku).collection('suppliers');
/** The collection group of item-suppliers (org suppliers share the name; filter on a field). */
export const ITEM_SUPPLIERS = 'suppliers';
export const reordersRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('reorders');
/** Where the lead-time schedule keeps the time of its last run (no client access). */
export const leadTimeRunRef = (): DocumentReference =>
  db().collection('scheduleState').doc('leadTimes');

/** One-off data migrations of an organisation (data/seenOrCreated.ts): server-only. */
export const migrationRef = (orgId: string, name: string): DocumentReference =>
  orgRef(orgId).collection('migrations').doc(name);
/** Where the product-code lookup backfill (issue 24) keeps its cursor and counts. */
export const productCodeBackfillRef = (): DocumentReference =>
  db().collection('scheduleState').doc('productCodeBackfill');
