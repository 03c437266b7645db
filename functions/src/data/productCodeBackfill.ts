// The lookups of product codes made before productCodes/{code} existed (issue 24). A unit or
// master document holds no copy of its code (the code is the document id), and a
// collection-group query can only match a whole document path, so a code whose lookup is missing
// cannot be found from the code alone without a scan. Rather than scan on a public /u/ miss, a
// schedule walks the unit and master documents once, page by page in document-path order (no
// index needed), and creates each missing lookup. Its cursor lives in a document, so a run that
// stops resumes; when both walks are done a run is one read. Creates only: an existing lookup
// (another organisation's colliding code) is left, as addUnitLookup leaves it.
import { FieldPath, Timestamp } from 'firebase-admin/firestore';
import { db } from './firebase';
import { isAlreadyExists } from './firestoreErrors';
import { ORGS, productCodeBackfillRef, productCodeRef } from './paths';

/** The walks in their order: the collection group and the kind its lookups name. */
const PHASES = [
  { group: 'codes', kind: 'unit' },
  { group: 'masters', kind: 'master' },
] as const;

type Phase = (typeof PHASES)[number]['group'] | 'done';

export interface BackfillRun {
  /** Where the walk is after this run: a collection group, or done. */
  phase: Phase;
  pages: number;
  visited: number;
  written: number;
}

const isPhase = (v: unknown): v is Phase => v === 'done' || PHASES.some((p) => p.group === v);

/**
 * Walks up to `maxPages` pages of `pageSize` unit or master documents from the saved cursor and
 * creates their missing lookups; saves the cursor after every page.
 */
export async function runProductCodeBackfill(
  opts: { pageSize?: number; maxPages?: number } = {},
): Promise<BackfillRun> {
  const pageSize = opts.pageSize ?? 300;
  const maxPages = opts.maxPages ?? 500;
  const stateRef = productCodeBackfillRef();
  const state = (await stateRef.get()).data() ?? {};
  let phase: Phase = isPhase(state.phase) ? state.phase : PHASES[0].group;
  let after: string | null = typeof state.after === 'string' ? state.after : null;
  const run: BackfillRun = { phase, pages: 0, visited: 0, written: 0 };
  while (phase !== 'done' && run.pages < maxPages) {
    const current = PHASES.find((p) => p.group === phase) ?? PHASES[0];
    let query = db()
      .collectionGroup(current.group)
      .orderBy(FieldPath.documentId())
      .select()
      .limit(pageSize);
    if (after) query = query.startAfter(after);
    const page = await query.get();
    // Only documents of an organisation's codes/masters: organizations/{orgId}/{group}/{code}.
    const docs = page.docs.filter((d) => {
      const parts = d.ref.path.split('/');
      return parts.length === 4 && parts[0] === ORGS;
    });
    const lookups = docs.length ? await db().getAll(...docs.map((d) => productCodeRef(d.id))) : [];
    const bulk = db().bulkWriter();
    const writes = docs.map(async (d, i) => {
      if (lookups[i].exists) return 0;
      const orgId = d.ref.parent.parent?.id ?? '';
      try {
        await bulk.create(productCodeRef(d.id), { orgId, kind: current.kind });
        return 1;
      } catch (err) {
        if (isAlreadyExists(err)) return 0;
        throw err;
      }
    });
    await bulk.close();
    const written = (await Promise.all(writes)).reduce<number>((a, b) => a + b, 0);
    run.pages += 1;
    run.visited += docs.length;
    run.written += written;
    if (page.size < pageSize) {
      const next = PHASES.findIndex((p) => p.group === current.group) + 1;
      phase = next < PHASES.length ? PHASES[next].group : 'done';
      after = null;
    } else {
      after = page.docs[page.docs.length - 1].ref.path;
    }
    await stateRef.set({
      phase,
      after,
      visited: Number(state.visited ?? 0) + run.visited,
      written: Number(state.written ?? 0) + run.written,
      updatedAt: Timestamp.now(),
      ...(phase === 'done' ? { doneAt: Timestamp.now() } : {}),
    });
  }
  run.phase = phase;
  return run;
}
