// Vector search: StructuredQuery.find_nearest (query.proto FindNearest), as Firestore's
// documentation ("Search with vector embeddings") and nodejs-firestore's system tests describe it.
//
// - A vector is the map `{__type__: "__vector__", value: [numbers]}` (values.ts isVector).
// - The query's filters run first (pre-filter); of what they match, only documents whose
//   vector_field holds a vector of the query vector's dimension take part (others are skipped,
//   as a vector index has no entry for them).
// - EUCLIDEAN and COSINE are distances (smaller is nearer; COSINE is 1 - cosine similarity);
//   DOT_PRODUCT is a similarity (larger is nearer). distance_threshold keeps distances <= it
//   (EUCLIDEAN, COSINE) or similarities >= it (DOT_PRODUCT).
// - The nearest `limit` (1..1000) are returned nearest first; distance_result_field, when set,
//   gets the distance as a double in each returned document (overwriting a field of that name).
import { invalid, parsePath } from './query';
import type { Document, Value } from './types';
import { doubleOf, getField, isVector, valueKind } from './values';
import { setField } from './fields';

/** Production's limits: at most 1000 results and 2048 dimensions. */
export const MAX_NEAREST_LIMIT = 1000;
export const MAX_VECTOR_DIMENSION = 2048;

export type DistanceMeasure = 'EUCLIDEAN' | 'COSINE' | 'DOT_PRODUCT';

/** google.firestore.v1.StructuredQuery.FindNearest as decoded. */
export interface FindNearest {
  vectorField?: { fieldPath?: string };
  queryVector?: Value;
  distanceMeasure?: string;
  limit?: { value?: number };
  distanceResultField?: string;
  distanceThreshold?: { value?: number };
}

/** The numbers of a vector value, or undefined when `v` is not a vector of numbers. */
export function vectorOf(v: Value | undefined): number[] | undefined {
  if (v === undefined || valueKind(v) !== 'mapValue' || !isVector(v)) return undefined;
  const value = v.mapValue?.fields?.value;
  if (value === undefined || valueKind(value) !== 'arrayValue') return undefined;
  const out: number[] = [];
  for (const e of value.arrayValue?.values ?? []) {
    const kind = valueKind(e);
    if (kind !== 'doubleValue' && kind !== 'integerValue') return undefined;
    out.push(doubleOf(e));
  }
  return out;
}

function distance(measure: DistanceMeasure, a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let sq = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
    const d = a[i] - b[i];
    sq += d * d;
  }
  if (measure === 'EUCLIDEAN') return Math.sqrt(sq);
  if (measure === 'DOT_PRODUCT') return dot;
  // Cosine of a zero vector is undefined: NaN, and such a document is skipped.
  return 1 - dot / (Math.sqrt(na) * Math.sqrt(nb));
}

export class CompiledNearest {
  readonly field: string[];
  readonly measure: DistanceMeasure;
  readonly limit: number;
  private readonly query: number[];
  private readonly threshold: number | undefined;
  private readonly resultField: string[] | undefined;

  constructor(spec: FindNearest) {
    this.field = parsePath(spec.vectorField?.fieldPath, 'find_nearest vector_field');
    const query = vectorOf(spec.queryVector);
    if (query === undefined) throw invalid('find_nearest query_vector must be a vector value');
    if (query.length === 0 || query.length > MAX_VECTOR_DIMENSION) {
      throw invalid(
        `find_nearest query_vector must have between 1 and ${MAX_VECTOR_DIMENSION} dimensions, got ${query.length}`,
      );
    }
    this.query = query;
    const measure = spec.distanceMeasure;
    if (measure !== 'EUCLIDEAN' && measure !== 'COSINE' && measure !== 'DOT_PRODUCT') {
      throw invalid(`find_nearest distance_measure must be EUCLIDEAN, COSINE or DOT_PRODUCT`);
    }
    this.measure = measure;
    const limit = spec.limit?.value ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_NEAREST_LIMIT) {
      throw invalid(
        `find_nearest limit must be between 1 and ${MAX_NEAREST_LIMIT}, got ${String(limit)}`,
      );
    }
    this.limit = limit;
    this.threshold = spec.distanceThreshold ? (spec.distanceThreshold.value ?? 0) : undefined;
    this.resultField =
      spec.distanceResultField !== undefined && spec.distanceResultField !== ''
        ? parsePath(spec.distanceResultField, 'find_nearest distance_result_field')
        : undefined;
  }

  /** Whether DOT_PRODUCT (a similarity: larger is nearer). */
  private get larger(): boolean {
    return this.measure === 'DOT_PRODUCT';
  }

  /** The distance of `doc`, or undefined when it takes no part (no vector of this dimension). */
  distanceOf(doc: Document): number | undefined {
    const v = vectorOf(getField(doc, this.field));
    if (v === undefined || v.length !== this.query.length) return undefined;
    const d = distance(this.measure, v, this.query);
    if (Number.isNaN(d)) return undefined;
    if (this.threshold !== undefined) {
      if (this.larger ? d < this.threshold : d > this.threshold) return undefined;
    }
    return d;
  }

  /**
   * The nearest of `docs` (already filtered), nearest first, ties by name; `project` applies
   * the query's projection before the distance field is added.
   */
  nearest(
    docs: Iterable<Document>,
    compareNames: (a: string, b: string) => number,
    project: (doc: Document) => Document,
  ): Document[] {
    const scored: { doc: Document; d: number }[] = [];
    for (const doc of docs) {
      const d = this.distanceOf(doc);
      if (d !== undefined) scored.push({ doc, d });
    }
    const sign = this.larger ? -1 : 1;
    scored.sort((x, y) => sign * (x.d - y.d) || compareNames(x.doc.name, y.doc.name));
    return scored.slice(0, this.limit).map(({ doc, d }) => {
      const out = project(doc);
      if (this.resultField === undefined) return out;
      return {
        ...out,
        fields: setField(out.fields ?? {}, this.resultField, {
          doubleValue: d,
          valueType: 'doubleValue',
        }),
      };
    });
  }
}
