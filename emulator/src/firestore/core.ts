// The Firestore RPCs over decoded-proto requests, independent of the transport. Every mutation
// (validate + apply) runs synchronously, so on Node's single event loop each commit is atomic.
import { randomBytes } from 'node:crypto';
import type { CommitEvent, CommitListener } from './events';
import type { InternalChange, ListenSource, Snapshot } from './source';
import type {
  AggregationResult,
  Document,
  DocumentMask,
  Precondition,
  RpcStatus,
  StructuredAggregationQuery,
  StructuredQuery,
  Timestamp,
  TransactionOptions,
  Write,
  WriteResult,
} from './types';
import {
  MonotonicClock,
  fromTimestamp,
  toTimestamp,
  timestampToRfc3339,
  type Micros,
} from './clock';
import { DocumentStore, versionKey } from './store';
import { TransactionManager, type Transaction } from './transactions';
import {
  Code,
  RpcError,
  failedPrecondition,
  hasStatusCode,
  invalidArgument,
  notFound,
} from './errors';
import { applyWrite, requestTargets } from './commit';
import { projectFields } from './fields';
import {
  checkCollectionId,
  parseDatabase,
  parseDocumentName,
  parseFieldPath,
  parseParent,
  type DatabaseRef,
} from './paths';
import { toJsonDocument } from './json';
import { runStructuredQuery } from './query';
import { aggregate } from './aggregation';
import { compareResourceNames } from './values';
import type { ExplainMetrics, ExplainOptions } from './explain';
import type { WriteAuthority, WriteUnderRules } from './rulesCheck';
import { ReadCounts } from './readCounts';

/** How long old document versions are kept for reads in the past. */
export const VERSION_RETENTION_MICROS = 5 * 60 * 1_000_000;

// ---- decoded request / response shapes ----

type TxnBytes = Buffer | Uint8Array;

interface ConsistencyFields {
  transaction?: TxnBytes;
  newTransaction?: TransactionOptions;
  readTime?: Timestamp;
}

export interface GetDocumentRequest extends ConsistencyFields {
  name?: string;
  mask?: DocumentMask;
}

export interface BatchGetDocumentsRequest extends ConsistencyFields {
  database?: string;
  documents?: string[];
  mask?: DocumentMask;
}

export interface BatchGetDocumentsResponse {
  found?: Document;
  missing?: string;
  transaction?: Buffer;
  readTime?: Timestamp;
}

export interface RunQueryRequest extends ConsistencyFields {
  parent?: string;
  structuredQuery?: StructuredQuery;
  /** Query Explain: handled by the service (explain.ts) before the core runs the query. */
  explainOptions?: ExplainOptions;
}

export interface RunQueryResponse {
  explainMetrics?: ExplainMetrics;
  transaction?: Buffer;
  document?: Document;
  readTime?: Timestamp;
  skippedResults?: number;
  done?: boolean;
}

export interface RunAggregationQueryRequest extends ConsistencyFields {
  parent?: string;
  structuredAggregationQuery?: StructuredAggregationQuery;
  explainOptions?: ExplainOptions;
}

export interface RunAggregationQueryResponse {
  explainMetrics?: ExplainMetrics;
  result?: AggregationResult;
  transaction?: Buffer;
  readTime?: Timestamp;
}

export interface CommitRequest {
  database?: string;
  writes?: Write[];
  transaction?: TxnBytes;
}

export interface CommitResponse {
  writeResults: WriteResult[];
  commitTime: Timestamp;
}

export interface BatchWriteRequest {
  database?: string;
  writes?: Write[];
}

export interface BatchWriteResponse {
  writeResults: WriteResult[];
  status: RpcStatus[];
}

export interface ListDocumentsRequest {
  parent?: string;
  collectionId?: string;
  pageSize?: number;
  pageToken?: string;
  mask?: DocumentMask;
  transaction?: TxnBytes;
  readTime?: Timestamp;
  showMissing?: boolean;
}

export interface ListCollectionIdsRequest {
  parent?: string;
  pageSize?: number;
  pageToken?: string;
  readTime?: Timestamp;
}

