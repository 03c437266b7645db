// The contents of firestore.indexes.json (the Firebase CLI's format): composite indexes and
// single-field index settings (fieldOverrides), parsed and validated into a form the planner
// can match queries against. Field paths are kept in canonical spelling (see values.ts).
import { FieldPathError, canonicalFieldPath, parseFieldPath } from '../values';

export type QueryScope = 'COLLECTION' | 'COLLECTION_GROUP';
export type IndexOrder = 'ASCENDING' | 'DESCENDING';

/** One field of an index: ordered, or an array-contains (arrayConfig CONTAINS) field. */
export type IndexMode = IndexOrder | 'CONTAINS';

export interface IndexFieldSpec {
  /** Canonical field path. */
  fieldPath: string;
  mode: IndexMode;
}

/** The vector field of a vector index (`vectorConfig: {dimension, flat: {}}`, last field). */
export interface VectorFieldSpec {
  /** Canonical field path. */
  fieldPath: string;
  dimension: number;
}

export interface CompositeIndexSpec {
  collectionGroup: string;
  queryScope: QueryScope;
  /** The ordered / array fields (for a vector index: the prefilter fields before the vector). */
  fields: IndexFieldSpec[];
  /** Set for a vector index, which serves only find_nearest queries. */
  vector?: VectorFieldSpec;
  /** The entry as written in the file (for messages and the usage report). */
  source: unknown;
}

export interface SingleFieldIndexSpec {
  mode: IndexMode;
  queryScope: QueryScope;
}

export interface FieldOverrideSpec {
  collectionGroup: string;
  /** Canonical field path. */
  fieldPath: string;
  /**
   * The single-field indexes this field has instead of the automatic ones; [] = exempt from
   * single-field indexing. Undefined when the entry sets no indexes (e.g. only `ttl`).
   */
  indexes: SingleFieldIndexSpec[] | undefined;
  source: unknown;
}

export interface IndexConfig {
  indexes: CompositeIndexSpec[];
  fieldOverrides: FieldOverrideSpec[];
}

export const EMPTY_INDEX_CONFIG: IndexConfig = { indexes: [], fieldOverrides: [] };

/** Why an index file is invalid; the message names the entry. */
export class IndexConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexConfigError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fieldPathOf(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') {
    throw new IndexConfigError(`${where}: "fieldPath" must be a non-empty string`);
  }
  try {
    return canonicalFieldPath(parseFieldPath(v));
  } catch (err) {
    if (err instanceof FieldPathError) throw new IndexConfigError(`${where}: ${err.message}`);
    throw err;
  }
}

function collectionGroupOf(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '' || v.includes('/')) {
    throw new IndexConfigError(`${where}: "collectionGroup" must be a collection id`);
  }
  return v;
}

function scopeOf(v: unknown, where: string): QueryScope {
  if (v === undefined) return 'COLLECTION';
  if (v === 'COLLECTION' || v === 'COLLECTION_GROUP') return v;
  throw new IndexConfigError(`${where}: "queryScope" must be COLLECTION or COLLECTION_GROUP`);
}

/** `order` or `arrayConfig`, exactly one of them. */
function modeOf(entry: Record<string, unknown>, where: string): IndexMode {
  const { order, arrayConfig } = entry;
  if (order !== undefined && arrayConfig !== undefined) {
    throw new IndexConfigError(`${where}: set either "order" or "arrayConfig", not both`);
  }
  if (order === 'ASCENDING' || order === 'DESCENDING') return order;
  if (arrayConfig === 'CONTAINS') return 'CONTAINS';
  if (order !== undefined) {
    throw new IndexConfigError(`${where}: "order" must be ASCENDING or DESCENDING`);
  }
  if (arrayConfig !== undefined)
    throw new IndexConfigError(`${where}: "arrayConfig" must be CONTAINS`);
  throw new IndexConfigError(`${where}: needs "order" or "arrayConfig"`);
}

