// Link from the queue: the next prepared codes of a batch go into a master case, in one
// transaction that marks the codes packed, their queue entries consumed and counts them on the
// master. Why no code is linked twice and no master over-filled, and how concurrent linkers
// avoid queueing behind each other: docs/data-model.md#link-from-the-queue.
import { Timestamp } from 'firebase-admin/firestore';
import { linkFromQueue as logLinkFromQueue } from '../../logs';
import { AppError, conflict } from '../../domain/errors';
import { linkCount, runOffset } from '../../domain/manufacturing/linkWindow';
import { statusChangeProblem, isCodeStatus } from '../../domain/manufacturing/status';
import type { LinkRequest } from '../../domain/manufacturing/validate';
import { db } from '../firebase';
import { batchesRef, mastersRef, preparedCodesRef, unitCodesRef } from '../paths';
import { masterInfo, toMaster, type MasterInfo } from './masters';
import { isAborted } from '../firestoreErrors';

/** Tries (a look at the queue head and one transaction each) before a link gives up with 409. */
export const MAX_LINK_TRIES = 25;

export interface LinkResult {
  masterCodeInfo: MasterInfo;
  linkedCodes: string[];
  linkedCount: number;
  consumedCount: number;
  fromQueue: true;
  /** How many tries it took (1 when nobody else was linking from this batch). */
  tries: number;
}

interface HeadEntry {
  id: string;
  code: string;
  seq: number;
}

type TryOutcome =
  | { kind: 'linked'; result: Omit<LinkResult, 'tries'> }
  | { kind: 'taken' }
  | { kind: 'stale' }
  | { kind: 'room'; room: number };

/**
 * Prepared entries of a batch's queue in sequence order, from `offset` (not in a transaction;
 * ids and sequence numbers only).
 */
async function queueRun(
  orgId: string,
  batchId: string,
  offset: number,
  limit: number,
): Promise<HeadEntry[]> {
  let query = preparedCodesRef(orgId)
    .where('batchId', '==', batchId)
    .where('status', '==', 'prepared')
    .orderBy('seq')
    .select('code', 'seq');
  if (offset > 0) query = query.offset(offset);
  const snap = await query.limit(limit).get();
  return snap.docs.map((d) => ({
    id: d.id,
    code: String(d.get('code')),
    seq: Number(d.get('seq')),
  }));
}

function overfill(room: number, target: number): AppError {
  return conflict(
    'overfill',
    `The master case has room for ${Math.max(0, room)} more units; ${target} would over-fill it`,
    { room: Math.max(0, room) },
  );
}

export async function linkFromQueue(
  orgId: string,
  masterCode: string,
  req: LinkRequest,
  by: string,
  random: () => number = Math.random,
): Promise<LinkResult> {
  const masterRef = mastersRef(orgId).doc(masterCode);
  const [masterSnap, batchSnap] = await Promise.all([
    masterRef.get(),
    batchesRef(orgId, req.orderId).doc(req.batchId).get(),
  ]);
  if (!masterSnap.exists) throw new AppError('not_found', `Master case ${masterCode} not found`);
  if (!batchSnap.exists) {
    throw new AppError('not_found', `Batch ${req.batchId} of order ${req.orderId} not found`);
  }
  const master = toMaster(masterCode, masterSnap.data() ?? {});
  if (master.orderId !== req.orderId) {
    throw conflict(
      'order_mismatch',
      `Master case ${masterCode} belongs to order ${master.orderId}`,
    );
  }
  // A master made for one batch (traceability) takes that batch's codes only.
  if (master.batchId !== null && master.batchId !== req.batchId) {
    throw conflict(
      'batch_mismatch',
      `Master case ${masterCode} belongs to batch ${master.batchId}, not batch ${req.batchId}`,
      { masterBatchId: master.batchId, batchId: req.batchId },
    );
  }
  let room = master.expectedUnits - master.actualUnits;
  // Set once a try finds its run taken by another linker: from then on, spread out.
  let spread = false;
  for (let attempt = 0; attempt < MAX_LINK_TRIES; attempt += 1) {
    const wanted = req.allowPartial ? Math.min(req.targetUnits, room) : req.targetUnits;
    if (room <= 0 || (!req.allowPartial && req.targetUnits > room)) {
      throw overfill(room, req.targetUnits);
    }
    // A spreading try looks at a random run further down; if the queue is not that long, or
    // on the first try, it takes the head (which also tells whether the queue is short).
    let run: HeadEntry[] | null = null;
    const offset = runOffset(wanted, spread, random());
    if (offset > 0) {
      const further = await queueRun(orgId, req.batchId, offset, wanted);
      if (further.length === wanted) run = further;
    }
    if (!run) {
      const head = await queueRun(orgId, req.batchId, 0, wanted);
      const count = linkCount(req.targetUnits, room, head.length, req.allowPartial);
      if ('problem' in count) {
        if (count.problem === 'overfill') throw overfill(room, req.targetUnits);
        throw conflict(
          'queue_short',
          `The prepared queue of batch ${req.batchId} holds ${head.length} codes; ${req.targetUnits} were asked for`,
          { available: head.length },
        );
      }
      run = head.slice(0, count.take);
    }
    let outcome: TryOutcome;
    try {
      outcome = await linkRun(orgId, masterCode, req, run, by);
    } catch (err) {
      // Production aborts a transaction that waits on a lock an older one needs (wound-wait),
      // and the SDK gives up after a few attempts: that too is a lost race.
      if (!isAborted(err)) throw err;
      outcome = { kind: 'taken' };
    }
    if (outcome.kind === 'linked') {
      logLinkFromQueue({
        orgId,
        masterCode,
        batchId: req.batchId,
        linked: outcome.result.linkedCount,
        tries: attempt + 1,
      });
      return { ...outcome.result, tries: attempt + 1 };
    }
    if (outcome.kind === 'room') room = outcome.room;
    if (outcome.kind === 'taken') spread = true;
  }
  throw conflict(
    'contention',
    'Too many concurrent links on this queue took the codes first; try again',
    { retryable: true },
  );
}

