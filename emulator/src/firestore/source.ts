// The contract between the core server (which owns the data) and the Listen handler (listen.ts).
// The server hands handleListen() a ListenSource; the handler never touches the store directly.
import type { Document, StructuredQuery, Timestamp } from './types';

/**
 * One document changed by a commit, in decoded-proto form. `before` absent = created,
 * `after` absent = deleted, both present = updated. `name` is the full resource name.
 */
export interface InternalChange {
  name: string;
  before?: Document;
  after?: Document;
}

/** A consistent view of the database at one instant. */
export interface Snapshot {
  /** The instant of this view (the time of the last commit it includes, or now). */
  readTime: Timestamp;
  /**
   * Every existing document whose name is under `parent` at any depth (`parent` is
   * `projects/p/databases/d/documents` or a document name), in no particular order. The
   * documents are the stored objects: callers must not mutate them.
   */
  documents(parent: string): Document[];
  /** One document by full name, or undefined if it does not exist at this view. */
  get(name: string): Document | undefined;
}

export interface ListenSource {
  /** The current state. Synchronous: no commit can interleave while it is being read. */
  snapshot(): Snapshot;
  /**
   * Calls `listener` once per successful commit, synchronously right after it was applied, with
   * every document it changed and the commit time. Returns the unsubscribe function.
   */
  subscribe(listener: (changes: InternalChange[], readTime: Timestamp) => void): () => void;
  /**
   * Throws (FAILED_PRECONDITION) when a query target could not be served for want of an index;
   * called for every query target after it compiled. Absent = no index checks.
   */
  checkQuery?(parent: string, query: StructuredQuery): void;
}
