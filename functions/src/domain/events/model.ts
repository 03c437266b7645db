// The one event model (docs/events.md): every state change of an organisation's documents
// becomes events of this shape, derived by the catalogue from the document before and after.
// Pure: plain JSON in, plain JSON out; data/ converts Firestore values first.

export const ACTOR_KINDS = ['user', 'apiKey', 'client', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export const VIAS = ['api', 'csv', 'client', 'scan', 'schedule', 'trigger'] as const;
export type Via = (typeof VIAS)[number];

export interface Actor {
  kind: ActorKind;
  /** uid, API key id, or the name of the system part; null when nobody can be named. */
  id: string | null;
}

export interface Subject {
  kind: string;
  id: string;
}

/** Who may read an event: member and key events are for admins and up. */
export type Audience = 'members' | 'admins';

/** A plain JSON document (Timestamps already ISO strings). */
export type Doc = Record<string, unknown>;

/** `{field: [before, after]}`; a missing side is null. */
export type Changes = Record<string, [unknown, unknown]>;

export interface ActivityEvent {
  id: string;
  type: string;
  orgId: string;
  subject: Subject;
  actor: Actor;
  via: Via;
  /** ISO time of the change (the document's update time, or the delete's event time). */
  at: string;
  changes: Changes;
  data: Doc;
  audience: Audience;
}

/** What a catalogue entry says about one change; the trigger adds id, orgId, actor, via, at. */
export interface EventDraft {
  type: string;
  data?: Doc;
  changes?: Changes;
  /** Defaults to the changed document. */
  subject?: Subject;
}

/** Equality of JSON values, key order ignored. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  const ak = Object.keys(a as Doc);
  const bk = Object.keys(b as Doc);
  return (
    ak.length === bk.length &&
    ak.every(
      (k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue((a as Doc)[k], (b as Doc)[k]),
    )
  );
}

/**
 * The differences field by field (top-level fields; a changed map is one change with both
 * maps), leaving out `ignore`d bookkeeping fields. A create diffs against nothing.
 */
export function fieldChanges(
  before: Doc | null,
  after: Doc | null,
  ignore: ReadonlySet<string> = new Set(),
): Changes {
  const changes: Changes = {};
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const key of [...keys].sort()) {
    if (ignore.has(key)) continue;
    const b = before?.[key] ?? null;
    const a = after?.[key] ?? null;
    if (!sameValue(b, a)) changes[key] = [b, a];
  }
  return changes;
}

/**
 * Whether an event of `type` is wanted by a subscription list: exact types, prefixes such as
 * "custody.*", or "*". Types marked `explicitOnly` (scan.recorded) match only when named.
 */
export function subscribed(
  patterns: readonly string[],
  type: string,
  explicitOnly: ReadonlySet<string> = EXPLICIT_ONLY,
): boolean {
  if (patterns.includes(type)) return true;
  if (explicitOnly.has(type)) return false;
  return patterns.some((p) => p === '*' || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/** High-volume types that are off by default: no wildcard selects them. */
export const EXPLICIT_ONLY: ReadonlySet<string> = new Set(['scan.recorded']);

/** A subscription pattern: a type (`a.b_c`), a prefix (`a.*`) or `*`. */
export const EVENT_PATTERN = /^(\*|[a-z][a-z_]*\.(\*|[a-z][a-z_]*))$/;
