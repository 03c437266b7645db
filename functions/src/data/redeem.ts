// POST /u/{code}/redeem: a unit is redeemed exactly once. One transaction reads the unit and
// writes `redeemed`; of concurrent redeems, Firestore lets one commit and retries the others,
// which then find it redeemed and answer 409 already_redeemed with when.
import { Timestamp } from 'firebase-admin/firestore';
import { AppError, conflict } from '../domain/errors';
import { queueEntryId } from '../domain/manufacturing/codes';
import { isCodeStatus, statusChangeProblem } from '../domain/manufacturing/status';
import { redemptionSecretMatches, redemptionSecretOf } from '../domain/productCodes';
import { productCodeRedeemed } from '../logs';
import { db } from './firebase';
import { preparedCodesRef } from './paths';
import { resolveForRedeem } from './productCodes';
import { iso } from './timestamps';

export async function redeemUnit(
  code: string,
  secret: string | undefined,
  now: Date,
): Promise<{ code: string; redeemed: true; redeemedAt: string }> {
  const unit = await resolveForRedeem(code);
  if (!unit) throw new AppError('not_found', 'This is not a code of this manufacturer');
  if (unit.key !== null) {
    if (secret === undefined) {
      throw new AppError(
        'permission_denied',
        'This code needs the secret printed under its scratch-off',
        {
          reason: 'redemption_secret_required',
        },
      );
    }
    if (!unit.key || !redemptionSecretMatches(redemptionSecretOf(unit.key, code), secret)) {
      throw new AppError('permission_denied', 'The redemption secret is not this code’s', {
        reason: 'redemption_secret_wrong',
      });
    }
  }
  const at = Timestamp.fromDate(now);
  const entryRef = preparedCodesRef(unit.orgId).doc(queueEntryId(unit.orderId, unit.batchId, code));
  const result = await db().runTransaction(async (tx) => {
    const [snap, entry] = await tx.getAll(unit.ref, entryRef);
    const doc = snap.data();
    if (!doc) throw new AppError('not_found', 'This is not a code of this manufacturer');
    const status = isCodeStatus(doc.status) ? doc.status : 'generated';
    if (status === 'redeemed') {
      const redeemedAt = iso(doc.redeemedAt);
      throw conflict('already_redeemed', `This code was redeemed at ${redeemedAt}`, { redeemedAt });
    }
    const problem = statusChangeProblem(status, 'redeemed', 'update');
    if (problem) throw conflict('status_not_allowed', problem, { status });
    tx.update(unit.ref, { status: 'redeemed', redeemedAt: at, statusChangedAt: at });
    // A code redeemed before it was packed can no longer be packed.
    if (entry?.get('status') === 'prepared') {
      tx.update(entryRef, { status: 'invalid', invalidAt: at, invalidReason: 'code redeemed' });
    }
    return { code, redeemed: true as const, redeemedAt: now.toISOString() };
  });
  productCodeRedeemed({ orgId: unit.orgId, code, withSecret: unit.key !== null });
  return result;
}
