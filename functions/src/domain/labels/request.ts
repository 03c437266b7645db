// The body of POST /v1/orgs/{orgId}/labels, validated: what to print (items by id, items by a
// filter, or a tag pool), on which template (a built-in id or a custom grid), with which fields,
// from which position of a partly used sheet, and shifted by how much for the printer's feed.
import { isValidId } from '../ids';
import {
  isPlainObject,
  unknownFields,
  type Body,
  type FieldError,
  type Validated,
} from '../validation';
import { builtInTemplate, withLength, type LabelTemplate, type PageSize } from './templates';

export const MAX_ASSET_IDS = 5000;
export const LABEL_FIELDS = ['name', 'assetId', 'serialNumber', 'location'] as const;
export type LabelField = (typeof LABEL_FIELDS)[number];
export const DEFAULT_FIELDS: LabelField[] = ['name', 'assetId'];
const MAX_OFFSET_MM = 20;

export type LabelSource =
  | { kind: 'assetIds'; assetIds: string[] }
  | { kind: 'filter'; category?: string; locationId?: string }
  | { kind: 'tagPool'; tagPoolId: string }
  /** Bin labels of stock items (their scan opens the item: data/stockScans.ts). */
  | { kind: 'stockItemIds'; stockItemIds: string[] };

export interface LabelRequest {
  source: LabelSource;
  template: LabelTemplate;
  fields: LabelField[];
  startPosition: number;
  offsetMm: { x: number; y: number };
}

const ALLOWED = [
  'assetIds',
  'filter',
  'tagPoolId',
  'stockItemIds',
  'template',
  'lengthMm',
  'fields',
  'startPosition',
  'offsetMm',
];

export function validateLabelRequest(body: Body): Validated<LabelRequest> {
  const errors: FieldError[] = unknownFields(body, ALLOWED);
  const source = readSource(body, errors);
  const template = readTemplate(body, errors);
  const fields = readFields(body, errors);
  let startPosition = 1;
  if (body.startPosition !== undefined) {
    const perPage = template ? template.columns * template.rows : Infinity;
    const v = body.startPosition;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > perPage) {
      errors.push({
        field: 'startPosition',
        message: `must be a whole number from 1 to ${Number.isFinite(perPage) ? perPage : 'the labels per sheet'} (the first unused label, counted left to right, top to bottom)`,
      });
    } else startPosition = v;
  }
  const offsetMm = { x: 0, y: 0 };
  if (body.offsetMm !== undefined) {
    const o = body.offsetMm;
    if (!isPlainObject(o) || unknownFields(o, ['x', 'y']).length > 0) {
      errors.push({ field: 'offsetMm', message: 'must be an object {x, y} in millimetres' });
    } else {
      for (const axis of ['x', 'y'] as const) {
        const v = o[axis] ?? 0;
        if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > MAX_OFFSET_MM) {
          errors.push({
            field: `offsetMm.${axis}`,
            message: `must be a number of millimetres from -${MAX_OFFSET_MM} to ${MAX_OFFSET_MM}`,
          });
        } else offsetMm[axis] = v;
      }
    }
  }
  if (errors.length > 0 || !source || !template) {
    return { ok: false, errors };
  }
  return { ok: true, value: { source, template, fields, startPosition, offsetMm } };
}

