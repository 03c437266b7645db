// Counting the per-organisation quotas (domain/quotas.ts) in Firestore, so that they hold across
// every instance of every function. Three kinds of count:
// - Daily amounts (units, tags, CSV rows): one document per organisation and UTC day,
//   organizations/{orgId}/usage/{yyyy-mm-dd}, with one counter per quota. A request spends its
//   amount in a transaction that reads the counter first, so two requests cannot both take the
//   last of a day; where the work has a transaction of its own, the spend is in that one.
// - Things outstanding or held (generating batches, filling pools, equipment items): a count()
//   aggregation of the documents themselves, not a counter. A counter would have to be kept by
//   every path that creates or removes one (the API, CSV, client apps writing Firestore, deletes
//   by anyone, status changes in triggers), each exactly once although events are delivered
//   twice; a count of the documents cannot drift. It costs one read per 1 000 documents counted,
//   next to the writes (and QR work) that each new item costs anyway. Counted just before the
//   create, not inside its transaction: there it would lock every document counted (all of an
//   organisation's items) and still not see another request's new one. So requests arriving at
//   the same moment may pass the limit by the few in flight: a bound on cost, not an exact count.
// - Organisations per user: a counter on userUsage/{uid}, spent in the organisation's own create
//   transaction (organisations are never deleted, so it cannot drift).
// The operator raises a limit for one organisation with quotaOverrides/{orgId} (no client access).
import { FieldValue, type Transaction } from 'firebase-admin/firestore';
import { quotaDefaults } from '../config';
import {
  applyOverride,
  dayKey,
  enforceQuota,
  type DailyQuota,
  type QuotaLimits,
  type QuotaName,
} from '../domain/quotas';
import { quotaExceeded } from '../logs';
import { AppError } from '../domain/errors';
import { db } from './firebase';
import {
  auditsRef,
  equipmentRef,
  quotaOverrideRef,
  tagPoolsRef,
  usageDayRef,
  userUsageRef,
} from './paths';

/** The limits of one organisation: the params, raised or lowered by its override document. */
export async function quotaLimits(orgId: string): Promise<QuotaLimits> {
  const override = (await quotaOverrideRef(orgId).get()).data();
  return applyOverride(quotaDefaults(), override);
}

/** enforceQuota, logging each refusal (quota.exceeded) with the organisation it belongs to. */
function enforce(
  orgId: string,
  quota: QuotaName,
  used: number,
  asked: number,
  limit: number,
  now?: Date,
): void {
  try {
    enforceQuota(quota, used, asked, limit, now);
  } catch (err) {
    if (err instanceof AppError) {
      quotaExceeded({ orgId, quota, limit, used, asked });
    }
    throw err;
  }
}

/**
 * Reads today's counter of `quota` in `tx` and throws the 429 when `asked` more would pass the
 * limit; otherwise returns the write that spends it, for the caller to make after its own reads
 * (a transaction reads before it writes).
 */
export async function spendDailyIn(
  tx: Transaction,
  orgId: string,
  quota: DailyQuota,
  asked: number,
  limit: number,
): Promise<() => void> {
  const now = new Date();
  const ref = usageDayRef(orgId, dayKey(now));
  const used = Number((await tx.get(ref)).get(quota) ?? 0);
  enforce(orgId, quota, used, asked, limit, now);
  return () => tx.set(ref, { [quota]: FieldValue.increment(asked) }, { merge: true });
}

/** Spends `asked` of today's `quota` in a transaction of its own, before the work's writes. */
export async function spendDaily(
  orgId: string,
  quota: DailyQuota,
  asked: number,
  limit: number,
): Promise<void> {
  if (asked <= 0) return;
  await db().runTransaction(async (tx) => {
    (await spendDailyIn(tx, orgId, quota, asked, limit))();
  });
}

/** The organisation's equipment items, counted. */
export async function itemCount(orgId: string): Promise<number> {
  return (await equipmentRef(orgId).count().get()).data().count;
}

/** Throws the 429 unless `adding` more items fit, given `count` items now. */
export function enforceItems(orgId: string, count: number, adding: number, limit: number): void {
  enforce(orgId, 'items', count, adding, limit);
}

/** Throws the 429 when the organisation has as many batches generating as it may. */
export async function checkOutstandingBatches(orgId: string, limit: number): Promise<void> {
  // Batches carry their orgId (from this change on) for this collection-group count; older
  // ones, long since generated, are not counted.
  const generating = (
    await db()
      .collectionGroup('batches')
      .where('orgId', '==', orgId)
      .where('status', '==', 'generating')
      .count()
      .get()
  ).data().count;
  enforce(orgId, 'outstandingBatches', generating, 1, limit);
}

/** Throws the 429 when the organisation has as many tag pools filling as it may. */
export async function checkOutstandingTagPools(orgId: string, limit: number): Promise<void> {
  const filling = (
    await tagPoolsRef(orgId).where('status', 'in', ['pending', 'creating']).count().get()
  ).data().count;
  enforce(orgId, 'outstandingTagPools', filling, 1, limit);
}

/** Throws the 429 when the organisation has as many audits open as it may. */
export async function checkOpenAudits(orgId: string, limit: number): Promise<void> {
  const open = (
    await auditsRef(orgId).where('status', 'in', ['open', 'completing']).count().get()
  ).data().count;
  enforce(orgId, 'openAudits', open, 1, limit);
}

/** Throws the 429 when one request asks for more labels than the organisation may print at once. */
export function enforceLabelsPerRequest(orgId: string, asked: number, limit: number): void {
  enforce(orgId, 'labelsPerRequest', 0, asked, limit);
}

/**
 * Reads in `tx` how many organisations `uid` has created and throws the 429 at `limit`;
 * otherwise returns the write that counts one more.
 */
export async function spendOrganizationIn(
  tx: Transaction,
  uid: string,
  limit: number,
): Promise<() => void> {
  const ref = userUsageRef(uid);
  const used = Number((await tx.get(ref)).get('organizationsCreated') ?? 0);
  try {
    enforceQuota('organizationsPerUser', used, 1, limit);
  } catch (err) {
    quotaExceeded({ uid, quota: 'organizationsPerUser', limit, used, asked: 1 });
    throw err;
  }
  return () => tx.set(ref, { organizationsCreated: FieldValue.increment(1) }, { merge: true });
}
