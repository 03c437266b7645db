// Product codes a consumer scans (/u/{code} and the GS1 Digital Link paths): the lookup from a
// unit or master code to its organisation, productCodes/{code} = {orgId, kind}, written when the
// code is made; the read of what its page shows; the scan's record and counts under the code's
// document; and the first human scan, which moves a unit from packed or shipped to scanned.
import {
  FieldValue,
  Timestamp,
  type BulkWriter,
  type DocumentReference,
} from 'firebase-admin/firestore';
import { productCodeWarnVisitors, publicBaseUrl } from '../config';
import { classifyAgent } from '../domain/botDetect';
import { gtin14 } from '../domain/gs1';
import {
  copyWarning,
  productCodeUrl,
  redemptionSecretOf,
  type ProductView,
} from '../domain/productCodes';
import type { ScanRequestFacts } from '../domain/scanRecords';
import { dayKey } from '../domain/timeline';
import { db } from './firebase';
import { isAlreadyExists } from './firestoreErrors';
import {
  mastersRef,
  orderRefOf,
  orgRef,
  productCodeRef,
  redemptionSecretRef,
  unitCodesRef,
} from './paths';
import { noteScan } from './scanRecords';
import { iso } from './timestamps';

type Doc = FirebaseFirestore.DocumentData;

/**
 * Adds the lookup of a new unit code. Created, never overwritten: a code another organisation
 * already holds (2^-100 per pair) keeps resolving to that one and is left out here.
 */
export async function addUnitLookup(bulk: BulkWriter, orgId: string, code: string): Promise<void> {
  try {
    await bulk.create(productCodeRef(code), { orgId, kind: 'unit' });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/**
 * Writes the lookups of units made before lookups existed (issue 24), so that a label printed
 * from codes.csv or the unit's QR route now resolves: a create per code, an existing one left.
 */
export async function ensureUnitLookups(orgId: string, codes: string[]): Promise<void> {
  if (codes.length === 0) return;
  const snaps = await db().getAll(...codes.map((code) => productCodeRef(code)));
  const missing = codes.filter((_, i) => !snaps[i].exists);
  if (missing.length === 0) return;
  const bulk = db().bulkWriter();
  const writes = missing.map((code) => addUnitLookup(bulk, orgId, code));
  await bulk.close();
  await Promise.all(writes);
}

/** The URL a unit's label encodes: /u/{code}, or the Digital Link URI for an order's GTIN. */
export function unitScanUrl(code: string, gtin: string | null): string {
  return productCodeUrl(publicBaseUrl(), code, gtin);
}

/** The redemption secrets of an order's units, when it has them: code -> secret. */
export async function redemptionSecretMaker(
  orgId: string,
  orderId: string,
): Promise<((code: string) => string) | undefined> {
  const key: unknown = (await redemptionSecretRef(orgId, orderId).get()).get('key');
  return typeof key === 'string' ? (code) => redemptionSecretOf(key, code) : undefined;
}

interface Resolved {
  orgId: string;
  kind: 'unit' | 'master';
  ref: DocumentReference;
  doc: Doc;
  order: Doc;
  org: Doc;
}

/** The code's documents, or undefined when it is not a code of any organisation here. */
async function resolve(code: string, gtin?: string): Promise<Resolved | undefined> {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(code)) return undefined;
  const lookup = (await productCodeRef(code).get()).data();
  if (!lookup || typeof lookup.orgId !== 'string') return undefined;
  const orgId = lookup.orgId;
  const kind = lookup.kind === 'master' ? 'master' : 'unit';
  const ref = kind === 'master' ? mastersRef(orgId).doc(code) : unitCodesRef(orgId).doc(code);
  const [snap, org] = await db().getAll(ref, orgRef(orgId));
  const doc = snap.data();
  if (!doc || typeof doc.orderId !== 'string' || !org.exists) return undefined;
  const order = (await orderRefOf(orgId, doc.orderId).get()).data();
  if (!order) return undefined;
  // A Digital Link names the GTIN too: another product's GTIN with this serial is no match.
  if (
    gtin !== undefined &&
    (typeof order.gtin !== 'string' || gtin14(order.gtin) !== gtin14(gtin))
  ) {
    return undefined;
  }
  return { orgId, kind, ref, doc, order, org: org.data() ?? {} };
}

function viewOf(code: string, r: Resolved, firstScannedAt: string | null): ProductView {
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const visitors = Number(r.doc.visitors ?? 0);
  return {
    genuine: true,
    kind: r.kind,
    code,
    product: { name: text(r.order.productName), sku: text(r.order.sku), gtin: text(r.order.gtin) },
    order: { name: String(r.order.name ?? '') },
    status: r.kind === 'unit' ? String(r.doc.status ?? 'generated') : null,
    firstScannedAt,
    redeemedAt: iso(r.doc.redeemedAt),
    warning: copyWarning(visitors, productCodeWarnVisitors()),
  };
}

/**
 * The first human scan of a unit: sets firstScannedAt and moves a packed or shipped unit to
 * scanned, once (a transaction; a second first scan finds firstScannedAt set and does nothing).
 */
async function firstScan(ref: DocumentReference, now: Timestamp): Promise<Doc | undefined> {
  return db().runTransaction(async (tx) => {
    const doc = (await tx.get(ref)).data();
    if (!doc || doc.firstScannedAt) return doc;
    const update: Doc = { firstScannedAt: now };
    if (doc.status === 'packed' || doc.status === 'shipped') {
      Object.assign(update, { status: 'scanned', scannedAt: now, statusChangedAt: now });
    }
    tx.update(ref, update);
    return { ...doc, ...update };
  });
}

/** Resolves a scanned product code, records and counts the scan, and says what its page shows. */
export async function scanProductCode(
  code: string,
  now: Date,
  facts: ScanRequestFacts,
  gtin?: string,
): Promise<ProductView | undefined> {
  const r = await resolve(code, gtin);
  if (!r) return undefined;
  const timeZone = typeof r.org.timeZone === 'string' ? r.org.timeZone : 'UTC';
  const noted = await noteScan({
    orgId: r.orgId,
    subject: { kind: r.kind, id: code },
    counted: r.ref,
    day: dayKey(now, timeZone),
    now,
    outcome: 'page',
    facts,
  });
  let doc = r.doc;
  if (!classifyAgent(facts.userAgent).bot) {
    if (noted.newVisitor) {
      await r.ref.update({ visitors: FieldValue.increment(1) });
      doc = { ...doc, visitors: Number(doc.visitors ?? 0) + 1 };
    }
    if (!doc.firstScannedAt) doc = (await firstScan(r.ref, Timestamp.fromDate(now))) ?? doc;
  }
  return viewOf(code, { ...r, doc }, iso(doc.firstScannedAt));
}

/** What a unit's redeem needs: its documents and the order's key (undefined: not a unit). */
export async function resolveForRedeem(
  code: string,
): Promise<
  | { orgId: string; ref: DocumentReference; orderId: string; batchId: string; key: string | null }
  | undefined
> {
  const r = await resolve(code);
  if (!r || r.kind !== 'unit') return undefined;
  const key: unknown =
    r.order.redemptionSecret === true
      ? (await redemptionSecretRef(r.orgId, String(r.doc.orderId)).get()).get('key')
      : null;
  return {
    orgId: r.orgId,
    ref: r.ref,
    orderId: String(r.doc.orderId),
    batchId: String(r.doc.batchId ?? ''),
    key: typeof key === 'string' ? key : r.order.redemptionSecret === true ? '' : null,
  };
}
