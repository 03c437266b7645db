// The scan ledger's events, pure: their types, what a well-formed one holds, when one is too old
// or from the future, and the result written back onto it. A client app writes an event with an
// id it chose (a UUID), so a write retried after reconnecting is the same write; the trigger (or
// the bulk API) decides its result once (data/ledger.ts).
import { isValidId } from './ids';
import { codeValueProblem } from './tagCodes';
import { isPlainObject, type FieldError } from './validation';

export const SCAN_TYPES = ['audit', 'checkout', 'checkin', 'move', 'seen'] as const;
export type ScanType = (typeof SCAN_TYPES)[number];

export const RESULT_STATUSES = ['applied', 'refused', 'duplicate'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/** Events one bulk request may carry. */
export const MAX_BULK_EVENTS = 500;

/** The fields a client writes (firestore.rules allows exactly these). */
export const CLIENT_FIELDS = [
  'type',
  'code',
  'auditId',
  'checkoutId',
  'locationId',
  'custodian',
  'scannedAt',
  'deviceId',
  'by',
  'createdAt',
] as const;

export type Custodian = { uid: string } | { name: string; email?: string };

/** An event as the ledger applies it, whoever wrote it. */
export interface ScanEvent {
  type: ScanType;
  code: string;
  auditId?: string;
  checkoutId?: string;
  locationId?: string;
  custodian?: Custodian;
  scannedAt: Date;
  deviceId?: string;
  by: string;
}

/**
 * Why an event was refused (or counted as a duplicate): stable words an app can branch on,
 * listed in docs/api.md. The custody reasons (`checked_out`, `booked`, ...) are the check-out
 * routes' own.
 */
export type LedgerReason =
  | 'invalid_event'
  | 'unknown_code'
  | 'too_old'
  | 'in_future'
  | 'superseded'
  | 'location_not_found'
  | 'location_inactive'
  | 'audit_not_found'
  | 'audit_completed'
  | 'already_scanned'
  | 'already_received'
  | 'quota_exceeded'
  | 'gave_up'
  | (string & {});

export interface ScanResult {
  status: ResultStatus;
  reason?: LedgerReason;
  /** Words for a person ("item is checked out to Ana"). */
  message?: string;
  appliedAt: Date;
  itemId?: string;
}

export const refused = (
  reason: LedgerReason,
  message: string,
  appliedAt: Date,
  itemId?: string,
): ScanResult => ({
  status: 'refused',
  reason,
  message,
  appliedAt,
  ...(itemId ? { itemId } : {}),
});

export const applied = (appliedAt: Date, itemId?: string, message?: string): ScanResult => ({
  status: 'applied',
  appliedAt,
  ...(itemId ? { itemId } : {}),
  ...(message ? { message } : {}),
});

/**
 * Whether `scannedAt` lies inside the window the ledger accepts, measured from when the event
 * reached the backend (`receivedAt`), not from when it is applied: a trigger retried later does
 * not make a good event stale.
 */
export function scanTimeProblem(
  scannedAt: Date,
  receivedAt: Date,
  maxAgeDays: number,
  futureToleranceSeconds: number,
): { reason: 'too_old' | 'in_future'; message: string } | undefined {
  const age = receivedAt.getTime() - scannedAt.getTime();
  if (age > maxAgeDays * 86_400_000) {
    return {
      reason: 'too_old',
      message: `scannedAt is more than ${maxAgeDays} days before the event reached the backend`,
    };
  }
  if (-age > futureToleranceSeconds * 1000) {
    return {
      reason: 'in_future',
      message: `scannedAt is more than ${futureToleranceSeconds} s in the future (check the device clock)`,
    };
  }
  return undefined;
}

const optionalText = (value: unknown, max: number): boolean =>
  value === undefined || (typeof value === 'string' && value.length >= 1 && value.length <= max);

const optionalId = (value: unknown): boolean => value === undefined || isValidId(value);

/** What is wrong with a custodian value, or undefined. */
function custodianProblem(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) return 'must be {uid} or {name, email?}';
  const keys = Object.keys(value);
  if ('uid' in value) {
    return keys.length === 1 && isValidId(value.uid) ? undefined : 'must be exactly {uid}';
  }
  if (keys.some((k) => k !== 'name' && k !== 'email')) return 'must be {uid} or {name, email?}';
  if (!optionalText(value.name, 200) || value.name === undefined)
    return 'name must be 1 to 200 characters';
  if (!optionalText(value.email, 320)) return 'email must be 1 to 320 characters';
  return undefined;
}

/**
 * The problems of an event's fields (besides scannedAt and by, which the caller checks in its
 * own form: a Timestamp on a document, an ISO string in the bulk API).
 */
