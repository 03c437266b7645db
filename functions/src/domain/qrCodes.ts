// Standalone QR codes: what a create request may contain, and when a code has expired.
import { buildMatrix, QrTextEmptyError, QrTextTooLongError } from './qr/matrix';
import { QR_DEFAULTS } from './qr';
import {
  type Body,
  type FieldError,
  type Validated,
  readBoolean,
  readString,
  result,
  unknownFields,
} from './validation';

export const QR_LABEL_MAX = 200;
export const QR_URL_MAX = 2048;
export const EXPIRES_IN_HOURS_MAX = 8760;

export interface NewQrCode {
  /** The text a static code encodes (the url when only url was given). */
  data: string | null;
  /** Where a tracked code's scans are redirected; also allowed on a static code. */
  url: string | null;
  label: string | null;
  tracked: boolean;
  expiresInHours: number | null;
  /** Human scans allowed in all (bots use none); null for no limit. */
  maxScans: number | null;
  validFrom: Date | null;
  validUntil: Date | null;
}

export const MAX_SCANS_MAX = 1_000_000_000;

/** The limit and window fields a create or a PATCH may set; null clears one. */
export interface ScanLimitFields {
  maxScans?: number | null;
  validFrom?: Date | null;
  validUntil?: Date | null;
}

function readInstant(body: Body, field: string, errors: FieldError[]): Date | null | undefined {
  const raw = body[field];
  if (raw === undefined) return undefined;
  if (raw === null) return null;
  const date = typeof raw === 'string' ? new Date(raw) : new Date(NaN);
  if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(date.getTime())) {
    errors.push({ field, message: 'must be an ISO 8601 date and time, e.g. 2027-03-01T00:00:00Z' });
    return undefined;
  }
  return date;
}

/** maxScans, validFrom and validUntil of a body, each only when present. */
export function readScanLimits(body: Body, errors: FieldError[]): ScanLimitFields {
  const out: ScanLimitFields = {};
  const max = body.maxScans;
  if (max === null) out.maxScans = null;
  else if (max !== undefined) {
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_SCANS_MAX) {
      errors.push({
        field: 'maxScans',
        message: `must be a whole number from 1 to ${MAX_SCANS_MAX}`,
      });
    } else out.maxScans = max;
  }
  const validFrom = readInstant(body, 'validFrom', errors);
  const validUntil = readInstant(body, 'validUntil', errors);
  if (validFrom !== undefined) out.validFrom = validFrom;
  if (validUntil !== undefined) out.validUntil = validUntil;
  if (validFrom && validUntil && validFrom.getTime() >= validUntil.getTime()) {
    errors.push({ field: 'validUntil', message: 'must be later than validFrom' });
  }
  return out;
}

export interface QrCodePatch extends ScanLimitFields {
  label?: string | null;
}

export function validateQrCodePatch(body: Body): Validated<QrCodePatch> {
  const errors: FieldError[] = unknownFields(body, [
    'label',
    'maxScans',
    'validFrom',
    'validUntil',
  ]);
  const patch: QrCodePatch = readScanLimits(body, errors);
  if (body.label === null) patch.label = null;
  else if (body.label !== undefined) {
    patch.label = readString(body, 'label', { max: QR_LABEL_MAX }, errors) || null;
  }
  if (Object.keys(body).length === 0) {
    errors.push({
      field: 'body',
      message: 'give at least one of label, maxScans, validFrom, validUntil',
    });
  }
  return result(patch, errors);
}

/** Why `value` is not an http(s) URL a browser can open, or undefined. */
export function httpUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not contain a user name or password';
  return undefined;
}

/** Why `text` cannot be a QR code at the default error-correction level, or undefined. */
export function encodableProblem(text: string): string | undefined {
  try {
    buildMatrix(text, QR_DEFAULTS.errorCorrection);
    return undefined;
  } catch (err) {
    if (err instanceof QrTextTooLongError || err instanceof QrTextEmptyError) return err.message;
    throw err;
  }
}

export function validateNewQrCode(body: Body): Validated<NewQrCode> {
  const errors: FieldError[] = unknownFields(body, [
    'data',
    'url',
    'label',
    'tracked',
    'expiresInHours',
    'maxScans',
    'validFrom',
    'validUntil',
  ]);
  const limits = readScanLimits(body, errors);
  const tracked = readBoolean(body, 'tracked', errors) ?? false;
  const label = readString(body, 'label', { max: QR_LABEL_MAX }, errors) || null;
  let url: string | null = null;
  if (body.url !== undefined) {
    const raw = readString(body, 'url', { required: true, max: QR_URL_MAX }, errors);
    const problem = raw === undefined ? undefined : httpUrlProblem(raw);
    if (problem) errors.push({ field: 'url', message: problem });
    else if (raw) url = raw;
  }
  let data: string | null = null;
  if (body.data !== undefined) {
    // Encoded exactly as given: spaces and line breaks may matter to whoever scans it.
    if (typeof body.data !== 'string' || body.data.length === 0) {
      errors.push({ field: 'data', message: 'must be a non-empty string' });
    } else {
      data = body.data;
    }
  }
  if (
    data === null &&
    url === null &&
    !errors.some((e) => e.field === 'data' || e.field === 'url')
  ) {
    errors.push({ field: 'data', message: 'give data (any text) or url' });
  }
  if (data !== null && url !== null) {
    errors.push({ field: 'data', message: 'give either data or url, not both' });
  }
  if (tracked && data !== null) {
    errors.push({
      field: 'tracked',
      message: 'a tracked code redirects to a url: give url instead of data',
    });
  }
  const encoded = data ?? (tracked ? null : url);
  const problem = encoded === null ? undefined : encodableProblem(encoded);
  if (problem) errors.push({ field: data !== null ? 'data' : 'url', message: problem });

  let expiresInHours: number | null = null;
  const rawHours = body.expiresInHours;
  if (rawHours !== undefined && rawHours !== null) {
    if (
      typeof rawHours !== 'number' ||
      !Number.isInteger(rawHours) ||
      rawHours < 1 ||
      rawHours > EXPIRES_IN_HOURS_MAX
    ) {
      errors.push({
        field: 'expiresInHours',
        message: `must be a whole number of hours from 1 to ${EXPIRES_IN_HOURS_MAX}`,
      });
    } else {
      expiresInHours = rawHours;
    }
  }
  const limited = limits.maxScans != null || limits.validFrom != null || limits.validUntil != null;
  if (limited && !tracked) {
    errors.push({
      field: 'tracked',
      message:
        'maxScans, validFrom and validUntil need a tracked code (a static one is never seen scanned)',
    });
  }
  return result(
    {
      data: data ?? (tracked ? null : url),
      url,
      label,
      tracked,
      expiresInHours,
      maxScans: limits.maxScans ?? null,
      validFrom: limits.validFrom ?? null,
      validUntil: limits.validUntil ?? null,
    },
    errors,
  );
}

export function isExpired(expiresAt: Date | null, now: Date = new Date()): boolean {
  return expiresAt !== null && expiresAt.getTime() <= now.getTime();
}
