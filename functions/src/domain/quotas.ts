// Per-organisation quotas (docs/operations.md, "Abuse and cost controls"): what one account can
// make the project spend. Pure: the names, the UTC day a daily count belongs to, and the decision
// given what is used, what is asked and the limit. data/quotas.ts does the counting.
import { AppError } from './errors';

/** Quotas counted per UTC day, in the organisation's usage document of that day. */
export const DAILY_QUOTAS = [
  'unitsPerDay',
  'tagsPerDay',
  'rowsPerDay',
  'custodyItemsPerDay',
  'photosPerDay',
  'scanEventsPerDay',
  'deliveriesPerDay',
  'movementsPerDay',
] as const;
export type DailyQuota = (typeof DAILY_QUOTAS)[number];

/** Every per-organisation quota; an operator's override document uses these field names. */
export const ORG_QUOTAS = [
  ...DAILY_QUOTAS,
  'outstandingBatches',
  'outstandingTagPools',
  'items',
  'labelsPerRequest',
  'openAudits',
  'stockItems',
] as const;
export type OrgQuota = (typeof ORG_QUOTAS)[number];

/** The one per-user quota: organisations a person may create. */
export type QuotaName = OrgQuota | 'organizationsPerUser';

export type QuotaLimits = Record<OrgQuota, number>;

/** What a refused request is told, exactly these fields (the reply's `details`). */
export interface QuotaDetails {
  quota: QuotaName;
  limit: number;
  used: number;
  /** When a daily count starts again (ISO, UTC midnight); null for quotas that do not reset. */
  resetsAt: string | null;
}

const isDaily = (quota: QuotaName): quota is DailyQuota =>
  (DAILY_QUOTAS as readonly string[]).includes(quota);

/** The UTC day a count belongs to, `yyyy-mm-dd`: also the usage document's id. */
export function dayKey(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The next UTC midnight after `now`, when the day's counts start from zero. */
export function nextDayStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/**
 * The limits that apply to one organisation: the params' values, each replaced by the
 * operator's override where that is a whole number of at least 0. Anything else in the override
 * is ignored, so a typo cannot lower a limit to NaN.
 */
export function applyOverride(defaults: QuotaLimits, override: unknown): QuotaLimits {
  const limits = { ...defaults };
  if (typeof override !== 'object' || override === null) return limits;
  for (const quota of ORG_QUOTAS) {
    const value = (override as Record<string, unknown>)[quota];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      limits[quota] = value;
    }
  }
  return limits;
}

/** What each quota counts, in words for the refusal message. */
const WHAT: Record<QuotaName, string> = {
  unitsPerDay: 'unit codes generated today',
  tagsPerDay: 'tags created today',
  rowsPerDay: 'CSV rows uploaded today',
  custodyItemsPerDay: 'items checked out or booked today',
  photosPerDay: 'equipment photos treated today',
  outstandingBatches: 'batches still generating',
  outstandingTagPools: 'tag pools still being filled',
  items: 'equipment items',
  labelsPerRequest: 'labels in one request',
  scanEventsPerDay: 'scan events applied today',
  openAudits: 'audits open',
  organizationsPerUser: 'organisations created by you',
  deliveriesPerDay: 'webhook delivery attempts today',
  movementsPerDay: 'stock movements recorded today',
  stockItems: 'stock items',
};

/**
 * The refusal when `used + asked` would pass `limit`, or undefined when the request fits. For a
 * per-request quota `used` is 0 and `asked` is the request's size.
 */
export function quotaDecision(
  quota: QuotaName,
  used: number,
  asked: number,
  limit: number,
  now: Date,
): QuotaDetails | undefined {
  if (used + asked <= limit) return undefined;
  return {
    quota,
    limit,
    used,
    resetsAt: isDaily(quota) ? nextDayStart(now).toISOString() : null,
  };
}

/** The 429 for a refusal: what the limit is, what is used, when it resets, and whom to ask. */
export function quotaError(details: QuotaDetails, asked: number): AppError {
  const when = details.resetsAt
    ? ` It resets at ${details.resetsAt}.`
    : details.quota === 'labelsPerRequest'
      ? ' Split the request.'
      : '';
  const raise =
    details.quota === 'organizationsPerUser'
      ? ' Ask the operator to raise ORGS_PER_USER.'
      : ' Ask the operator to raise it for this organisation.';
  return new AppError(
    'quota_exceeded',
    `Quota reached: at most ${details.limit} ${WHAT[details.quota]}; ${details.used} used, ` +
      `this request needs ${asked}.${when}${raise}`,
    details,
  );
}

/** Throws the 429 unless `asked` more fits under `limit`. */
export function enforceQuota(
  quota: QuotaName,
  used: number,
  asked: number,
  limit: number,
  now = new Date(),
): void {
  const refused = quotaDecision(quota, used, asked, limit, now);
  if (refused) throw quotaError(refused, asked);
}
