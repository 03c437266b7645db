// Audits in Firestore: organizations/{orgId}/audits/{auditId} with its per-item documents
// (items/{assetId | code~key}) and counter shards (counters/{0..15}). Creating one snapshots
// the expected items page by page, progress in the audit's `snapshot`; scans arrive through
// the ledger (data/ledgerAudit.ts); completing applies the chosen changes page by page,
// progress in `completion`.
import { FieldPath, Timestamp, type BulkWriter } from 'firebase-admin/firestore';
import {
  auditCounts,
  expectedFilter,
  MAX_AUDIT_ITEMS,
  type AuditCounts,
  type AuditFilter,
  type CompleteOptions,
  type ItemState,
} from '../domain/audits';
import { AppError, conflict } from '../domain/errors';
import { decodePageToken, encodePageToken } from '../domain/pageTokens';
import { allEquipment } from './equipment';
import { db } from './firebase';
import {
  auditCountersRef,
  auditItemsRef,
  auditsRef,
  equipmentRef,
  locationsRef,
  scanEventsRef,
} from './paths';
import { checkOpenAudits, quotaLimits } from './quotas';
import { iso } from './timestamps';

type Doc = FirebaseFirestore.DocumentData;

/** Documents per page of a snapshot or of the completion: one BulkWriter flush each. */
const PAGE = 500;

export interface NewAudit {
  name: string;
  locationId?: string;
  filter?: AuditFilter;
  dueAt?: Date;
}