/** How one read request reads: at a past time, at "now", or inside a locking transaction. */
interface ReadContext {
  /** Read the store at this time (undefined = latest). */
  time?: Micros;
  /** The time reported to the client. */
  readTime: Timestamp;
  /** A read-write transaction whose reads lock and are validated at commit. */
  lockTxn?: Transaction;
  /** Set when the request started a transaction (its id goes into the first response). */
  started?: Transaction;
}

function fingerprintOf(store: DocumentStore, names: string[]): string {
  return names.map((n) => `${n}@${versionKey(store.get(n))}`).join('\n');
}

function maskPaths(mask: DocumentMask | undefined): string[][] | undefined {
  if (!mask) return undefined;
  return (mask.fieldPaths ?? []).map((p) => parseFieldPath(p));
}

function applyMask(doc: Document, paths: string[][] | undefined): Document {
  if (!paths) return doc;
  return { ...doc, fields: projectFields(doc.fields, paths) };
}

function txnId(txn: Transaction): Buffer {
  return Buffer.from(txn.id, 'hex');
}

function statusOf(err: unknown): RpcStatus {
  if (hasStatusCode(err)) return { code: err.code, message: err.message };
  return { code: 13, message: err instanceof Error ? err.message : String(err) };
}

const AUTO_ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function autoId(): string {
  const bytes = randomBytes(20);
  let id = '';
  for (const b of bytes) id += AUTO_ID_CHARS[b % AUTO_ID_CHARS.length];
  return id;
}

export class FirestoreCore {
  readonly store = new DocumentStore(VERSION_RETENTION_MICROS);
  readonly txns = new TransactionManager();
  readonly clock = new MonotonicClock();
  private readonly commitListeners = new Set<CommitListener>();
  /** Reads of each document (readCounts.ts), for tests that show what a request costs. */
  readonly reads = new ReadCounts();
  private readonly changeListeners = new Set<(changes: InternalChange[], t: Timestamp) => void>();

  onCommit(listener: CommitListener): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** The view the Listen handler works from. */
  readonly listenSource: ListenSource = {
    snapshot: (): Snapshot => {
      const readTime = toTimestamp(this.clock.readNow());
      return {
        readTime,
        documents: (parent) => this.store.docsUnder(parent),
        get: (name) => this.store.get(name),
      };
    },
    subscribe: (listener) => {
      this.changeListeners.add(listener);
      return () => this.changeListeners.delete(listener);
    },
  };

  /** Periodic housekeeping: prune old versions and expire idle transactions. */
  maintain(): void {
    this.txns.sweep();
    const oldest = this.txns.oldestReadTime();
    const now = this.clock.readNow();
    this.store.prune(oldest === undefined ? now : Math.min(now, oldest + VERSION_RETENTION_MICROS));
  }

  /** Deletes all data (of one database when `db` is given, e.g. the DELETE endpoint). */
  clear(db?: DatabaseRef): void {
    const removed: InternalChange[] = [];
    for (const d of this.store.allCurrent()) {
      if (db === undefined || d.name.startsWith(`${db.root}/`)) {
        removed.push({ name: d.name, before: d });
      }
    }
    this.store.clear(db?.root);
    this.txns.clear(db?.database);
    this.reads.clear(db ? `${db.root}/` : '');
    if (removed.length > 0) this.notifyListen(removed, toTimestamp(this.clock.nextCommitTime()));
  }

  /**
   * Loads documents (e.g. from an export) as they were, keeping their create and update times.
   * Existing documents with the same names are replaced; Listen clients see the changes.
   */
  load(docs: Document[]): void {
    let latest = 0;
    const changes: InternalChange[] = [];
    for (const d of docs) {
      latest = Math.max(latest, fromTimestamp(d.updateTime, 'updateTime'));
      changes.push({ name: d.name, before: this.store.get(d.name), after: d });
    }
    // Versions must be stored in time order: add them all at one fresh time, after which no
    // commit may come before the newest loaded update time.
    this.clock.advanceTo(latest);
    const time = this.clock.nextCommitTime();
    this.store.apply(new Map(docs.map((d) => [d.name, d])), time);
    if (changes.length > 0) this.notifyListen(changes, toTimestamp(time));
  }

  // ---- read consistency ----

