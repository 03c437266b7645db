// From one document change to its events: the catalogue entry says which, this adds the id,
// the actor and the time. The id is derived from the change (document path, the version the
// change produced, the type), so a trigger delivered twice makes the same ids and writes once.
import { createHash } from 'node:crypto';
import { resolveActor, type WriteContext } from './actor';
import type { CatalogueEntry, DocChange } from './entry';
import type { ActivityEvent } from './model';

/**
 * `version`: what identifies this change of this document: the update time the write gave
 * it, or for a delete the last update time and "deleted".
 */
export function eventId(documentPath: string, version: string, type: string): string {
  return createHash('sha256')
    .update(`${documentPath}\n${version}\n${type}`)
    .digest('base64url')
    .slice(0, 26);
}

export function buildEvents(
  entry: CatalogueEntry,
  orgId: string,
  documentPath: string,
  version: string,
  change: DocChange,
  context: WriteContext = {},
): ActivityEvent[] {
  const drafts = entry.derive(change);
  if (!drafts.length) return [];
  const { actor, via } = resolveActor(
    change.before,
    change.after,
    context,
    entry.createdByFields,
    entry.createVia,
    entry.changedByFields,
  );
  return drafts.map((d) => ({
    id: eventId(documentPath, version, d.type),
    type: d.type,
    orgId,
    subject: d.subject ?? { kind: entry.subjectKind, id: change.id },
    actor,
    via,
    at: change.at,
    changes: d.changes ?? {},
    data: d.data ?? {},
    audience: entry.audience,
  }));
}
