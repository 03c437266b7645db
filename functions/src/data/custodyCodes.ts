// Finds the items behind scanned codes for check-out, check-in and bookings with the lookups that
// scans and GET .../lookup use: a scan URL or bare token is its scanTokens/{token} document
// (data/scanTokens.ts resolveScanTokens), a tag code or an imported code its code-index document
// (data/tags.ts lookupCodes). Both are batched reads, side by side; a token of a pool tag names
// the tag, whose item is on its index document (one more batched read, only then).
import { isScanToken } from '../domain/scanTokens';
import { resolveScanTokens } from './scanTokens';
import { lookupCodes } from './tags';

export interface ResolvedCodes {
  /** Distinct items in the order their codes came, each with the code that named it. */
  items: Array<{ assetId: string; code: string }>;
  /** Codes that name no item of this organisation (unknown, another's, an unassigned tag). */
  unknownCodes: string[];
}

/** The token of a scan URL (`https://…/s/{token}`) or of a bare token; undefined otherwise. */
function scanTokenOf(code: string): string | undefined {
  const text = code.trim();
  if (isScanToken(text)) return text;
  // Parsed, not matched with one pattern: `.*` before `/s/` made that pattern polynomial on long
  // input (regex-safety.test), and the URL parser already knows where the path ends.
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const path = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  const parts = path.split('/');
  const token = parts[parts.length - 1];
  return parts.length >= 3 && parts[parts.length - 2].toLowerCase() === 's' && isScanToken(token)
    ? token
    : undefined;
}

export async function resolveItemCodes(orgId: string, codes: string[]): Promise<ResolvedCodes> {
  const tokens = codes.map(scanTokenOf);
  // A bare 22-character string may be a token or an imported code: both are looked up.
  const [tags, targets] = await Promise.all([
    lookupCodes(
      orgId,
      codes.map((c) => c.trim()),
    ),
    resolveScanTokens(tokens.filter((t): t is string => t !== undefined)),
  ]);
  const ours = (t: string | undefined) => {
    const target = t ? targets.get(t) : undefined;
    return target?.orgId === orgId ? target : undefined;
  };
  const tagIds = [
    ...new Set(
      tokens
        .map(ours)
        .filter((t) => t?.kind === 'tag')
        .map((t) => t!.id),
    ),
  ];
  const tagItems = new Map<string, string | null>();
  (await lookupCodes(orgId, tagIds)).forEach((tag, k) =>
    tagItems.set(tagIds[k], tag?.assetId ?? null),
  );

  const items: ResolvedCodes['items'] = [];
  const seen = new Set<string>();
  const unknownCodes: string[] = [];
  codes.forEach((code, k) => {
    const target = ours(tokens[k]);
    const assetId =
      tags[k]?.assetId ??
      (target?.kind === 'equipment' ? target.id : undefined) ??
      (target?.kind === 'tag' ? tagItems.get(target.id) : undefined);
    if (!assetId) unknownCodes.push(code);
    else if (!seen.has(assetId)) {
      seen.add(assetId);
      items.push({ assetId, code });
    }
  });
  return { items, unknownCodes };
}
