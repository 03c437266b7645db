// What a catalogue entry is, and the helpers most entries are made of. Adding a collection to
// the event model is one entry (catalogue.ts): where its documents live, what they are called,
// and which events a change of one of them makes.
import { fieldChanges, type Audience, type Doc, type EventDraft, type Via } from './model';

/** One document change as the trigger saw it, in plain JSON. */
export interface DocChange {
  before: Doc | null;
  after: Doc | null;
  /** The changed document's id and its path parameters (orgId and any parent ids). */
  id: string;
  params: Record<string, string>;
  /** ISO time of the change. */
  at: string;
}

export interface CatalogueEntry {
  /** Trigger name suffix, unique: `events<Name>` is the deployed function. */
  name: string;
  /** The document path under `organizations/{orgId}/`, with `{param}`s: "equipment/{id}". */
  path: string;
  /** `subject.kind` of its events. */
  subjectKind: string;
  audience: Audience;
  /** Fields naming the creator, first found wins (default createdBy). */
  createdByFields?: readonly string[];
  /** A create's via when its document names none (default api). */
  createVia?: Via;
  /** Fields an update sets to its maker (assignedBy, revokedBy), read when no stamp is fresh. */
  changedByFields?: readonly string[];
  derive: (change: DocChange) => EventDraft[];
}

/** Bookkeeping fields that no `*.updated` event reports. */
export const STAMP_FIELDS = ['updatedAt', 'updatedBy', 'updatedVia', 'createdAt', 'createdBy'];

/** A field's string value, or undefined. */
export const str = (doc: Doc | null, key: string): string | undefined =>
  typeof doc?.[key] === 'string' ? (doc[key] as string) : undefined;
export const num = (doc: Doc | null, key: string): number | undefined =>
  typeof doc?.[key] === 'number' ? (doc[key] as number) : undefined;

/** The document's fields named in `keys`, those present. */
export function pick(doc: Doc | null, keys: readonly string[]): Doc {
  const out: Doc = {};
  for (const key of keys) if (doc && doc[key] !== undefined) out[key] = doc[key];
  return out;
}

/** `{prefix}.created`, `.updated` (with the field differences), `.deleted`. */
export function lifecycle(
  prefix: string,
  change: DocChange,
  options: { ignore?: readonly string[]; data?: readonly string[]; updated?: boolean } = {},
): EventDraft[] {
  const { before, after } = change;
  const ignore = new Set([...STAMP_FIELDS, ...(options.ignore ?? [])]);
  const data = (doc: Doc | null) => (options.data ? pick(doc, options.data) : {});
  if (!before && after) {
    return [
      { type: `${prefix}.created`, data: data(after), changes: fieldChanges(null, after, ignore) },
    ];
  }
  if (before && !after) return [{ type: `${prefix}.deleted`, data: data(before), changes: {} }];
  if (options.updated === false) return [];
  const changes = fieldChanges(before, after, ignore);
  return Object.keys(changes).length
    ? [{ type: `${prefix}.updated`, data: data(after), changes }]
    : [];
}

/** A field went from something else to `value` in this change (a status transition). */
export function became(change: DocChange, key: string, values: readonly unknown[]): boolean {
  const now = change.after?.[key];
  return values.includes(now) && change.before?.[key] !== now;
}
