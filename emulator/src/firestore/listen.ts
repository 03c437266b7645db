// The Listen bidi stream that onSnapshot uses. Per target the handler remembers which documents
// (and which versions) the client has been sent and, after commits, sends only the difference,
// then a global NO_CHANGE carrying the read time — the signal the SDK waits for before it raises
// a snapshot (see @google-cloud/firestore's watch.js).
import { Code } from './errors';
import { CompiledQuery, QueryError } from './query';
import type { BidiStream } from './stream';
import type { ListenSource, Snapshot } from './source';
import type { Document, ListenRequest, ListenResponse, Target, Timestamp } from './types';
import { compareTimestamps } from './values';

export type ListenCall = BidiStream<ListenRequest, ListenResponse>;

interface QueryTargetState {
  kind: 'query';
  id: number;
  query: CompiledQuery;
  /** Limit and offset make membership depend on other documents, so re-run the whole query. */
  rerun: boolean;
  /** The last document of the last result (re-run targets only). */
  lastName: string | undefined;
  sent: Map<string, Document>;
}

interface DocumentsTargetState {
  kind: 'documents';
  id: number;
  names: Set<string>;
  sent: Map<string, Document>;
}

type TargetState = QueryTargetState | DocumentsTargetState;

/** Resume tokens encode the read time they were issued at; the handler never needs to parse them. */
function resumeTokenFor(readTime: Timestamp): Buffer {
  return Buffer.from(`${readTime.seconds}.${String(readTime.nanos ?? 0).padStart(9, '0')}`);
}

function sameVersion(a: Document, b: Document): boolean {
  return compareTimestamps(a.updateTime, b.updateTime) === 0;
}

/** A full resource name's database prefix, `projects/p/databases/d`. */
function databaseOf(name: string): string {
  return name.split('/').slice(0, 4).join('/');
}