function parseComposite(entry: unknown, i: number): CompositeIndexSpec {
  const where = `indexes[${i}]`;
  if (!isRecord(entry)) throw new IndexConfigError(`${where} must be an object`);
  const collectionGroup = collectionGroupOf(entry.collectionGroup, where);
  const queryScope = scopeOf(entry.queryScope, where);
  if (!Array.isArray(entry.fields) || entry.fields.length === 0) {
    throw new IndexConfigError(`${where}: "fields" must be a non-empty array`);
  }
  const list: unknown[] = entry.fields;
  let vector: VectorFieldSpec | undefined;
  const fields: IndexFieldSpec[] = [];
  list.forEach((f, j) => {
    const at = `${where}.fields[${j}]`;
    if (!isRecord(f)) throw new IndexConfigError(`${at} must be an object`);
    if (f.vectorConfig === undefined) {
      fields.push({ fieldPath: fieldPathOf(f.fieldPath, at), mode: modeOf(f, at) });
      return;
    }
    vector = vectorOf(f, at, j === list.length - 1);
  });
  const seen = new Set<string>(vector ? [vector.fieldPath] : []);
  for (const f of fields) {
    if (seen.has(f.fieldPath)) {
      throw new IndexConfigError(`${where}: the field "${f.fieldPath}" appears twice`);
    }
    seen.add(f.fieldPath);
  }
  return { collectionGroup, queryScope, fields, ...(vector ? { vector } : {}), source: entry };
}

/** Firestore's largest vector dimension. */
const MAX_VECTOR_DIMENSION = 2048;

/** A `{fieldPath, vectorConfig: {dimension, flat: {}}}` field: the last of a vector index. */
function vectorOf(f: Record<string, unknown>, at: string, last: boolean): VectorFieldSpec {
  if (f.order !== undefined || f.arrayConfig !== undefined) {
    throw new IndexConfigError(`${at}: set "vectorConfig" alone, without "order" or "arrayConfig"`);
  }
  if (!last) throw new IndexConfigError(`${at}: the vector field must be the index's last field`);
  const config = f.vectorConfig;
  const dimension = isRecord(config) ? config.dimension : undefined;
  if (
    typeof dimension !== 'number' ||
    !Number.isInteger(dimension) ||
    dimension < 1 ||
    dimension > MAX_VECTOR_DIMENSION
  ) {
    throw new IndexConfigError(
      `${at}: "vectorConfig.dimension" must be an integer from 1 to ${MAX_VECTOR_DIMENSION}`,
    );
  }
  if (!isRecord(config) || !isRecord(config.flat)) {
    throw new IndexConfigError(`${at}: "vectorConfig" needs "flat": {} (the only index type)`);
  }
  return { fieldPath: fieldPathOf(f.fieldPath, at), dimension };
}

function parseOverride(entry: unknown, i: number): FieldOverrideSpec {
  const where = `fieldOverrides[${i}]`;
  if (!isRecord(entry)) throw new IndexConfigError(`${where} must be an object`);
  const collectionGroup = collectionGroupOf(entry.collectionGroup, where);
  const fieldPath = fieldPathOf(entry.fieldPath, where);
  let indexes: SingleFieldIndexSpec[] | undefined;
  if (entry.indexes !== undefined) {
    if (!Array.isArray(entry.indexes)) {
      throw new IndexConfigError(`${where}: "indexes" must be an array`);
    }
    indexes = entry.indexes.map((x: unknown, j: number): SingleFieldIndexSpec => {
      const at = `${where}.indexes[${j}]`;
      if (!isRecord(x)) throw new IndexConfigError(`${at} must be an object`);
      return { mode: modeOf(x, at), queryScope: scopeOf(x.queryScope, at) };
    });
  }
  return { collectionGroup, fieldPath, indexes, source: entry };
}

/** Validates the parsed JSON of a firestore.indexes.json file. Throws IndexConfigError. */
export function parseIndexConfig(json: unknown): IndexConfig {
  if (!isRecord(json)) throw new IndexConfigError('the file must hold a JSON object');
  const { indexes = [], fieldOverrides = [] } = json;
  if (!Array.isArray(indexes)) throw new IndexConfigError('"indexes" must be an array');
  if (!Array.isArray(fieldOverrides)) {
    throw new IndexConfigError('"fieldOverrides" must be an array');
  }
  const config: IndexConfig = {
    indexes: indexes.map(parseComposite),
    fieldOverrides: fieldOverrides.map(parseOverride),
  };
  const seen = new Set<string>();
  for (const o of config.fieldOverrides) {
    const key = `${o.collectionGroup}\u0000${o.fieldPath}`;
    if (seen.has(key)) {
      throw new IndexConfigError(
        `fieldOverrides: "${o.collectionGroup}" / "${o.fieldPath}" appears more than once`,
      );
    }
    seen.add(key);
  }
  return config;
}

/** Parses the text of a firestore.indexes.json file. Throws IndexConfigError. */
export function parseIndexConfigText(text: string): IndexConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new IndexConfigError(
      `not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return parseIndexConfig(json);
}
