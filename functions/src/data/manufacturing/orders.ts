// Orders, batches and unit codes: organizations/{orgId}/orders/{orderId},
// .../orders/{orderId}/batches/{batchId} and organizations/{orgId}/codes/{code}.
import { FieldValue, Timestamp, type DocumentData } from 'firebase-admin/firestore';
import { AppError, conflict } from '../../domain/errors';
import { newBatchSecret, queueEntryId } from '../../domain/manufacturing/codes';
import {
  isCodeStatus,
  statusChangeProblem,
  type CodeStatus,
} from '../../domain/manufacturing/status';
import type { NewBatch, NewOrder } from '../../domain/manufacturing/validate';
import { db } from '../firebase';
import {
  batchesRef,
  batchSecretRef,
  ordersRef,
  preparedCodesRef,
  redemptionSecretRef,
  unitCodesRef,
} from '../paths';
import { iso } from '../timestamps';
import { isAlreadyExists } from '../firestoreErrors';
import { checkOutstandingBatches, quotaLimits, spendDailyIn } from '../quotas';

export interface Order {
  orderId: string;
  name: string;
  sku: string | null;
  productName: string | null;
  gtin: string | null;
  redemptionSecret: boolean;
  lastCaseNumber: number;
  createdAt: string | null;
  createdBy: string | null;
}

function toOrder(orderId: string, d: DocumentData): Order {
  return {
    orderId,
    name: String(d.name ?? ''),
    sku: typeof d.sku === 'string' ? d.sku : null,
    productName: typeof d.productName === 'string' ? d.productName : null,
    gtin: typeof d.gtin === 'string' ? d.gtin : null,
    redemptionSecret: d.redemptionSecret === true,
    lastCaseNumber: typeof d.lastCaseNumber === 'number' ? d.lastCaseNumber : 0,
    createdAt: iso(d.createdAt),
    createdBy: typeof d.createdBy === 'string' ? d.createdBy : null,
  };
}

export async function createOrder(orgId: string, input: NewOrder, by: string): Promise<Order> {
  const ref = input.orderId ? ordersRef(orgId).doc(input.orderId) : ordersRef(orgId).doc();
  const data = {
    name: input.name,
    sku: input.sku,
    productName: input.productName,
    gtin: input.gtin,
    redemptionSecret: input.redemptionSecret,
    lastCaseNumber: 0,
    createdAt: Timestamp.now(),
    createdBy: by,
  };
  try {
    const batch = db().batch().create(ref, data);
    // The key its units' redemption secrets are derived from, where no client reads.
    if (input.redemptionSecret) {
      batch.create(redemptionSecretRef(orgId, ref.id), { key: newBatchSecret() });
    }
    await batch.commit();
  } catch (err) {
    if (isAlreadyExists(err)) {
      throw conflict('order_exists', `Order ${ref.id} already exists`, { orderId: ref.id });
    }
    throw err;
  }
  return toOrder(ref.id, data);
}

export async function getOrder(orgId: string, orderId: string): Promise<Order> {
  const snap = await ordersRef(orgId).doc(orderId).get();
  if (!snap.exists) throw new AppError('not_found', `Order ${orderId} not found`);
  return toOrder(orderId, snap.data() ?? {});
}

export type BatchStatus = 'generating' | 'ready' | 'failed';

export interface Batch {
  batchId: string;
  orderId: string;
  status: BatchStatus;
  units: number;
  prefix: string;
  generatedCount: number;
  progress: number;
  errorMessage: string | null;
  createdAt: string | null;
  readyAt: string | null;
}

export function toBatch(batchId: string, d: DocumentData): Batch {
  return {
    batchId,
    orderId: String(d.orderId ?? ''),
    status: (d.status as BatchStatus) ?? 'generating',
    units: Number(d.units ?? 0),
    prefix: String(d.prefix ?? ''),
    generatedCount: Number(d.generatedCount ?? 0),
    progress: Number(d.progress ?? 0),
    errorMessage: typeof d.errorMessage === 'string' ? d.errorMessage : null,
    createdAt: iso(d.createdAt),
    readyAt: iso(d.readyAt),
  };
}

