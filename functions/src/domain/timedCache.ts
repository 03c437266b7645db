// A bounded per-instance cache whose entries count as fresh for a time chosen at each read, so a
// param changed at run time takes effect at once. A `forget` also blocks the answer of a read that
// began before it (a read racing the change that forgot it), so no stale value comes back.
import { LRUCache } from 'lru-cache';

interface Entry<V> {
  value: V;
  at: number;
}

export class TimedCache<V extends object> {
  private readonly entries: LRUCache<string, Entry<V>>;
  /** When each recently forgotten key was forgotten. */
  private readonly forgotten: LRUCache<string, number>;

  constructor(max: number) {
    this.entries = new LRUCache({ max });
    this.forgotten = new LRUCache({ max });
  }

  /** The value stored less than `maxAgeMs` ago (0: never). */
  get(key: string, maxAgeMs: number, now = Date.now()): V | undefined {
    if (maxAgeMs <= 0) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.at >= maxAgeMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores what a read that began at `readStartedAt` found, unless the key was forgotten since. */
  set(key: string, value: V, readStartedAt: number): void {
    const forgottenAt = this.forgotten.get(key);
    if (forgottenAt !== undefined && readStartedAt <= forgottenAt) return;
    this.entries.set(key, { value, at: readStartedAt });
  }

  forget(key: string, now = Date.now()): void {
    this.entries.delete(key);
    this.forgotten.set(key, now);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A cache key of several ids that no other combination of ids can spell. */
export function cacheKey(...ids: string[]): string {
  return JSON.stringify(ids);
}