function readSource(body: Body, errors: FieldError[]): LabelSource | undefined {
  const given = (['assetIds', 'filter', 'tagPoolId', 'stockItemIds'] as const).filter(
    (k) => body[k] !== undefined,
  );
  if (given.length !== 1) {
    errors.push({
      field: given.length === 0 ? 'assetIds' : given.join(','),
      message: 'give exactly one of assetIds, filter, tagPoolId or stockItemIds',
    });
    return undefined;
  }
  if (given[0] === 'stockItemIds') {
    const ids = body.stockItemIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_ASSET_IDS) {
      errors.push({
        field: 'stockItemIds',
        message: `must be a list of 1 to ${MAX_ASSET_IDS} skus`,
      });
      return undefined;
    }
    const bad = ids.findIndex((id) => !isValidId(id));
    if (bad >= 0) {
      errors.push({ field: `stockItemIds[${bad}]`, message: 'is not a valid sku' });
      return undefined;
    }
    return { kind: 'stockItemIds', stockItemIds: ids as string[] };
  }
  if (given[0] === 'assetIds') {
    const ids = body.assetIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_ASSET_IDS) {
      errors.push({
        field: 'assetIds',
        message: `must be a list of 1 to ${MAX_ASSET_IDS} asset ids`,
      });
      return undefined;
    }
    const bad = ids.findIndex((id) => !isValidId(id));
    if (bad >= 0) {
      errors.push({
        field: `assetIds[${bad}]`,
        message: 'is not a valid asset id (letters, digits, "_" and "-", 1 to 128 characters)',
      });
      return undefined;
    }
    return { kind: 'assetIds', assetIds: ids as string[] };
  }
  if (given[0] === 'filter') {
    const f = body.filter;
    if (!isPlainObject(f)) {
      errors.push({ field: 'filter', message: 'must be an object {category?, locationId?}' });
      return undefined;
    }
    const unknown = unknownFields(f, ['category', 'locationId']).map((e) => ({
      ...e,
      field: `filter.${e.field}`,
    }));
    errors.push(...unknown);
    const out: LabelSource = { kind: 'filter' };
    if (f.category !== undefined) {
      if (typeof f.category !== 'string' || f.category.length === 0 || f.category.length > 50) {
        errors.push({ field: 'filter.category', message: 'must be a category name' });
      } else out.category = f.category.trim().toUpperCase();
    }
    if (f.locationId !== undefined) {
      if (!isValidId(f.locationId)) {
        errors.push({ field: 'filter.locationId', message: 'is not a valid location id' });
      } else out.locationId = f.locationId;
    }
    return unknown.length > 0 ? undefined : out;
  }
  if (!isValidId(body.tagPoolId)) {
    errors.push({ field: 'tagPoolId', message: 'is not a valid pool id' });
    return undefined;
  }
  return { kind: 'tagPool', tagPoolId: body.tagPoolId };
}

function readFields(body: Body, errors: FieldError[]): LabelField[] {
  if (body.fields === undefined) return DEFAULT_FIELDS;
  const f = body.fields;
  if (
    !Array.isArray(f) ||
    f.length > LABEL_FIELDS.length ||
    f.some((x) => !(LABEL_FIELDS as readonly unknown[]).includes(x)) ||
    new Set(f).size !== f.length
  ) {
    errors.push({
      field: 'fields',
      message: `must be a list of distinct fields from ${LABEL_FIELDS.join(', ')}`,
    });
    return DEFAULT_FIELDS;
  }
  return f as LabelField[];
}

function readTemplate(body: Body, errors: FieldError[]): LabelTemplate | undefined {
  const t = body.template;
  let template: LabelTemplate | undefined;
  if (typeof t === 'string') {
    template = builtInTemplate(t);
    if (!template) {
      errors.push({
        field: 'template',
        message: `is not a known template (GET /v1/label-templates lists them)`,
      });
      return undefined;
    }
  } else if (isPlainObject(t)) {
    template = validateCustomTemplate(t, errors);
    if (!template) return undefined;
  } else {
    errors.push({ field: 'template', message: 'is required: a template id or a custom template' });
    return undefined;
  }
  if (body.lengthMm !== undefined) {
    const c = template.continuous;
    const v = body.lengthMm;
    if (!c) {
      errors.push({ field: 'lengthMm', message: 'applies only to continuous media' });
    } else if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < c.minLengthMm ||
      v > c.maxLengthMm
    ) {
      errors.push({
        field: 'lengthMm',
        message: `must be from ${c.minLengthMm} to ${c.maxLengthMm} millimetres`,
      });
    } else template = withLength(template, v);
  }
  return template;
}

const PAGE_SIZES: Record<string, PageSize> = {
  A4: { widthMm: 210, heightMm: 297 },
  Letter: { widthMm: 215.9, heightMm: 279.4 },
};

const CUSTOM_FIELDS = [
  'name',
  'page',
  'columns',
  'rows',
  'labelWidthMm',
  'labelHeightMm',
  'marginLeftMm',
  'marginTopMm',
  'pitchXMm',
  'pitchYMm',
  'cutMarks',
];

/** The measures of a custom grid, in millimetres (pitches default to the label size). */
type Grid = Pick<
  LabelTemplate,
  | 'columns'
  | 'rows'
  | 'labelWidthMm'
  | 'labelHeightMm'
  | 'marginLeftMm'
  | 'marginTopMm'
  | 'pitchXMm'
  | 'pitchYMm'
>;

