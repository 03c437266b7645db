// An `audit` scan in the ledger's transaction. Each item (or unknown code) of an audit has one
// document, audits/{auditId}/items/{assetId | code~key}: the first scan of it turns it from
// `missing` (or nothing) into found, unexpected or unknown and counts it in one counter shard;
// any later scan, by the same auditor or another, finds it scanned and counts nothing
// (`duplicate`). The document and the count are written in one transaction, so the counts stay
// exact however many auditors scan at once.
import { FieldValue, Timestamp, type Transaction } from 'firebase-admin/firestore';
import { counterShard, isExpected, unknownCodeKey, type ItemState } from '../domain/audits';
import { applied, refused, type ScanEvent } from '../domain/scanEvents';
import { codeKey } from '../domain/tagCodes';
import { sighting, type Effect } from './ledgerSighting';
import { auditCountersRef, auditItemsRef, auditsRef, equipmentRef } from './paths';

type Doc = FirebaseFirestore.DocumentData;

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export async function auditScanInTx(
  tx: Transaction,
  orgId: string,
  scanId: string,
  event: ScanEvent,
  assetId: string | undefined,
  now: Date,
): Promise<Effect> {
  const none = () => undefined;
  const auditId = event.auditId as string;
  const auditRef = auditsRef(orgId).doc(auditId);
  const itemRef = assetId ? equipmentRef(orgId).doc(assetId) : undefined;
  const [auditSnap, itemSnap] = await tx.getAll(auditRef, ...(itemRef ? [itemRef] : []));
  const audit = auditSnap.data();
  if (!audit) {
    return {
      result: refused('audit_not_found', `Audit ${auditId} does not exist`, now),
      write: none,
    };
  }
  if (audit.status !== 'open') {
    return {
      result: refused('audit_completed', `Audit ${auditId} is ${String(audit.status)}`, now),
      write: none,
    };
  }
  const item = itemSnap?.data();
  const key = item && assetId ? assetId : unknownCodeKey(codeKey(event.code));
  const entryRef = auditItemsRef(orgId, auditId).doc(key);
  const entry = (await tx.get(entryRef)).data();
  if (entry && entry.state !== 'missing') {
    return {
      result: {
        status: 'duplicate',
        reason: 'already_scanned',
        message: `Already counted in this audit (${String(entry.state)})`,
        appliedAt: now,
        ...(item && assetId ? { itemId: assetId } : {}),
      },
      write: none,
    };
  }

  let state: ItemState;
  let fields: Doc;
  const where = text(audit.locationId) ?? text(item?.locationId);
  if (item && assetId) {
    // Expected when the snapshot has it, or (while the snapshot is still being written) when
    // the item matches the audit's filter: the snapshot then finds the document and keeps it.
    const expected =
      entry !== undefined ||
      (audit.snapshot?.done !== true &&
        isExpected({ locationId: audit.locationId, filter: audit.filter }, item));
    state = expected ? 'found' : 'unexpected';
    fields = {
      assetId,
      name: text(item.name),
      category: text(item.category),
      locationId: text(item.locationId),
      expected,
    };
  } else {
    state = 'unknown';
    fields = { assetId: null, code: event.code, expected: false };
  }
  const scannedAt = Timestamp.fromDate(event.scannedAt);
  const sightingChange = item && assetId ? sighting(item, event, where) : undefined;
  return {
    result:
      state === 'unknown'
        ? applied(now, undefined, `unknown code: recorded in the audit's unknown list`)
        : applied(
            now,
            assetId,
            state === 'unexpected'
              ? `unexpected here: belongs at ${text(item?.locationId) ?? 'no location'}`
              : 'found',
          ),
    write: () => {
      tx.set(
        entryRef,
        { ...fields, state, code: event.code, scannedBy: event.by, scannedAt, scanId },
        { merge: true },
      );
      tx.set(
        auditCountersRef(orgId, auditId).doc(String(counterShard(key))),
        { [state]: FieldValue.increment(1), byAuditor: { [event.by]: FieldValue.increment(1) } },
        { merge: true },
      );
      if (sightingChange && itemRef) tx.update(itemRef, sightingChange);
    },
  };
}
