// Finds the items behind scanned codes for check-out, check-in and bookings, with the lookups
// that exist: a scan URL or token is its scanTokens/{token} document (data/scanTokens.ts), a tag
// code or an imported code its code-index document (data/tags.ts, id codeKey(code)). All of a
// request's codes are read in one batched read (two when a scan token names a pool tag, whose
// item is on the tag's index document).
import { isScanToken } from '../domain/scanTokens';
import { codeKey } from '../domain/tagCodes';
import { db } from './firebase';
import { scanTokenRef, tagsRef } from './paths';

export interface ResolvedCodes {
  /** Distinct items in the order their codes came, each with the code that named it. */
  items: Array<{ assetId: string; code: string }>;
  /** Codes that name no item of this organisation (unknown, another's, an unassigned tag). */
  unknownCodes: string[];
}

/** The token of a scan URL (`…/s/{token}`) or of a bare token; undefined for anything else. */
function scanTokenOf(code: string): string | undefined {
  const text = code.trim();
  if (isScanToken(text)) return text;
  const match = /\/s\/([A-Za-z0-9_-]{22})\/?(?:[?#].*)?$/.exec(text);
  return match && /^https?:\/\//i.test(text) ? match[1] : undefined;
}

type Doc = FirebaseFirestore.DocumentData | undefined;
const stringField = (d: Doc, field: string): string | undefined =>
  typeof d?.[field] === 'string' ? (d[field] as string) : undefined;

export async function resolveItemCodes(orgId: string, codes: string[]): Promise<ResolvedCodes> {
  const tokens = codes.map(scanTokenOf);
  // A bare 22-character string may be a token or an imported code: both are read.
  const tagRefs = codes.map((c) => tagsRef(orgId).doc(codeKey(c.trim())));
  const tokenRefs = tokens.map((t) => (t ? scanTokenRef(t) : undefined));
  const refs = [...tagRefs, ...tokenRefs.filter((r) => r !== undefined)];
  const snaps = refs.length ? await db().getAll(...refs) : [];
  const tagDocs = snaps.slice(0, codes.length).map((s) => s.data());
  const tokenDocs = new Map(snaps.slice(codes.length).map((s) => [s.id, s.data()]));

  // A token of a pool tag names the tag; its item is on the tag's document.
  const tagIdsOfTokens = new Set<string>();
  for (const t of tokens) {
    const d = t ? tokenDocs.get(t) : undefined;
    if (d?.orgId === orgId && d.kind === 'tag' && typeof d.id === 'string')
      tagIdsOfTokens.add(d.id);
  }
  const tagsOfTokens = new Map<string, Doc>();
  if (tagIdsOfTokens.size) {
    const read = await db().getAll(...[...tagIdsOfTokens].map((id) => tagsRef(orgId).doc(id)));
    for (const s of read) tagsOfTokens.set(s.id, s.data());
  }

  const items: ResolvedCodes['items'] = [];
  const seen = new Set<string>();
  const unknownCodes: string[] = [];
  codes.forEach((code, k) => {
    let assetId = stringField(tagDocs[k], 'assetId');
    const token = tokens[k];
    const target = token ? tokenDocs.get(token) : undefined;
    if (!assetId && target?.orgId === orgId && typeof target.id === 'string') {
      if (target.kind === 'equipment') assetId = target.id;
      else if (target.kind === 'tag') assetId = stringField(tagsOfTokens.get(target.id), 'assetId');
    }
    if (!assetId) unknownCodes.push(code);
    else if (!seen.has(assetId)) {
      seen.add(assetId);
      items.push({ assetId, code });
    }
  });
  return { items, unknownCodes };
}