export function eventFieldProblems(data: Record<string, unknown>, prefix = ''): FieldError[] {
  const errors: FieldError[] = [];
  const field = (name: string) => `${prefix}${name}`;
  if (!(SCAN_TYPES as readonly unknown[]).includes(data.type)) {
    errors.push({ field: field('type'), message: `must be one of ${SCAN_TYPES.join(', ')}` });
  }
  const codeProblem = codeValueProblem(data.code);
  if (codeProblem) errors.push({ field: field('code'), message: codeProblem });
  for (const name of ['auditId', 'checkoutId', 'locationId'] as const) {
    if (!optionalId(data[name])) errors.push({ field: field(name), message: 'must be a valid id' });
  }
  if (!optionalText(data.deviceId, 128)) {
    errors.push({ field: field('deviceId'), message: 'must be 1 to 128 characters' });
  }
  const custodian = custodianProblem(data.custodian);
  if (custodian) errors.push({ field: field('custodian'), message: custodian });
  if (data.type === 'audit' && data.auditId === undefined) {
    errors.push({ field: field('auditId'), message: 'is required for an audit scan' });
  }
  if (data.type === 'move' && data.locationId === undefined) {
    errors.push({ field: field('locationId'), message: 'is required for a move' });
  }
  return errors;
}

/** The event's fields in the form the ledger applies, once eventFieldProblems found none. */
export function toScanEvent(data: Record<string, unknown>, scannedAt: Date, by: string): ScanEvent {
  return { ...eventFields(data, scannedAt), by };
}

/** The fields the scanner sent (all but `by`, which is who sent them). */
function eventFields(data: Record<string, unknown>, scannedAt: Date): Omit<ScanEvent, 'by'> {
  const pick = (name: string) =>
    typeof data[name] === 'string' ? { [name]: data[name] as string } : {};
  return {
    type: data.type as ScanType,
    code: String(data.code).trim(),
    ...pick('auditId'),
    ...pick('checkoutId'),
    ...pick('locationId'),
    ...pick('deviceId'),
    ...(isPlainObject(data.custodian) ? { custodian: data.custodian as Custodian } : {}),
    scannedAt,
  };
}

/** One event of a bulk request, checked: ready to apply, or refused with what is wrong. */
export type BulkEntry =
  | { index: number; ok: true; scanId: string; event: Omit<ScanEvent, 'by'> }
  | { index: number; ok: false; scanId: string | null; errors: FieldError[] };

const BULK_FIELDS = ['scanId', ...CLIENT_FIELDS.filter((f) => f !== 'by' && f !== 'createdAt')];

/** ISO 8601 with a date, a time and an offset or Z: a device's clock reading, unambiguous. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseInstant(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/**
 * `{events: [...]}` with 1 to 500 events (501 is a 400). A bad event is answered as refused
 * (`invalid_event`, with its errors) and the others are applied: one typo loses nothing else.
 * The same scanId twice in one request: the second is refused.
 */
export function validateBulkEvents(
  body: Record<string, unknown>,
): { ok: true; value: { entries: BulkEntry[] } } | { ok: false; errors: FieldError[] } {
  const extra = Object.keys(body).filter((k) => k !== 'events');
  if (extra.length > 0) {
    return {
      ok: false,
      errors: extra.map((field) => ({ field, message: 'is not a known field' })),
    };
  }
  const events = body.events;
  if (!Array.isArray(events) || events.length < 1 || events.length > MAX_BULK_EVENTS) {
    return {
      ok: false,
      errors: [
        {
          field: 'events',
          message: `must be a list of 1 to ${MAX_BULK_EVENTS} events${Array.isArray(events) ? ` (got ${events.length})` : ''}`,
        },
      ],
    };
  }
  const ids = new Set<string>();
  const entries = events.map((raw: unknown, index): BulkEntry => {
    const prefix = `events[${index}].`;
    if (!isPlainObject(raw)) {
      return {
        index,
        ok: false,
        scanId: null,
        errors: [{ field: `events[${index}]`, message: 'must be an object' }],
      };
    }
    const scanId = isValidId(raw.scanId) ? raw.scanId : null;
    const errors: FieldError[] = Object.keys(raw)
      .filter((k) => !BULK_FIELDS.includes(k))
      .map((k) => ({ field: `${prefix}${k}`, message: 'is not a known field' }));
    if (!scanId)
      errors.push({
        field: `${prefix}scanId`,
        message: 'is required: 1 to 128 letters, digits, "_" or "-" (a UUID)',
      });
    else if (ids.has(scanId))
      errors.push({ field: `${prefix}scanId`, message: 'appears twice in this request' });
    errors.push(...eventFieldProblems(raw, prefix));
    const scannedAt = parseInstant(raw.scannedAt);
    if (!scannedAt) {
      errors.push({
        field: `${prefix}scannedAt`,
        message: 'must be an ISO 8601 time with an offset or Z',
      });
    }
    if (errors.length > 0 || !scanId || !scannedAt) return { index, ok: false, scanId, errors };
    ids.add(scanId);
    return { index, ok: true, scanId, event: eventFields(raw, scannedAt) };
  });
  return { ok: true, value: { entries } };
}

/** The lowest role an event type needs of its author (checkout and checkin: see mayScan). */
export function mayScan(
  type: ScanType,
  role: { write: boolean; read: boolean },
  selfService: boolean,
  forThemselves: boolean,
): boolean {
  if (type === 'seen' || type === 'audit') return role.read;
  if (type === 'move') return role.write;
  return role.write || (selfService && role.read && forThemselves);
}