export interface AuditView {
  auditId: string;
  name: string;
  locationId: string | null;
  filter: AuditFilter;
  dueAt: string | null;
  status: 'open' | 'completed';
  expected: number;
  counts: AuditCounts;
  byAuditor: Record<string, number>;
  snapshot: { done: boolean; progress: number };
  completion: {
    running: boolean;
    progress: number;
    apply: CompleteOptions | null;
    lastAudited: number;
    moved: number;
    markedMissing: number;
  };
  createdAt: string | null;
  createdBy: string | null;
  completedAt: string | null;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

async function requireLocation(orgId: string, locationId: string | undefined): Promise<void> {
  if (!locationId) return;
  if (!(await locationsRef(orgId).doc(locationId).get()).exists) {
    throw new AppError('not_found', `Location ${locationId} not found`, { field: 'locationId' });
  }
}

/** The equipment query of the expected items, counted (to refuse an audit too large). */
function expectedQuery(orgId: string, filter: AuditFilter): FirebaseFirestore.Query {
  let q: FirebaseFirestore.Query = equipmentRef(orgId);
  if (filter.category) q = q.where('category', '==', filter.category);
  if (filter.locationId) q = q.where('locationId', '==', filter.locationId);
  return q;
}

/**
 * A new audit with its expected items. Refused with 409 `audit_too_large` over 20 000 expected
 * items and 429 when the organisation has its most audits open. The snapshot is written in
 * pages with BulkWriter; an item a scan reached first keeps its scan (its create is skipped).
 */
export async function createAudit(orgId: string, input: NewAudit, by: string): Promise<AuditView> {
  await Promise.all([
    requireLocation(orgId, input.locationId),
    requireLocation(orgId, input.filter?.locationId),
  ]);
  const limits = await quotaLimits(orgId);
  await checkOpenAudits(orgId, limits.openAudits);
  const filter = expectedFilter(input);
  const count = (await expectedQuery(orgId, filter).count().get()).data().count;
  if (count > MAX_AUDIT_ITEMS) {
    throw conflict(
      'audit_too_large',
      `The audit would expect ${count} items; at most ${MAX_AUDIT_ITEMS}: narrow it by location or category`,
      { expected: count, limit: MAX_AUDIT_ITEMS },
    );
  }
  const ref = auditsRef(orgId).doc();
  const now = Timestamp.now();
  await ref.create({
    auditId: ref.id,
    name: input.name,
    locationId: input.locationId ?? null,
    filter: input.filter ?? {},
    dueAt: input.dueAt ? Timestamp.fromDate(input.dueAt) : null,
    status: 'open',
    expected: 0,
    snapshot: { done: false, progress: 0, written: 0, total: count },
    createdAt: now,
    createdBy: by,
  });
  await snapshotItems(orgId, ref.id, filter, count);
  return getAudit(orgId, ref.id);
}

async function snapshotItems(
  orgId: string,
  auditId: string,
  filter: AuditFilter,
  total: number,
): Promise<void> {
  const ref = auditsRef(orgId).doc(auditId);
  const items = auditItemsRef(orgId, auditId);
  const writer = db().bulkWriter({ throttling: false });
  // A create that finds the document there already met a scan that came first: it is kept.
  writer.onWriteError((err) => err.code !== 6 && err.failedAttempts < 5);
  let written = 0;
  let pending: Array<Promise<unknown>> = [];
  const flush = async () => {
    // A write's promise settles when its batch is sent: flush, then collect the outcomes.
    await writer.flush();
    await Promise.all(pending);
    pending = [];
    await ref.update({
      'snapshot.written': written,
      'snapshot.progress': total === 0 ? 100 : Math.min(99, Math.floor((written / total) * 100)),
    });
  };
  try {
    for await (const item of allEquipment(orgId, filter, 1000)) {
      pending.push(
        writer
          .create(items.doc(item.assetId), {
            assetId: item.assetId,
            name: item.name,
            category: item.category,
            locationId: item.locationId,
            expected: true,
            state: 'missing' satisfies ItemState,
          })
          .catch(alreadyThere),
      );
      written += 1;
      if (pending.length >= PAGE) await flush();
    }
    await flush();
  } finally {
    await writer.close();
  }
  await ref.update({
    expected: written,
    snapshot: { done: true, progress: 100, written, total: written },
  });
}

/** gRPC ALREADY_EXISTS: the item's document is there, which is what the write wanted. */
function alreadyThere(err: unknown): void {
  if ((err as { code?: unknown }).code !== 6) throw err;
}

async function readAudit(orgId: string, auditId: string): Promise<Doc> {
  const data = (await auditsRef(orgId).doc(auditId).get()).data();
  if (!data) throw new AppError('not_found', `Audit ${auditId} not found`);
  return data;
}

/** The audit with its counts: the sums of the counter shards. */
export async function getAudit(orgId: string, auditId: string): Promise<AuditView> {
  const [data, shards] = await Promise.all([
    readAudit(orgId, auditId),
    auditCountersRef(orgId, auditId).get(),
  ]);
  const sums = { found: 0, unexpected: 0, unknown: 0 };
  const byAuditor: Record<string, number> = {};
  for (const shard of shards.docs) {
    const d = shard.data();
    sums.found += num(d.found);
    sums.unexpected += num(d.unexpected);
    sums.unknown += num(d.unknown);
    for (const [uid, n] of Object.entries((d.byAuditor ?? {}) as Record<string, unknown>)) {
      byAuditor[uid] = (byAuditor[uid] ?? 0) + num(n);
    }
  }
  return toView(auditId, data, auditCounts(num(data.expected), sums), byAuditor);
}

function toView(
  auditId: string,
  d: Doc,
  counts: AuditCounts,
  byAuditor: Record<string, number>,
): AuditView {
  const c = (d.completion ?? {}) as Doc;
  const s = (d.snapshot ?? {}) as Doc;
  const f = (d.filter ?? {}) as Doc;
  return {
    auditId,
    name: String(d.name ?? ''),
    locationId: text(d.locationId),
    filter: {
      ...(typeof f.category === 'string'
        ? { category: f.category as AuditFilter['category'] }
        : {}),
      ...(typeof f.locationId === 'string' ? { locationId: f.locationId } : {}),
    },
    dueAt: iso(d.dueAt),
    status: d.status === 'completed' ? 'completed' : 'open',
    expected: num(d.expected),
    counts,
    byAuditor,
    snapshot: { done: s.done === true, progress: num(s.progress) },
    completion: {
      running: d.status === 'completing',
      progress: d.status === 'completed' ? 100 : num(c.progress),
      apply: c.apply
        ? {
            moveUnexpectedHere: c.apply.moveUnexpectedHere === true,
            markMissing: c.apply.markMissing === true,
          }
        : null,
      lastAudited: num(c.lastAudited),
      moved: num(c.moved),
      markedMissing: num(c.markedMissing),
    },
    createdAt: iso(d.createdAt),
    createdBy: text(d.createdBy),
    completedAt: iso(d.completedAt),
  };
}

export interface AuditItem {
  assetId: string | null;
  code: string | null;
  name: string | null;
  category: string | null;
  /** Where the item belongs (its location when scanned or snapshot). */
  locationId: string | null;
  state: ItemState;
  scannedBy: string | null;
  scannedAt: string | null;
}

const toItem = (d: Doc): AuditItem => ({
  assetId: text(d.assetId),
  code: text(d.code),
  name: text(d.name),
  category: text(d.category),
  locationId: text(d.locationId),
  state: d.state as ItemState,
  scannedBy: text(d.scannedBy),
  scannedAt: iso(d.scannedAt),
});

function stateQuery(orgId: string, auditId: string, state: ItemState): FirebaseFirestore.Query {
  return auditItemsRef(orgId, auditId).where('state', '==', state).orderBy(FieldPath.documentId());
}

/** A page of one list of the audit, by document id; the token is the last id and the state. */
export async function listAuditItems(
  orgId: string,
  auditId: string,
  state: ItemState,
  opts: { limit: number; pageToken?: string },
): Promise<{ items: AuditItem[]; nextPageToken: string | null }> {
  await readAudit(orgId, auditId);
  let query = stateQuery(orgId, auditId, state).limit(opts.limit + 1);
  if (opts.pageToken) {
    const [after] = decodePageToken(
      opts.pageToken,
      (v): v is [string, ItemState] => typeof v[0] === 'string' && v[1] === state,
    );
    query = query.startAfter(after);
  }
  const docs = (await query.get()).docs;
  const page = docs.slice(0, opts.limit);
  const more = docs.length > opts.limit;
  return {
    items: page.map((doc) => toItem(doc.data())),
    nextPageToken: more ? encodePageToken([page[page.length - 1].id, state]) : null,
  };
}

/** Every item of one state, page by page (reports, completion). */
export async function* auditItemsOf(
  orgId: string,
  auditId: string,
  state: ItemState,
): AsyncGenerator<AuditItem> {
  let after: string | undefined;
  for (;;) {
    let query = stateQuery(orgId, auditId, state).limit(PAGE * 2);
    if (after !== undefined) query = query.startAfter(after);
    const docs = (await query.get()).docs;
    for (const doc of docs) yield toItem(doc.data());
    if (docs.length < PAGE * 2) return;
    after = docs[docs.length - 1].id;
  }
}

/** Ledger events of the audit that have reached the backend and have no result yet. */
export async function pendingScans(orgId: string, auditId: string): Promise<number> {
  const events = scanEventsRef(orgId).where('auditId', '==', auditId);
  const [all, done] = await Promise.all([
    events.count().get(),
    events.where('result.status', 'in', ['applied', 'refused', 'duplicate']).count().get(),
  ]);
  return all.data().count - done.data().count;
}

/**
 * Completes the audit: refused while scans are pending (409 `scans_pending`), then marks it
 * `completing` (new scans are refused from here on), applies the choices in pages and records
 * `lastAuditedAt` on every found item, and marks it `completed`. A completion cut short (the
 * request died) is carried on by the next call, with the choices of the first.
 */
export async function completeAudit(
  orgId: string,
  auditId: string,
  asked: CompleteOptions,
  by: string,
): Promise<AuditView> {
  const ref = auditsRef(orgId).doc(auditId);
  const first = await readAudit(orgId, auditId);
  if (first.status === 'completed') {
    throw conflict('audit_completed', `Audit ${auditId} is completed already`, { auditId });
  }
  if (first.snapshot?.done !== true) {
    throw conflict('snapshot_incomplete', `Audit ${auditId} is still taking its snapshot`, {
      auditId,
    });
  }
  if (asked.moveUnexpectedHere && typeof first.locationId !== 'string') {
    throw new AppError(
      'invalid_argument',
      'apply.moveUnexpectedHere needs an audit with a locationId (where to move them)',
      { field: 'apply.moveUnexpectedHere' },
    );
  }
  const pending = await pendingScans(orgId, auditId);
  if (pending > 0) {
    throw conflict(
      'scans_pending',
      `${pending} scan events of this audit are not applied yet; try again in a moment`,
      { pending },
    );
  }
  const apply = await db().runTransaction(async (tx) => {
    const d = (await tx.get(ref)).data() ?? {};
    if (d.status === 'completed') {
      throw conflict('audit_completed', `Audit ${auditId} is completed already`, { auditId });
    }
    if (d.status === 'completing' && d.completion?.apply)
      return d.completion.apply as CompleteOptions;
    tx.update(ref, {
      status: 'completing',
      completion: { apply: asked, progress: 0, by, startedAt: Timestamp.now() },
    });
    return asked;
  });

  const at = Timestamp.now();
  const writer = db().bulkWriter({ throttling: false });
  // An item deleted since it was scanned has nothing to update (NOT_FOUND): skipped.
  writer.onWriteError((err) => err.code !== 5 && err.failedAttempts < 5);
  const counts = { lastAudited: 0, moved: 0, markedMissing: 0 };
  const phases: Array<{ state: ItemState; run: (items: AuditItem[]) => Promise<void> }> = [
    {
      state: 'found',
      run: async (items) => {
        await updateAll(writer, orgId, items, () => ({ lastAuditedAt: at }));
        counts.lastAudited += items.length;
      },
    },
  ];
  if (apply.moveUnexpectedHere) {
    phases.push({
      state: 'unexpected',
      run: async (items) => {
        await updateAll(writer, orgId, items, () => ({
          locationId: first.locationId,
          lastAuditedAt: at,
          updatedAt: at,
          // The completion's maker, for the item's event (docs/events.md#actors).
          updatedBy: by,
          updatedVia: 'api',
        }));
        counts.moved += items.length;
      },
    });
  }
  if (apply.markMissing) {
    phases.push({
      state: 'missing',
      run: async (items) => {
        // An item that is checked out (or retired, or missing already) is not marked.
        const snaps = await db().getAll(
          ...items.map((i) => equipmentRef(orgId).doc(i.assetId as string)),
        );
        const marked = items.filter((_, k) => {
          const s = snaps[k].get('status');
          return snaps[k].exists && !['checked_out', 'retired', 'missing'].includes(String(s));
        });
        await updateAll(writer, orgId, marked, () => ({
          status: 'missing',
          updatedAt: at,
          updatedBy: by,
          updatedVia: 'api',
        }));
        counts.markedMissing += marked.length;
      },
    });
  }
  try {
    for (const [k, phase] of phases.entries()) {
      let page: AuditItem[] = [];
      for await (const item of auditItemsOf(orgId, auditId, phase.state)) {
        if (item.assetId) page.push(item);
        if (page.length >= PAGE) {
          await phase.run(page);
          page = [];
          await ref.update({
            ...progressFields(counts),
            'completion.progress': phaseProgress(k, phases.length),
          });
        }
      }
      if (page.length > 0) await phase.run(page);
      await ref.update({
        ...progressFields(counts),
        'completion.progress': phaseProgress(k + 1, phases.length),
      });
    }
  } finally {
    await writer.close();
  }
  await ref.update({
    status: 'completed',
    completedAt: at,
    completedBy: by,
    ...progressFields(counts),
    'completion.progress': 100,
  });
  return getAudit(orgId, auditId);
}

const phaseProgress = (done: number, of: number): number =>
  Math.min(99, Math.floor((done / of) * 100));

const progressFields = (c: { lastAudited: number; moved: number; markedMissing: number }) => ({
  'completion.lastAudited': c.lastAudited,
  'completion.moved': c.moved,
  'completion.markedMissing': c.markedMissing,
});

async function updateAll(
  writer: BulkWriter,
  orgId: string,
  items: AuditItem[],
  fields: (item: AuditItem) => Doc,
): Promise<void> {
  const writes = items.map((item) =>
    writer
      .update(equipmentRef(orgId).doc(item.assetId as string), fields(item))
      .catch((err: unknown) => {
        if ((err as { code?: unknown }).code !== 5) throw err;
      }),
  );
  // A write's promise settles when its batch is sent: flush, then collect the outcomes.
  await writer.flush();
  await Promise.all(writes);
}