/** "A4", "Letter" or {widthMm, heightMm}; an error and undefined otherwise. */
function readPage(t: Body, errors: FieldError[]): PageSize | undefined {
  if (typeof t.page === 'string' && PAGE_SIZES[t.page]) return PAGE_SIZES[t.page];
  if (isPlainObject(t.page)) {
    const w = t.page.widthMm;
    const h = t.page.heightMm;
    const inRange = (v: unknown): v is number => typeof v === 'number' && v >= 10 && v <= 1200;
    if (inRange(w) && inRange(h)) return { widthMm: w, heightMm: h };
  }
  errors.push({
    field: 'template.page',
    message: 'must be "A4", "Letter" or {widthMm, heightMm} (10 to 1200 mm)',
  });
  return undefined;
}

/** Every measure in its range; NaN (and an error) for one that is not. */
function readGrid(t: Body, errors: FieldError[]): Grid {
  const num = (field: string, min: number, max: number, integer = false): number => {
    const v = t[field];
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < min ||
      v > max ||
      (integer && !Number.isInteger(v))
    ) {
      errors.push({
        field: `template.${field}`,
        message: `must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`,
      });
      return NaN;
    }
    return v;
  };
  const columns = num('columns', 1, 50, true);
  const rows = num('rows', 1, 100, true);
  const labelWidthMm = num('labelWidthMm', 5, 1200);
  const labelHeightMm = num('labelHeightMm', 5, 1200);
  const marginLeftMm = num('marginLeftMm', 0, 1200);
  const marginTopMm = num('marginTopMm', 0, 1200);
  const pitchXMm = t.pitchXMm === undefined ? labelWidthMm : num('pitchXMm', 5, 1200);
  const pitchYMm = t.pitchYMm === undefined ? labelHeightMm : num('pitchYMm', 5, 1200);
  return {
    columns,
    rows,
    labelWidthMm,
    labelHeightMm,
    marginLeftMm,
    marginTopMm,
    pitchXMm,
    pitchYMm,
  };
}

/** The template's name and cut marks, which have no measure. */
function checkNameAndCutMarks(t: Body, errors: FieldError[]): void {
  if (t.cutMarks !== undefined && typeof t.cutMarks !== 'boolean') {
    errors.push({ field: 'template.cutMarks', message: 'must be true or false' });
  }
  if (t.name !== undefined && (typeof t.name !== 'string' || t.name.length > 100)) {
    errors.push({ field: 'template.name', message: 'must be text of at most 100 characters' });
  }
}

/** Labels that do not overlap, and a grid that stays on the page. */
function checkGridFits(grid: Grid, page: PageSize, errors: FieldError[]): void {
  if (grid.pitchXMm < grid.labelWidthMm) {
    errors.push({
      field: 'template.pitchXMm',
      message: 'must be at least labelWidthMm (labels would overlap)',
    });
  }
  if (grid.pitchYMm < grid.labelHeightMm) {
    errors.push({
      field: 'template.pitchYMm',
      message: 'must be at least labelHeightMm (labels would overlap)',
    });
  }
  const right = grid.marginLeftMm + (grid.columns - 1) * grid.pitchXMm + grid.labelWidthMm;
  const bottom = grid.marginTopMm + (grid.rows - 1) * grid.pitchYMm + grid.labelHeightMm;
  if (right > page.widthMm + 1e-9) {
    errors.push({
      field: 'template',
      message: `the grid is ${right.toFixed(2)} mm wide with its left margin; the page is ${page.widthMm} mm`,
    });
  }
  if (bottom > page.heightMm + 1e-9) {
    errors.push({
      field: 'template',
      message: `the grid is ${bottom.toFixed(2)} mm tall with its top margin; the page is ${page.heightMm} mm`,
    });
  }
}

/** A custom grid: every measure a positive number and the whole grid on the page. */
export function validateCustomTemplate(t: Body, errors: FieldError[]): LabelTemplate | undefined {
  const before = errors.length;
  errors.push(
    ...unknownFields(t, CUSTOM_FIELDS).map((e) => ({ ...e, field: `template.${e.field}` })),
  );
  const page = readPage(t, errors);
  const grid = readGrid(t, errors);
  checkNameAndCutMarks(t, errors);
  if (errors.length > before || !page) return undefined;
  checkGridFits(grid, page, errors);
  if (errors.length > before) return undefined;
  const single =
    grid.columns * grid.rows === 1 && grid.marginLeftMm === 0 && grid.marginTopMm === 0;
  return {
    id: 'custom',
    name: typeof t.name === 'string' ? t.name : 'Custom template',
    kind: single ? 'printer' : 'sheet',
    page,
    ...grid,
    cutMarks: t.cutMarks === true,
  };
}
