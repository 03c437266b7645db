// Audits (stocktakes), pure: which items an audit expects, what a scan makes of an item, how the
// counts add up. data/audits.ts keeps them in Firestore.
import type { Category } from './equipment';

/** Expected items one audit may snapshot. */
export const MAX_AUDIT_ITEMS = 20_000;

/** Counter shards of an audit: auditors scanning at once write different documents. */
export const AUDIT_COUNTER_SHARDS = 16;

export const ITEM_STATES = ['found', 'missing', 'unexpected', 'unknown'] as const;
export type ItemState = (typeof ITEM_STATES)[number];

export type AuditStatus = 'open' | 'completing' | 'completed';

export interface AuditFilter {
  category?: Category;
  locationId?: string;
}

export interface AuditCriteria {
  /** Where the audit happens: scanned items belonging elsewhere are `unexpected`. */
  locationId?: string;
  filter?: AuditFilter;
}

/** The equality filters of the expected items: the filter's location, else the audit's. */
export function expectedFilter(audit: AuditCriteria): AuditFilter {
  const locationId = audit.filter?.locationId ?? audit.locationId;
  return {
    ...(audit.filter?.category ? { category: audit.filter.category } : {}),
    ...(locationId ? { locationId } : {}),
  };
}

/** Whether an item (its category and location) is one the audit expects. */
export function isExpected(
  audit: AuditCriteria,
  item: { category?: unknown; locationId?: unknown },
): boolean {
  const f = expectedFilter(audit);
  return (
    (f.category === undefined || item.category === f.category) &&
    (f.locationId === undefined || item.locationId === f.locationId)
  );
}

/**
 * The id of an item's document in the audit: the asset id, or for a code that matches nothing
 * "code~" and the code's key (`~` is not in an asset id, so the two never collide).
 */
export const unknownCodeKey = (codeKey: string): string => `code~${codeKey}`;

/** The shard of the counters a scan of `key` counts in: the same key always the same shard. */
export function counterShard(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return h % AUDIT_COUNTER_SHARDS;
}

export interface AuditCounts {
  found: number;
  missing: number;
  unexpected: number;
  unknown: number;
}

/** The counts from the shards' sums and the expected total: missing is expected minus found. */
export function auditCounts(
  expected: number,
  sums: { found: number; unexpected: number; unknown: number },
): AuditCounts {
  return {
    found: sums.found,
    missing: Math.max(0, expected - sums.found),
    unexpected: sums.unexpected,
    unknown: sums.unknown,
  };
}

export interface CompleteOptions {
  moveUnexpectedHere: boolean;
  markMissing: boolean;
}
