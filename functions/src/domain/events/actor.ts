// Who made a change, and through what, read from the document itself (docs/events.md#actors).
// The API stamps what it writes: `createdBy` + `source` on a create, `updatedBy` + `updatedVia`
// on an update, a deletion note on a delete. The rules make a client app stamp its own uid and
// `updatedVia: "client"`. A change that carries no fresh stamp was made by the system (a trigger
// writing back its result). In production, a trigger's auth context names a client app's user
// directly, and wins over any stamp.
import { sameValue, VIAS, type Actor, type Doc, type Via } from './model';

/** What the trigger knows beyond the documents. */
export interface WriteContext {
  /** `event.authType` of a withAuthContext trigger: app_user, service_account, ... */
  authType?: string;
  authId?: string;
  /** The API's note for a delete: who asked, through what (data/activityStamps.ts). */
  deletion?: { by: string; via: string } | null;
}

const isVia = (v: unknown): v is Via =>
  typeof v === 'string' && (VIAS as readonly string[]).includes(v);

/** `source` of equipment (api, csv, client) and any `*Via` field as a Via. */
function viaOf(value: unknown, fallback: Via): Via {
  return isVia(value) ? value : fallback;
}

/** A stamp `by` (a uid, `apiKey:<id>`, `system:<name>`) as an actor. */
export function actorFromStamp(by: unknown, via: Via): Actor {
  if (typeof by !== 'string' || by === '') return { kind: 'system', id: null };
  if (by.startsWith('apiKey:')) return { kind: 'apiKey', id: by.slice('apiKey:'.length) };
  if (by.startsWith('system:')) return { kind: 'system', id: by.slice('system:'.length) };
  return { kind: via === 'client' ? 'client' : 'user', id: by };
}

const SYSTEM: { actor: Actor; via: Via } = { actor: { kind: 'system', id: null }, via: 'trigger' };

/** The actor and via of one change, by the rules above. */
export function resolveActor(
  before: Doc | null,
  after: Doc | null,
  context: WriteContext = {},
  createdByFields: readonly string[] = ['createdBy'],
  /** A create's via when the document names none (scan events a client app wrote: client). */
  createVia: Via = 'api',
  /** Fields an API write sets to who made this change (a tag's assignedBy): used when set anew. */
  changedByFields: readonly string[] = [],
): { actor: Actor; via: Via } {
  if (context.authType === 'app_user' && context.authId) {
    return { actor: { kind: 'client', id: context.authId }, via: 'client' };
  }
  if (!after) {
    if (!context.deletion) return SYSTEM;
    const via = viaOf(context.deletion.via, 'api');
    return { actor: actorFromStamp(context.deletion.by, via), via };
  }
  if (!before) {
    const by = createdByFields.map((f) => after[f]).find((v) => typeof v === 'string');
    // A create stamped `system:<name>` (the low-stock trigger's draft) is a trigger's.
    const system = by === undefined || String(by).startsWith('system:');
    const via = viaOf(after.createdVia ?? after.source, system ? 'trigger' : createVia);
    return by === undefined ? SYSTEM : { actor: actorFromStamp(by, via), via };
  }
  // An update: the stamp counts when this write set it. Every stamping writer (the API, a
  // client under the rules) sets updatedAt to the time of the write; a trigger writing back
  // its result (a QR code, an image) leaves updatedAt alone, so its write is the system's.
  const fresh = after.updatedBy !== undefined && !sameValue(after.updatedAt, before.updatedAt);
  if (!fresh) {
    const by = changedByFields
      .map((f) => after[f])
      .find((v, i) => typeof v === 'string' && v !== before[changedByFields[i]]);
    return by === undefined ? SYSTEM : { actor: actorFromStamp(by, 'api'), via: 'api' };
  }
  const via = viaOf(after.updatedVia, 'api');
  return { actor: actorFromStamp(after.updatedBy, via), via };
}
