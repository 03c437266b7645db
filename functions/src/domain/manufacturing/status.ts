// The life of a unit code. Status only ever moves forwards: generated -> packed -> shipped ->
// scanned -> redeemed. One pure function decides every change, so the HTTP route, the link from
// the queue and the prep worker cannot disagree about it.

export const CODE_STATUSES = ['generated', 'packed', 'shipped', 'scanned', 'redeemed'] as const;
export type CodeStatus = (typeof CODE_STATUSES)[number];

const RANK: Record<CodeStatus, number> = {
  generated: 0,
  packed: 1,
  shipped: 2,
  scanned: 3,
  redeemed: 4,
};

export function isCodeStatus(value: unknown): value is CodeStatus {
  return typeof value === 'string' && (CODE_STATUSES as readonly string[]).includes(value);
}

/** How a status change is being made: linking into a master case, or a plain status update. */
export type StatusChangeVia = 'link' | 'update';

/**
 * Why a code may not go from `from` to `to`, or undefined when it may.
 * - never backwards, never to the same status (a repeated request must not look like progress);
 * - `packed` means "in a master case", so only a link sets it, and a link only takes a code
 *   that is still `generated`;
 * - later steps may skip ahead (a consumer can scan a unit whose shipment nobody recorded).
 */
export function statusChangeProblem(
  from: CodeStatus,
  to: CodeStatus,
  via: StatusChangeVia,
): string | undefined {
  if (via === 'link') {
    if (to !== 'packed') return 'a link only packs codes';
    if (from !== 'generated') return `the code is already ${from}`;
    return undefined;
  }
  if (to === 'packed') return 'a code is packed only by linking it to a master case';
  if (RANK[to] === RANK[from]) return `the code is already ${from}`;
  if (RANK[to] < RANK[from]) {
    return `status moves only forwards (${CODE_STATUSES.join(' → ')}); the code is ${from}`;
  }
  return undefined;
}

/** Whether a prep job may put this code in the queue: only codes nobody has packed yet. */
export function isPreparable(status: CodeStatus): boolean {
  return status === 'generated';
}
