// Which prepared codes a link request tries to take. The queue is FIFO by sequence number, and
// a link takes a contiguous run of it. The first try takes the head. A try that found its run
// already taken by another linker (it waited on their locks, then saw the codes consumed) spreads
// out: it picks one of the first `spread` runs at random, so twenty linkers that arrive together
// contend once on the head and then mostly on different documents. See docs/data-model.md.

/** How many runs of the queue head a retrying linker chooses among. */
export const LINK_SPREAD = 16;
/** The most queue entries one look at the head reads (ids and sequence numbers only). */
export const HEAD_READ_MAX = 2000;

/** How many entries of the queue head to read for a try; `spread` after a lost race. */
export function headReadSize(take: number, spread: boolean): number {
  if (!spread) return take;
  return Math.max(take, Math.min(HEAD_READ_MAX, take * LINK_SPREAD));
}

/**
 * The run of `head` (queue entries in sequence order) that a try takes: `take` entries starting
 * at a multiple of `take`. Without `spread` the head itself; with it (an earlier try lost its run
 * to another linker) a random run among the whole runs that `head` holds. `random` is in [0, 1).
 */
export function chooseRun<T>(
  head: readonly T[],
  take: number,
  spread: boolean,
  random: number,
): T[] {
  const runs = Math.floor(head.length / take);
  if (!spread || runs <= 1) return head.slice(0, take);
  const run = Math.min(runs - 1, Math.floor(random * runs));
  return head.slice(run * take, run * take + take);
}

/**
 * How many codes a link takes, or why it cannot: `room` is what the master still holds, `queued`
 * how many prepared codes the look at the head found (at most `target` when there are enough).
 */
export function linkCount(
  target: number,
  room: number,
  queued: number,
  allowPartial: boolean,
): { take: number } | { problem: 'overfill' | 'short' } {
  if (room <= 0) return { problem: 'overfill' };
  if (!allowPartial) {
    if (target > room) return { problem: 'overfill' };
    if (queued < target) return { problem: 'short' };
    return { take: target };
  }
  const take = Math.min(target, room, queued);
  return take > 0 ? { take } : { problem: 'short' };
}
