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
  if (data.kind !== 'qrCode' && data.kind !== 'equipment') return undefined;
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
