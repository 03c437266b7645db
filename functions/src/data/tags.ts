// The organisation's code index, organizations/{orgId}/tags/{codeKey}: one document per code,
// whether a blank tag of a pool (with its own scan token) or a code printed elsewhere and
// imported. The document id is the code's key (domain/tagCodes.ts codeKey), so a code is unique
// in the organisation by construction and a lookup is one read.
import { FieldValue, Timestamp, type Transaction } from 'firebase-admin/firestore';
import { AppError, conflict } from '../domain/errors';
import type { ImportRow, NewTagPool } from '../domain/tags';
import { codeKey, formatTagCode, newTagCode } from '../domain/tagCodes';
import { db } from './firebase';
import { equipmentRef, tagPoolsRef, tagsRef } from './paths';
import { createScanToken } from './scanTokens';
import { checkOutstandingTagPools, quotaLimits, spendDaily, spendDailyIn } from './quotas';

export interface TagView {
  code: string;
  kind: 'pool' | 'imported';
  assetId: string | null;
  poolId?: string;
  scanUrl?: string;
}

function tagView(data: FirebaseFirestore.DocumentData): TagView {
  return {
    code: String(data.code),
    kind: data.kind === 'pool' ? 'pool' : 'imported',
    assetId: typeof data.assetId === 'string' ? data.assetId : null,
    ...(typeof data.poolId === 'string' ? { poolId: data.poolId } : {}),
    ...(typeof data.scanUrl === 'string' ? { scanUrl: data.scanUrl } : {}),
  };
}

// ---- pools ----

/**
 * A new pool, `pending`: the tagPoolCreated trigger makes its tags. Refused (429, nothing
 * written) when the organisation has its most pools filling, or when the tags would pass
 * today's quota, which the pool's own transaction spends.
 */
export async function createTagPool(
  orgId: string,
  input: NewTagPool,
  createdBy: string,
): Promise<{ poolId: string }> {
  const limits = await quotaLimits(orgId);
  await checkOutstandingTagPools(orgId, limits.outstandingTagPools);
  const ref = tagPoolsRef(orgId).doc();
  await db().runTransaction(async (tx) => {
    const spend = await spendDailyIn(tx, orgId, 'tagsPerDay', input.count, limits.tagsPerDay);
    tx.create(ref, {
      ...(input.name ? { name: input.name } : {}),
      count: input.count,
      made: 0,
      status: 'pending',
      progress: 0,
      createdAt: Timestamp.now(),
      createdBy,
    });
    spend();
  });
  return { poolId: ref.id };
}

export interface TagPoolView {
  poolId: string;
  name?: string;
  count: number;
  status: string;
  progress: number;
  made: number;
  assigned: number;
  unassigned: number;
  error?: string;
}

export async function getTagPool(orgId: string, poolId: string): Promise<TagPoolView> {
  const snap = await tagPoolsRef(orgId).doc(poolId).get();
  const data = snap.data();
  if (!data) throw new AppError('not_found', `Tag pool ${poolId} not found`);
  const made = Number(data.made ?? 0);
  const assigned = (
    await tagsRef(orgId).where('poolId', '==', poolId).where('assigned', '==', true).count().get()
  ).data().count;
  return {
    poolId,
    ...(typeof data.name === 'string' ? { name: data.name } : {}),
    count: Number(data.count),
    status: String(data.status),
    progress: Number(data.progress ?? 0),
    made,
    assigned,
    unassigned: made - assigned,
    ...(typeof data.error === 'string' ? { error: data.error } : {}),
  };
}

/** Tags per transaction while filling a pool: a tag and its scan token are 2 writes each. */
const FILL_BATCH = 240;

/**
 * Makes the pool's missing tags, a batch per transaction, recording `made` and `progress` in the
 * pool's document with each batch. Safe to run twice at once or after a crash: each batch reads
 * `made` again inside its transaction and carries on from there. A code that exists already in
 * the organisation (from another pool or an import) is drawn again.
 */
