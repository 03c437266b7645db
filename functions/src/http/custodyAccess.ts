// What the custody and booking routes share: which items a body names, who may act for which
// custodian (editors for anyone; any member for themselves when the organisation has
// selfServiceCheckout), and times read and shown in the organisation's zone.
import { formatInZone, parseInstant } from '../domain/custodyTime';
import type { Custodian } from '../domain/custody';
import { AppError } from '../domain/errors';
import { allows } from '../domain/roles';
import { resolveItemCodes } from '../data/custodyCodes';
import { memberRef } from '../data/paths';
import { quotaLimits, spendDaily } from '../data/quotas';
import type { Organization } from '../data/organizations';
import type { OrgAccess } from './routes';

export interface NamedItems {
  assetIds: string[];
  /** The code that named each item, when codes were given. */
  codes: Map<string, string>;
  unknownCodes: string[];
}

function invalid(field: string, message: string): AppError {
  return new AppError('invalid_argument', `${field} ${message}`, {
    field,
    errors: [{ field, message }],
  });
}

/** The items of a body with `assetIds` or `codes` (exactly one), codes resolved in one read. */
export async function namedItems(
  orgId: string,
  body: { assetIds?: string[]; codes?: string[] },
): Promise<NamedItems> {
  if (body.assetIds && body.codes) throw invalid('codes', 'cannot be given with assetIds');
  if (body.assetIds) {
    return { assetIds: [...new Set(body.assetIds)], codes: new Map(), unknownCodes: [] };
  }
  if (!body.codes) throw invalid('assetIds', 'or codes is required');
  const resolved = await resolveItemCodes(orgId, body.codes);
  return {
    assetIds: resolved.items.map((i) => i.assetId),
    codes: new Map(resolved.items.map((i) => [i.assetId, i.code])),
    unknownCodes: resolved.unknownCodes,
  };
}

/**
 * The custodian a request acts for, checked: an editor (or higher, or an API key with that role)
 * names anyone; a member below editor only themselves, and only with selfServiceCheckout on. A
 * `{uid}` must be a member; their email is kept with it. Absent: the caller, when a person.
 */
export async function custodianFor(
  access: OrgAccess,
  org: Organization,
  given: Custodian | undefined,
  fallback?: Custodian,
): Promise<Custodian | undefined> {
  const { caller, role, orgId } = access;
  const self = caller.kind === 'user' ? caller.uid : undefined;
  const custodian: Custodian | undefined = given ?? fallback ?? (self ? { uid: self } : undefined);
  if (!allows(role, 'write')) {
    const forSelf = custodian && 'uid' in custodian && custodian.uid === self;
    if (!org.selfServiceCheckout || !forSelf) {
      throw new AppError(
        'permission_denied',
        org.selfServiceCheckout
          ? 'Members below editor may act only for themselves'
          : 'Needs the editor role (the organisation has no self-service checkout)',
      );
    }
  }
  if (!custodian || !('uid' in custodian)) return custodian;
  const member = (await memberRef(orgId, custodian.uid).get()).data();
  if (!member) throw invalid('custodian.uid', 'is not a member of this organisation');
  return typeof member.email === 'string'
    ? { uid: custodian.uid, email: member.email }
    : { uid: custodian.uid };
}

/** A time field as an instant (no offset: in the organisation's zone); 400 when not ISO 8601. */
export function instant(field: string, text: string, timeZone: string): number {
  const at = parseInstant(text, timeZone);
  if (at === undefined) {
    throw invalid(
      field,
      'must be an ISO 8601 time such as 2027-10-29T09:00 (in the organisation’s zone) or 2027-10-29T07:00:00Z',
    );
  }
  return at;
}

/** [from, to): from before to, to in the future (from may lie in the past: booked late). */
export function bookingWindow(from: number, to: number, now: number): void {
  if (from >= to) throw invalid('to', 'must be after from');
  if (to <= now) throw invalid('to', 'must be in the future');
}

/** An instant as shown: in the organisation's zone, with its offset. */
export const shown = (ms: number | null, timeZone: string): string | null =>
  ms === null ? null : formatInZone(ms, timeZone);

/**
 * Counts `items` against today's custodyItemsPerDay (429 quota_exceeded, nothing written, past
 * it): each checkout or booking writes every item it names. Counted before the transaction, so
 * the count's document never joins (and serialises) the bookings of the organisation.
 */
export async function spendCustodyItems(orgId: string, items: number): Promise<void> {
  const limits = await quotaLimits(orgId);
  await spendDaily(orgId, 'custodyItemsPerDay', items, limits.custodyItemsPerDay);
}
