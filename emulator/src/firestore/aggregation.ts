// Evaluates a StructuredAggregationQuery (count, sum, avg) over the result of its structured query,
// with Firestore's numeric rules: a sum of integers stays an integer unless it overflows int64
// (then it is a double), any double makes the sum a double, averages are always doubles, values
// that are not numbers are ignored, and the average of nothing is null.
import { compileQuery, invalid, parsePath } from './query';
import type {
  Aggregation,
  AggregationResult,
  Document,
  StructuredAggregationQuery,
  Value,
} from './types';
import { INT64_MAX, INT64_MIN, doubleOf, getField, valueKind } from './values';

/** The backend's limit on aggregations per request. */
export const MAX_AGGREGATIONS = 5;

function fieldOf(agg: Aggregation, kind: 'sum' | 'avg'): string[] {
  const path = agg[kind]?.field?.fieldPath;
  if (path === undefined || path === '') throw invalid(`${kind} requires a field`);
  return parsePath(path, kind);
}

/** Accumulates numbers exactly while they are integers, as a double once any is not. */
class NumericAccumulator {
  private intSum = 0n;
  private doubleSum = 0;
  private sawDouble = false;
  count = 0;

  add(v: Value): void {
    const kind = valueKind(v);
    if (kind === 'integerValue') {
      this.intSum += BigInt(v.integerValue ?? '0');
      this.count++;
    } else if (kind === 'doubleValue') {
      this.doubleSum += doubleOf(v);
      this.sawDouble = true;
      this.count++;
    }
  }

  private total(): number {
    return Number(this.intSum) + this.doubleSum;
  }

  sum(): Value {
    if (!this.sawDouble && this.intSum <= INT64_MAX && this.intSum >= INT64_MIN) {
      return { integerValue: this.intSum.toString(), valueType: 'integerValue' };
    }
    return { doubleValue: this.total(), valueType: 'doubleValue' };
  }

  avg(): Value {
    if (this.count === 0) return { nullValue: 'NULL_VALUE', valueType: 'nullValue' };
    return { doubleValue: this.total() / this.count, valueType: 'doubleValue' };
  }
}

interface Plan {
  alias: string;
  kind: 'count' | 'sum' | 'avg';
  upTo?: bigint;
  field?: string[];
}

function plan(aggregations: Aggregation[]): Plan[] {
  if (aggregations.length === 0)
    throw invalid('an aggregation query needs at least one aggregation');
  if (aggregations.length > MAX_AGGREGATIONS) {
    throw invalid(
      `the maximum number of aggregations is ${MAX_AGGREGATIONS}, got ${aggregations.length}`,
    );
  }
  const aliases = new Set<string>();
  return aggregations.map((agg, i) => {
    // The backend names unaliased aggregations field_1, field_2, ...
    const alias = agg.alias !== undefined && agg.alias !== '' ? agg.alias : `field_${i + 1}`;
    if (aliases.has(alias)) throw invalid(`duplicate aggregation alias "${alias}"`);
    aliases.add(alias);
    if (agg.count !== undefined) {
      const raw = agg.count.upTo;
      if (raw === undefined) return { alias, kind: 'count' };
      const upTo = BigInt(raw.value ?? '0');
      if (upTo <= 0n) throw invalid(`count up_to must be greater than zero`);
      return { alias, kind: 'count', upTo };
    }
    if (agg.sum !== undefined) return { alias, kind: 'sum', field: fieldOf(agg, 'sum') };
    if (agg.avg !== undefined) return { alias, kind: 'avg', field: fieldOf(agg, 'avg') };
    throw invalid(`aggregation "${alias}" must be one of count, sum or avg`);
  });
}

/**
 * Runs an aggregation query. `parent` and `candidates` are as for runStructuredQuery: all
 * existing documents under `parent`, in any order. Throws QueryError for invalid requests.
 */
export function runAggregation(
  parent: string,
  query: StructuredAggregationQuery,
  candidates: Iterable<Document>,
): AggregationResult {
  return aggregate(parent, query, candidates).result;
}

/** Like runAggregation, also returning the documents that were aggregated. */
export function aggregate(
  parent: string,
  query: StructuredAggregationQuery,
  candidates: Iterable<Document>,
): { result: AggregationResult; docs: Document[] } {
  if (query.structuredQuery === undefined) throw invalid('structured_query is required');
  const plans = plan(query.aggregations ?? []);
  // A projection does not change what is aggregated; drop it so fields stay readable.
  const structured = { ...query.structuredQuery };
  delete structured.select;
  // Production aggregates over the index entries of every aggregated field at once, so a
  // document is aggregated (and counted) only when it has every field a sum or avg names.
  const fields = plans.flatMap((p) => (p.field ? [p.field] : []));
  const docs = compileQuery(parent, structured)
    .run(candidates)
    .filter((doc) => fields.every((f) => getField(doc, f) !== undefined));
  const aggregateFields: Record<string, Value> = {};
  for (const p of plans) {
    if (p.kind === 'count') {
      let n = BigInt(docs.length);
      if (p.upTo !== undefined && n > p.upTo) n = p.upTo;
      aggregateFields[p.alias] = { integerValue: n.toString(), valueType: 'integerValue' };
      continue;
    }
    const acc = new NumericAccumulator();
    for (const doc of docs) {
      const v = getField(doc, p.field ?? []);
      if (v !== undefined) acc.add(v);
    }
    aggregateFields[p.alias] = p.kind === 'sum' ? acc.sum() : acc.avg();
  }
  return { result: { aggregateFields }, docs };
}
