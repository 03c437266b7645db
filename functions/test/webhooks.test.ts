// Webhooks through the local stack: the routes and their roles, and deliveries through the
// deliverWebhooks task queue (the stack's Cloud Tasks emulator) to a receiver on 127.0.0.1:
// only the subscribed types, Standard Webhooks signatures checked with the standardwebhooks
// package, retries with backoff and the same webhook-id, 410, a receiver that never answers,
// a 1 000-row upload in batches, secret rotation, disabling after 3 days of failure, redelivery,
// the daily quota, refused addresses; and the task function run twice for one task.
import { strict as assert } from 'node:assert';
import { Timestamp } from 'firebase-admin/firestore';
import type { Request } from 'firebase-functions/v2/tasks';
import { Webhook } from 'standardwebhooks';
import type { SignedIn } from 'emulator';
import { db } from '../src/data/firebase';
import { newDelivery, type Delivery } from '../src/data/deliveries';
import type { DeliveryTask } from '../src/data/webhooksQueue';
import type { ActivityEvent } from '../src/domain/events/model';
import { deliverWebhooks } from '../src/tasks/deliveries';
import { addMember, callPatiently, createOrg, newUser, unique } from './support/api';
import { upload } from './support/equipment';
import { functionsOrigin } from './support/stack';
import { waitFor } from './support/wait';
import { startReceiver, type Receiver } from './support/webhooksReceiver';

type Hook = { webhookId: string; secret: string; active: boolean; disabledReason: string | null };