/**
 * A new batch, `generating`: the batchCreated trigger makes its codes. Refused (429, nothing
 * written) when the organisation has its most batches generating, or when its units would pass
 * today's quota, which the batch's own transaction spends.
 */
export async function createBatch(
  orgId: string,
  orderId: string,
  input: NewBatch,
  by: string,
): Promise<Batch> {
  const orderRef = ordersRef(orgId).doc(orderId);
  const ref = batchesRef(orgId, orderId).doc();
  const limits = await quotaLimits(orgId);
  await checkOutstandingBatches(orgId, limits.outstandingBatches);
  const data = {
    // For the organisation's count of batches generating (a collection-group query).
    orgId,
    orderId,
    units: input.units,
    prefix: input.prefix,
    status: 'generating',
    generatedCount: 0,
    progress: 0,
    createdAt: Timestamp.now(),
    createdBy: by,
  };
  await db().runTransaction(async (tx) => {
    if (!(await tx.get(orderRef)).exists) {
      throw new AppError('not_found', `Order ${orderId} not found`);
    }
    const spend = await spendDailyIn(tx, orgId, 'unitsPerDay', input.units, limits.unitsPerDay);
    // The key the unit codes are derived from (domain/manufacturing/codes.ts): server-only.
    tx.create(batchSecretRef(orgId, orderId, ref.id), {
      secret: newBatchSecret(),
      orgId,
      orderId,
      batchId: ref.id,
    });
    tx.create(ref, data);
    spend();
  });
  return toBatch(ref.id, data);
}

export async function getBatch(orgId: string, orderId: string, batchId: string): Promise<Batch> {
  const snap = await batchesRef(orgId, orderId).doc(batchId).get();
  if (!snap.exists) {
    throw new AppError('not_found', `Batch ${batchId} of order ${orderId} not found`);
  }
  return toBatch(batchId, snap.data() ?? {});
}

export interface UnitCode {
  code: string;
  seq: number;
  orderId: string;
  batchId: string;
  status: CodeStatus;
  masterCode: string | null;
  createdAt: string | null;
  statusChangedAt: string | null;
}

export function toUnitCode(code: string, d: DocumentData): UnitCode {
  return {
    code,
    seq: Number(d.seq ?? 0),
    orderId: String(d.orderId ?? ''),
    batchId: String(d.batchId ?? ''),
    status: isCodeStatus(d.status) ? d.status : 'generated',
    masterCode: typeof d.masterCode === 'string' ? d.masterCode : null,
    createdAt: iso(d.createdAt),
    statusChangedAt: iso(d.statusChangedAt),
  };
}

function decodeSeqCursor(token: string): number {
  const text = Buffer.from(token, 'base64url').toString();
  const match = /^seq:(\d{1,9})$/.exec(text);
  if (!match) {
    throw new AppError('invalid_argument', 'pageToken is not one this API gave out', {
      field: 'pageToken',
    });
  }
  return Number(match[1]);
}

const encodeSeqCursor = (seq: number) => Buffer.from(`seq:${seq}`).toString('base64url');

/** A batch's codes in sequence order, optionally of one status. Index: (batchId, [status,] seq). */
export async function listCodes(
  orgId: string,
  orderId: string,
  batchId: string,
  opts: { status?: CodeStatus; limit: number; pageToken?: string },
): Promise<{ codes: UnitCode[]; nextPageToken: string | null }> {
  await getBatch(orgId, orderId, batchId);
  let query = unitCodesRef(orgId).where('batchId', '==', batchId);
  if (opts.status) query = query.where('status', '==', opts.status);
  query = query.orderBy('seq').limit(opts.limit);
  if (opts.pageToken) query = query.startAfter(decodeSeqCursor(opts.pageToken));
  const snap = await query.get();
  const codes = snap.docs.map((d) => toUnitCode(d.id, d.data()));
  const last = codes[codes.length - 1];
  return {
    codes,
    nextPageToken: codes.length === opts.limit && last ? encodeSeqCursor(last.seq) : null,
  };
}

