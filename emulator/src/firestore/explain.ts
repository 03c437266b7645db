// Query Explain (RunQueryRequest / RunAggregationQueryRequest explain_options, query_profile.proto):
//
// - Without `analyze` the query is planned, not run: the reply is one response carrying only
//   explain_metrics.plan_summary (no documents, no read time), as production answers.
// - With `analyze` the query runs as usual and the last response also carries
//   execution_stats: results_returned, execution_duration, read_operations (production bills
//   at least one read, also for an empty result) and debug_stats.
//
// plan_summary.indexes_used names the indexes our planner (indexes/planner.ts) serves the query
// from, in production's form `{query_scope, properties: "(foo ASC, __name__ ASC)"}` (the
// official emulator gives none); a vector query also names its vector index.
import type { ExplainedIndex } from './indexes/planner';

export interface ExplainOptions {
  analyze?: boolean;
}

/** google.protobuf.Value / Struct as decoded. */
export interface StructValue {
  stringValue?: string;
  numberValue?: number;
  structValue?: Struct;
  kind?: string;
}

export interface Struct {
  fields: Record<string, StructValue>;
}

export interface ExplainMetrics {
  planSummary: { indexesUsed: Struct[] };
  executionStats?: {
    resultsReturned: string;
    executionDuration: { seconds: string; nanos: number };
    readOperations: string;
    debugStats: Struct;
  };
}

function str(value: string): StructValue {
  return { stringValue: value, kind: 'stringValue' };
}

function struct(record: Record<string, string | Record<string, string>>): Struct {
  const fields: Record<string, StructValue> = {};
  for (const [k, v] of Object.entries(record)) {
    fields[k] = typeof v === 'string' ? str(v) : { structValue: struct(v), kind: 'structValue' };
  }
  return { fields };
}

/** The plan summary of `query`, from the planner's indexes. */
export function planSummary(indexes: ExplainedIndex[]): ExplainMetrics['planSummary'] {
  const used = indexes.map((i) => struct({ query_scope: i.query_scope, properties: i.properties }));
  return { indexesUsed: used };
}

/** What a run measured, as execution_stats. */
export function executionStats(
  results: number,
  scanned: number,
  elapsedNanos: bigint,
): NonNullable<ExplainMetrics['executionStats']> {
  // At least 1 ns: the SDK's tests check that the duration is positive.
  const nanos = elapsedNanos > 0n ? elapsedNanos : 1n;
  const reads = Math.max(1, results);
  return {
    resultsReturned: String(results),
    executionDuration: {
      seconds: String(nanos / 1_000_000_000n),
      nanos: Number(nanos % 1_000_000_000n),
    },
    readOperations: String(reads),
    debugStats: struct({
      documents_scanned: String(scanned),
      index_entries_scanned: String(scanned),
      billing_details: {
        documents_billable: String(results),
        index_entries_billable: '0',
        small_ops: '0',
        min_query_cost: results === 0 ? '1' : '0',
      },
    }),
  };
}
