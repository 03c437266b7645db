// Webhooks, organizations/{orgId}/webhooks/{webhookId}, their signing secrets (top-level
// webhookSecrets/{orgId~webhookId}, kept recoverable because they must sign; no client rule
// reaches them), and the outbox that the event triggers fill for each subscribed webhook.
import { FieldValue, Timestamp, type DocumentData } from 'firebase-admin/firestore';
import { AppError } from '../domain/errors';
import { subscribed, type ActivityEvent } from '../domain/events/model';
import { newSecret } from '../domain/webhooks/signing';
import { deletionNote } from './activityStamps';
import { db } from './firebase';
import { isAlreadyExists } from './firestoreErrors';
import { deletionNoteRef, webhookOutboxRef, webhookSecretRef, webhooksRef } from './paths';
import { iso } from './timestamps';

/** How long the secret before a rotation still signs. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

export interface Webhook {
  webhookId: string;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  failingSince: string | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  secretRotatedAt: string | null;
  createdAt: string | null;
  createdBy: string | null;
  updatedAt: string | null;
}

export interface NewWebhook {
  url: string;
  events: string[];
  description?: string;
}

export interface WebhookPatch {
  url?: string;
  events?: string[];
  description?: string | null;
  active?: boolean;
}

export interface Stamp {
  by: string;
  via: 'api';
}

export function toWebhook(webhookId: string, d: DocumentData): Webhook {
  return {
    webhookId,
    url: String(d.url),
    events: Array.isArray(d.events) ? d.events.map(String) : [],
    description: typeof d.description === 'string' ? d.description : null,
    active: d.active !== false,
    disabledReason: typeof d.disabledReason === 'string' ? d.disabledReason : null,
    disabledAt: iso(d.disabledAt),
    failingSince: iso(d.failingSince),
    lastSuccessAt: iso(d.lastSuccessAt),
    lastFailureAt: iso(d.lastFailureAt),
    secretRotatedAt: iso(d.secretRotatedAt),
    createdAt: iso(d.createdAt),
    createdBy: typeof d.createdBy === 'string' ? d.createdBy : null,
    updatedAt: iso(d.updatedAt),
  };
}

export async function createWebhook(
  orgId: string,
  input: NewWebhook,
  stamp: Stamp,
): Promise<Webhook & { secret: string }> {
  const ref = webhooksRef(orgId).doc();
  const now = Timestamp.now();
  const secret = newSecret();
  const data = {
    url: input.url,
    events: input.events,
    description: input.description ?? null,
    active: true,
    failingSince: null,
    createdAt: now,
    createdBy: stamp.by,
    source: stamp.via,
    updatedAt: now,
    updatedBy: stamp.by,
    updatedVia: stamp.via,
  };
  const batch = db().batch();
  batch.create(ref, data);
  batch.create(webhookSecretRef(orgId, ref.id), {
    current: secret,
    previous: null,
    previousUntil: null,
  });
  await batch.commit();
  return { ...toWebhook(ref.id, data), secret };
}

export async function listWebhooks(orgId: string): Promise<Webhook[]> {
  const snap = await webhooksRef(orgId).orderBy('createdAt', 'desc').limit(500).get();
  return snap.docs.map((d) => toWebhook(d.id, d.data()));
}

export async function getWebhook(orgId: string, webhookId: string): Promise<Webhook> {
  const snap = await webhooksRef(orgId).doc(webhookId).get();
  if (!snap.exists) throw new AppError('not_found', `Webhook ${webhookId} not found`);
  return toWebhook(snap.id, snap.data() ?? {});
}

export async function patchWebhook(
  orgId: string,
  webhookId: string,
  patch: WebhookPatch,
  stamp: Stamp,
): Promise<Webhook> {
  const ref = webhooksRef(orgId).doc(webhookId);
  await db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) throw new AppError('not_found', `Webhook ${webhookId} not found`);
    const update: Record<string, unknown> = {
      updatedAt: Timestamp.now(),
      updatedBy: stamp.by,
      updatedVia: stamp.via,
    };
    if (patch.url !== undefined) update.url = patch.url;
    if (patch.events !== undefined) update.events = patch.events;
    if (patch.description !== undefined) update.description = patch.description;
    if (patch.active !== undefined) {
      update.active = patch.active;
      // Switched on again (after a fix on the receiver's side): its failure history starts anew.
      if (patch.active) {
        update.disabledReason = null;
        update.disabledAt = null;
        update.failingSince = null;
      }
    }
    tx.update(ref, update);
  });
  return getWebhook(orgId, webhookId);
}

/** Deletes the webhook, its secret, outbox and deliveries; a note says who, for its event. */
export async function deleteWebhook(orgId: string, webhookId: string, stamp: Stamp): Promise<void> {
  const ref = webhooksRef(orgId).doc(webhookId);
  if (!(await ref.get()).exists) throw new AppError('not_found', `Webhook ${webhookId} not found`);
  const batch = db().batch();
  batch.set(deletionNoteRef(orgId, 'webhooks', webhookId), deletionNote(stamp.by, stamp.via));
  batch.delete(webhookSecretRef(orgId, webhookId));
  batch.delete(ref);
  await batch.commit();
  await db().recursiveDelete(ref);
}

