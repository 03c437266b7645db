// The scan token lookup: scanTokens/{token} = {orgId, kind, id}. One read answers a scan.
import { Timestamp, type Transaction } from 'firebase-admin/firestore';
import { publicBaseUrl, roleCacheMs } from '../config';
import { AppError } from '../domain/errors';
import { newScanToken, scanUrl, type ScanTarget } from '../domain/scanTokens';
import { cacheKey, TimedCache } from '../domain/timedCache';
import { db } from './firebase';
import { orgRef, scanTargetRef, scanTokenRef } from './paths';

/** Adds a new token for `target` to a transaction; returns the token and its URL. */
export function createScanToken(
  tx: Transaction,
  target: ScanTarget,
): { token: string; scanUrl: string } {
  const token = newScanToken();
  tx.create(scanTokenRef(token), { ...target, createdAt: Timestamp.now() });
  return { token, scanUrl: scanUrl(publicBaseUrl(), token) };
}

export async function resolveScanToken(token: string): Promise<ScanTarget | undefined> {
  return targetOf((await scanTokenRef(token).get()).data());
}

function targetOf(data: FirebaseFirestore.DocumentData | undefined): ScanTarget | undefined {
  if (!data || typeof data.orgId !== 'string' || typeof data.id !== 'string') return undefined;
  if (!['qrCode', 'equipment', 'tag', 'organization', 'stockItem'].includes(data.kind))
    return undefined;
  return { orgId: data.orgId, kind: data.kind as ScanTarget['kind'], id: data.id };
}

/** resolveScanToken for many tokens in one batched read (check-out by scanning 100 labels). */
export async function resolveScanTokens(tokens: string[]): Promise<Map<string, ScanTarget>> {
  const distinct = [...new Set(tokens)];
  const found = new Map<string, ScanTarget>();
  if (distinct.length === 0) return found;
  const snaps = await db().getAll(...distinct.map((t) => scanTokenRef(t)));
  snaps.forEach((snap, k) => {
    const target = targetOf(snap.data());
    if (target) found.set(distinct[k], target);
  });
  return found;
}

/** Items whose scan URL an instance remembers; an entry is about 250 bytes. */
const SCAN_URLS_MAX = 20_000;
/**
 * Equipment scan URLs by organisation and item, for ROLE_CACHE_SECONDS. A token never changes
 * once made (printed labels carry it), so the only staleness is an item deleted on another
 * instance, whose QR 304s go on for at most that time; a delete here forgets it at once.
 */
const scanUrls = new TimedCache<{ scanUrl: string }>(SCAN_URLS_MAX);

/** The item's scan URL when this instance has seen it lately, without a read. */
export function knownEquipmentScanUrl(orgId: string, assetId: string): string | undefined {
  return scanUrls.get(cacheKey(orgId, assetId), roleCacheMs())?.scanUrl;
}

export function forgetEquipmentScanUrl(orgId: string, assetId: string): void {
  scanUrls.forget(cacheKey(orgId, assetId));
}

/**
 * The equipment item's scan token and URL, made on first need and kept for good (printed labels
 * carry the URL). Safe to call concurrently: the transaction makes one token.
 */
export async function ensureEquipmentScanToken(
  orgId: string,
  assetId: string,
): Promise<{ token: string; scanUrl: string; name: string }> {
  const startedAt = Date.now();
  const { found } = await ensureTokensOf(orgId, [assetId]);
  const item = found[0];
  if (!item) throw new AppError('not_found', `Equipment ${assetId} not found`);
  scanUrls.set(cacheKey(orgId, assetId), { scanUrl: item.scanUrl }, startedAt);
  const name = typeof item.data.name === 'string' ? item.data.name : assetId;
  return { token: item.token, scanUrl: item.scanUrl, name };
}

/** The scanned item's document and its organisation's, in one batched read. */
export async function loadScanTarget(target: ScanTarget): Promise<{
  item: FirebaseFirestore.DocumentData | undefined;
  org: FirebaseFirestore.DocumentData | undefined;
}> {
  if (target.kind === 'organization') {
    const org = (await orgRef(target.orgId).get()).data();
    return { item: org, org };
  }
  const [item, org] = await db().getAll(
    scanTargetRef(target.orgId, target.kind, target.id),
    orgRef(target.orgId),
  );
  return { item: item.data(), org: org.data() };
}

/** Items per transaction of ensureEquipmentScanTokens (2 writes each): small transactions lock little. */
const TOKEN_BATCH = 200;

export interface ItemWithScanUrl {
  assetId: string;
  scanUrl: string;
  data: FirebaseFirestore.DocumentData;
}

/**
 * ensureEquipmentScanToken for many items at once, 200 at a time; `kind` stockItem does the same
 * for stock items (bin labels), whose tokens are tracked alike. Items that do not exist are
 * returned in `missing`; the others in the order asked.
 */
export async function ensureEquipmentScanTokens(
  orgId: string,
  assetIds: string[],
  kind: 'equipment' | 'stockItem' = 'equipment',
): Promise<{ items: ItemWithScanUrl[]; missing: string[] }> {
  const items: ItemWithScanUrl[] = [];
  const missing: string[] = [];
  for (let i = 0; i < assetIds.length; i += TOKEN_BATCH) {
    const chunk = await ensureTokensOf(orgId, assetIds.slice(i, i + TOKEN_BATCH), kind);
    items.push(...chunk.found.map(({ assetId, scanUrl, data }) => ({ assetId, scanUrl, data })));
    missing.push(...chunk.absent);
  }
  return { items, missing };
}

type WithToken = ItemWithScanUrl & { token: string };

/** The item's token and URL when it has both. */
function tokenOf(
  data: FirebaseFirestore.DocumentData,
): { token: string; scanUrl: string } | undefined {
  return typeof data.scanToken === 'string' && typeof data.scanUrl === 'string'
    ? { token: data.scanToken, scanUrl: data.scanUrl }
    : undefined;
}

/**
 * The tokens of `ids`, made where missing. Almost every item has its token already (the QR
 * trigger makes it), so the items are read without a transaction first, and a transaction that
 * locks them is opened only when one lacks a token: a GET then writes nothing and locks nothing.
 */
async function ensureTokensOf(
  orgId: string,
  ids: string[],
  kind: 'equipment' | 'stockItem' = 'equipment',
): Promise<{ found: WithToken[]; absent: string[] }> {
  const refs = ids.map((id) => scanTargetRef(orgId, kind, id));
  const read = await db().getAll(...refs);
  if (read.every((snap) => !snap.exists || tokenOf(snap.data() ?? {}))) {
    return collectTokens(ids, read, () => undefined);
  }
  return db().runTransaction(async (tx) =>
    collectTokens(ids, await tx.getAll(...refs), (k) => {
      const created = createScanToken(tx, { orgId, kind, id: ids[k] });
      tx.update(refs[k], { scanToken: created.token, scanUrl: created.scanUrl });
      return created;
    }),
  );
}

function collectTokens(
  ids: string[],
  snaps: FirebaseFirestore.DocumentSnapshot[],
  create: (k: number) => { token: string; scanUrl: string } | undefined,
): { found: WithToken[]; absent: string[] } {
  const found: WithToken[] = [];
  const absent: string[] = [];
  snaps.forEach((snap, k) => {
    const data = snap.data();
    const token = data && (tokenOf(data) ?? create(k));
    if (!data || !token) absent.push(ids[k]);
    else found.push({ assetId: ids[k], ...token, data });
  });
  return { found, absent };
}