  private readContext(req: ConsistencyFields, db: DatabaseRef): ReadContext {
    if (req.transaction && req.transaction.length > 0) {
      const txn = this.txns.get(req.transaction, db.database);
      if (txn.readOnly) return { time: txn.readTime, readTime: toTimestamp(txn.readTime ?? 0) };
      return { readTime: toTimestamp(this.clock.readNow()), lockTxn: txn };
    }
    if (req.newTransaction) {
      const txn = this.beginTxn(req.newTransaction, db);
      if (txn.readOnly) {
        return { time: txn.readTime, readTime: toTimestamp(txn.readTime ?? 0), started: txn };
      }
      return { readTime: toTimestamp(this.clock.readNow()), lockTxn: txn, started: txn };
    }
    if (req.readTime) {
      const t = this.checkReadTime(req.readTime);
      return { time: t, readTime: toTimestamp(t) };
    }
    return { readTime: toTimestamp(this.clock.readNow()) };
  }

  private checkReadTime(ts: Timestamp): Micros {
    const t = fromTimestamp(ts, 'read_time');
    if (t > this.clock.readNow()) throw invalidArgument('read_time must not be in the future');
    if (t < this.store.oldestReadable()) {
      throw failedPrecondition(
        `read_time ${timestampToRfc3339(ts)} is too old: this emulator keeps old versions for ` +
          `${VERSION_RETENTION_MICROS / 60e6} minutes`,
      );
    }
    return t;
  }

  private beginTxn(options: TransactionOptions | undefined, db: DatabaseRef): Transaction {
    const mode = options?.mode ?? (options?.readOnly ? 'readOnly' : 'readWrite');
    if (mode === 'readOnly') {
      const ro = options?.readOnly;
      const t = ro?.readTime ? this.checkReadTime(ro.readTime) : this.clock.readNow();
      return this.txns.begin(db.database, true, t);
    }
    return this.txns.begin(db.database, false, undefined, options?.readWrite?.retryTransaction);
  }

  /** Runs a read; in a read-write transaction it locks what it covers and records a check. */
  private async read<T>(
    ctx: ReadContext,
    run: (time: Micros | undefined) => { value: T; names: string[] },
  ): Promise<T> {
    const txn = ctx.lockTxn;
    if (!txn) {
      const { value, names } = run(ctx.time);
      this.reads.record(names, false);
      return value;
    }
    try {
      const { value, names } = await this.txns.readLocked(txn, () => run(undefined));
      this.reads.record(names, true);
      this.txns.recordRead(txn, fingerprintOf(this.store, names), () =>
        fingerprintOf(this.store, run(undefined).names),
      );
      return value;
    } catch (err) {
      // A transaction whose read failed is over (the SDK will roll back or retry anyway).
      if (ctx.started) this.txns.finish(txn.id);
      throw err;
    }
  }

  // ---- reads ----

  async getDocument(req: GetDocumentRequest): Promise<Document> {
    const name = parseDocumentName(req.name);
    const paths = maskPaths(req.mask);
    const ctx = this.readContext(req, name.db);
    const doc = await this.read(ctx, (t) => ({
      value: this.store.get(name.name, t),
      names: [name.name],
    }));
    if (!doc) throw notFound(`Document not found: ${name.name}`);
    return applyMask(doc, paths);
  }

  async batchGetDocuments(req: BatchGetDocumentsRequest): Promise<BatchGetDocumentsResponse[]> {
    const db = parseDatabase(req.database);
    const names = (req.documents ?? []).map((n) => {
      const p = parseDocumentName(n);
      if (p.db.database !== db.database) {
        throw invalidArgument(`Document "${n}" is not in database "${db.database}"`);
      }
      return p.name;
    });
    const paths = maskPaths(req.mask);
    const ctx = this.readContext(req, db);
    const docs = await this.read(ctx, (t) => ({
      value: names.map((n) => this.store.get(n, t)),
      names,
    }));
    const out: BatchGetDocumentsResponse[] = names.map((n, i) => {
      const d = docs[i];
      return d
        ? { found: applyMask(d, paths), readTime: ctx.readTime }
        : { missing: n, readTime: ctx.readTime };
    });
    if (ctx.started) {
      if (out.length === 0) out.push({ readTime: ctx.readTime });
      out[0].transaction = txnId(ctx.started);
    }
    return out;
  }

