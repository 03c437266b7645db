// Transactions. Read-write transactions get SERIALIZABLE isolation from two mechanisms:
//  1. Pessimistic: every document a read-write transaction reads (or a query of it returns) is
//     locked exclusively until it commits or rolls back; another transaction that wants to read a
//     locked document waits. This makes contending read-modify-write transactions queue up
//     instead of aborting each other (the SDK only retries 5 times).
//  2. Optimistic: each read is recorded with a fingerprint (document update time, or the names
//     and update times of a query's results). Commit recomputes them and fails with ABORTED if
//     any differ: this catches writes outside transactions (which do not take locks) and phantoms.
// Deadlocks (a waits for b waits for a) doom the transaction that would close the cycle, and so
// does a wait longer than LOCK_WAIT_MS. A doomed transaction drops its locks at once (so the others
// proceed), reads on without locking, and fails its commit with ABORTED, upon which the SDK retries
// the whole transaction. Failing the read itself would be worse: the SDK retries failed reads
// several times with long backoffs before it gives up on the attempt.
import { randomBytes } from 'node:crypto';
import { aborted, invalidArgument } from './errors';
import type { Micros } from './clock';

export const LOCK_WAIT_MS = 20_000;
/** A transaction unused for this long expires and loses its locks. */
export const TRANSACTION_IDLE_MS = 60_000;
/** A transaction expires this long after it began, busy or not (quotas page: 270 s). */
export const TRANSACTION_MAX_MS = 270_000;

interface ReadCheck {
  fingerprint: string;
  recompute: () => string;
}

export interface Transaction {
  id: string;
  database: string;
  readOnly: boolean;
  /** Snapshot time of a read-only transaction. */
  readTime?: Micros;
  checks: ReadCheck[];
  locks: Set<string>;
  /**
   * Transactions this one waits for, one entry per waiting read (the SDK may run several reads
   * of one transaction at once), for deadlock detection.
   */
  waitingFor: string[];
  /** Date.now() when the transaction began, and when it was last used. */
  startedAt: number;
  lastUsed: number;
  done: boolean;
  /** Why the transaction must fail at commit (deadlock victim, lock wait timeout). */
  doomed?: string;
}

/**
 * Whether a transaction is past production's time limits: 60 s idle (not while it waits for a
 * lock: the wait itself is bounded by LOCK_WAIT_MS) or 270 s since it began.
 */
export function isExpired(txn: Transaction, now: number): boolean {
  if (now - txn.startedAt > TRANSACTION_MAX_MS) return true;
  return now - txn.lastUsed > TRANSACTION_IDLE_MS && txn.waitingFor.length === 0;
}

export class TransactionManager {
  private readonly txns = new Map<string, Transaction>();
  /** Document name -> id of the transaction holding its lock. */
  private readonly locks = new Map<string, string>();
  /** Document name -> callbacks to run when its lock is released. */
  private readonly waiters = new Map<string, Set<() => void>>();

  begin(database: string, readOnly: boolean, readTime?: Micros, retryOf?: Buffer): Transaction {
    if (retryOf && retryOf.length > 0) this.finish(retryOf.toString('hex'));
    const id = randomBytes(16).toString('hex');
    const now = Date.now();
    const txn: Transaction = {
      id,
      database,
      readOnly,
      readTime,
      checks: [],
      locks: new Set(),
      waitingFor: [],
      startedAt: now,
      lastUsed: now,
      done: false,
    };
    this.txns.set(id, txn);
    return txn;
  }

  /** Looks up an active transaction by its wire id. */
  get(idBytes: Buffer | Uint8Array | undefined, database: string): Transaction {
    const id = Buffer.from(idBytes ?? []).toString('hex');
    const found = this.txns.get(id);
    // Expiry is checked on use too, not only by the periodic sweep.
    const txn = found && isExpired(found, Date.now()) ? this.expire(found) : found;
    if (!txn || txn.done) {
      throw invalidArgument(
        'The referenced transaction has expired or is no longer valid (transaction has expired)',
      );
    }
    if (txn.database !== database) {
      throw invalidArgument('The transaction belongs to a different database');
    }
    txn.lastUsed = Date.now();
    return txn;
  }

  /** Records a read to re-validate at commit. */
  recordRead(txn: Transaction, fingerprint: string, recompute: () => string): void {
    txn.checks.push({ fingerprint, recompute });
  }

  /** ABORTED if anything the transaction read has changed since. Synchronous. */
  validate(txn: Transaction): void {
    if (txn.doomed) throw aborted(`Transaction aborted: ${txn.doomed}; retry`);
    for (const c of txn.checks) {
      if (c.recompute() !== c.fingerprint) {
        throw aborted('Transaction aborted: data it read was changed by another write; retry');
      }
    }
  }