export async function fillTagPool(orgId: string, poolId: string): Promise<'ready' | 'gone'> {
  const poolRef = tagPoolsRef(orgId).doc(poolId);
  for (;;) {
    const step = await db().runTransaction(async (tx) => {
      const pool = (await tx.get(poolRef)).data();
      if (!pool) return 'gone' as const;
      const count = Number(pool.count);
      const made = Number(pool.made ?? 0);
      if (made >= count) {
        if (pool.status !== 'ready') tx.update(poolRef, { status: 'ready', progress: 100 });
        return 'ready' as const;
      }
      const n = Math.min(FILL_BATCH, count - made);
      const codes = await freshCodes(tx, orgId, n);
      const now = Timestamp.now();
      codes.forEach((code, i) => {
        const token = createScanToken(tx, { orgId, kind: 'tag', id: code });
        tx.create(tagsRef(orgId).doc(code), {
          code: formatTagCode(code),
          kind: 'pool',
          poolId,
          seq: made + i,
          scanToken: token.token,
          scanUrl: token.scanUrl,
          assetId: null,
          assigned: false,
          createdAt: now,
        });
      });
      const nowMade = made + n;
      tx.update(poolRef, {
        made: nowMade,
        progress: Math.floor((nowMade / count) * 100),
        status: nowMade >= count ? 'ready' : 'creating',
      });
      return nowMade >= count ? ('ready' as const) : ('more' as const);
    });
    if (step !== 'more') return step;
  }
}

/** `n` new canonical codes that no document of the organisation has, read in the transaction. */
async function freshCodes(tx: Transaction, orgId: string, n: number): Promise<string[]> {
  const chosen = new Set<string>();
  let wanted = n;
  while (wanted > 0) {
    const candidates: string[] = [];
    while (candidates.length < wanted) {
      const code = newTagCode();
      if (!chosen.has(code) && !candidates.includes(code)) candidates.push(code);
    }
    const snaps = await tx.getAll(...candidates.map((c) => tagsRef(orgId).doc(c)));
    snaps.forEach((snap, i) => {
      if (!snap.exists) chosen.add(candidates[i]);
    });
    wanted = n - chosen.size;
  }
  return [...chosen];
}

export async function markTagPoolFailed(
  orgId: string,
  poolId: string,
  error: string,
): Promise<void> {
  await tagPoolsRef(orgId).doc(poolId).update({ status: 'failed', error });
}

/** The pool's status and size, one read (the labels route checks it before streaming). */
export async function tagPoolState(
  orgId: string,
  poolId: string,
): Promise<{ status: string; count: number } | undefined> {
  const data = (await tagPoolsRef(orgId).doc(poolId).get()).data();
  return data ? { status: String(data.status), count: Number(data.count) } : undefined;
}

/** The pool's tags in the order they were made, a page of reads at a time. */
export async function* poolTagsInOrder(
  orgId: string,
  poolId: string,
  pageSize = 500,
): AsyncGenerator<{ code: string; scanUrl: string }> {
  let after = -1;
  for (;;) {
    const snap = await tagsRef(orgId)
      .where('poolId', '==', poolId)
      .orderBy('seq')
      .startAfter(after)
      .limit(pageSize)
      .select('code', 'scanUrl', 'seq')
      .get();
    for (const doc of snap.docs) {
      yield { code: String(doc.get('code')), scanUrl: String(doc.get('scanUrl')) };
    }
    if (snap.size < pageSize) return;
    after = Number(snap.docs[snap.size - 1].get('seq'));
  }
}

// ---- claiming ----

/**
 * Links the tag (or imported code) to an item in one transaction: two concurrent assigns of one
 * tag to different items cannot both win, the second reads the first's write and gets 409.
 */
export async function assignTag(
  orgId: string,
  code: string,
  assetId: string,
  by: string,
): Promise<{ tag: TagView; changed: boolean }> {
  const tagRef = tagsRef(orgId).doc(codeKey(code));
  const itemRef = equipmentRef(orgId).doc(assetId);
  return db().runTransaction(async (tx) => {
    const [tagSnap, itemSnap] = await tx.getAll(tagRef, itemRef);
    const tag = tagSnap.data();
    if (!tag) throw new AppError('not_found', `No tag or code ${code} in this organisation`);
    if (!itemSnap.exists) throw new AppError('not_found', `Equipment ${assetId} not found`);
    if (tag.assetId === assetId) return { tag: tagView(tag), changed: false };
    if (typeof tag.assetId === 'string') {
      throw conflict('tag_assigned', `Tag ${tag.code} is already assigned to ${tag.assetId}`, {
        assetId: tag.assetId,
      });
    }
    tx.update(tagRef, {
      assetId,
      assigned: true,
      assignedAt: Timestamp.now(),
      assignedBy: by,
    });
    return { tag: tagView({ ...tag, assetId }), changed: true };
  });
}