class ListenStream {
  private readonly targets = new Map<number, TargetState>();
  private readonly pending = new Set<string>();
  private flushScheduled = false;
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly call: ListenCall,
    private readonly source: ListenSource,
    private readonly authorize?: ListenAuthorizer,
  ) {
    this.unsubscribe = source.subscribe((changes) => {
      if (this.closed || this.targets.size === 0) return;
      for (const change of changes) this.pending.add(change.name);
      this.scheduleFlush();
    });
    call.onRequest((request: ListenRequest) => this.onRequest(request));
    // Client half-close: finish our side too. Cancel/error: just stop.
    call.onHalfClose(() => {
      this.close();
      call.end();
    });
    call.onGone(() => this.close());
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.targets.clear();
    this.pending.clear();
    this.unsubscribe();
  }

  private send(response: ListenResponse): void {
    if (this.closed || !this.call.writable) return;
    this.call.send(response);
  }

  private onRequest(request: ListenRequest): void {
    if (this.closed) return;
    try {
      if (request.addTarget !== undefined) {
        this.addTarget(request.addTarget, request.database);
      } else if (request.removeTarget !== undefined) {
        this.removeTarget(request.removeTarget);
      }
    } catch (e) {
      // Never let a bad request take the server down; fail the stream instead.
      const message = e instanceof Error ? e.message : String(e);
      this.close();
      this.call.fail({ code: Code.INTERNAL, message });
    }
  }

  private nextTargetId(): number {
    let id = 1;
    while (this.targets.has(id)) id++;
    return id;
  }

  private rejectTarget(id: number, code: Code, message: string): void {
    this.send({
      targetChange: { targetChangeType: 'REMOVE', targetIds: [id], cause: { code, message } },
    });
  }

  private addTarget(target: Target, database: string | undefined): void {
    const id =
      target.targetId !== undefined && target.targetId !== 0
        ? target.targetId
        : this.nextTargetId();
    if (this.targets.has(id)) {
      this.rejectTarget(id, Code.INVALID_ARGUMENT, `target id ${id} is already in use`);
      return;
    }
    const denied = this.authorize?.(target);
    if (denied !== undefined) {
      this.rejectTarget(id, Code.PERMISSION_DENIED, denied);
      return;
    }
    let state: TargetState;
    try {
      state = this.buildTarget(id, target, database);
    } catch (e) {
      if (e instanceof QueryError) {
        this.rejectTarget(id, e.code, e.message);
        return;
      }
      throw e;
    }
    this.targets.set(id, state);
    this.send({ targetChange: { targetChangeType: 'ADD', targetIds: [id] } });
    if (target.resumeToken !== undefined || target.readTime !== undefined) {
      // We keep no history, so resuming means starting over: RESET makes the client drop what
      // it had, and the full current state follows.
      this.send({ targetChange: { targetChangeType: 'RESET', targetIds: [id] } });
    }
    const snapshot = this.source.snapshot();
    for (const doc of this.currentResult(state, snapshot)) {
      state.sent.set(doc.name, doc);
      this.send({ documentChange: { document: doc, targetIds: [id] } });
    }
    const token = resumeTokenFor(snapshot.readTime);
    this.send({
      targetChange: { targetChangeType: 'CURRENT', targetIds: [id], resumeToken: token },
    });
    this.sendGlobalNoChange(snapshot.readTime);
    if (target.once === true) {
      this.targets.delete(id);
      this.send({ targetChange: { targetChangeType: 'REMOVE', targetIds: [id] } });
    }
  }

  private buildTarget(id: number, target: Target, database: string | undefined): TargetState {
    const checkDatabase = (name: string): void => {
      if (database !== undefined && database !== '' && databaseOf(name) !== database) {
        throw new QueryError(
          Code.INVALID_ARGUMENT,
          `"${name}" is not in the database of this stream (${database})`,
        );
      }
    };
    if (target.query !== undefined) {
      const parent = target.query.parent ?? '';
      if (!/^projects\/[^/]+\/databases\/[^/]+\/documents(\/[^/]+\/[^/]+)*$/.test(parent)) {
        throw new QueryError(Code.INVALID_ARGUMENT, `invalid query parent "${parent}"`);
      }
      checkDatabase(parent);
      const structured = target.query.structuredQuery;
      if (structured === undefined) {
        throw new QueryError(Code.INVALID_ARGUMENT, 'query target needs a structured_query');
      }
      const query = new CompiledQuery(parent, structured);
      this.source.checkQuery?.(parent, structured);
      return {
        kind: 'query',
        id,
        query,
        rerun: query.limit !== undefined || query.offset > 0,
        lastName: undefined,
        sent: new Map(),
      };
    }
    if (target.documents !== undefined) {
      const names = target.documents.documents ?? [];
      for (const name of names) {
        if (!/^projects\/[^/]+\/databases\/[^/]+\/documents(\/[^/]+\/[^/]+)+$/.test(name)) {
          throw new QueryError(Code.INVALID_ARGUMENT, `invalid document name "${name}"`);
        }
        checkDatabase(name);
      }
      return { kind: 'documents', id, names: new Set(names), sent: new Map() };
    }
    throw new QueryError(Code.INVALID_ARGUMENT, 'a target needs a query or documents');
  }

  private removeTarget(id: number): void {
    if (!this.targets.delete(id)) {
      this.rejectTarget(id, Code.INVALID_ARGUMENT, `target id ${id} does not exist`);
      return;
    }
    this.send({ targetChange: { targetChangeType: 'REMOVE', targetIds: [id] } });
  }

  private currentResult(state: TargetState, snapshot: Snapshot): Document[] {
    if (state.kind === 'query') {
      const result = state.query.run(snapshot.documents(state.query.parent));
      state.lastName = result.length > 0 ? result[result.length - 1].name : undefined;
      return result;
    }
    const docs: Document[] = [];
    for (const name of state.names) {
      const doc = snapshot.get(name);
      if (doc !== undefined) docs.push(doc);
    }
    return docs;
  }

  private sendGlobalNoChange(readTime: Timestamp): void {
    this.send({
      targetChange: {
        targetChangeType: 'NO_CHANGE',
        targetIds: [],
        readTime,
        resumeToken: resumeTokenFor(readTime),
      },
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Coalesce a burst of commits (BulkWriter, batches) into one diff per target.
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.closed) return;
      try {
        this.flush();
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        this.close();
        this.call.fail({ code: Code.INTERNAL, message });
      }
    });
  }

  private flush(): void {
    const names = [...this.pending];
    this.pending.clear();
    if (names.length === 0) return;
    const snapshot = this.source.snapshot();
    let changed = false;
    for (const state of this.targets.values()) {
      changed = this.diffTarget(state, names, snapshot) || changed;
    }
    if (changed) this.sendGlobalNoChange(snapshot.readTime);
  }

  /**
   * Whether changes to `names` can alter a limited result, so that re-running the query (costly
   * on a large collection) is needed: only if a document of the result changed, or a document
   * now matches and would sort into the result.
   */
  private mayChangeLimited(state: QueryTargetState, names: string[], snapshot: Snapshot): boolean {
    for (const name of names) {
      if (!state.query.inScope(name)) continue;
      if (state.sent.has(name)) return true;
      const doc = snapshot.get(name);
      if (doc === undefined || !state.query.matches(doc)) continue;
      const { offset, limit } = state.query;
      if (offset > 0 || limit === undefined || state.sent.size < limit) {
        return true;
      }
      // The last document may itself have changed in this burst, even out of the result.
      const last = state.lastName === undefined ? undefined : snapshot.get(state.lastName);
      if (last === undefined || !state.query.matches(last)) return true;
      if (state.query.compareDocuments(doc, last) < 0) return true;
    }
    return false;
  }

  /** Sends what changed for one target among the changed names; true if anything was sent. */
  private diffTarget(state: TargetState, names: string[], snapshot: Snapshot): boolean {
    let next: Map<string, Document | undefined>;
    if (state.kind === 'query' && state.rerun) {
      if (!this.mayChangeLimited(state, names, snapshot)) return false;
      const result = new Map<string, Document | undefined>();
      for (const doc of this.currentResult(state, snapshot)) result.set(doc.name, doc);
      // Everything sent before but not in the new result has left it.
      for (const name of state.sent.keys()) if (!result.has(name)) result.set(name, undefined);
      next = result;
    } else {
      next = new Map();
      for (const name of names) {
        if (state.kind === 'query') {
          if (!state.query.inScope(name)) continue;
          const doc = snapshot.get(name);
          next.set(
            name,
            doc !== undefined && state.query.matches(doc) ? state.query.project(doc) : undefined,
          );
        } else if (state.names.has(name)) {
          next.set(name, snapshot.get(name));
        }
      }
    }
    let changed = false;
    for (const [name, doc] of next) {
      const previous = state.sent.get(name);
      if (doc !== undefined) {
        if (previous !== undefined && sameVersion(previous, doc)) continue;
        state.sent.set(name, doc);
        this.send({ documentChange: { document: doc, targetIds: [state.id] } });
        changed = true;
      } else if (previous !== undefined) {
        state.sent.delete(name);
        const gone = { document: name, removedTargetIds: [state.id], readTime: snapshot.readTime };
        // Deleted documents and documents that merely stopped matching are reported differently.
        this.send(
          snapshot.get(name) === undefined ? { documentDelete: gone } : { documentRemove: gone },
        );
        changed = true;
      }
    }
    return changed;
  }
}

/** Security rules for a new target: PERMISSION_DENIED's message, or undefined if allowed. */
export type ListenAuthorizer = (target: Target) => string | undefined;

/**
 * Serves one Listen call until the client closes or cancels it. `source` gives consistent
 * snapshots of the data and tells about every commit.
 */
export function handleListen(
  call: ListenCall,
  source: ListenSource,
  authorize?: ListenAuthorizer,
): void {
  new ListenStream(call, source, authorize);
}