/** A new secret, answered once; the one before keeps signing for ROTATION_OVERLAP_MS. */
export async function rotateSecret(
  orgId: string,
  webhookId: string,
  stamp: Stamp,
): Promise<{ secret: string; previousValidUntil: string }> {
  const ref = webhooksRef(orgId).doc(webhookId);
  const secretRef = webhookSecretRef(orgId, webhookId);
  const secret = newSecret();
  const now = Timestamp.now();
  const until = Timestamp.fromMillis(now.toMillis() + ROTATION_OVERLAP_MS);
  await db().runTransaction(async (tx) => {
    const [hook, old] = await Promise.all([tx.get(ref), tx.get(secretRef)]);
    if (!hook.exists) throw new AppError('not_found', `Webhook ${webhookId} not found`);
    tx.set(secretRef, {
      current: secret,
      previous: old.get('current') ?? null,
      previousUntil: until,
    });
    tx.update(ref, {
      secretRotatedAt: now,
      updatedAt: now,
      updatedBy: stamp.by,
      updatedVia: stamp.via,
    });
  });
  return { secret, previousValidUntil: until.toDate().toISOString() };
}

/** The secrets that sign at `now`: the current one, and the one before during the overlap. */
export async function signingSecrets(
  orgId: string,
  webhookId: string,
  now = Date.now(),
): Promise<string[]> {
  const d = (await webhookSecretRef(orgId, webhookId).get()).data();
  if (!d || typeof d.current !== 'string') return [];
  const until = d.previousUntil instanceof Timestamp ? d.previousUntil.toMillis() : 0;
  return typeof d.previous === 'string' && until > now ? [d.current, d.previous] : [d.current];
}

/** The active webhooks of an organisation with what they subscribe to. */
export async function activeWebhooks(
  orgId: string,
): Promise<{ webhookId: string; events: string[] }[]> {
  const snap = await webhooksRef(orgId).where('active', '==', true).get();
  return snap.docs.map((d) => ({ webhookId: d.id, events: (d.get('events') as string[]) ?? [] }));
}

/**
 * Puts each event into the outbox of every active webhook subscribed to it; resolves with the
 * webhooks that have something waiting. An event already there (a retried trigger) stays once.
 */
export async function fillOutboxes(
  orgId: string,
  events: readonly ActivityEvent[],
): Promise<string[]> {
  if (!events.length) return [];
  const hooks = await activeWebhooks(orgId);
  const touched = new Set<string>();
  await Promise.all(
    hooks.flatMap((hook) =>
      events
        .filter((e) => subscribed(hook.events, e.type))
        .map(async (event) => {
          touched.add(hook.webhookId);
          try {
            await webhookOutboxRef(orgId, hook.webhookId)
              .doc(event.id)
              .create({
                event,
                at: Timestamp.fromDate(new Date(event.at)),
                queuedAt: FieldValue.serverTimestamp(),
              });
          } catch (err) {
            if (!isAlreadyExists(err)) throw err;
          }
        }),
    ),
  );
  return [...touched];
}

export async function countWebhooks(orgId: string): Promise<number> {
  return (await webhooksRef(orgId).count().get()).data().count;
}

/**
 * The webhooks with events waiting in their outbox since before `before`: a delivery task that
 * was never queued (the trigger gave up) or whose window found nothing yet. Up to `limit`
 * waiting events are looked at, oldest first.
 */
export async function staleOutboxes(
  before: Date,
  limit: number,
): Promise<{ orgId: string; webhookId: string }[]> {
  const snap = await db()
    .collectionGroup('outbox')
    .where('queuedAt', '<', Timestamp.fromDate(before))
    .orderBy('queuedAt')
    .limit(limit)
    .get();
  const found = new Map<string, { orgId: string; webhookId: string }>();
  for (const doc of snap.docs) {
    // organizations/{orgId}/webhooks/{webhookId}/outbox/{eventId}
    const hook = doc.ref.parent.parent;
    const org = hook?.parent.parent;
    if (hook && org) found.set(`${org.id}/${hook.id}`, { orgId: org.id, webhookId: hook.id });
  }
  return [...found.values()];
}
