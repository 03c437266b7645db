// Which prepared codes a link request tries to take. The queue is FIFO by sequence number, and
// a link takes a contiguous run of it. The first try takes the head. A try that lost its run to
// another linker (it waited on their locks, then saw the codes packed) spreads out: its next
// tries take a run at a random offset among the first few runs, so twenty linkers that arrive
// together contend once on the head and then mostly on different documents.
// See docs/data-model.md#link-from-the-queue.

/** How many runs of the queue head a spreading linker chooses among. */
export const LINK_SPREAD = 16;
/** The furthest into the queue a spreading linker starts (entries skipped are still read). */
export const SPREAD_MAX_OFFSET = 2000;

/**
 * Where in the queue a try starts: 0 (the head) unless `spread`, then a random whole run among
 * the first LINK_SPREAD runs of `take` entries (fewer for large runs). Runs are aligned to
 * multiples of `take`, so two spreading linkers take the same run or disjoint ones. `random` is
 * in [0, 1).
 */
export function runOffset(take: number, spread: boolean, random: number): number {
  if (!spread) return 0;
  const runs = Math.max(1, Math.min(LINK_SPREAD, Math.floor(SPREAD_MAX_OFFSET / take)));
  return Math.min(runs - 1, Math.floor(random * runs)) * take;
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