/** Every code of a batch, in sequence order, read a page at a time (for the CSV export). */
export async function* batchCodes(
  orgId: string,
  batchId: string,
  pageSize = 1000,
): AsyncGenerator<UnitCode> {
  let after = 0;
  for (;;) {
    const snap = await unitCodesRef(orgId)
      .where('batchId', '==', batchId)
      .orderBy('seq')
      .startAfter(after)
      .limit(pageSize)
      .get();
    for (const doc of snap.docs) yield toUnitCode(doc.id, doc.data());
    if (snap.size < pageSize) return;
    after = Number(snap.docs[snap.size - 1]?.get('seq'));
  }
}

/** One code of the batch named in the path, or 404 (also when it belongs to another batch). */
export async function getUnitCode(
  orgId: string,
  orderId: string,
  batchId: string,
  code: string,
): Promise<UnitCode> {
  const snap = await unitCodesRef(orgId).doc(code).get();
  const data = snap.data();
  if (!data || data.batchId !== batchId || data.orderId !== orderId) {
    throw new AppError('not_found', `Code ${code} not found in batch ${batchId}`);
  }
  return toUnitCode(code, data);
}

/**
 * Moves a code forwards (shipped, scanned, redeemed). A code that leaves `generated` this way
 * can no longer be packed, so its prepared queue entry (deterministic id) is marked invalid in
 * the same transaction.
 */
export async function changeCodeStatus(
  orgId: string,
  orderId: string,
  batchId: string,
  code: string,
  to: CodeStatus,
): Promise<UnitCode> {
  const codeRef = unitCodesRef(orgId).doc(code);
  const entryRef = preparedCodesRef(orgId).doc(queueEntryId(orderId, batchId, code));
  return db().runTransaction(async (tx) => {
    const [codeSnap, entrySnap] = await tx.getAll(codeRef, entryRef);
    const data = codeSnap?.data();
    if (!data || data.batchId !== batchId || data.orderId !== orderId) {
      throw new AppError('not_found', `Code ${code} not found in batch ${batchId}`);
    }
    const current = toUnitCode(code, data);
    const problem = statusChangeProblem(current.status, to, 'update');
    if (problem) {
      throw conflict('status_not_allowed', `Cannot set ${code} to ${to}: ${problem}`, {
        status: current.status,
      });
    }
    const now = Timestamp.now();
    tx.update(codeRef, { status: to, statusChangedAt: now, [`${to}At`]: now });
    if (entrySnap?.get('status') === 'prepared') {
      tx.update(entryRef, { status: 'invalid', invalidAt: now, invalidReason: `code ${to}` });
    }
    return { ...current, status: to, statusChangedAt: now.toDate().toISOString() };
  });
}

/** Records progress of a batch being generated; never lowers a count another run wrote. */
export async function recordGenerated(
  orgId: string,
  orderId: string,
  batchId: string,
  generatedCount: number,
  units: number,
): Promise<void> {
  const ref = batchesRef(orgId, orderId).doc(batchId);
  await db().runTransaction(async (tx) => {
    const current = Number((await tx.get(ref)).get('generatedCount') ?? 0);
    if (generatedCount <= current) return;
    const done = generatedCount >= units;
    tx.update(ref, {
      generatedCount,
      progress: done ? 100 : Math.min(99, Math.floor((generatedCount / units) * 100)),
      ...(done ? { status: 'ready', readyAt: Timestamp.now() } : {}),
    });
  });
}

export async function markBatchFailed(
  orgId: string,
  orderId: string,
  batchId: string,
  message: string,
): Promise<void> {
  await batchesRef(orgId, orderId)
    .doc(batchId)
    .update({ status: 'failed', errorMessage: message, failedAt: FieldValue.serverTimestamp() });
}
