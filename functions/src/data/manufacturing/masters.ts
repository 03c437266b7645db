// Master cases: organizations/{orgId}/masters/{masterCode}, with their case number reserved in
// organizations/{orgId}/orders/{orderId}/cases/{caseNumber} (the unique constraint).
import { Timestamp, type DocumentData } from 'firebase-admin/firestore';
import { AppError, conflict } from '../../domain/errors';
import { newMasterCode } from '../../domain/manufacturing/codes';
import type { NewMaster } from '../../domain/manufacturing/validate';
import { db } from '../firebase';
import {
  batchesRef,
  casesRef,
  mastersRef,
  ordersRef,
  productCodeRef,
  unitCodesRef,
} from '../paths';
import { iso } from '../timestamps';

export interface MasterInfo {
  masterCode: string;
  caseNumber: number;
  expectedUnits: number;
  actualUnits: number;
}

export interface Master extends MasterInfo {
  orderId: string;
  /** The one batch whose codes it takes, or null for any batch of the order. */
  batchId: string | null;
  createdAt: string | null;
  createdBy: string | null;
}

export function toMaster(masterCode: string, d: DocumentData): Master {
  return {
    masterCode,
    orderId: String(d.orderId ?? ''),
    batchId: typeof d.batchId === 'string' ? d.batchId : null,
    caseNumber: Number(d.caseNumber ?? 0),
    expectedUnits: Number(d.expectedUnits ?? 0),
    actualUnits: Number(d.actualUnits ?? 0),
    createdAt: iso(d.createdAt),
    createdBy: typeof d.createdBy === 'string' ? d.createdBy : null,
  };
}

export const masterInfo = (m: MasterInfo): MasterInfo => ({
  masterCode: m.masterCode,
  caseNumber: m.caseNumber,
  expectedUnits: m.expectedUnits,
  actualUnits: m.actualUnits,
});

/** Case numbers tried past the order's last one before giving up (people may pick their own). */
const MAX_CASE_PROBES = 50;

/**
 * A new master case. Without a case number it takes the next free one after the order's last;
 * with one, 409 when that number is taken. The master code is random and created, never
 * overwritten: a collision draws a new one.
 */
export async function createMaster(orgId: string, input: NewMaster, by: string): Promise<Master> {
  const orderRef = ordersRef(orgId).doc(input.orderId);
  return db().runTransaction(async (tx) => {
    const [order, batch] = await tx.getAll(
      orderRef,
      ...(input.batchId ? [batchesRef(orgId, input.orderId).doc(input.batchId)] : []),
    );
    if (!order.exists) throw new AppError('not_found', `Order ${input.orderId} not found`);
    if (batch && !batch.exists) {
      throw new AppError('not_found', `Batch ${input.batchId} of order ${input.orderId} not found`);
    }
    const last = Number(order.get('lastCaseNumber') ?? 0);
    let caseNumber = input.caseNumber ?? last + 1;
    for (let probe = 0; ; probe += 1) {
      const taken = (await tx.get(casesRef(orgId, input.orderId).doc(String(caseNumber)))).exists;
      if (!taken) break;
      if (input.caseNumber !== null) {
        throw conflict('case_number_taken', `Case number ${caseNumber} of this order is taken`, {
          caseNumber,
        });
      }
      if (probe >= MAX_CASE_PROBES) {
        throw conflict('no_free_case_number', 'No free case number found; give one explicitly');
      }
      caseNumber += 1;
    }
    let masterRef = mastersRef(orgId).doc(newMasterCode());
    while ((await tx.get(masterRef)).exists) masterRef = mastersRef(orgId).doc(newMasterCode());
    const data = {
      orderId: input.orderId,
      batchId: input.batchId,
      caseNumber,
      expectedUnits: input.expectedUnits,
      actualUnits: 0,
      createdAt: Timestamp.now(),
      createdBy: by,
    };
    tx.create(masterRef, data);
    // Its /u/ URL resolves through the product code lookup, as a unit's does.
    tx.set(productCodeRef(masterRef.id), { orgId, kind: 'master' });
    tx.create(casesRef(orgId, input.orderId).doc(String(caseNumber)), {
      masterCode: masterRef.id,
    });
    if (caseNumber > last) tx.update(orderRef, { lastCaseNumber: caseNumber });
    return toMaster(masterRef.id, data);
  });
}

export async function getMaster(orgId: string, masterCode: string): Promise<Master> {
  const snap = await mastersRef(orgId).doc(masterCode).get();
  if (!snap.exists) throw new AppError('not_found', `Master case ${masterCode} not found`);
  return toMaster(masterCode, snap.data() ?? {});
}

export interface LinkedCode {
  code: string;
  batchId: string;
  seq: number;
  status: string;
}

/** The codes packed into a master, by batch and sequence number. */
export async function linkedCodes(orgId: string, masterCode: string): Promise<LinkedCode[]> {
  const snap = await unitCodesRef(orgId).where('masterCode', '==', masterCode).get();
  return snap.docs
    .map((d) => ({
      code: d.id,
      batchId: String(d.get('batchId')),
      seq: Number(d.get('seq')),
      status: String(d.get('status')),
    }))
    .sort((a, b) => (a.batchId === b.batchId ? a.seq - b.seq : a.batchId < b.batchId ? -1 : 1));
}