  /** Ends a transaction (commit, rollback, expiry): releases its locks and wakes waiters. */
  finish(id: string): void {
    const txn = this.txns.get(id);
    if (!txn) return;
    txn.done = true;
    this.txns.delete(id);
    this.releaseLocks(txn);
  }

  /** Marks `txn` to fail at commit and releases its locks so the others can go on. */
  private doom(txn: Transaction, reason: string): void {
    txn.doomed = reason;
    txn.waitingFor = [];
    this.releaseLocks(txn);
  }

  private releaseLocks(txn: Transaction): void {
    const id = txn.id;
    for (const name of txn.locks) {
      if (this.locks.get(name) === id) this.locks.delete(name);
      const ws = this.waiters.get(name);
      if (ws) {
        this.waiters.delete(name);
        for (const w of ws) w();
      }
    }
    txn.locks.clear();
  }

  /** The transaction other than `txn` holding a lock on one of `names`, if any. */
  private blocker(
    txn: Transaction,
    names: Iterable<string>,
  ): { name: string; holder: string } | undefined {
    for (const name of names) {
      const holder = this.locks.get(name);
      if (holder !== undefined && holder !== txn.id) return { name, holder };
    }
    return undefined;
  }

  /**
   * Tries to lock all `names` for `txn` at once. Returns undefined on success, or a promise
   * that resolves when a blocking lock was released (then the caller re-reads and retries) with
   * the blocking transaction, whose wait-for edge the caller removes with stopWaiting.
   * On deadlock `txn` is doomed instead (see above) and undefined is returned.
   */
  tryLock(
    txn: Transaction,
    names: Iterable<string>,
  ): { wait: Promise<void>; holder: string } | undefined {
    if (txn.doomed) return undefined;
    const list = [...names];
    const b = this.blocker(txn, list);
    if (!b) {
      for (const name of list) {
        this.locks.set(name, txn.id);
        txn.locks.add(name);
      }
      return undefined;
    }
    // Deadlock check: follow every wait-for edge from the holder.
    const pending = [b.holder];
    const seen = new Set<string>();
    for (let cur = pending.pop(); cur !== undefined; cur = pending.pop()) {
      if (cur === txn.id) {
        this.doom(txn, 'it deadlocked with a concurrent transaction');
        return undefined;
      }
      if (seen.has(cur)) continue;
      seen.add(cur);
      pending.push(...(this.txns.get(cur)?.waitingFor ?? []));
    }
    txn.waitingFor.push(b.holder);
    const wait = new Promise<void>((resolve) => {
      let set = this.waiters.get(b.name);
      if (!set) {
        set = new Set();
        this.waiters.set(b.name, set);
      }
      set.add(resolve);
    });
    return { wait, holder: b.holder };
  }

  /** Removes one wait-for edge added by tryLock (the wait ended or timed out). */
  private stopWaiting(txn: Transaction, holder: string): void {
    const i = txn.waitingFor.indexOf(holder);
    if (i >= 0) txn.waitingFor.splice(i, 1);
  }

  /**
   * Runs `read` (synchronous, returns the result and the document names it covers) until the
   * covered documents can all be locked for `txn`, waiting for other transactions as needed.
   */
  async readLocked<T>(
    txn: Transaction,
    read: () => { value: T; names: string[] },
  ): Promise<{ value: T; names: string[] }> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      if (txn.done) throw aborted('Transaction aborted: it expired while waiting for a lock');
      const r = read();
      const blocked = this.tryLock(txn, r.names);
      if (!blocked) return r;
      const remaining = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        blocked.wait.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), Math.max(remaining, 0));
        }),
      ]);
      clearTimeout(timer);
      this.stopWaiting(txn, blocked.holder);
      if (timedOut) {
        this.doom(txn, 'it timed out waiting for a lock held by another transaction');
        return read();
      }
      txn.lastUsed = Date.now();
    }
  }

  /** Expires transactions idle for over 60 s or older than 270 s. */
  sweep(now = Date.now()): void {
    for (const txn of [...this.txns.values()]) {
      if (isExpired(txn, now)) this.finish(txn.id);
    }
  }

  private expire(txn: Transaction): undefined {
    this.finish(txn.id);
    return undefined;
  }

  /** The snapshot time of the oldest active read-only transaction (pruning must keep it). */
  oldestReadTime(): Micros | undefined {
    let oldest: Micros | undefined;
    for (const t of this.txns.values()) {
      if (t.readOnly && t.readTime !== undefined && (oldest === undefined || t.readTime < oldest)) {
        oldest = t.readTime;
      }
    }
    return oldest;
  }

  /** Ends every transaction (of one database when given). */
  clear(database?: string): void {
    for (const txn of [...this.txns.values()]) {
      if (database === undefined || txn.database === database) this.finish(txn.id);
    }
  }
}
