// Audits (stocktakes), pure: which items an audit expects, what a scan makes of an item, how the
// counts add up. data/audits.ts keeps them in Firestore.
import { CATEGORIES, parseCategory, type Category } from './equipment';
import { isValidId } from './ids';
import { parseInstant } from './scanEvents';
import {
  isPlainObject,
  unknownFields,
  type Body,
  type FieldError,
  type Validated,
} from './validation';

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

export interface NewAuditInput {
  name: string;
  locationId?: string;
  filter?: AuditFilter;
  dueAt?: Date;
}

/** POST .../audits: `{name, locationId?, filter?: {category?, locationId?}, dueAt?}`. */
export function validateNewAudit(body: Body): Validated<NewAuditInput> {
  const errors: FieldError[] = unknownFields(body, ['name', 'locationId', 'filter', 'dueAt']);
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (name.length < 1 || name.length > 200) {
    errors.push({ field: 'name', message: 'is required: text of 1 to 200 characters' });
  }
  if (body.locationId !== undefined && !isValidId(body.locationId)) {
    errors.push({ field: 'locationId', message: 'must be a location id' });
  }
  let filter: AuditFilter | undefined;
  if (body.filter !== undefined) {
    if (!isPlainObject(body.filter)) {
      errors.push({ field: 'filter', message: 'must be an object {category?, locationId?}' });
    } else {
      errors.push(
        ...unknownFields(body.filter, ['category', 'locationId']).map((e) => ({
          ...e,
          field: `filter.${e.field}`,
        })),
      );
      const f = body.filter;
      const category = typeof f.category === 'string' ? parseCategory(f.category) : undefined;
      if (f.category !== undefined && !category) {
        errors.push({
          field: 'filter.category',
          message: `must be one of ${CATEGORIES.join(', ')}`,
        });
      }
      if (f.locationId !== undefined && !isValidId(f.locationId)) {
        errors.push({ field: 'filter.locationId', message: 'must be a location id' });
      }
      filter = {
        ...(category ? { category } : {}),
        ...(isValidId(f.locationId) ? { locationId: f.locationId } : {}),
      };
    }
  }
  const dueAt = body.dueAt === undefined ? undefined : parseInstant(body.dueAt);
  if (body.dueAt !== undefined && !dueAt) {
    errors.push({ field: 'dueAt', message: 'must be an ISO 8601 time with an offset or Z' });
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      name,
      ...(typeof body.locationId === 'string' ? { locationId: body.locationId } : {}),
      ...(filter ? { filter } : {}),
      ...(dueAt ? { dueAt } : {}),
    },
  };
}

/** POST .../complete: `{apply?: {moveUnexpectedHere?, markMissing?}}`, both false by default. */
export function validateComplete(body: Body): Validated<CompleteOptions> {
  const errors: FieldError[] = unknownFields(body, ['apply']);
  const apply = body.apply ?? {};
  if (!isPlainObject(apply)) {
    errors.push({
      field: 'apply',
      message: 'must be an object {moveUnexpectedHere?, markMissing?}',
    });
    return { ok: false, errors };
  }
  errors.push(
    ...unknownFields(apply, ['moveUnexpectedHere', 'markMissing']).map((e) => ({
      ...e,
      field: `apply.${e.field}`,
    })),
  );
  for (const k of ['moveUnexpectedHere', 'markMissing'] as const) {
    if (apply[k] !== undefined && typeof apply[k] !== 'boolean') {
      errors.push({ field: `apply.${k}`, message: 'must be true or false' });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      moveUnexpectedHere: apply.moveUnexpectedHere === true,
      markMissing: apply.markMissing === true,
    },
  };
}
