// The organisation's business QR: one scan token per organisation, made on first need and kept
// for good on the organisation document (businessScanToken, businessScanUrl), like an item's.
import { AppError } from '../domain/errors';
import { db } from './firebase';
import { orgRef } from './paths';
import { createScanToken } from './scanTokens';

/** The business QR's scan URL; concurrent first calls make one token (a transaction). */
export async function ensureBusinessScanUrl(
  orgId: string,
): Promise<{ scanUrl: string; name: string }> {
  const ref = orgRef(orgId);
  const read = (await ref.get()).data();
  if (!read) throw new AppError('not_found', `Organisation ${orgId} not found`);
  const nameOf = (d: FirebaseFirestore.DocumentData) =>
    typeof d.name === 'string' ? d.name : orgId;
  if (typeof read.businessScanUrl === 'string')
    return { scanUrl: read.businessScanUrl, name: nameOf(read) };
  return db().runTransaction(async (tx) => {
    const data = (await tx.get(ref)).data();
    if (!data) throw new AppError('not_found', `Organisation ${orgId} not found`);
    if (typeof data.businessScanUrl === 'string')
      return { scanUrl: data.businessScanUrl, name: nameOf(data) };
    const made = createScanToken(tx, { orgId, kind: 'organization', id: orgId });
    tx.update(ref, { businessScanToken: made.token, businessScanUrl: made.scanUrl });
    return { scanUrl: made.scanUrl, name: nameOf(data) };
  });
}
