// Matches Firestore document paths against the path patterns of document triggers, the way
// Eventarc does for Firestore: `{name}` or `*` captures one segment, `{name=**}` or `**` captures
// zero or more segments (joined by '/'), anything else must match literally.

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'single'; name?: string }
  | { kind: 'multi'; name?: string };

export type PathMatcher = (documentPath: string) => Record<string, string> | undefined;

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function parseSegment(text: string): Segment {
  if (text === '*') return { kind: 'single' };
  if (text === '**') return { kind: 'multi' };
  const capture = /^\{([^}=]+)(?:=(\*\*?))?\}$/.exec(text);
  if (!capture) return { kind: 'literal', text };
  const [, name, wildcard] = capture;
  return wildcard === '**' ? { kind: 'multi', name } : { kind: 'single', name };
}

/** Compiles a pattern like `assets/{assetId}/events/{eventId}` into a matcher returning its params. */
export function compilePathPattern(pattern: string): PathMatcher {
  const segments = splitPath(pattern).map(parseSegment);
  return (documentPath) => {
    const params: Record<string, string> = {};
    return matchFrom(segments, 0, splitPath(documentPath), 0, params) ? params : undefined;
  };
}

// Backtracking keeps `**` in the middle of a pattern correct; patterns are a handful of segments.
function matchFrom(
  pattern: Segment[],
  pi: number,
  path: string[],
  si: number,
  params: Record<string, string>,
): boolean {
  if (pi === pattern.length) return si === path.length;
  const seg = pattern[pi];
  if (seg.kind === 'literal') {
    return path[si] === seg.text && matchFrom(pattern, pi + 1, path, si + 1, params);
  }
  if (seg.kind === 'single') {
    if (si >= path.length) return false;
    if (seg.name) params[seg.name] = path[si];
    return matchFrom(pattern, pi + 1, path, si + 1, params);
  }
  for (let end = path.length; end >= si; end--) {
    if (matchFrom(pattern, pi + 1, path, end, params)) {
      if (seg.name) params[seg.name] = path.slice(si, end).join('/');
      return true;
    }
  }
  return false;
}

/** Splits `projects/{p}/databases/{d}/documents/{path}` into its parts. */
export function parseDocumentName(
  name: string,
): { projectId: string; databaseId: string; documentPath: string } | undefined {
  const m = /^projects\/([^/]+)\/databases\/([^/]+)\/documents\/(.+)$/.exec(name);
  if (!m) return undefined;
  return { projectId: m[1], databaseId: m[2], documentPath: m[3] };
}
