// Where a scan of `/s/{token}` lands: one read for the token, one batched read for the item and
// its organisation (two more for a tag assigned to an item), and the day's counter. A tag
// assigned to an item is that item from here on: its scan counts for the item and lands where
// the item's scans land. Scans that reach no item (unknown, expired, an unassigned tag) are not
// counted.
import { isExpired } from '../domain/qrCodes';
import { redirectPolicyOf } from '../domain/redirectHosts';
import type { Landing } from '../domain/scanLanding';
import { isScanToken, type ScanTarget } from '../domain/scanTokens';
import { unassignedTagUrl } from '../domain/tags';
import { dayKey } from '../domain/timeline';
import { recordScan } from './scans';
import { stockLanding } from './stockScans';
import { loadScanTarget, resolveScanToken } from './scanTokens';

type Doc = FirebaseFirestore.DocumentData;

const templateOf = (org: Doc): string | undefined =>
  typeof org.assetUrlTemplate === 'string' ? org.assetUrlTemplate : undefined;

function unassignedTag(target: ScanTarget, tag: Doc, org: Doc): Landing {
  const code = String(tag.code);
  const template = templateOf(org);
  const url = template ? unassignedTagUrl(template, code) : undefined;
  if (!url) return { kind: 'tagPage', code };
  return {
    kind: 'redirect',
    url,
    source: 'assetUrlTemplate',
    target,
    policy: redirectPolicyOf(org),
  };
}

/** Resolves the token, counts the scan when it reaches an item, and says what it lands on. */
export async function landScan(token: string, now: Date): Promise<Landing> {
  let target = isScanToken(token) ? await resolveScanToken(token) : undefined;
  if (!target) return { kind: 'unknown' };
  const loaded = await loadScanTarget(target);
  const org = loaded.org;
  let item = loaded.item;
  if (!item || !org) return { kind: 'unknown' };
  if (target.kind === 'tag') {
    const assetId = typeof item.assetId === 'string' ? item.assetId : undefined;
    const itemTarget = assetId
      ? ({ orgId: target.orgId, kind: 'equipment', id: assetId } as const)
      : undefined;
    const assigned = itemTarget ? await loadScanTarget(itemTarget) : undefined;
    if (!itemTarget || !assigned?.item) return unassignedTag(target, item, org);
    [target, item] = [itemTarget, assigned.item];
  }
  if (target.kind === 'qrCode') {
    const expiresAt = item.expiresAt?.toDate?.() as Date | undefined;
    if (isExpired(expiresAt ?? null, now)) return { kind: 'expired' };
  }
  // A bin label: the organisation's page for the item ({sku} in its template) or a minimal page.
  // Not counted: stock items have no scan counters (yet).
  if (target.kind === 'stockItem') return stockLanding(target, item, org);
  const timeZone = typeof org.timeZone === 'string' ? org.timeZone : 'UTC';
  await recordScan(target, dayKey(now, timeZone));
  const policy = redirectPolicyOf(org);
  if (target.kind === 'qrCode' && typeof item.url === 'string') {
    return { kind: 'redirect', url: item.url, source: 'trackedCode', target, policy };
  }
  const template = templateOf(org);
  // A template made for stock only ({sku} without {assetId}) does not apply to equipment.
  if (target.kind === 'equipment' && template?.includes('{assetId}')) {
    const url = template.replaceAll('{assetId}', encodeURIComponent(target.id));
    return { kind: 'redirect', url, source: 'assetUrlTemplate', target, policy };
  }
  const name = typeof item.name === 'string' ? item.name : target.id;
  return { kind: 'itemPage', name, id: target.id };
}
