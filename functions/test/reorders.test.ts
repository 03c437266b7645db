// Reorders through the local stack: ordering, partial and full receipts (stock and receipts in
// one transaction), over-delivery, `at` rules, lead times learned from receipts (by the trigger
// and by the schedule with a moved clock), reorder advice from a known history.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { Timestamp } from 'firebase-admin/firestore';
import { db } from '../src/data/firebase';
import { recomputeLeadTime, runLeadTimes } from '../src/data/leadTimes';
import { call, createOrg, newUser } from './support/api';
import { documentReads, functionsOrigin } from './support/stack';
import { waitFor } from './support/wait';

type ErrorReply = { error: { code: string; message: string; details?: Record<string, unknown> } };
type Reorder = {
  reorderId: string;
  status: string;
  quantity: number;
  receivedQuantity: number;
  overDelivery: number;
  orderedAt: string | null;
  expectedAt: string | null;
  firstReceivedAt: string | null;
  receipts: { quantity: number; receivedAt: string; by: string; movementId: string }[];
};
type LeadTime = { averageDays: number; p90Days: number; samples: number; lastDays: number };
type ItemSupplier = { leadTime: LeadTime | null; lastReceiptAt: string | null };

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

describe('reorders, receipts and lead times', function () {
  this.timeout(120_000);
  let owner: SignedIn;
  let orgId: string;

  before(async () => {
    owner = await newUser('reorder-owner');
    orgId = await createOrg(owner, 'Makerspace');
  });

  const path = (p: string) => `/v1/orgs/${orgId}${p}`;
  const post = <T>(p: string, body?: unknown) =>
    call<T & ErrorReply>('POST', path(p), { token: owner.idToken, body });
  const get = <T>(p: string) => call<T & ErrorReply>('GET', path(p), { token: owner.idToken });

  async function supplier(name: string): Promise<string> {
    const reply = await post<{ supplierId: string }>('/suppliers', { name });
    assert.equal(reply.status, 201);
    return reply.body.supplierId;
  }

  async function item(
    quantityOnHand: number,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const reply = await post<{ sku: string }>('/stock-items', {
      name: 'Rags',
      unit: 'kg',
      quantityOnHand,
      ...extra,
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    return reply.body.sku;
  }

  const onHand = async (sku: string) =>
    (await get<{ quantityOnHand: number }>(`/stock-items/${sku}`)).body.quantityOnHand;

  it('draft → ordered → partially received → received, stock moving with each receipt', async () => {
    const supplierId = await supplier('Rag Supply');
    const sku = await item(3);
    const draft = await post<Reorder>('/reorders', { sku, supplierId, quantity: 10 });
    assert.equal(draft.status, 201);
    assert.equal(draft.body.status, 'draft');
    const second = await post<Reorder>('/reorders', { sku, supplierId, quantity: 1 });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.details?.reason, 'reorder_open');
    const id = draft.body.reorderId;
    // Receiving a draft: not yet ordered.
    const early = await post<Reorder>(`/reorders/${id}/receipts`, { quantity: 1 });
    assert.equal(early.body.error.details?.reason, 'reorder_status');
    const future = await post<Reorder>(`/reorders/${id}/order`, {
      at: new Date(Date.now() + 2 * DAY).toISOString(),
    });
    assert.equal(future.status, 400);
    // An order entered after the fact may be earlier than the draft itself.
    const ordered = await post<Reorder>(`/reorders/${id}/order`, { at: daysAgo(6) });
    assert.equal(ordered.status, 200);
    assert.equal(ordered.body.status, 'ordered');
    assert.equal(ordered.body.expectedAt, null, 'no lead time known yet');
    const beforeOrder = await post<Reorder>(`/reorders/${id}/receipts`, {
      quantity: 1,
      at: daysAgo(7),
    });
    assert.equal(beforeOrder.status, 409);
    assert.equal(beforeOrder.body.error.details?.reason, 'receipt_before_order');
    const part = await post<Reorder>(`/reorders/${id}/receipts`, { quantity: 4, at: daysAgo(2) });
    assert.equal(part.status, 200);
    assert.equal(part.body.status, 'partially_received');
    assert.equal(await onHand(sku), 7);
    const cancel = await post<Reorder>(`/reorders/${id}/cancel`);
    assert.equal(cancel.status, 409);
    const rest = await post<Reorder>(`/reorders/${id}/receipts`, { quantity: 8 });
    assert.equal(rest.body.status, 'received');
    assert.equal(rest.body.receivedQuantity, 12);
    assert.equal(rest.body.overDelivery, 2);
    assert.equal(await onHand(sku), 15);
    assert.equal(rest.body.firstReceivedAt, part.body.receipts[0].receivedAt);
    // Each receipt is a `received` movement carrying the reorder id: the two cannot disagree.
    const movements = await get<{
      movements: { reason: string; delta: number; reorderId: string; movementId: string }[];
    }>(`/stock-items/${sku}/movements?reason=received`);
    assert.deepEqual(
      movements.body.movements.map((m) => [m.delta, m.reorderId]),
      [
        [8, id],
        [4, id],
      ],
    );
    assert.deepEqual(
      rest.body.receipts.map((r) => r.movementId).sort(),
      movements.body.movements.map((m) => m.movementId).sort(),
    );
    const closed = await post<Reorder>(`/reorders/${id}/close`);
    assert.equal(closed.body.status, 'closed');
    // The item is free for its next request.
    assert.equal((await post<Reorder>('/reorders', { sku, supplierId, quantity: 5 })).status, 201);
  });

  it('a cancelled draft frees the item; movements with a reorderId are refused in favour of receipts', async () => {
    const supplierId = await supplier('Glue Co');
    const sku = await item(1);
    const draft = await post<Reorder>('/reorders', { sku, supplierId, quantity: 2 });
    const cancelled = await post<Reorder>(`/reorders/${draft.body.reorderId}/cancel`);
    assert.equal(cancelled.body.status, 'cancelled');
    const move = await post<Reorder>(`/stock-items/${sku}/movements`, {
      reason: 'received',
      delta: 2,
      reorderId: draft.body.reorderId,
    });
    assert.equal(move.status, 409);
    assert.equal(move.body.error.details?.reason, 'use_receipts');
    assert.equal((await post<Reorder>('/reorders', { sku, supplierId, quantity: 2 })).status, 201);
  });

  /** One reorder from order to first receipt: ordered `orderedDaysAgo`, received `lead` days later. */
  async function cycle(sku: string, supplierId: string, orderedDaysAgo: number, lead: number) {
    const draft = await post<Reorder>('/reorders', { sku, supplierId, quantity: 5 });
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    const id = draft.body.reorderId;
    await post(`/reorders/${id}/order`, { at: daysAgo(orderedDaysAgo) });
    const r = await post<Reorder>(`/reorders/${id}/receipts`, {
      quantity: 5,
      at: daysAgo(orderedDaysAgo - lead),
    });
    assert.equal(r.body.status, 'received', JSON.stringify(r.body));
    return id;
  }

  it('lead time: average and p90 of its own receipts (not another supplier’s), by the trigger, then by the schedule', async () => {
    const a = await supplier('A');
    const b = await supplier('B');
    const sku = await item(0);
    await call('PUT', path(`/stock-items/${sku}/suppliers/${a}`), {
      token: owner.idToken,
      body: { unitCost: 2.5, currency: 'EUR' },
    });
    await cycle(sku, a, 40, 4);
    await cycle(sku, a, 30, 6);
    await cycle(sku, b, 25, 20); // B's: must not count for A
    await cycle(sku, a, 15, 10); // newest first receipt: lastDays 10
    const expected: LeadTime = { averageDays: 6.67, p90Days: 10, samples: 3, lastDays: 10 };
    const url = `/stock-items/${sku}/suppliers/${a}`;
    const fromTrigger = await waitFor(async () => {
      const got = await get<ItemSupplier>(url);
      return got.body.leadTime?.samples === 3 ? got.body : undefined;
    });
    const { averageDays, p90Days, samples, lastDays } = fromTrigger.leadTime as LeadTime;
    assert.deepEqual({ averageDays, p90Days, samples, lastDays }, expected);
    assert.equal(fromTrigger.lastReceiptAt !== null, true);
    const bTime = await waitFor(
      async () => (await get<ItemSupplier>(`/stock-items/${sku}/suppliers/${b}`)).body.leadTime,
    );
    assert.deepEqual([bTime.samples, bTime.averageDays], [1, 20]);

    // An order now has an expected date from A's average lead time.
    const draft = await post<Reorder>('/reorders', { sku, supplierId: a, quantity: 5 });
    const ordered = await post<Reorder>(`/reorders/${draft.body.reorderId}/order`);
    const expectedMs = Date.parse(ordered.body.orderedAt as string) + 6.67 * DAY;
    assert.equal(Date.parse(ordered.body.expectedAt as string), expectedMs);

    // A lost trigger, simulated: the schedule repairs it. Run with a clock a day ahead.
    const ref = db().doc(`organizations/${orgId}/stockItems/${sku}/suppliers/${a}`);
    await ref.update({
      leadTime: {
        averageDays: 99,
        p90Days: 99,
        samples: 1,
        lastDays: 99,
        updatedAt: Timestamp.now(),
      },
    });
    const readsBefore = (await documentReads(ref.path)).reads;
    const run = await runLeadTimes({ now: new Date(Date.now() + DAY), receipts: 10 });
    assert.ok(run.visited >= 2, JSON.stringify(run));
    assert.ok(
      (await documentReads(ref.path)).reads > readsBefore,
      'the schedule read the marked item-supplier',
    );
    const repaired = (await get<ItemSupplier>(url)).body.leadTime as LeadTime;
    assert.deepEqual(
      {
        averageDays: repaired.averageDays,
        p90Days: repaired.p90Days,
        samples: repaired.samples,
        lastDays: repaired.lastDays,
      },
      expected,
    );
    // Run again: nothing new since the mark but the overlap; the numbers stay.
    await runLeadTimes({ now: new Date(Date.now() + DAY), receipts: 10 });
    assert.deepEqual((await get<ItemSupplier>(url)).body.leadTime?.averageDays, 6.67);
    // And through the functions host, as Cloud Scheduler would run it.
    const hosted = await fetch(`${functionsOrigin()}/_schedules/leadTimeSchedule/run`, {
      method: 'POST',
    });
    assert.equal(hosted.status, 200, await hosted.text());
  });

  it('only the newest LEAD_TIME_RECEIPTS receipts count', async () => {
    const a = await supplier('N');
    const sku = await item(0);
    await cycle(sku, a, 30, 20);
    await cycle(sku, a, 8, 2);
    // What one recomputation finds, given the newest receipt only, then both.
    assert.deepEqual(await recomputeLeadTime(orgId, sku, a, 1), {
      averageDays: 2,
      p90Days: 2,
      samples: 1,
      lastDays: 2,
    });
    assert.deepEqual(await recomputeLeadTime(orgId, sku, a, 10), {
      averageDays: 11,
      p90Days: 20,
      samples: 2,
      lastDays: 2,
    });
  });

  it('reorder advice from a known history of use and the supplier’s lead time', async () => {
    const a = await supplier('Advice');
    const sku = await item(50, { preferredSupplierId: a, reorderPoint: 4 });
    await call('PUT', path(`/stock-items/${sku}/suppliers/${a}`), {
      token: owner.idToken,
      body: {},
    });
    await db()
      .doc(`organizations/${orgId}/stockItems/${sku}/suppliers/${a}`)
      .update({
        leadTime: {
          averageDays: 5,
          p90Days: 9,
          samples: 4,
          lastDays: 6,
          updatedAt: Timestamp.now(),
        },
      });
    // Ten days with 10 used each in the last 90; one old use and one receipt, which do not count.
    const movements = db().collection(`organizations/${orgId}/stockItems/${sku}/movements`);
    const batch = db().batch();
    for (let i = 0; i < 10; i++) {
      batch.set(movements.doc(`h${i}`), {
        reason: 'used',
        delta: -10,
        seq: 100 + i,
        at: Timestamp.fromMillis(Date.now() - (3 + i * 7) * DAY - 3600_000),
      });
    }
    batch.set(movements.doc('old'), {
      reason: 'used',
      delta: -500,
      seq: 99,
      at: Timestamp.fromMillis(Date.now() - 120 * DAY),
    });
    batch.set(movements.doc('in'), {
      reason: 'received',
      delta: 40,
      seq: 98,
      at: Timestamp.fromMillis(Date.now() - 5 * DAY),
    });
    await batch.commit();
    const advice = await get<{
      suggestedReorderPoint: number;
      currentReorderPoint: number;
      explanation: string;
      inputs: Record<string, number>;
    }>(`/stock-items/${sku}/reorder-advice`);
    assert.equal(advice.status, 200);
    // mean 100/90 = 1.111, σ = 3.143; 1.111 × 5 + 1.65 × 3.143 × √9 = 21.11 → 22
    assert.equal(advice.body.suggestedReorderPoint, 22);
    assert.equal(advice.body.currentReorderPoint, 4);
    assert.equal(advice.body.inputs.usedTotal, 100);
    assert.equal(advice.body.inputs.averageDailyUse, 1.11);
    assert.equal(advice.body.inputs.averageLeadDays, 5);
    assert.equal(advice.body.inputs.p90LeadDays, 9);
    assert.match(advice.body.explanation, /Used 100 in the last 90 days/);
    const none = await get<{ suggestedReorderPoint: number | null; explanation: string }>(
      `/stock-items/${await item(1)}/reorder-advice`,
    );
    assert.equal(none.body.suggestedReorderPoint, null);
    assert.match(none.body.explanation, /No preferred supplier/);
  });
});
