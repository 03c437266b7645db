// The scan token lookup: scanTokens/{token} = {orgId, kind, id}. One read answers a scan.
import { Timestamp, type Transaction } from 'firebase-admin/firestore';
import { publicBaseUrl } from '../config';
import { AppError } from '../domain/errors';
import { newScanToken, scanUrl, type ScanTarget } from '../domain/scanTokens';
import { db } from './firebase';
import { equipmentRef, orgRef, scanTargetRef, scanTokenRef } from './paths';

/** Adds a new token for `target` to a transaction; returns the token and its URL. */
export function createScanToken(
  tx: Transaction,
  target: ScanTarget,
): { token: string; scanUrl: string } {
  const token = newScanToken();
  tx.create(scanTokenRef(token), { ...target, createdAt: Timestamp.now() });
  return { token, scanUrl: scanUrl(publicBaseUrl(), token) };
}

export async function resolveScanToken(token: string): Promise<ScanTarget | undefined> {
  const data = (await scanTokenRef(token).get()).data();
  if (!data || typeof data.orgId !== 'string' || typeof data.id !== 'string') return undefined;
  if (data.kind !== 'qrCode' && data.kind !== 'equipment' && data.kind !== 'tag') return undefined;
  return { orgId: data.orgId, kind: data.kind, id: data.id };
}

/**
 * The equipment item's scan token and URL, made on first need and kept for good (printed labels
 * carry the URL). Safe to call concurrently: the transaction makes one token.
 */
export async function ensureEquipmentScanToken(
  orgId: string,
  assetId: string,
): Promise<{ token: string; scanUrl: string; name: string }> {
  const ref = equipmentRef(orgId).doc(assetId);
  return db().runTransaction(async (tx) => {
    const data = (await tx.get(ref)).data();
    if (!data) throw new AppError('not_found', `Equipment ${assetId} not found`);
    const name = typeof data.name === 'string' ? data.name : assetId;
    if (typeof data.scanToken === 'string' && typeof data.scanUrl === 'string') {
      return { token: data.scanToken, scanUrl: data.scanUrl, name };
    }
    const created = createScanToken(tx, { orgId, kind: 'equipment', id: assetId });
    tx.update(ref, { scanToken: created.token, scanUrl: created.scanUrl });
    return { ...created, name };
  });
}

/** The scanned item's document and its organisation's, in one batched read. */
export async function loadScanTarget(target: ScanTarget): Promise<{
  item: FirebaseFirestore.DocumentData | undefined;
  org: FirebaseFirestore.DocumentData | undefined;
}> {
  const [item, org] = await db().getAll(
    scanTargetRef(target.orgId, target.kind, target.id),
    orgRef(target.orgId),
  );
  return { item: item.data(), org: org.data() };
}

/** Items per transaction of ensureEquipmentScanTokens (2 writes each): small transactions lock little. */
const TOKEN_BATCH = 200;

export interface ItemWithScanUrl {
  assetId: string;
  scanUrl: string;
  data: FirebaseFirestore.DocumentData;
}

/**
 * ensureEquipmentScanToken for many items at once: one transaction per 200 items reads them
 * together and makes the tokens that are missing. Items that do not exist are returned in
 * `missing`; the others in the order asked.
 */
export async function ensureEquipmentScanTokens(
  orgId: string,
  assetIds: string[],
): Promise<{ items: ItemWithScanUrl[]; missing: string[] }> {
  const items: ItemWithScanUrl[] = [];
  const missing: string[] = [];
  for (let i = 0; i < assetIds.length; i += TOKEN_BATCH) {
    const ids = assetIds.slice(i, i + TOKEN_BATCH);
    const refs = ids.map((id) => equipmentRef(orgId).doc(id));
    const chunk = await db().runTransaction(async (tx) => {
      const snaps = await tx.getAll(...refs);
      const found: ItemWithScanUrl[] = [];
      const absent: string[] = [];
      snaps.forEach((snap, k) => {
        const data = snap.data();
        if (!data) {
          absent.push(ids[k]);
          return;
        }
        if (typeof data.scanToken === 'string' && typeof data.scanUrl === 'string') {
          found.push({ assetId: ids[k], scanUrl: data.scanUrl, data });
          return;
        }
        const created = createScanToken(tx, { orgId, kind: 'equipment', id: ids[k] });
        tx.update(refs[k], { scanToken: created.token, scanUrl: created.scanUrl });
        found.push({ assetId: ids[k], scanUrl: created.scanUrl, data });
      });
      return { found, absent };
    });
    items.push(...chunk.found);
    missing.push(...chunk.absent);
  }
  return { items, missing };
}