/** One transaction over exactly the master, the run's codes and their queue entries. */
function linkRun(
  orgId: string,
  masterCode: string,
  req: LinkRequest,
  run: HeadEntry[],
  by: string,
): Promise<TryOutcome> {
  const masterRef = mastersRef(orgId).doc(masterCode);
  const codeRefs = run.map((e) => unitCodesRef(orgId).doc(e.code));
  const entryRefs = run.map((e) => preparedCodesRef(orgId).doc(e.id));
  return db().runTransaction(async (tx): Promise<TryOutcome> => {
    // Always master, then codes, then entries, each in sequence order: every transaction that
    // touches codes and entries (the worker's pages, status changes) locks them in this order.
    const master = await tx.get(masterRef);
    // The run's first code alone first: if another link packed it, this run is lost, and the
    // try ends after one read instead of reading every code and entry of the run.
    const first = await tx.get(codeRefs[0] as FirebaseFirestore.DocumentReference);
    if (first.get('status') === 'packed') return { kind: 'taken' };
    const codes = [first, ...(codeRefs.length > 1 ? await tx.getAll(...codeRefs.slice(1)) : [])];
    const entries = await tx.getAll(...entryRefs);
    const info = toMaster(masterCode, master.data() ?? {});
    const room = info.expectedUnits - info.actualUnits;
    if (room < run.length) return { kind: 'room', room };
    if (entries.some((e) => e.get('status') !== 'prepared')) return { kind: 'taken' };
    const now = Timestamp.now();
    const stale = codes
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => {
        const status: unknown = c.get('status');
        return (
          !c.exists ||
          c.get('batchId') !== req.batchId ||
          !isCodeStatus(status) ||
          statusChangeProblem(status, 'packed', 'link') !== undefined
        );
      });
    if (stale.length > 0) {
      // Prepared, then changed by someone else (shipped, say): it can never be linked.
      for (const { i } of stale) {
        tx.update(entryRefs[i]!, {
          status: 'invalid',
          invalidAt: now,
          invalidReason: 'not packable',
        });
      }
      return { kind: 'stale' };
    }
    for (let i = 0; i < run.length; i += 1) {
      tx.update(codeRefs[i]!, {
        status: 'packed',
        masterCode,
        packedAt: now,
        packedBy: by,
        statusChangedAt: now,
      });
      tx.update(entryRefs[i]!, { status: 'consumed', masterCode, consumedAt: now });
    }
    const actualUnits = info.actualUnits + run.length;
    tx.update(masterRef, { actualUnits, updatedAt: now });
    return {
      kind: 'linked',
      result: {
        masterCodeInfo: masterInfo({ ...info, actualUnits }),
        linkedCodes: run.map((e) => e.code),
        linkedCount: run.length,
        consumedCount: run.length,
        fromQueue: true,
      },
    };
  });
}
