// The bulk route's part of the ledger: events from scanners that are not Firebase apps (a
// keyboard-wedge scanner on a laptop, a script), written as the same scanEvents documents and
// applied by the same core (applyScanEvent), each answered with its result. Events of one code
// are applied one after another in scannedAt order (a checkout then a checkin of one item keep
// their order); different codes in parallel, a few at a time.
import { Timestamp } from 'firebase-admin/firestore';
import { type BulkEntry, type ScanEvent, type ScanResult } from '../domain/scanEvents';
import { applyScanEvent } from './ledger';
import { quotaLimits, spendDaily } from './quotas';
import { ledgerEventApplied } from '../logs';

/** Codes applied at once. */
const PARALLEL = 8;

export interface BulkReply {
  index: number;
  scanId: string | null;
  status: ScanResult['status'];
  reason?: string;
  message?: string;
  appliedAt: string;
  itemId?: string;
  errors?: Array<{ field: string; message: string }>;
}

const shown = (index: number, scanId: string, r: ScanResult): BulkReply => ({
  index,
  scanId,
  status: r.status,
  ...(r.reason ? { reason: r.reason } : {}),
  ...(r.message ? { message: r.message } : {}),
  appliedAt: r.appliedAt.toISOString(),
  ...(r.itemId ? { itemId: r.itemId } : {}),
});

/**
 * Applies the valid entries (after spending them from today's scan-event quota: 429 before
 * anything is written) and answers every entry in the request's order. `allowed` says whether
 * the caller may send an event of that kind (roles, self-service).
 */
export async function applyBulk(
  orgId: string,
  entries: BulkEntry[],
  by: string,
  allowed: (event: Omit<ScanEvent, 'by'>) => boolean,
): Promise<BulkReply[]> {
  const receivedAt = new Date();
  const replies: BulkReply[] = new Array<BulkReply>(entries.length);
  const groups = new Map<string, Array<Extract<BulkEntry, { ok: true }>>>();
  for (const entry of entries) {
    if (!entry.ok) {
      replies[entry.index] = {
        index: entry.index,
        scanId: entry.scanId,
        status: 'refused',
        reason: 'invalid_event',
        message: entry.errors.map((e) => `${e.field} ${e.message}`).join('; '),
        appliedAt: receivedAt.toISOString(),
        errors: entry.errors,
      };
    } else if (!allowed(entry.event)) {
      replies[entry.index] = {
        index: entry.index,
        scanId: entry.scanId,
        status: 'refused',
        reason: 'permission_denied',
        message: `Your role may not send ${entry.event.type} events`,
        appliedAt: receivedAt.toISOString(),
      };
    } else {
      const key = entry.event.code;
      groups.set(key, [...(groups.get(key) ?? []), entry]);
    }
  }
  const asked = [...groups.values()].reduce((n, g) => n + g.length, 0);
  const limits = await quotaLimits(orgId);
  await spendDaily(orgId, 'scanEventsPerDay', asked, limits.scanEventsPerDay);

  const queue = [...groups.values()].map((g) =>
    g.sort((a, b) => a.event.scannedAt.getTime() - b.event.scannedAt.getTime()),
  );
  const worker = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      for (const entry of group) {
        const started = Date.now();
        const event: ScanEvent = { ...entry.event, by };
        const fields = {
          ...entry.event,
          scannedAt: Timestamp.fromDate(entry.event.scannedAt),
          by,
          createdAt: Timestamp.fromDate(receivedAt),
          source: 'api',
        };
        const { result, fresh } = await applyScanEvent({
          orgId,
          scanId: entry.scanId,
          event,
          receivedAt,
          mode: { kind: 'create', fields },
          countQuota: false,
        });
        replies[entry.index] = shown(entry.index, entry.scanId, result);
        ledgerEventApplied({
          orgId,
          scanId: entry.scanId,
          type: event.type,
          status: result.status,
          ...(result.reason ? { reason: result.reason } : {}),
          source: 'api',
          fresh,
          durationMs: Date.now() - started,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return replies;
}
