// Request bodies of the manufacturing routes. Each validator reports every bad field at once.
import { ID_RULE, isValidId } from '../ids';
import {
  readBoolean,
  readString,
  result,
  unknownFields,
  type Body,
  type FieldError,
  type Validated,
} from '../validation';
import { isCodeStatus, type CodeStatus } from './status';
import { PREFIX_PATTERN } from './codes';
import { gtinProblem } from '../gs1';

export const MAX_BATCH_UNITS = 100_000;
export const MAX_MASTER_UNITS = 10_000;
export const MAX_LINK_UNITS = 500;
export const MAX_EXCLUDE_CODES = 10_000;

function readInt(
  body: Body,
  field: string,
  rule: { min: number; max: number; required?: boolean },
  errors: FieldError[],
): number | undefined {
  const raw = body[field];
  if (raw === undefined || raw === null) {
    if (rule.required) errors.push({ field, message: 'is required' });
    return undefined;
  }
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < rule.min || raw > rule.max) {
    errors.push({ field, message: `must be a whole number from ${rule.min} to ${rule.max}` });
    return undefined;
  }
  return raw;
}

function readId(body: Body, field: string, required: boolean, errors: FieldError[]) {
  const raw = body[field];
  if (raw === undefined || raw === null) {
    if (required) errors.push({ field, message: 'is required' });
    return undefined;
  }
  if (!isValidId(raw)) {
    errors.push({
      field,
      message: ID_RULE,
    });
    return undefined;
  }
  return raw;
}

export interface NewOrder {
  orderId?: string;
  name: string;
  sku: string | null;
  /** Shown on the page a consumer's scan opens. */
  productName: string | null;
  /** With a GTIN, unit codes encode a GS1 Digital Link URI (as given: 8, 12, 13 or 14 digits). */
  gtin: string | null;
  /** Units need their printed redemption secret to be redeemed. */
  redemptionSecret: boolean;
}

export function validateNewOrder(body: Body): Validated<NewOrder> {
  const errors = unknownFields(body, [
    'orderId',
    'name',
    'sku',
    'productName',
    'gtin',
    'redemptionSecret',
  ]);
  const orderId = readId(body, 'orderId', false, errors);
  const name = readString(body, 'name', { required: true, max: 200 }, errors);
  const sku = readString(body, 'sku', { max: 100 }, errors);
  const productName = readString(body, 'productName', { max: 200 }, errors);
  let gtin: string | null = null;
  if (body.gtin !== undefined && body.gtin !== null) {
    const problem = gtinProblem(body.gtin);
    if (problem) errors.push({ field: 'gtin', message: problem });
    else gtin = body.gtin as string;
  }
  const redemptionSecret = readBoolean(body, 'redemptionSecret', errors) ?? false;
  return result(
    {
      orderId,
      name: name ?? '',
      sku: sku || null,
      productName: productName || null,
      gtin,
      redemptionSecret,
    },
    errors,
  );
}

export interface NewBatch {
  units: number;
  prefix: string;
}

export function validateNewBatch(body: Body): Validated<NewBatch> {
  const errors = unknownFields(body, ['units', 'prefix']);
  const units = readInt(body, 'units', { min: 1, max: MAX_BATCH_UNITS, required: true }, errors);
  let prefix = '';
  if (body.prefix !== undefined && body.prefix !== null) {
    if (typeof body.prefix !== 'string' || !PREFIX_PATTERN.test(body.prefix)) {
      errors.push({ field: 'prefix', message: 'must be up to 32 letters, digits, "_" or "-"' });
    } else prefix = body.prefix;
  }
  return result({ units: units ?? 0, prefix }, errors);
}

export interface NewMaster {
  orderId: string;
  expectedUnits: number;
  caseNumber: number | null;
  /** The batch it is made for: it then refuses codes of any other batch. */
  batchId: string | null;
}

export function validateNewMaster(body: Body): Validated<NewMaster> {
  const errors = unknownFields(body, ['orderId', 'expectedUnits', 'caseNumber', 'batchId']);
  const orderId = readId(body, 'orderId', true, errors);
  const batchId = readId(body, 'batchId', false, errors);
  const expectedUnits = readInt(
    body,
    'expectedUnits',
    { min: 1, max: MAX_MASTER_UNITS, required: true },
    errors,
  );
  const caseNumber = readInt(body, 'caseNumber', { min: 1, max: 1_000_000_000 }, errors);
  return result(
    {
      orderId: orderId ?? '',
      expectedUnits: expectedUnits ?? 0,
      caseNumber: caseNumber ?? null,
      batchId: batchId ?? null,
    },
    errors,
  );
}

export interface NewPrepJob {
  orderId: string;
  batchId: string;
  /** Distinct, in the order given. */
  excludeCodes: string[];
}

export function validateNewPrepJob(body: Body): Validated<NewPrepJob> {
  const errors = unknownFields(body, ['orderId', 'batchId', 'excludeCodes']);
  const orderId = readId(body, 'orderId', true, errors);
  const batchId = readId(body, 'batchId', true, errors);
  const excludeCodes: string[] = [];
  const raw = body.excludeCodes;
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw) || raw.some((c) => typeof c !== 'string')) {
      errors.push({ field: 'excludeCodes', message: 'must be a list of codes (strings)' });
    } else if (raw.some((c) => (c as string).length > 128)) {
      // No code is that long; refusing it keeps the job document well under 1 MiB.
      errors.push({ field: 'excludeCodes', message: 'holds a code longer than 128 characters' });
    } else if (raw.length > MAX_EXCLUDE_CODES) {
      errors.push({
        field: 'excludeCodes',
        message: `has ${raw.length} codes (at most ${MAX_EXCLUDE_CODES})`,
      });
    } else {
      const seen = new Set<string>();
      for (const code of raw as string[]) {
        const trimmed = code.trim();
        if (trimmed && !seen.has(trimmed)) {
          seen.add(trimmed);
          excludeCodes.push(trimmed);
        }
      }
    }
  }
  return result({ orderId: orderId ?? '', batchId: batchId ?? '', excludeCodes }, errors);
}

export interface LinkRequest {
  orderId: string;
  batchId: string;
  targetUnits: number;
  allowPartial: boolean;
}

export function validateLinkRequest(body: Body): Validated<LinkRequest> {
  const errors = unknownFields(body, ['orderId', 'batchId', 'targetUnits', 'allowPartial']);
  const orderId = readId(body, 'orderId', true, errors);
  const batchId = readId(body, 'batchId', true, errors);
  const targetUnits = readInt(
    body,
    'targetUnits',
    { min: 1, max: MAX_LINK_UNITS, required: true },
    errors,
  );
  const allowPartial = readBoolean(body, 'allowPartial', errors) ?? false;
  return result(
    {
      orderId: orderId ?? '',
      batchId: batchId ?? '',
      targetUnits: targetUnits ?? 0,
      allowPartial,
    },
    errors,
  );
}

export function validateStatusChange(body: Body): Validated<{ status: CodeStatus }> {
  const errors = unknownFields(body, ['status']);
  if (!isCodeStatus(body.status)) {
    errors.push({
      field: 'status',
      message: 'must be one of generated, packed, shipped, scanned, redeemed',
    });
  }
  return result({ status: body.status as CodeStatus }, errors);
}