  /** Existing documents that a query over `parent` could return (a superset is fine). */
  private candidates(parent: string, query: StructuredQuery, time: Micros | undefined): Document[] {
    const from = query.from ?? [];
    if (from.length === 1 && from[0].collectionId) {
      if (!from[0].allDescendants) {
        return this.store.docsInCollection(`${parent}/${from[0].collectionId}`, time);
      }
      return this.store.docsUnder(parent, time, from[0].collectionId);
    }
    return this.store.docsUnder(parent, time);
  }

  private runQueryAt(parent: string, query: StructuredQuery, time: Micros | undefined): Document[] {
    return runStructuredQuery(parent, query, this.candidates(parent, query, time));
  }

  async runQuery(req: RunQueryRequest): Promise<RunQueryResponse[]> {
    const parent = parseParent(req.parent);
    const query = req.structuredQuery;
    if (!query) throw invalidArgument('RunQuery needs a structured_query');
    const ctx = this.readContext(req, parent.db);
    const docs = await this.read(ctx, (t) => {
      const value = this.runQueryAt(parent.name, query, t);
      return { value, names: value.map((d) => d.name) };
    });
    const out: RunQueryResponse[] = docs.map((document) => ({ document, readTime: ctx.readTime }));
    if (out.length === 0) out.push({ readTime: ctx.readTime });
    if (ctx.started) out[0].transaction = txnId(ctx.started);
    return out;
  }

  async runAggregationQuery(req: RunAggregationQueryRequest): Promise<RunAggregationQueryResponse> {
    const parent = parseParent(req.parent);
    const agg = req.structuredAggregationQuery;
    const query = agg?.structuredQuery;
    if (!agg || !query) {
      throw invalidArgument('RunAggregationQuery needs a structured_aggregation_query');
    }
    const ctx = this.readContext(req, parent.db);
    const result = await this.read(ctx, (t) => {
      const { result: value, docs } = aggregate(
        parent.name,
        agg,
        this.candidates(parent.name, query, t),
      );
      return { value, names: docs.map((d) => d.name) };
    });
    const res: RunAggregationQueryResponse = { result, readTime: ctx.readTime };
    if (ctx.started) res.transaction = txnId(ctx.started);
    return res;
  }

  /**
   * Splits a collection-group query: returns up to `partitionCount` split points (so up to
   * partitionCount + 1 parts), each a cursor on a document name of the result, evenly spaced.
   */
  partitionQuery(req: {
    parent?: string;
    structuredQuery?: StructuredQuery;
    partitionCount?: string;
    readTime?: Timestamp;
  }): { partitions: { values: { referenceValue: string }[] }[]; nextPageToken: string } {
    const parent = parseParent(req.parent);
    const query = req.structuredQuery;
    if (!query) throw invalidArgument('PartitionQuery needs a structured_query');
    const count = Number(req.partitionCount ?? '0');
    if (!Number.isSafeInteger(count) || count < 1) {
      throw invalidArgument('partition_count must be a positive integer');
    }
    if (!query.from?.[0]?.allDescendants) {
      throw invalidArgument('PartitionQuery needs a collection group query (all_descendants)');
    }
    const time = req.readTime ? this.checkReadTime(req.readTime) : undefined;
    const names = this.runQueryAt(parent.name, query, time).map((d) => d.name);
    const splits = Math.max(0, Math.min(count, names.length - 1));
    const partitions: { values: { referenceValue: string }[] }[] = [];
    for (let i = 1; i <= splits; i++) {
      const at = Math.floor((i * names.length) / (splits + 1));
      partitions.push({ values: [{ referenceValue: names[at] }] });
    }
    return { partitions, nextPageToken: '' };
  }

  listCollectionIds(req: ListCollectionIdsRequest): {
    collectionIds: string[];
    nextPageToken: string;
  } {
    const parent = parseParent(req.parent);
    const time = req.readTime ? this.checkReadTime(req.readTime) : undefined;
    let ids = this.store.collectionIds(parent.name, time);
    if (req.pageToken) {
      const after = Buffer.from(req.pageToken, 'base64url').toString();
      ids = ids.filter((id) => id > after);
    }
    const size = req.pageSize && req.pageSize > 0 ? req.pageSize : ids.length;
    const page = ids.slice(0, size);
    const more = ids.length > page.length;
    return {
      collectionIds: page,
      nextPageToken: more ? Buffer.from(page[page.length - 1]).toString('base64url') : '',
    };
  }

