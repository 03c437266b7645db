// The event triggers: one per catalogue entry (domain/events/catalogue.ts), on every write of
// that collection by anyone (API, CSV, client app, another trigger). Each change becomes its
// events in the activity log, once however often the trigger is delivered (the ids are derived
// from the change), and goes into the outbox of each webhook subscribed to it, with a delivery
// task queued for the webhook's current batch window (one task id per window: a 10 000-row
// upload makes one request per 100 events, not 10 000).
import { onDocumentWrittenWithAuthContext } from 'firebase-functions/v2/firestore';
import { Timestamp } from 'firebase-admin/firestore';
import { webhookSettings } from '../config';
import { plainDoc, recordEvents } from '../data/activity';
import { deletionNoteRef } from '../data/paths';
import { fillOutboxes } from '../data/webhooks';
import { enqueueDelivery } from '../data/webhooksQueue';
import type { WriteContext } from '../domain/events/actor';
import { buildEvents } from '../domain/events/build';
import { entryNamed, NOT_LOGGED } from '../domain/events/catalogue';
import type { CatalogueEntry } from '../domain/events/entry';
import { eventsRecorded, webhookEnqueueFailed } from '../logs';
import { giveUpWhenStale } from './retries';

/** A deletion note counts for a delete made this soon after it (then it is an older one's). */
const NOTE_FRESH_MS = 5 * 60_000;

/** The collection a path template ends in: "stockItems/{sku}/movements/{id}" -> "movements". */
const collectionOf = (path: string): string => path.split('/').slice(-2)[0];

async function deletionFor(
  orgId: string,
  entry: CatalogueEntry,
  id: string,
  eventTime: string,
): Promise<WriteContext['deletion']> {
  const note = (await deletionNoteRef(orgId, collectionOf(entry.path), id).get()).data();
  const at = note?.at instanceof Timestamp ? note.at.toMillis() : NaN;
  const age = Date.parse(eventTime) - at;
  if (!note || !(age >= -NOTE_FRESH_MS && age <= NOTE_FRESH_MS)) return null;
  return { by: String(note.by), via: String(note.via) };
}

/** The window a change made now falls in, its task id and how long until it closes. */
export function batchWindow(
  now: number,
  windowSeconds: number,
): { key: string; delaySeconds: number } {
  const size = windowSeconds * 1000;
  const index = Math.floor(now / size);
  // One second after the window closes, so that every event written in it is in the outbox.
  return { key: `w${index}`, delaySeconds: Math.ceil(((index + 1) * size - now) / 1000) + 1 };
}

/**
 * Window tasks this instance has queued already: a burst of changes (a bulk upload) asks for the
 * same task id hundreds of times, and the queue would refuse all but the first; remembering
 * saves those calls. Another instance asks once itself and is refused: still one task.
 */
const queuedWindows = new Set<string>();
const QUEUED_WINDOWS_KEPT = 1000;

async function enqueueWindow(
  orgId: string,
  webhookId: string,
  windowKey: string,
  delaySeconds: number,
) {
  const taskId = `${orgId}-${webhookId}-${windowKey}`;
  if (queuedWindows.has(taskId)) return;
  try {
    await enqueueDelivery(
      { orgId, webhookId, deliveryId: windowKey, attempt: 1 },
      taskId,
      delaySeconds,
    );
  } catch (err) {
    // The events are in the outbox already; the trigger's retry queues the task again.
    webhookEnqueueFailed({ orgId, webhookId, taskId, error: err });
    throw err;
  }
  if (queuedWindows.size >= QUEUED_WINDOWS_KEPT) queuedWindows.clear();
  queuedWindows.add(taskId);
}

export function eventTrigger(entry: CatalogueEntry) {
  const name = `events${entry.name}`;
  return onDocumentWrittenWithAuthContext(
    { document: `organizations/{orgId}/${entry.path}`, retry: true },
    giveUpWhenStale(name, async (event) => {
      const params = event.params as Record<string, string>;
      const { orgId, id } = params;
      const beforeSnap = event.data?.before;
      const afterSnap = event.data?.after;
      const before = beforeSnap?.exists ? plainDoc(beforeSnap.data()) : null;
      const after = afterSnap?.exists ? plainDoc(afterSnap.data()) : null;
      if (!before && !after) return;
      const path =
        (afterSnap?.exists ? afterSnap : beforeSnap)?.ref.path ?? `${orgId}/${entry.path}/${id}`;
      const version = after
        ? (afterSnap?.updateTime?.toDate().toISOString() ?? event.time)
        : `${beforeSnap?.updateTime?.toDate().toISOString() ?? event.id}:deleted`;
      const at = after ? (afterSnap?.updateTime?.toDate().toISOString() ?? event.time) : event.time;
      const context: WriteContext = {
        authType: event.authType,
        authId: event.authId,
        deletion: after ? null : await deletionFor(orgId, entry, id, event.time),
      };
      const events = buildEvents(
        entry,
        orgId,
        path,
        version,
        { before, after, id, params, at },
        context,
      );
      if (!events.length) return;
      const written = await recordEvents(events.filter((e) => !NOT_LOGGED.has(e.type)));
      const hooks = await fillOutboxes(orgId, events);
      const window = batchWindow(Date.now(), webhookSettings().batchWindowSeconds);
      await Promise.all(
        hooks.map((webhookId) => enqueueWindow(orgId, webhookId, window.key, window.delaySeconds)),
      );
      eventsRecorded({
        orgId,
        path,
        types: events.map((e) => e.type),
        written: written.length,
        webhooks: hooks.length,
      });
    }),
  );
}

// One deployed trigger per catalogue entry (functions/src/index.ts exports each).
export const eventsEquipment = eventTrigger(entryNamed('Equipment'));
export const eventsMembers = eventTrigger(entryNamed('Members'));
export const eventsApiKeys = eventTrigger(entryNamed('ApiKeys'));
export const eventsInvitations = eventTrigger(entryNamed('Invitations'));
export const eventsLocations = eventTrigger(entryNamed('Locations'));
export const eventsQrCodes = eventTrigger(entryNamed('QrCodes'));
export const eventsTags = eventTrigger(entryNamed('Tags'));
export const eventsTagPools = eventTrigger(entryNamed('TagPools'));
export const eventsMasters = eventTrigger(entryNamed('Masters'));
export const eventsOrders = eventTrigger(entryNamed('Orders'));
export const eventsCheckouts = eventTrigger(entryNamed('Checkouts'));
export const eventsBookings = eventTrigger(entryNamed('Bookings'));
export const eventsStockItems = eventTrigger(entryNamed('StockItems'));
export const eventsStockMovements = eventTrigger(entryNamed('StockMovements'));
export const eventsReorders = eventTrigger(entryNamed('Reorders'));
export const eventsSuppliers = eventTrigger(entryNamed('Suppliers'));
export const eventsAudits = eventTrigger(entryNamed('Audits'));
export const eventsScanEvents = eventTrigger(entryNamed('ScanEvents'));
export const eventsWebhooks = eventTrigger(entryNamed('Webhooks'));
