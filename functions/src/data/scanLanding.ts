// Where a scan of `/s/{token}` lands: one read for the token, one batched read for the item and
// its organisation (two more for a tag assigned to an item), then the scan's record and counts
// (data/scanRecords.ts). A tag assigned to an item is that item from here on: its scan counts
// for the item and lands where the item's scans land. Scans that reach no item (unknown, an
// unassigned tag) are neither recorded nor counted; a tracked code's window and limit
// (validFrom, validUntil, expiresAt, maxScans) are checked before it lands, and a refused scan
// is recorded with why, but not counted.
import type { DocumentReference } from 'firebase-admin/firestore';
import { classifyAgent } from '../domain/botDetect';
import { redirectPolicyOf, type RedirectPolicy } from '../domain/redirectHosts';
import { landingDecision, type Landing } from '../domain/scanLanding';
import type { ScanOutcome, ScanRequestFacts, ScanSubject } from '../domain/scanRecords';
import { windowVerdict } from '../domain/scanWindows';
import { isScanToken, type ScanTarget } from '../domain/scanTokens';
import { unassignedTagUrl } from '../domain/tags';
import { dayKey } from '../domain/timeline';
import { scanTargetRef } from './paths';
import { scanRefused } from '../logs';
import { takeHumanScan } from './scanLimits';
import { noteScan } from './scanRecords';
import { stockLanding } from './stockScans';
import { loadScanTarget, resolveScanToken } from './scanTokens';

type Doc = FirebaseFirestore.DocumentData;

const templateOf = (org: Doc): string | undefined =>
  typeof org.assetUrlTemplate === 'string' ? org.assetUrlTemplate : undefined;

const dateOf = (value: unknown): Date | null =>
  (value as { toDate?: () => Date } | null)?.toDate?.() ?? null;

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
    policy: policyOf(org),
  };
}

/**
 * The organisation's allow list, with its businessUrl's host in it: the admins chose that
 * destination, so a tracked code that points there is no surprise.
 */
function policyOf(org: Doc): RedirectPolicy {
  const policy = redirectPolicyOf(org);
  if (policy.kind !== 'allowlist' || typeof org.businessUrl !== 'string') return policy;
  try {
    return { kind: 'allowlist', hosts: [...policy.hosts, new URL(org.businessUrl).hostname] };
  } catch {
    return policy;
  }
}

/** What a scan of the item (a tracked code, equipment, a bin, the business QR) opens, its rules aside. */
function itemLanding(target: ScanTarget, item: Doc, org: Doc): Landing {
  const policy = policyOf(org);
  if (target.kind === 'organization') {
    if (typeof org.businessUrl === 'string') {
      return { kind: 'redirect', url: org.businessUrl, source: 'businessUrl', target, policy };
    }
    return { kind: 'businessPage', name: typeof org.name === 'string' ? org.name : target.orgId };
  }
  if (target.kind === 'qrCode' && typeof item.url === 'string') {
    return { kind: 'redirect', url: item.url, source: 'trackedCode', target, policy };
  }
  // A bin label: the organisation's page for the item ({sku} in its template) or a minimal page.
  if (target.kind === 'stockItem') return stockLanding(target, item, org, policy);
  const template = templateOf(org);
  // A template made for stock only ({sku} without {assetId}) does not apply to equipment.
  if (target.kind === 'equipment' && template?.includes('{assetId}')) {
    const url = template.replaceAll('{assetId}', encodeURIComponent(target.id));
    return { kind: 'redirect', url, source: 'assetUrlTemplate', target, policy };
  }
  const name = typeof item.name === 'string' ? item.name : target.id;
  return { kind: 'itemPage', name, id: target.id };
}

/** The refusal of a tracked code's window or limit, or undefined when the scan may land. */
async function refusalOf(
  item: Doc,
  counted: DocumentReference,
  now: Date,
  timeZone: string,
  facts: ScanRequestFacts,
): Promise<Landing | undefined> {
  const verdict = windowVerdict(
    {
      validFrom: dateOf(item.validFrom),
      validUntil: dateOf(item.validUntil),
      expiresAt: dateOf(item.expiresAt),
      maxScans: null,
    },
    now,
  );
  if (!verdict.ok && verdict.kind === 'notYetValid') {
    return { kind: 'notYetValid', validFrom: verdict.validFrom, timeZone };
  }
  if (!verdict.ok) return { kind: 'expired', until: verdict.until, timeZone };
  const maxScans = typeof item.maxScans === 'number' ? item.maxScans : null;
  // Bots never use up a limit: only a person's scan takes one.
  if (maxScans !== null && !classifyAgent(facts.userAgent).bot) {
    if (!(await takeHumanScan(counted, maxScans))) return { kind: 'limitReached', maxScans };
  }
  return undefined;
}

const SUBJECT_KINDS = {
  qrCode: 'code',
  equipment: 'item',
  tag: 'tag',
  organization: 'business',
  stockItem: 'stockItem',
} as const satisfies Record<ScanTarget['kind'], ScanSubject['kind']>;

const subjectOf = (target: ScanTarget): ScanSubject => ({
  kind: SUBJECT_KINDS[target.kind],
  id: target.id,
});

function outcomeOf(landing: Landing): ScanOutcome {
  switch (landing.kind) {
    case 'redirect':
      return landingDecision(landing).allowed ? 'redirect' : 'interstitial';
    case 'expired':
      return 'expired';
    case 'notYetValid':
      return 'notYetValid';
    case 'limitReached':
      return 'limitReached';
    default:
      return 'page';
  }
}

/** Resolves the token, checks its rules, records and counts the scan, and says where it lands. */
export async function landScan(
  token: string,
  now: Date,
  facts: ScanRequestFacts,
): Promise<Landing> {
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
  const timeZone = typeof org.timeZone === 'string' ? org.timeZone : 'UTC';
  const counted = scanTargetRef(target.orgId, target.kind, target.id);
  const landing =
    (target.kind === 'qrCode' ? await refusalOf(item, counted, now, timeZone, facts) : undefined) ??
    itemLanding(target, item, org);
  const outcome = outcomeOf(landing);
  const noted = await noteScan({
    orgId: target.orgId,
    subject: subjectOf(target),
    counted,
    day: dayKey(now, timeZone),
    now,
    outcome,
    facts,
  });
  if (outcome === 'notYetValid' || outcome === 'expired' || outcome === 'limitReached') {
    scanRefused({ orgId: target.orgId, id: target.id, outcome, bot: noted.record.bot });
  }
  return landing;
}