  listDocuments(req: ListDocumentsRequest): { documents: Document[]; nextPageToken: string } {
    const parent = parseParent(req.parent);
    if (req.transaction && req.transaction.length > 0) {
      throw invalidArgument('ListDocuments inside a transaction is not supported by this emulator');
    }
    const time = req.readTime ? this.checkReadTime(req.readTime) : undefined;
    const paths = maskPaths(req.mask);
    let collections: string[];
    if (req.collectionId) {
      collections = [`${parent.name}/${checkCollectionId(req.collectionId, parent.name)}`];
    } else {
      collections = this.store.collectionIds(parent.name, time).map((id) => `${parent.name}/${id}`);
    }
    let entries = collections.flatMap((c) =>
      this.store.listDocumentNames(c, req.showMissing === true, time),
    );
    // Same order as queries: by name, segment by segment, in UTF-8 byte order.
    entries.sort((a, b) => compareResourceNames(a.name, b.name));
    if (req.pageToken) {
      const after = Buffer.from(req.pageToken, 'base64url').toString();
      entries = entries.filter((e) => compareResourceNames(e.name, after) > 0);
    }
    const size = req.pageSize && req.pageSize > 0 ? req.pageSize : entries.length;
    const page = entries.slice(0, size);
    const documents = page.map((e) => {
      const d = e.exists ? this.store.get(e.name, time) : undefined;
      return d ? applyMask(d, paths) : { name: e.name };
    });
    const more = entries.length > page.length;
    return {
      documents,
      nextPageToken: more ? Buffer.from(page[page.length - 1].name).toString('base64url') : '',
    };
  }

  // ---- transactions ----

  beginTransaction(req: { database?: string; options?: TransactionOptions }): {
    transaction: Buffer;
  } {
    const db = parseDatabase(req.database);
    return { transaction: txnId(this.beginTxn(req.options, db)) };
  }

  rollback(req: { database?: string; transaction?: TxnBytes }): Record<string, never> {
    const db = parseDatabase(req.database);
    const txn = this.txns.get(req.transaction, db.database);
    this.txns.finish(txn.id);
    return {};
  }

  // ---- writes ----

  /** `rules` (absent for admin callers) checks every write before anything is applied. */
  commit(req: CommitRequest, rules?: WriteAuthority): CommitResponse {
    const db = parseDatabase(req.database);
    const writes = req.writes ?? [];
    const txn =
      req.transaction && req.transaction.length > 0
        ? this.txns.get(req.transaction, db.database)
        : undefined;
    try {
      if (txn?.readOnly && writes.length > 0) {
        throw invalidArgument('Cannot write in a read-only transaction');
      }
      if (txn) this.txns.validate(txn);
      const names = requestTargets(writes, db);
      const time = this.clock.nextCommitTime();
      const ts = toTimestamp(time);
      const working = new Map<string, Document | undefined>();
      const before = new Map<string, Document | undefined>();
      const underRules: WriteUnderRules[] = [];
      const writeResults = writes.map((w, i) => {
        const name = names[i];
        const current = working.has(name) ? working.get(name) : this.store.get(name);
        if (!before.has(name)) before.set(name, current);
        const r = applyWrite(w, current, ts);
        working.set(name, r.after);
        underRules.push({ name, before: current, after: r.after });
        return r.result;
      });
      const afterCommit = (n: string) => (working.has(n) ? working.get(n) : this.store.get(n));
      rules?.authorizeWrites(underRules, afterCommit, ts);
      // Everything validated: apply atomically.
      this.applyChanges(db, before, working, time);
      return { writeResults, commitTime: ts };
    } finally {
      if (txn) this.txns.finish(txn.id);
    }
  }

