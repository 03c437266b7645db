// google.firestore.v1.Firestore as one implementation, whatever transport carried the call
// (transports/grpc.ts, transports/rest/, transports/webchannel/). Each method takes the decoded
// request (the shape @grpc/proto-loader gives with LOADER_OPTIONS) and the caller's
// Authorization header, and applies, in this order: the security rules (rulesCheck.ts), the
// index check (indexes/), then the core (core.ts: limits, transactions, commit listeners, which
// are the functions host's triggers). A transport only decodes, calls, and encodes.
import type {
  BatchGetDocumentsRequest,
  BatchGetDocumentsResponse,
  BatchWriteRequest,
  BatchWriteResponse,
  CommitRequest,
  CommitResponse,
  FirestoreCore,
  GetDocumentRequest,
  ListCollectionIdsRequest,
  ListDocumentsRequest,
  RunAggregationQueryRequest,
  RunAggregationQueryResponse,
  RunQueryRequest,
  RunQueryResponse,
} from './core';
import { Code, RpcError } from './errors';
import { executionStats, planSummary } from './explain';
import { compileQuery } from './query';
import type { IndexChecker } from './indexes/checker';
import { handleListen, type ListenCall } from './listen';
import type { ListenSource } from './source';
import type { FirestoreRules, RulesCaller } from './rulesCheck';
import type { Document, StructuredQuery } from './types';
import { writeStreamHandler, type WriteCall } from './writeStream';

type Auth = string | undefined;
type Arg<M extends keyof FirestoreCore> = FirestoreCore[M] extends (
  req: infer R,
  ...rest: never[]
) => unknown
  ? R
  : never;
type Result<M extends keyof FirestoreCore> = FirestoreCore[M] extends (...args: never[]) => infer R
  ? Awaited<R>
  : never;

export class FirestoreService {
  private readonly listenSource: ListenSource;
  private readonly writeStreams: (call: WriteCall) => void;

  constructor(
    private readonly core: FirestoreCore,
    private readonly rules: FirestoreRules,
    private readonly indexes: IndexChecker,
  ) {
    this.listenSource = {
      ...core.listenSource,
      checkQuery: (parent, query) => indexes.check(parent, query),
    };
    // Every write of the stream goes through the Commit path, rules included.
    this.writeStreams = writeStreamHandler((r, auth) => this.commit(r, auth));
  }

  /** undefined for the admin (`Bearer owner`), else the caller the rules judge. */
  private caller(auth: Auth): RulesCaller | undefined {
    return this.rules.callerOf(auth);
  }

  /** RPCs the client SDKs never send: admins only while rules are in force. */
  private adminOnly(auth: Auth, rpc: string): void {
    if (this.rules.loaded.ruleset && this.caller(auth)) {
      throw new RpcError(
        Code.PERMISSION_DENIED,
        `${rpc} is served to admin callers only while security rules are loaded`,
      );
    }
  }

  getDocument(r: GetDocumentRequest, auth: Auth): Promise<Document> {
    this.caller(auth)?.authorizeGets(r.name ? [r.name] : []);
    return this.core.getDocument(r);
  }

  listDocuments(r: ListDocumentsRequest, auth: Auth): Result<'listDocuments'> {
    this.adminOnly(auth, 'ListDocuments');
    return this.core.listDocuments(r);
  }

  createDocument(r: Arg<'createDocument'>, auth: Auth): Result<'createDocument'> {
    this.adminOnly(auth, 'CreateDocument');
    return this.core.createDocument(r);
  }

  updateDocument(r: Arg<'updateDocument'>, auth: Auth): Result<'updateDocument'> {
    this.adminOnly(auth, 'UpdateDocument');
    return this.core.updateDocument(r);
  }

  deleteDocument(r: Arg<'deleteDocument'>, auth: Auth): Result<'deleteDocument'> {
    this.adminOnly(auth, 'DeleteDocument');
    return this.core.deleteDocument(r);
  }

  batchGetDocuments(r: BatchGetDocumentsRequest, auth: Auth): Promise<BatchGetDocumentsResponse[]> {
    this.caller(auth)?.authorizeGets(r.documents ?? []);
    return this.core.batchGetDocuments(r);
  }

  beginTransaction(r: Arg<'beginTransaction'>): Result<'beginTransaction'> {
    return this.core.beginTransaction(r);
  }

  commit(r: CommitRequest, auth: Auth): CommitResponse {
    return this.core.commit(r, this.caller(auth));
  }

  rollback(r: Arg<'rollback'>): Result<'rollback'> {
    return this.core.rollback(r);
  }

  async runQuery(r: RunQueryRequest, auth: Auth): Promise<RunQueryResponse[]> {
    this.caller(auth)?.authorizeQuery(r.parent, r.structuredQuery);
    this.indexes.check(r.parent, r.structuredQuery);
    const { explainOptions, ...plain } = r;
    if (!explainOptions) return this.core.runQuery(r);
    const plan = this.plan(r.parent, r.structuredQuery);
    if (!explainOptions.analyze) {
      // Planned, not run (the query must still be valid).
      compileQuery(r.parent ?? '', r.structuredQuery ?? {});
      return [{ explainMetrics: { planSummary: plan } }];
    }
    const started = process.hrtime.bigint();
    const out = await this.core.runQuery(plain);
    const elapsed = process.hrtime.bigint() - started;
    const results = out.filter((x) => x.document).length;
    out[out.length - 1].explainMetrics = {
      planSummary: plan,
      executionStats: executionStats(results, results, elapsed),
    };
    return out;
  }

  private plan(parent: string | undefined, query: StructuredQuery | undefined) {
    return planSummary(query ? this.indexes.explain(parent ?? '', query) : []);
  }

  async runAggregationQuery(
    r: RunAggregationQueryRequest,
    auth: Auth,
  ): Promise<RunAggregationQueryResponse[]> {
    const query = r.structuredAggregationQuery?.structuredQuery;
    this.caller(auth)?.authorizeQuery(r.parent, query);
    this.indexes.check(r.parent, query);
    const { explainOptions, ...plain } = r;
    if (!explainOptions) return [await this.core.runAggregationQuery(r)];
    const plan = this.plan(r.parent, query);
    if (!explainOptions.analyze) {
      compileQuery(r.parent ?? '', query ?? {});
      return [{ explainMetrics: { planSummary: plan } }];
    }
    const started = process.hrtime.bigint();
    const res = await this.core.runAggregationQuery(plain);
    const elapsed = process.hrtime.bigint() - started;
    res.explainMetrics = { planSummary: plan, executionStats: executionStats(1, 1, elapsed) };
    return [res];
  }

  listCollectionIds(r: ListCollectionIdsRequest, auth: Auth): Result<'listCollectionIds'> {
    this.adminOnly(auth, 'ListCollectionIds');
    return this.core.listCollectionIds(r);
  }

  batchWrite(r: BatchWriteRequest, auth: Auth): BatchWriteResponse {
    this.adminOnly(auth, 'BatchWrite');
    return this.core.batchWrite(r);
  }

  partitionQuery(r: Arg<'partitionQuery'>, auth: Auth): Result<'partitionQuery'> {
    this.adminOnly(auth, 'PartitionQuery');
    return this.core.partitionQuery(r);
  }

  /** Serves one Listen stream until it ends. */
  listen(call: ListenCall): void {
    const rules = this.caller(call.authorization);
    handleListen(call, this.listenSource, rules && ((t) => rules.listenTargetDenial(t)));
  }

  /** Serves one Write stream until it ends. */
  write(call: WriteCall): void {
    this.writeStreams(call);
  }
}
