// Tags: blank pre-printed codes and codes printed elsewhere, and where the scan of an unassigned
// tag goes. Pure.
import {
  isPlainObject,
  unknownFields,
  type Body,
  type FieldError,
  type Validated,
} from './validation';
import { isValidId } from './ids';
import { codeValueProblem } from './tagCodes';

export const MAX_POOL_SIZE = 10_000;
export const MAX_IMPORT_CODES = 10_000;

export interface NewTagPool {
  count: number;
  name?: string;
}

export function validateNewTagPool(body: Body): Validated<NewTagPool> {
  const errors: FieldError[] = unknownFields(body, ['count', 'name']);
  const count = body.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_POOL_SIZE) {
    errors.push({ field: 'count', message: `must be a whole number from 1 to ${MAX_POOL_SIZE}` });
  }
  let name: string | undefined;
  if (body.name !== undefined) {
    if (typeof body.name !== 'string' || body.name.trim().length === 0 || body.name.length > 200) {
      errors.push({ field: 'name', message: 'must be text of 1 to 200 characters' });
    } else name = body.name.trim();
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { count: count as number, ...(name ? { name } : {}) } };
}

export function validateAssign(body: Body): Validated<{ assetId: string }> {
  const errors: FieldError[] = unknownFields(body, ['assetId']);
  if (!isValidId(body.assetId)) {
    errors.push({ field: 'assetId', message: 'is required: a valid asset id' });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { assetId: body.assetId as string } };
}

export interface ImportRow {
  /** Position in the request's list, for error reports. */
  index: number;
  code: string;
  assetId: string | null;
}

/**
 * `{codes: [{code, assetId?}]}`. Rows with problems are reported with their index and left out;
 * the others are imported (a few bad rows lose nothing that was valid).
 */
export function validateImport(
  body: Body,
): Validated<{ rows: ImportRow[]; rejected: Array<FieldError & { index: number }> }> {
  const errors: FieldError[] = unknownFields(body, ['codes']);
  const codes = body.codes;
  if (!Array.isArray(codes) || codes.length === 0 || codes.length > MAX_IMPORT_CODES) {
    errors.push({ field: 'codes', message: `must be a list of 1 to ${MAX_IMPORT_CODES} codes` });
  }
  if (errors.length > 0) return { ok: false, errors };
  const rows: ImportRow[] = [];
  const rejected: Array<FieldError & { index: number }> = [];
  const seen = new Set<string>();
  (codes as unknown[]).forEach((entry, index) => {
    const field = `codes[${index}]`;
    if (!isPlainObject(entry) || unknownFields(entry, ['code', 'assetId']).length > 0) {
      rejected.push({ index, field, message: 'must be an object {code, assetId?}' });
      return;
    }
    const problem = codeValueProblem(entry.code);
    if (problem) {
      rejected.push({ index, field: `${field}.code`, message: problem });
      return;
    }
    const assetId = entry.assetId ?? null;
    if (assetId !== null && !isValidId(assetId)) {
      rejected.push({ index, field: `${field}.assetId`, message: 'is not a valid asset id' });
      return;
    }
    const code = (entry.code as string).trim();
    if (seen.has(code)) {
      rejected.push({ index, field: `${field}.code`, message: 'appears earlier in this list' });
      return;
    }
    seen.add(code);
    rows.push({ index, code, assetId: assetId as string | null });
  });
  return { ok: true, value: { rows, rejected } };
}

/**
 * Where the scan of an unassigned tag goes when the organisation has an assetUrlTemplate: the
 * page its items live under, told the tag's code, so its app can offer "link this tag".
 * Substituting an empty asset id would open an item page for no item, so instead the part of
 * the template that holds {assetId} is taken away and `tagCode` is added as a query parameter:
 *   https://app.example.com/assets/{assetId}      → https://app.example.com/assets/?tagCode=7KM-2XQ-9DA
 *   https://app.example.com/item?id={assetId}&x=1 → https://app.example.com/item?x=1&tagCode=7KM-2XQ-9DA
 *   https://app.example.com/#/assets/{assetId}    → https://app.example.com/?tagCode=7KM-2XQ-9DA#/assets/
 * Undefined when the template is not a usable absolute URL (the scan then shows our own page).
 */
export function unassignedTagUrl(assetUrlTemplate: string, tagCode: string): string | undefined {
  const marker = 'ASSETIDMARKER0f3c';
  let url: URL;
  try {
    url = new URL(assetUrlTemplate.replaceAll('{assetId}', marker));
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const cut = (path: string): string => {
    const at = path.indexOf(marker);
    if (at < 0) return path;
    const slash = path.lastIndexOf('/', at);
    return slash < 0 ? '' : path.slice(0, slash + 1);
  };
  url.pathname = cut(decodeURIComponent(url.pathname)) || '/';
  for (const [key, value] of [...url.searchParams]) {
    if (value.includes(marker) || key.includes(marker)) url.searchParams.delete(key);
  }
  if (url.hash.includes(marker)) url.hash = cut(url.hash);
  url.searchParams.set('tagCode', tagCode);
  return url.toString();
}
