// Makes a batch's unit codes, a page at a time, with the count in the batch document. Codes are
// created (never overwritten) with ids derived from the batch secret and the sequence number, so
// a second run of the same batch (a duplicated or retried trigger) finds its own codes and moves
// on; a code that belongs to someone else is a collision and the sequence number takes its next
// candidate. Memory stays at one page however large the batch.
import { Timestamp, type BulkWriter, type DocumentData } from 'firebase-admin/firestore';
import { unitCode } from '../../domain/manufacturing/codes';
import { db } from '../firebase';
import { batchesRef, batchSecretRef, unitCodesRef } from '../paths';
import { recordGenerated } from './orders';
import { addUnitLookup } from '../productCodes';
import { isAlreadyExists } from '../firestoreErrors';

export const GENERATE_PAGE = 500;
/** Candidates a sequence number tries before the batch fails (each collides with 2^-100). */
const MAX_ATTEMPTS = 5;

/**
 * The (batchId, seq) index takes sequential values, which production serves at about 500 writes
 * a second per collection before it splits the range (Firestore's 500/50/5 rule). BulkWriter's
 * throttling starts there and ramps up; the local stack has no such hot spot, so it runs
 * unthrottled there.
 */
function writer(): BulkWriter {
  return db().bulkWriter({ throttling: process.env.FUNCTIONS_EMULATOR !== 'true' });
}

interface BatchInfo {
  orgId: string;
  orderId: string;
  batchId: string;
  units: number;
  prefix: string;
  secret: string;
}

const flushing = new WeakSet<BulkWriter>();

/**
 * One flush for everything queued in this turn of the event loop: the lookups of a committed
 * batch of codes are queued one by one as their creates resolve, and go out together.
 */
function flushSoon(bulk: BulkWriter): void {
  if (flushing.has(bulk)) return;
  flushing.add(bulk);
  setImmediate(() => {
    flushing.delete(bulk);
    void bulk.flush();
  });
}

async function createCode(
  bulk: BulkWriter,
  batch: BatchInfo,
  seq: number,
  now: Timestamp,
  attempt = 0,
): Promise<'created' | 'existed' | 'collided'> {
  const code = unitCode(batch.secret, batch.prefix, seq, attempt);
  const ref = unitCodesRef(batch.orgId).doc(code);
  const data: DocumentData = {
    orderId: batch.orderId,
    batchId: batch.batchId,
    seq,
    status: 'generated',
    masterCode: null,
    createdAt: now,
    statusChangedAt: now,
  };
  try {
    const pending = bulk.create(ref, data);
    // A create queued after the page's flush (a collision's next candidate) needs its own.
    if (attempt > 0) void bulk.flush();
    await pending;
    // The lookup of /u/{code}; after the code itself, so a lookup never names a missing code.
    const lookup = addUnitLookup(bulk, batch.orgId, code);
    flushSoon(bulk);
    await lookup;
    return attempt > 0 ? 'collided' : 'created';
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = (await ref.get()).data();
    if (existing?.batchId === batch.batchId && existing.seq === seq) {
      // A rerun: the first run may have stopped between the code and its lookup.
      const lookup = addUnitLookup(bulk, batch.orgId, code);
      flushSoon(bulk);
      await lookup;
      return 'existed';
    }
    if (attempt + 1 >= MAX_ATTEMPTS) {
      throw new Error(`sequence number ${seq} collided ${MAX_ATTEMPTS} times`, { cause: err });
    }
    await createCode(bulk, batch, seq, now, attempt + 1);
    return 'collided';
  }
}

export interface GenerateResult {
  status: 'ready' | 'skipped';
  created: number;
  existed: number;
  collided: number;
}

/** Generates the rest of a `generating` batch, from the count its document holds. */
export async function generateBatchCodes(
  orgId: string,
  orderId: string,
  batchId: string,
  pageSize = GENERATE_PAGE,
): Promise<GenerateResult> {
  const result: GenerateResult = { status: 'skipped', created: 0, existed: 0, collided: 0 };
  const [batchSnap, secretSnap] = await db().getAll(
    batchesRef(orgId, orderId).doc(batchId),
    batchSecretRef(orgId, orderId, batchId),
  );
  const data = batchSnap.data();
  if (!data || data.status !== 'generating') return result;
  // Batches made before the secret moved out of the batch document still carry it there.
  const secret: unknown = secretSnap.get('secret') ?? data.codeSecret;
  if (typeof secret !== 'string') throw new Error(`Batch ${batchId} has no code secret`);
  const batch: BatchInfo = {
    orgId,
    orderId,
    batchId,
    units: Number(data.units),
    prefix: String(data.prefix ?? ''),
    secret,
  };
  let done = Number(data.generatedCount ?? 0);
  const bulk = writer();
  try {
    while (done < batch.units) {
      const end = Math.min(batch.units, done + pageSize);
      const now = Timestamp.now();
      const writes: Promise<'created' | 'existed' | 'collided'>[] = [];
      for (let seq = done + 1; seq <= end; seq += 1) {
        writes.push(createCode(bulk, batch, seq, now));
      }
      void bulk.flush();
      for (const outcome of await Promise.all(writes)) result[outcome] += 1;
      await recordGenerated(orgId, orderId, batchId, end, batch.units);
      done = end;
    }
  } finally {
    await bulk.close();
  }
  result.status = 'ready';
  return result;
}
