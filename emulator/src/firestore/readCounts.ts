// How often each document was read, and how often inside a read-write transaction (which locks
// it). Not part of Firestore's API: a tool for tests and benchmarks that must show what a request
// costs ("one read", "no transaction") without timing anything. Served at
// GET /emulator/v1/projects/{p}/databases/{d}/documents/{path}:reads.

export interface DocumentReads {
  /** Reads of the document by any means: get, batch get, a query that returned it. */
  reads: number;
  /** Of those, reads inside a read-write transaction (each takes the document's lock). */
  transactionalReads: number;
}

export class ReadCounts {
  private readonly counts = new Map<string, DocumentReads>();

  record(names: readonly string[], transactional: boolean): void {
    for (const name of names) {
      const entry = this.counts.get(name) ?? { reads: 0, transactionalReads: 0 };
      entry.reads += 1;
      if (transactional) entry.transactionalReads += 1;
      this.counts.set(name, entry);
    }
  }

  of(name: string): DocumentReads {
    return { ...(this.counts.get(name) ?? { reads: 0, transactionalReads: 0 }) };
  }

  /** Forgets the counts of documents under `prefix` (the clear endpoint of a database). */
  clear(prefix: string): void {
    for (const name of this.counts.keys()) if (name.startsWith(prefix)) this.counts.delete(name);
  }
}
