// The index check on the query path: RunQuery, RunAggregationQuery and Listen targets call
// check(), which refuses with FAILED_PRECONDITION, as production does, a query that the
// database's indexes (firestore.indexes.json plus the automatic ones) could not serve.
import { Code } from '../errors';
import { QueryError, compileQuery } from '../query';
import type { StructuredQuery } from '../types';
import { EMPTY_INDEX_CONFIG, type IndexConfig } from './config';
import { WatchedIndexFile } from './configFile';
import { missingIndexMessage, planQuery, planVectorQuery, type ExplainedIndex } from './planner';
import { IndexUsage, type IndexUsageReport } from './usage';

export interface IndexCheckOptions {
  /** The firestore.indexes.json to read, and re-read whenever it changes. */
  file: string;
  /** false turns the checks off (see indexChecksEnabledByEnv). Default true. */
  enabled?: boolean;
  /** Where log lines go (reloads, invalid files). Default console.log. */
  log?: (line: string) => void;
}

/** The environment switch: FIRESTORE_INDEX_CHECKS=off (or 0 / false) turns index checks off. */
export function indexChecksEnabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.FIRESTORE_INDEX_CHECKS ?? '').trim().toLowerCase();
  return !['off', '0', 'false', 'no'].includes(v);
}

/** `projects/p/databases/d` of a query parent, or undefined if it is malformed. */
function databaseOf(parent: string): string | undefined {
  return /^(projects\/[^/]+\/databases\/[^/]+)\/documents(\/|$)/.exec(parent)?.[1];
}

/** Index configuration of one database set at run time (see http.ts): a config, or no checks. */
export type DatabaseIndexSetting = IndexConfig | 'off';

export class IndexChecker {
  private readonly source: WatchedIndexFile | undefined;
  private readonly usage = new IndexUsage();
  private readonly perDatabase = new Map<string, DatabaseIndexSetting>();

  /** Without options nothing is checked (an emulator started without an index file). */
  constructor(options?: IndexCheckOptions) {
    if (options && options.enabled !== false) {
      this.source = new WatchedIndexFile(options.file, options.log ?? ((l) => console.log(l)));
    }
  }

  get enabled(): boolean {
    return this.source !== undefined;
  }

  /** Throws FAILED_PRECONDITION (or the query's own INVALID_ARGUMENT) when no index serves it. */
  check(parent: string | undefined, query: StructuredQuery | undefined): void {
    if (!this.source || !parent || !query) return;
    const database = databaseOf(parent);
    if (!database) return;
    const setting = this.perDatabase.get(database);
    if (setting === 'off') return;
    const config = setting ?? this.source.current();
    const plan = query.findNearest ? planVectorQuery(query, config) : planQuery(query, config);
    if (plan.ok) {
      if (!setting) this.usage.record(plan.uses);
      return;
    }
    // A malformed query is the caller's INVALID_ARGUMENT first, as in production.
    compileQuery(parent, query);
    // A QueryError, so that a Listen target is refused with it like any other bad query.
    throw new QueryError(
      Code.FAILED_PRECONDITION,
      missingIndexMessage(
        plan.missing,
        setting ? `the index configuration of ${database}` : this.source.file,
      ),
    );
  }

  /**
   * The indexes the planner would serve `query` from (Query Explain's plan summary): the
   * database's configuration, or the automatic indexes alone when checks are off. A query no
   * index serves (possible only with checks off) names the composite index it would need.
   */
  explain(parent: string, query: StructuredQuery): ExplainedIndex[] {
    const database = databaseOf(parent);
    const setting = database ? this.perDatabase.get(database) : undefined;
    const config =
      setting !== undefined && setting !== 'off'
        ? setting
        : (this.source?.current() ?? EMPTY_INDEX_CONFIG);
    const plan = query.findNearest ? planVectorQuery(query, config) : planQuery(query, config);
    if (plan.ok) return plan.indexes;
    const entry = plan.missing.entry as {
      queryScope?: string;
      fieldPath?: string;
      fields?: { fieldPath: string; order?: string; arrayConfig?: string }[];
    };
    const terms = (entry.fields ?? [{ fieldPath: entry.fieldPath ?? '?' }]).map(
      (f) =>
        `${f.fieldPath} ${f.order === 'DESCENDING' ? 'DESC' : f.arrayConfig ? 'CONTAINS' : 'ASC'}`,
    );
    return [
      {
        query_scope: entry.queryScope === 'COLLECTION_GROUP' ? 'Collection group' : 'Collection',
        properties: `(${terms.join(', ')})`,
      },
    ];
  }

  /** Replaces the file's configuration for one database (undefined = back to the file). */
  setDatabase(database: string, setting: DatabaseIndexSetting | undefined): void {
    if (setting === undefined) this.perDatabase.delete(database);
    else this.perDatabase.set(database, setting);
  }

  /** Which entries of the file served queries so far (undefined when checks are off). */
  usageReport(): IndexUsageReport | undefined {
    if (!this.source) return undefined;
    return this.usage.report(this.source.file, this.source.current());
  }

  close(): void {
    this.source?.close();
  }
}