export async function unassignTag(orgId: string, code: string): Promise<void> {
  const tagRef = tagsRef(orgId).doc(codeKey(code));
  await db().runTransaction(async (tx) => {
    const tag = (await tx.get(tagRef)).data();
    if (!tag) throw new AppError('not_found', `No tag or code ${code} in this organisation`);
    if (tag.assetId === null || tag.assetId === undefined) return;
    tx.update(tagRef, {
      assetId: null,
      assigned: false,
      assignedAt: FieldValue.delete(),
      assignedBy: FieldValue.delete(),
    });
  });
}

/** The tags and codes of one item. */
export async function itemTags(orgId: string, assetId: string): Promise<TagView[]> {
  const snap = await tagsRef(orgId).where('assetId', '==', assetId).get();
  return snap.docs.map((d) => tagView(d.data()));
}

/** One read: the code's index document, by its key. */
export async function lookupCode(orgId: string, code: string): Promise<TagView> {
  const data = (await tagsRef(orgId).doc(codeKey(code)).get()).data();
  if (!data) throw new AppError('not_found', `No tag or code ${code} in this organisation`);
  return tagView(data);
}

// ---- import ----

const IMPORT_BATCH = 400;

export interface ImportResult {
  imported: number;
  unchanged: number;
  rejected: Array<{ index: number; field: string; message: string }>;
}

/**
 * Adds codes printed elsewhere to the index, a transaction per 400, after spending the rows from
 * today's tag quota (429 quota_exceeded before anything is written). A code already in the index
 * with the same item is left as it is; with another item (or as a pool tag) it is reported. An
 * item that does not exist is reported; the other rows are saved.
 */
export async function importCodes(
  orgId: string,
  rows: ImportRow[],
  by: string,
): Promise<ImportResult> {
  const limits = await quotaLimits(orgId);
  // Every row asked for counts, before anything is read: a bound, even if some are unchanged.
  await spendDaily(orgId, 'tagsPerDay', rows.length, limits.tagsPerDay);
  const result: ImportResult = { imported: 0, unchanged: 0, rejected: [] };
  const assetIds = [...new Set(rows.map((r) => r.assetId).filter((a): a is string => a !== null))];
  const existingItems = new Set<string>();
  for (let i = 0; i < assetIds.length; i += 500) {
    const snaps = await db().getAll(
      ...assetIds.slice(i, i + 500).map((id) => equipmentRef(orgId).doc(id)),
    );
    for (const s of snaps) if (s.exists) existingItems.add(s.id);
  }
  const valid = rows.filter((r) => {
    if (r.assetId !== null && !existingItems.has(r.assetId)) {
      result.rejected.push({
        index: r.index,
        field: `codes[${r.index}].assetId`,
        message: `equipment ${r.assetId} not found`,
      });
      return false;
    }
    return true;
  });
  for (let i = 0; i < valid.length; i += IMPORT_BATCH) {
    const batch = valid.slice(i, i + IMPORT_BATCH);
    const refs = batch.map((r) => tagsRef(orgId).doc(codeKey(r.code)));
    const outcome = await db().runTransaction(async (tx) => {
      const snaps = await tx.getAll(...refs);
      const out: ImportResult = { imported: 0, unchanged: 0, rejected: [] };
      const now = Timestamp.now();
      snaps.forEach((snap, k) => {
        const row = batch[k];
        const data = snap.data();
        if (data) {
          if (data.kind === 'imported' && (data.assetId ?? null) === row.assetId) out.unchanged++;
          else {
            out.rejected.push({
              index: row.index,
              field: `codes[${row.index}].code`,
              message:
                data.kind === 'pool'
                  ? 'is the code of a tag of this organisation'
                  : `is already in this organisation${typeof data.assetId === 'string' ? ` (on ${data.assetId})` : ''}`,
            });
          }
          return;
        }
        tx.create(refs[k], {
          code: row.code,
          kind: 'imported',
          assetId: row.assetId,
          assigned: row.assetId !== null,
          createdAt: now,
          createdBy: by,
        });
        out.imported++;
      });
      return out;
    });
    result.imported += outcome.imported;
    result.unchanged += outcome.unchanged;
    result.rejected.push(...outcome.rejected);
  }
  result.rejected.sort((a, b) => a.index - b.index);
  return result;
}

/** lookupCode for many codes in one batched read, in the order asked (undefined: no such code). */
export async function lookupCodes(
  orgId: string,
  codes: string[],
): Promise<Array<TagView | undefined>> {
  if (codes.length === 0) return [];
  const snaps = await db().getAll(...codes.map((code) => tagsRef(orgId).doc(codeKey(code))));
  return snaps.map((snap) => {
    const data = snap.data();
    return data ? tagView(data) : undefined;
  });
}
