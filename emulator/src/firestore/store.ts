// Versioned in-memory document storage. Every document keeps its recent versions so reads at a
// past time (read-only transactions, readTime reads) see a consistent snapshot; old versions are
// pruned after a retention period.
import type { Document } from './types';
import type { Micros } from './clock';
import { parentCollectionOf } from './paths';

interface Version {
  time: Micros;
  /** undefined = deleted at `time`. */
  doc: Document | undefined;
}

interface Entry {
  name: string;
  /** Ascending by time; never empty. */
  versions: Version[];
}

/** Which version of a document a read saw ('missing' if none), for re-validation at commit. */
export function versionKey(doc: Document | undefined): string {
  if (!doc?.updateTime) return 'missing';
  return `${doc.updateTime.seconds}.${doc.updateTime.nanos}`;
}

export class DocumentStore {
  /** Collection name (full resource name) -> document id -> entry. */
  private readonly collections = new Map<string, Map<string, Entry>>();
  /** Reads before this time can no longer be answered exactly (versions were pruned). */
  private prunedBefore: Micros = 0;

  constructor(private readonly retention: Micros) {}

  /** The earliest time at which reads are still exact. */
  oldestReadable(): Micros {
    return this.prunedBefore;
  }

  private entry(name: string): Entry | undefined {
    const coll = this.collections.get(parentCollectionOf(name));
    return coll?.get(name.slice(name.lastIndexOf('/') + 1));
  }

  private static at(entry: Entry, time: Micros | undefined): Document | undefined {
    const vs = entry.versions;
    if (time === undefined) return vs[vs.length - 1].doc;
    for (let i = vs.length - 1; i >= 0; i--) if (vs[i].time <= time) return vs[i].doc;
    return undefined;
  }

  /** The document at `time` (latest when undefined). */
  get(name: string, time?: Micros): Document | undefined {
    const e = this.entry(name);
    return e ? DocumentStore.at(e, time) : undefined;
  }

  /** Existing documents directly in one collection. */
  docsInCollection(collection: string, time?: Micros): Document[] {
    const out: Document[] = [];
    for (const e of this.collections.get(collection)?.values() ?? []) {
      const d = DocumentStore.at(e, time);
      if (d) out.push(d);
    }
    return out;
  }

  /**
   * Existing documents at any depth under `parent` (root or a document name); if `collectionId`
   * is given, only those whose immediate collection has that id.
   */
  docsUnder(parent: string, time?: Micros, collectionId?: string): Document[] {
    const prefix = `${parent}/`;
    const out: Document[] = [];
    for (const [coll, docs] of this.collections) {
      if (!coll.startsWith(prefix)) continue;
      if (collectionId !== undefined && coll.slice(coll.lastIndexOf('/') + 1) !== collectionId) {
        continue;
      }
      for (const e of docs.values()) {
        const d = DocumentStore.at(e, time);
        if (d) out.push(d);
      }
    }
    return out;
  }

  /** Ids of collections directly under `parent` that contain an existing document at any depth. */
  collectionIds(parent: string, time?: Micros): string[] {
    const prefix = `${parent}/`;
    const ids = new Set<string>();
    for (const [coll, docs] of this.collections) {
      if (!coll.startsWith(prefix)) continue;
      const id = coll.slice(prefix.length).split('/')[0];
      if (ids.has(id)) continue;
      for (const e of docs.values()) {
        if (DocumentStore.at(e, time)) {
          ids.add(id);
          break;
        }
      }
    }
    return [...ids].sort();
  }

  /**
   * Names of the documents of `collection` for ListDocuments: the existing ones and, with
   * `showMissing`, the ones that do not exist but have existing documents below them.
   */
  listDocumentNames(
    collection: string,
    showMissing: boolean,
    time?: Micros,
  ): { name: string; exists: boolean }[] {
    const found = new Map<string, boolean>();
    for (const e of this.collections.get(collection)?.values() ?? []) {
      if (DocumentStore.at(e, time)) found.set(e.name, true);
    }
    if (showMissing) {
      const prefix = `${collection}/`;
      for (const [coll, docs] of this.collections) {
        if (!coll.startsWith(prefix)) continue;
        // coll = collection/{docId}/sub/...; the ancestor document is the first two segments.
        const docId = coll.slice(prefix.length).split('/')[0];
        const name = prefix + docId;
        if (found.has(name)) continue;
        for (const e of docs.values()) {
          if (DocumentStore.at(e, time)) {
            found.set(name, false);
            break;
          }
        }
      }
    }
    return [...found].map(([name, exists]) => ({ name, exists }));
  }

  /** Records new versions (undefined = delete) at `time`, which is after every earlier write. */
  apply(changes: Map<string, Document | undefined>, time: Micros): void {
    for (const [name, doc] of changes) {
      const collName = parentCollectionOf(name);
      const id = name.slice(name.lastIndexOf('/') + 1);
      let coll = this.collections.get(collName);
      if (!coll) {
        coll = new Map();
        this.collections.set(collName, coll);
      }
      const e = coll.get(id);
      if (e) e.versions.push({ time, doc });
      else if (doc) coll.set(id, { name, versions: [{ time, doc }] });
    }
  }

  /** Drops versions no reader can need anymore. */
  prune(now: Micros): void {
    const horizon = now - this.retention;
    if (horizon <= this.prunedBefore) return;
    for (const [collName, docs] of this.collections) {
      for (const [id, e] of docs) {
        const vs = e.versions;
        // Keep the newest version at or before the horizon: it answers reads at the horizon.
        let keepFrom = 0;
        for (let i = vs.length - 1; i >= 0; i--) {
          if (vs[i].time <= horizon) {
            keepFrom = i;
            break;
          }
        }
        if (keepFrom > 0) e.versions = vs.slice(keepFrom);
        if (e.versions.length === 1 && !e.versions[0].doc && e.versions[0].time <= horizon) {
          docs.delete(id);
        }
      }
      if (docs.size === 0) this.collections.delete(collName);
    }
    this.prunedBefore = horizon;
  }

  /** Deletes everything under `prefix` (a database root) or everything at all. */
  clear(prefix?: string): void {
    if (prefix === undefined) {
      this.collections.clear();
      return;
    }
    for (const coll of [...this.collections.keys()]) {
      if (coll.startsWith(`${prefix}/`)) this.collections.delete(coll);
    }
  }

  /** All current documents (for export). */
  *allCurrent(): Generator<Document> {
    for (const docs of this.collections.values()) {
      for (const e of docs.values()) {
        const d = e.versions[e.versions.length - 1].doc;
        if (d) yield d;
      }
    }
  }
}