  batchWrite(req: BatchWriteRequest): BatchWriteResponse {
    const db = parseDatabase(req.database);
    const writes = req.writes ?? [];
    const names = requestTargets(writes, db);
    if (new Set(names).size !== names.length) {
      throw invalidArgument('BatchWrite cannot write the same document more than once');
    }
    const time = this.clock.nextCommitTime();
    const ts = toTimestamp(time);
    const before = new Map<string, Document | undefined>();
    const after = new Map<string, Document | undefined>();
    const writeResults: WriteResult[] = [];
    const status: RpcStatus[] = [];
    writes.forEach((w, i) => {
      const current = this.store.get(names[i]);
      try {
        const r = applyWrite(w, current, ts);
        before.set(names[i], current);
        after.set(names[i], r.after);
        writeResults.push(r.result);
        status.push({ code: 0 });
      } catch (err) {
        writeResults.push({});
        status.push(statusOf(err));
      }
    });
    this.applyChanges(db, before, after, time);
    return { writeResults, status };
  }

  private applyChanges(
    db: DatabaseRef,
    before: Map<string, Document | undefined>,
    after: Map<string, Document | undefined>,
    time: Micros,
  ): void {
    const changed = new Map<string, Document | undefined>();
    const changes: InternalChange[] = [];
    for (const [name, a] of after) {
      const b = before.get(name);
      if (a === b) continue;
      changed.set(name, a);
      changes.push({ name, before: b, after: a });
    }
    if (changed.size === 0) return;
    this.store.apply(changed, time);
    const ts = toTimestamp(time);
    this.notifyListen(changes, ts);
    if (this.commitListeners.size > 0) {
      const event: CommitEvent = {
        projectId: db.projectId,
        databaseId: db.databaseId,
        commitTime: timestampToRfc3339(ts),
        changes: changes.map((c) => ({
          name: c.name,
          ...(c.before ? { before: toJsonDocument(c.before) } : {}),
          ...(c.after ? { after: toJsonDocument(c.after) } : {}),
        })),
      };
      for (const l of this.commitListeners) {
        try {
          l(event);
        } catch (err) {
          console.error('firestore emulator: commit listener failed:', err);
        }
      }
    }
  }

  private notifyListen(changes: InternalChange[], ts: Timestamp): void {
    for (const l of this.changeListeners) {
      try {
        l(changes, ts);
      } catch (err) {
        console.error('firestore emulator: listen subscriber failed:', err);
      }
    }
  }

  // ---- single-document conveniences (REST-style RPCs) ----

  createDocument(req: {
    parent?: string;
    collectionId?: string;
    documentId?: string;
    document?: Document;
    mask?: DocumentMask;
  }): Document {
    const parent = parseParent(req.parent);
    const coll = checkCollectionId(req.collectionId, parent.name);
    const name = `${parent.name}/${coll}/${req.documentId || autoId()}`;
    const write: Write = {
      update: { name, fields: req.document?.fields ?? {} },
      currentDocument: { exists: false },
    };
    return this.writeOne(parent.db, write, name, req.mask);
  }

  updateDocument(req: {
    document?: Document;
    updateMask?: DocumentMask;
    mask?: DocumentMask;
    currentDocument?: Precondition;
  }): Document {
    const name = parseDocumentName(req.document?.name);
    const write: Write = { update: { name: name.name, fields: req.document?.fields ?? {} } };
    if (req.updateMask) write.updateMask = req.updateMask;
    if (req.currentDocument) write.currentDocument = req.currentDocument;
    return this.writeOne(name.db, write, name.name, req.mask);
  }

  deleteDocument(req: { name?: string; currentDocument?: Precondition }): Record<string, never> {
    const name = parseDocumentName(req.name);
    const write: Write = { delete: name.name };
    if (req.currentDocument) write.currentDocument = req.currentDocument;
    this.commit({ database: name.db.database, writes: [write] });
    return {};
  }

  private writeOne(
    db: DatabaseRef,
    write: Write,
    name: string,
    mask: DocumentMask | undefined,
  ): Document {
    const paths = maskPaths(mask);
    this.commit({ database: db.database, writes: [write] });
    const doc = this.store.get(name);
    if (!doc) throw new RpcError(Code.INTERNAL, `Document ${name} vanished after its write`);
    return applyMask(doc, paths);
  }
}
