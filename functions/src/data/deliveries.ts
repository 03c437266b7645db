// Deliveries, organizations/{orgId}/webhooks/{webhookId}/deliveries/{deliveryId}: one message
// (one event, or a batch of up to 100) with every attempt to send it. A delivery's id is its
// `webhook-id`: the same on every retry, so a receiver can drop what it has already seen.
import { FieldPath, Timestamp, type DocumentData } from 'firebase-admin/firestore';
import { AppError } from '../domain/errors';
import { decodePageToken, encodePageToken, isTimeAndId } from '../domain/pageTokens';
import type { ActivityEvent } from '../domain/events/model';
import { MAX_BATCH } from '../domain/webhooks/policy';
import { db } from './firebase';
import { webhookDeliveriesRef, webhookOutboxRef, webhooksRef } from './paths';
import { iso } from './timestamps';

export interface Attempt {
  at: string;
  /** The HTTP status answered; null when nothing answered (network error, timeout). */
  responseCode: number | null;
  durationMs: number;
  error: string | null;
}

export type DeliveryStatus = 'pending' | 'retrying' | 'delivered' | 'failed';

export interface Delivery {
  deliveryId: string;
  webhookId: string;
  status: DeliveryStatus;
  eventCount: number;
  eventTypes: string[];
  createdAt: string | null;
  nextAttemptAt: string | null;
  redeliveryOf: string | null;
  attempts: Attempt[];
}

/** What the task needs to send it. */
export interface StoredDelivery extends Delivery {
  events: unknown[];
  firstAttemptAt: number | null;
}

function toDelivery(webhookId: string, id: string, d: DocumentData): StoredDelivery {
  const attempts = (Array.isArray(d.attempts) ? d.attempts : []) as Record<string, unknown>[];
  return {
    deliveryId: id,
    webhookId,
    status: d.status as DeliveryStatus,
    eventCount: Number(d.eventCount ?? 0),
    eventTypes: Array.isArray(d.eventTypes) ? d.eventTypes.map(String) : [],
    createdAt: iso(d.createdAt),
    nextAttemptAt: iso(d.nextAttemptAt),
    redeliveryOf: typeof d.redeliveryOf === 'string' ? d.redeliveryOf : null,
    attempts: attempts.map((a) => ({
      at: iso(a.at) ?? String(a.at),
      responseCode: typeof a.responseCode === 'number' ? a.responseCode : null,
      durationMs: Number(a.durationMs ?? 0),
      error: typeof a.error === 'string' ? a.error : null,
    })),
    events: Array.isArray(d.events) ? d.events : [],
    firstAttemptAt: d.firstAttemptAt instanceof Timestamp ? d.firstAttemptAt.toMillis() : null,
  };
}

/** The view the API gives (without the stored events). */
export function deliveryView(d: StoredDelivery): Delivery {
  return {
    deliveryId: d.deliveryId,
    webhookId: d.webhookId,
    status: d.status,
    eventCount: d.eventCount,
    eventTypes: d.eventTypes,
    createdAt: d.createdAt,
    nextAttemptAt: d.nextAttemptAt,
    redeliveryOf: d.redeliveryOf,
    attempts: d.attempts,
  };
}

function deliveryFields(events: readonly unknown[], extra: Record<string, unknown> = {}) {
  const types = [...new Set(events.map((e) => String((e as { type?: unknown }).type)))].sort();
  return {
    status: 'pending',
    events,
    eventCount: events.length,
    eventTypes: types,
    createdAt: Timestamp.now(),
    attempts: [],
    firstAttemptAt: null,
    nextAttemptAt: null,
    ...extra,
  };
}

/**
 * The delivery `deliveryId`: made from up to 100 events of the outbox (which leave it in the
 * same transaction) the first time, read back on every later run of the same task. Resolves
 * with undefined when the outbox was empty, and says whether more events wait.
 */
export async function claimDelivery(
  orgId: string,
  webhookId: string,
  deliveryId: string,
): Promise<{ delivery?: StoredDelivery; more: boolean }> {
  const ref = webhookDeliveriesRef(orgId, webhookId).doc(deliveryId);
  const outbox = webhookOutboxRef(orgId, webhookId);
  return db().runTransaction(async (tx) => {
    const existing = await tx.get(ref);
    if (existing.exists)
      return { delivery: toDelivery(webhookId, ref.id, existing.data() ?? {}), more: false };
    const waiting = await tx.get(
      outbox
        .orderBy('at')
        .orderBy(FieldPath.documentId())
        .limit(MAX_BATCH + 1),
    );
    const listed = waiting.docs.slice(0, MAX_BATCH);
    if (!listed.length) return { more: false };
    // Read again one by one: a document read locks it in this transaction, so two claims that
    // ran at once cannot both take an event (whatever a query's isolation).
    const docs = (await tx.getAll(...listed.map((d) => d.ref))).filter((d) => d.exists);
    if (!docs.length) return { more: waiting.docs.length > MAX_BATCH };
    const events = docs.map((d) => d.get('event') as ActivityEvent);
    const fields = deliveryFields(events);
    tx.create(ref, fields);
    for (const d of docs) tx.delete(d.ref);
    return {
      delivery: toDelivery(webhookId, ref.id, fields),
      more: waiting.docs.length > MAX_BATCH,
    };
  });
}