describe('webhooks (local stack)', function () {
  this.timeout(180_000);
  let owner: SignedIn;
  let editor: SignedIn;
  let orgId: string;
  let receiver: Receiver | undefined;

  before(async () => {
    [owner, editor] = await Promise.all([newUser('owner'), newUser('editor')]);
    orgId = await createOrg(owner, 'Webhooks org');
    await addMember(orgId, owner, editor, 'editor');
  });
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  const base = () => `/v1/orgs/${orgId}`;

  async function hook(url: string, events: string[], org = orgId): Promise<Hook> {
    const reply = await callPatiently<Hook>('POST', `/v1/orgs/${org}/webhooks`, {
      token: owner.idToken,
      body: { url, events },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    return reply.body;
  }

  async function deliveries(webhookId: string): Promise<Delivery[]> {
    // Polled: patiently, as the per-caller rate limit would refuse a fast poll.
    const reply = await callPatiently<{ deliveries: Delivery[] }>(
      'GET',
      `${base()}/webhooks/${webhookId}/deliveries`,
      { token: owner.idToken },
    );
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return reply.body.deliveries;
  }

  /** A delivery once it has `attempts` attempts and is no longer pending. */
  function settledDelivery(webhookId: string, attempts: number, timeoutMs = 30_000) {
    return waitFor(
      async () =>
        (await deliveries(webhookId)).find(
          (d) => d.attempts.length >= attempts && d.status !== 'pending' && d.status !== 'retrying',
        ),
      { timeoutMs, intervalMs: 250 },
    );
  }

  async function ping(webhookId: string): Promise<string> {
    const reply = await callPatiently<{ deliveryId: string }>(
      'POST',
      `${base()}/webhooks/${webhookId}/test`,
      {
        token: owner.idToken,
      },
    );
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    return reply.body.deliveryId;
  }

  async function newItem(name: string): Promise<string> {
    const reply = await callPatiently<{ assetId: string }>('POST', `${base()}/equipment`, {
      token: editor.idToken,
      body: { name, category: 'OTHER' },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    return reply.body.assetId;
  }

  /** The events of every request received, batches unpacked. */
  const eventsIn = (r: Receiver): ActivityEvent[] =>
    r.received.flatMap((q) => {
      const body = JSON.parse(q.body) as ActivityEvent | { type: 'batch'; events: ActivityEvent[] };
      return 'events' in body && body.type === 'batch' ? body.events : [body as ActivityEvent];
    });

  describe('routes', () => {
    it('creates (secret once), lists, reads, patches and deletes; admins only', async () => {
      const made = await hook('https://example.com/hook', ['custody.*', 'equipment.created']);
      assert.match(made.secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
      const list = await callPatiently<{ webhooks: Record<string, unknown>[] }>(
        'GET',
        `${base()}/webhooks`,
        {
          token: owner.idToken,
        },
      );
      assert.equal(list.status, 200);
      const listed = list.body.webhooks.find((w) => w.webhookId === made.webhookId);
      assert.ok(listed);
      assert.ok(!('secret' in listed), 'the secret is answered once, never listed');
      const one = await callPatiently<Record<string, unknown>>(
        'GET',
        `${base()}/webhooks/${made.webhookId}`,
        {
          token: owner.idToken,
        },
      );
      assert.equal(one.status, 200);
      assert.ok(!('secret' in one.body));
      const patched = await callPatiently<Hook & { events: string[] }>(
        'PATCH',
        `${base()}/webhooks/${made.webhookId}`,
        {
          token: owner.idToken,
          body: { events: ['stock.*'], active: false },
        },
      );
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual(patched.body.events, ['stock.*']);
      assert.equal(patched.body.active, false);

      assert.equal(
        (await callPatiently('GET', `${base()}/webhooks`, { token: editor.idToken })).status,
        403,
      );
      assert.equal(
        (
          await callPatiently('POST', `${base()}/webhooks`, {
            token: editor.idToken,
            body: { url: 'https://x.com', events: ['*'] },
          })
        ).status,
        403,
      );
      const stranger = await newUser('stranger');
      assert.equal(
        (
          await callPatiently('GET', `${base()}/webhooks/${made.webhookId}`, {
            token: stranger.idToken,
          })
        ).status,
        403,
      );
      assert.equal(
        (
          await callPatiently('GET', `${base()}/webhooks/${made.webhookId}/deliveries`, {
            token: editor.idToken,
          })
        ).status,
        403,
      );

      assert.equal(
        (
          await callPatiently('DELETE', `${base()}/webhooks/${made.webhookId}`, {
            token: owner.idToken,
          })
        ).status,
        204,
      );
      assert.equal(
        (
          await callPatiently('GET', `${base()}/webhooks/${made.webhookId}`, {
            token: owner.idToken,
          })
        ).status,
        404,
      );
      assert.equal(
        (await db().doc(`webhookSecrets/${orgId}~${made.webhookId}`).get()).exists,
        false,
      );
    });

    it('refuses bad input in words', async () => {
      const bad = [
        { url: 'ftp://example.com', events: ['*'] },
        { url: 'not a url', events: ['*'] },
        { url: 'https://u:p@example.com', events: ['*'] },
        { url: 'https://example.com', events: [] },
        { url: 'https://example.com', events: ['custody'] },
        { url: 'https://example.com', events: '*' },
        { url: 'https://example.com', events: ['*'], colour: 'red' },
        {},
      ];
      for (const body of bad) {
        const reply = await callPatiently<{ error: { code: string; message: string } }>(
          'POST',
          `${base()}/webhooks`,
          {
            token: owner.idToken,
            body,
          },
        );
        assert.equal(reply.status, 400, JSON.stringify(body));
        assert.equal(reply.body.error.code, 'invalid_argument');
      }
    });
  });

  describe('deliveries through the task queue', () => {
    it('sends exactly the subscribed types, signed; a wrong secret fails to verify', async () => {
      receiver = await startReceiver();
      const made = await hook(receiver.url, ['equipment.created']);
      const first = await newItem('Hooked');
      const patched = await callPatiently('PATCH', `${base()}/equipment/${first}`, {
        token: editor.idToken,
        body: { notes: 'changed' },
      });
      assert.equal(patched.status, 200);
      const second = await newItem('Hooked too');
      const r = receiver;
      await waitFor(async () => eventsIn(r).some((e) => e.subject.id === second), {
        timeoutMs: 30_000,
      });
      const events = eventsIn(r);
      assert.ok(
        events.every((e) => e.type === 'equipment.created'),
        JSON.stringify(events.map((e) => e.type)),
      );
      assert.equal(events.filter((e) => e.subject.id === first).length, 1);
      for (const q of r.received) {
        new Webhook(made.secret).verify(q.body, q.headers);
        assert.throws(() =>
          new Webhook(
            `whsec_${Buffer.from('another secret, 32 bytes long!!').toString('base64')}`,
          ).verify(q.body, q.headers),
        );
        assert.match(q.headers['webhook-id'], /^w\d+/);
        assert.equal(q.headers['content-type'], 'application/json');
      }
    });

    it('500 twice then 200: three attempts, growing intervals, the same webhook-id', async () => {
      receiver = await startReceiver();
      receiver.answer = (i) => ({ status: i < 2 ? 500 : 200 });
      const made = await hook(receiver.url, ['webhook.test']);
      await ping(made.webhookId);
      const delivery = await settledDelivery(made.webhookId, 3);
      assert.equal(delivery.status, 'delivered');
      assert.deepEqual(
        delivery.attempts.map((a) => a.responseCode),
        [500, 500, 200],
      );
      const r = receiver.received;
      assert.equal(r.length, 3);
      assert.equal(new Set(r.map((q) => q.headers['webhook-id'])).size, 1);
      // Backoff of 1 s then 2 s (WEBHOOK_RETRY_BASE_SECONDS=1 locally): the queue holds each
      // retry at least that long, so these are lower bounds, not timings.
      assert.ok(r[1].at - r[0].at >= 1000, `${r[1].at - r[0].at} ms`);
      assert.ok(r[2].at - r[1].at >= 2000, `${r[2].at - r[1].at} ms`);
    });

    it('honours Retry-After on 429', async () => {
      receiver = await startReceiver();
      receiver.answer = (i) =>
        i === 0 ? { status: 429, headers: { 'retry-after': '3' } } : { status: 200 };
      const made = await hook(receiver.url, ['webhook.test']);
      await ping(made.webhookId);
      const delivery = await settledDelivery(made.webhookId, 2);
      assert.deepEqual(
        delivery.attempts.map((a) => a.responseCode),
        [429, 200],
      );
      const r = receiver.received;
      assert.ok(r[1].at - r[0].at >= 3000, `${r[1].at - r[0].at} ms`);
    });

    it('410 is not retried, and disables the webhook with the reason', async () => {
      receiver = await startReceiver();
      receiver.answer = () => ({ status: 410 });
      const made = await hook(receiver.url, ['webhook.test']);
      await ping(made.webhookId);
      const delivery = await settledDelivery(made.webhookId, 1);
      assert.equal(delivery.status, 'failed');
      assert.equal(delivery.nextAttemptAt, null);
      assert.deepEqual(
        delivery.attempts.map((a) => a.responseCode),
        [410],
      );
      const after = await callPatiently<Hook>('GET', `${base()}/webhooks/${made.webhookId}`, {
        token: owner.idToken,
      });
      assert.equal(after.body.active, false);
      assert.match(after.body.disabledReason ?? '', /410/);
    });

    it('another 4xx is not retried', async () => {
      receiver = await startReceiver();
      receiver.answer = () => ({ status: 400 });
      const made = await hook(receiver.url, ['webhook.test']);
      await ping(made.webhookId);
      const delivery = await settledDelivery(made.webhookId, 1);
      assert.equal(delivery.status, 'failed');
      assert.equal(delivery.attempts.length, 1);
    });

    it('a receiver that never answers is retried after the 10 s timeout', async () => {
      receiver = await startReceiver();
      receiver.answer = (i) => (i === 0 ? 'hang' : { status: 200 });
      const made = await hook(receiver.url, ['webhook.test']);
      await ping(made.webhookId);
      const delivery = await settledDelivery(made.webhookId, 2, 60_000);
      assert.equal(delivery.status, 'delivered');
      assert.equal(delivery.attempts[0].responseCode, null);
      assert.match(delivery.attempts[0].error ?? '', /within 10 s|did not/);
      assert.equal(delivery.attempts[1].responseCode, 200);
    });

    it('a 1 000-row upload arrives in batches of at most 100', async () => {
      receiver = await startReceiver();
      const made = await hook(receiver.url, ['equipment.created']);
      const prefix = unique('BULK').replace(/-/g, '_');
      const rows = Array.from({ length: 1000 }, (_, i) => `${prefix}_${i},Item ${i},OTHER`);
      const reply = await upload(
        orgId,
        editor.idToken,
        `assetId,name,category\n${rows.join('\n')}\n`,
      );
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      const r = receiver;
      const mine = () => eventsIn(r).filter((e) => e.subject.id.startsWith(prefix));
      await waitFor(async () => mine().length >= 1000, { timeoutMs: 150_000, intervalMs: 500 });
      const perMessage = new Map<string, number>();
      for (const q of r.received)
        perMessage.set(q.headers['webhook-id'], (perMessage.get(q.headers['webhook-id']) ?? 0) + 1);
      assert.equal(
        new Set(mine().map((e) => e.subject.id)).size,
        1000,
        `${mine().length} events in ${r.received.length} requests: ${JSON.stringify([...perMessage])}`,
      );
      const bodies = r.received.map(
        (q) => JSON.parse(q.body) as { type: string; events?: unknown[] },
      );
      assert.ok(bodies.every((b) => b.type !== 'batch' || (b.events?.length ?? 0) <= 100));
      assert.ok(bodies.some((b) => b.type === 'batch' && (b.events?.length ?? 0) > 1));
      assert.ok(r.received.length <= 100, `${r.received.length} requests for 1 000 events`);
      for (const q of r.received) new Webhook(made.secret).verify(q.body, q.headers);
    });

    it('after a rotation both secrets verify for the overlap', async () => {
      receiver = await startReceiver();
      const made = await hook(receiver.url, ['webhook.test']);
      const rotated = await callPatiently<{ secret: string; previousValidUntil: string }>(
        'POST',
        `${base()}/webhooks/${made.webhookId}/rotate-secret`,
        { token: owner.idToken },
      );
      assert.equal(rotated.status, 200);
      assert.notEqual(rotated.body.secret, made.secret);
      const hours = (Date.parse(rotated.body.previousValidUntil) - Date.now()) / 3600_000;
      assert.ok(hours > 23.9 && hours <= 24, String(hours));
      await ping(made.webhookId);
      await settledDelivery(made.webhookId, 1);
      const [q] = receiver.received;
      new Webhook(rotated.body.secret).verify(q.body, q.headers);
      new Webhook(made.secret).verify(q.body, q.headers);
      // Past the overlap (the clock moved on a day) only the new one signs.
      await db()
        .doc(`webhookSecrets/${orgId}~${made.webhookId}`)
        .update({ previousUntil: Timestamp.fromMillis(Date.now() - 1000) });
      await ping(made.webhookId);
      await waitFor(async () => receiver!.received.length >= 2);
      const later = receiver.received[1];
      new Webhook(rotated.body.secret).verify(later.body, later.headers);
      assert.throws(() => new Webhook(made.secret).verify(later.body, later.headers));
    });

    it('is disabled after 3 days of failure (a moved clock), with a webhook.disabled event', async () => {
      receiver = await startReceiver();
      receiver.answer = () => ({ status: 503 });
      const made = await hook(receiver.url, ['webhook.test']);
      await db()
        .doc(`organizations/${orgId}/webhooks/${made.webhookId}`)
        .update({ failingSince: Timestamp.fromMillis(Date.now() - 3 * 86_400_000 - 60_000) });
      await ping(made.webhookId);
      const delivery = await settledDelivery(made.webhookId, 1);
      assert.equal(delivery.status, 'failed');
      const after = await callPatiently<Hook>('GET', `${base()}/webhooks/${made.webhookId}`, {
        token: owner.idToken,
      });
      assert.equal(after.body.active, false);
      assert.match(after.body.disabledReason ?? '', /3 days/);
      const disabled = await waitFor(async () => {
        const page = await callPatiently<{ events: ActivityEvent[] }>(
          'GET',
          `${base()}/activity?type=webhook.disabled`,
          {
            token: owner.idToken,
          },
        );
        return page.body.events.find((e) => e.subject.id === made.webhookId);
      });
      assert.deepEqual(disabled.actor, { kind: 'system', id: null });
      // Switched on again: its failure history starts anew.
      const on = await callPatiently<Hook & { failingSince: string | null }>(
        'PATCH',
        `${base()}/webhooks/${made.webhookId}`,
        {
          token: owner.idToken,
          body: { active: true },
        },
      );
      assert.equal(on.body.active, true);
      assert.equal(on.body.failingSince, null);
      assert.equal(on.body.disabledReason, null);
    });

    it('redelivers a delivery as a new one with the same events', async () => {
      receiver = await startReceiver();
      const made = await hook(receiver.url, ['webhook.test']);
      const first = await ping(made.webhookId);
      await settledDelivery(made.webhookId, 1);
      const again = await callPatiently<{ deliveryId: string }>(
        'POST',
        `${base()}/webhooks/${made.webhookId}/deliveries/${first}/redeliver`,
        { token: owner.idToken },
      );
      assert.equal(again.status, 202);
      await waitFor(async () => receiver!.received.length >= 2);
      const [a, b] = receiver.received;
      assert.deepEqual(JSON.parse(a.body), JSON.parse(b.body));
      const list = await deliveries(made.webhookId);
      assert.equal(list.find((d) => d.deliveryId === again.body.deliveryId)?.redeliveryOf, first);
      const missing = await callPatiently(
        'POST',
        `${base()}/webhooks/${made.webhookId}/deliveries/nope/redeliver`,
        {
          token: owner.idToken,
        },
      );
      assert.equal(missing.status, 404);
    });

    it('never reaches an address the SSRF check refuses', async () => {
      const made = await hook('http://127.0.0.1:9/hook', ['webhook.test']);
      await ping(made.webhookId);
      const delivery = await settledDelivery(made.webhookId, 1);
      assert.equal(delivery.status, 'failed');
      assert.equal(delivery.attempts[0].responseCode, null);
      assert.ok(delivery.attempts[0].error);
    });

    it('stops at the daily delivery quota', async () => {
      receiver = await startReceiver();
      const quotaOrg = await createOrg(owner, 'Quota org');
      await db().doc(`quotaOverrides/${quotaOrg}`).set({ deliveriesPerDay: 0 });
      const made = await hook(receiver.url, ['webhook.test'], quotaOrg);
      const reply = await callPatiently(
        'POST',
        `/v1/orgs/${quotaOrg}/webhooks/${made.webhookId}/test`,
        {
          token: owner.idToken,
        },
      );
      assert.equal(reply.status, 202);
      const delivery = await waitFor(async () => {
        const page = await callPatiently<{ deliveries: Delivery[] }>(
          'GET',
          `/v1/orgs/${quotaOrg}/webhooks/${made.webhookId}/deliveries`,
          {
            token: owner.idToken,
          },
        );
        return page.body.deliveries.find((d) => d.attempts.length >= 1);
      });
      assert.equal(delivery.status, 'retrying');
      assert.match(delivery.attempts[0].error ?? '', /deliveries of today/);
      assert.equal(receiver.received.length, 0);
    });
  });

  it('the outbox sweep (the schedule, run by the functions host) delivers events left waiting', async () => {
    receiver = await startReceiver();
    const made = await hook(receiver.url, ['equipment.created']);
    // An event whose delivery task was never queued (its trigger gave up), 10 minutes ago.
    const event = {
      id: unique('lost'),
      type: 'equipment.created',
      subject: { kind: 'equipment', id: 'LOST_1' },
    };
    const tenMinutesAgo = Timestamp.fromMillis(Date.now() - 10 * 60_000);
    await db()
      .doc(`organizations/${orgId}/webhooks/${made.webhookId}/outbox/${event.id}`)
      .set({ event, at: tenMinutesAgo, queuedAt: tenMinutesAgo });
    const res = await fetch(`${functionsOrigin()}/_schedules/sweepWebhookOutboxes/run`, {
      method: 'POST',
    });
    assert.equal(res.status, 200, await res.text());
    const r = receiver;
    await waitFor(async () => eventsIn(r).some((e) => e.id === event.id));
    const left = await db()
      .collection(`organizations/${orgId}/webhooks/${made.webhookId}/outbox`)
      .get();
    assert.equal(left.size, 0);
  });

  describe('the task function in isolation', () => {
    it('a task dispatched twice sends once', async () => {
      receiver = await startReceiver();
      const made = await hook(receiver.url, ['webhook.test']);
      const deliveryId = await newDelivery(orgId, made.webhookId, [
        { id: 'e1', type: 'webhook.test' },
      ]);
      const task: DeliveryTask = { orgId, webhookId: made.webhookId, deliveryId, attempt: 1 };
      const req = {
        data: task,
        queueName: 'deliverWebhooks',
        id: unique('task'),
        retryCount: 0,
        executionCount: 0,
        scheduledTime: String(Date.now() / 1000),
        headers: {},
      } as unknown as Request<DeliveryTask>;
      await deliverWebhooks.run(req);
      await deliverWebhooks.run(req);
      assert.equal(receiver.received.length, 1);
      const [delivery] = (await deliveries(made.webhookId)).filter(
        (d) => d.deliveryId === deliveryId,
      );
      assert.equal(delivery.status, 'delivered');
      assert.equal(delivery.attempts.length, 1);
    });
  });
});