/** A delivery of given events made now (a test ping, a redelivery); resolves with its id. */
export async function newDelivery(
  orgId: string,
  webhookId: string,
  events: readonly unknown[],
  redeliveryOf?: string,
): Promise<string> {
  const ref = webhookDeliveriesRef(orgId, webhookId).doc();
  await ref.create(deliveryFields(events, redeliveryOf ? { redeliveryOf } : {}));
  return ref.id;
}

export async function getStoredDelivery(
  orgId: string,
  webhookId: string,
  deliveryId: string,
): Promise<StoredDelivery> {
  const snap = await webhookDeliveriesRef(orgId, webhookId).doc(deliveryId).get();
  if (!snap.exists) throw new AppError('not_found', `Delivery ${deliveryId} not found`);
  return toDelivery(webhookId, snap.id, snap.data() ?? {});
}

/** Writes one attempt and what follows from it onto the delivery and the webhook. */
export async function recordAttempt(
  orgId: string,
  webhookId: string,
  deliveryId: string,
  attempt: { at: number; responseCode: number | null; durationMs: number; error: string | null },
  outcome: {
    status: DeliveryStatus;
    nextAttemptAt: number | null;
    /** true: a success (the failure streak ends); false: a failure; the webhook's state. */
    succeeded: boolean;
    disable?: string;
  },
): Promise<void> {
  const ref = webhookDeliveriesRef(orgId, webhookId).doc(deliveryId);
  const hookRef = webhooksRef(orgId).doc(webhookId);
  const at = Timestamp.fromMillis(attempt.at);
  await db().runTransaction(async (tx) => {
    const [snap, hook] = await Promise.all([tx.get(ref), tx.get(hookRef)]);
    if (!snap.exists) return;
    const attempts = [...((snap.get('attempts') as unknown[]) ?? []), { ...attempt, at }];
    tx.update(ref, {
      attempts,
      status: outcome.status,
      firstAttemptAt: snap.get('firstAttemptAt') ?? at,
      nextAttemptAt:
        outcome.nextAttemptAt === null ? null : Timestamp.fromMillis(outcome.nextAttemptAt),
    });
    if (!hook.exists) return;
    if (outcome.succeeded) {
      tx.update(hookRef, { failingSince: null, lastSuccessAt: at });
      return;
    }
    const update: Record<string, unknown> = { lastFailureAt: at };
    if (!(hook.get('failingSince') instanceof Timestamp)) update.failingSince = at;
    if (outcome.disable && hook.get('active') !== false) {
      update.active = false;
      update.disabledReason = outcome.disable;
      update.disabledAt = at;
    }
    tx.update(hookRef, update);
  });
}

/** The webhook's state a delivery needs: whether it exists and is active, its URL and streak. */
export async function deliveryTarget(
  orgId: string,
  webhookId: string,
): Promise<{ url: string; active: boolean; failingSince: number | null } | undefined> {
  const d = (await webhooksRef(orgId).doc(webhookId).get()).data();
  if (!d) return undefined;
  return {
    url: String(d.url),
    active: d.active !== false,
    failingSince: d.failingSince instanceof Timestamp ? d.failingSince.toMillis() : null,
  };
}

export async function listDeliveries(
  orgId: string,
  webhookId: string,
  opts: { limit: number; pageToken?: string },
): Promise<{ deliveries: Delivery[]; nextPageToken: string | null }> {
  let q = webhookDeliveriesRef(orgId, webhookId)
    .orderBy('createdAt', 'desc')
    .orderBy(FieldPath.documentId(), 'desc');
  if (opts.pageToken) {
    const [at, id] = decode(opts.pageToken);
    q = q.startAfter(at, id);
  }
  const snap = await q.limit(opts.limit + 1).get();
  const rows = snap.docs.slice(0, opts.limit);
  const deliveries = rows.map((d) => deliveryView(toDelivery(webhookId, d.id, d.data())));
  const last = rows[rows.length - 1];
  return {
    deliveries,
    nextPageToken:
      snap.docs.length > opts.limit && last
        ? encodePageToken([iso(last.get('createdAt')), last.id])
        : null,
  };
}

function decode(token: string): [Timestamp, string] {
  const [at, id] = decodePageToken(token, isTimeAndId);
  return [Timestamp.fromDate(new Date(at)), id];
}
