// The stock and audit events through the local stack, from the documents data/ really writes:
// a `used` movement is a stock.movement by its maker; crossing the reorder point is one
// stock.low; the low-stock trigger's draft is the system's; a receipt is reorder.received by
// the caller; an audit completed through the API is audit.completed by the caller.
import { strict as assert } from 'node:assert';
import { call } from './support/api';
import { eventOf, eventsOf } from './support/events';
import { ledgerOrg, seedItems, type LedgerOrg } from './support/ledger';
import { waitFor } from './support/wait';

describe('stock and audit events (local stack)', function () {
  this.timeout(180_000);
  let org: LedgerOrg;
  let orgId: string;
  let keyId: string;
  let key: string;
  let sku: string;

  before(async () => {
    org = await ledgerOrg();
    orgId = org.orgId;
    const made = await call('POST', `/v1/orgs/${orgId}/api-keys`, {
      token: org.owner.idToken,
      body: { name: 'stock script', role: 'editor' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    keyId = String(made.body.keyId);
    key = String(made.body.key);
  });

  const path = (p: string) => `/v1/orgs/${orgId}${p}`;
  const post = <T = Record<string, unknown>>(p: string, token: string, body?: unknown) =>
    call<T>('POST', path(p), { token, body });

  it('a used movement is stock.movement by its maker, via api, with the real fields', async () => {
    const supplier = await post<{ supplierId: string }>('/suppliers', org.owner.idToken, {
      name: 'Glue Co',
    });
    assert.equal(supplier.status, 201, JSON.stringify(supplier.body));
    const item = await post<{ sku: string }>('/stock-items', org.owner.idToken, {
      name: 'Glue',
      unit: 'each',
      quantityOnHand: 10,
      reorderPoint: 5,
      reorderQuantity: 20,
      preferredSupplierId: supplier.body.supplierId,
    });
    assert.equal(item.status, 201, JSON.stringify(item.body));
    sku = item.body.sku;
    const created = await eventOf(orgId, sku, 'stock.item.created');
    assert.deepEqual(created.actor, { kind: 'user', id: org.owner.uid });

    const used = await post<{ movementId: string }>(`/stock-items/${sku}/movements`, key, {
      reason: 'used',
      delta: -3,
      note: 'bench 1',
    });
    assert.equal(used.status, 201, JSON.stringify(used.body));
    const movement = await eventOf(
      orgId,
      sku,
      'stock.movement',
      (e) => e.data.movementId === used.body.movementId,
    );
    assert.deepEqual(movement.subject, { kind: 'stock_item', id: sku });
    assert.deepEqual(movement.actor, { kind: 'apiKey', id: keyId });
    assert.equal(movement.via, 'api');
    assert.deepEqual(movement.data, {
      movementId: used.body.movementId,
      delta: -3,
      reason: 'used',
      note: 'bench 1',
      reorderId: null,
      before: 10,
      after: 7,
    });
  });

  it('crossing the reorder point is one stock.low, by the movement’s maker; the trigger’s draft is the system’s', async () => {
    const down = await post(`/stock-items/${sku}/movements`, org.editor.idToken, {
      reason: 'used',
      delta: -3,
    });
    assert.equal(down.status, 201, JSON.stringify(down.body));
    const low = await eventOf(orgId, sku, 'stock.low');
    assert.deepEqual(low.actor, { kind: 'user', id: org.editor.uid });
    assert.equal(low.via, 'api');
    assert.deepEqual(low.data, { sku, quantityOnHand: 4, reorderPoint: 5 });
    assert.deepEqual(low.changes.quantityOnHand, [7, 4]);

    // Still low after another movement: no second stock.low.
    const again = await post<{ movementId: string }>(
      `/stock-items/${sku}/movements`,
      org.editor.idToken,
      { reason: 'used', delta: -1 },
    );
    assert.equal(again.status, 201, JSON.stringify(again.body));
    await eventOf(orgId, sku, 'stock.movement', (e) => e.data.movementId === again.body.movementId);

    // The low-stock trigger drafted a reorder for the preferred supplier.
    const draft = await waitFor(async () => {
      const list = await call<{ reorders: Array<{ reorderId: string }> }>(
        'GET',
        path(`/reorders?sku=${sku}`),
        { token: org.owner.idToken },
      );
      return list.body.reorders[0];
    });
    const drafted = await eventOf(orgId, draft.reorderId, 'reorder.created');
    assert.deepEqual(drafted.actor, { kind: 'system', id: 'low-stock' });
    assert.equal(drafted.via, 'trigger');
    assert.equal(drafted.data.source, 'low_stock');
    assert.equal(drafted.data.sku, sku);

    const events = await eventsOf(orgId, sku);
    assert.equal(events.filter((e) => e.type === 'stock.low').length, 1);
    // Quantities, counters and the reorder lock move with movements: no stock.item.updated.
    assert.deepEqual(
      events.filter((e) => e.type === 'stock.item.updated'),
      [],
    );
  });

  it('a receipt is reorder.received by the caller, and a received movement', async () => {
    const list = await call<{ reorders: Array<{ reorderId: string; quantity: number }> }>(
      'GET',
      path(`/reorders?sku=${sku}`),
      { token: org.owner.idToken },
    );
    const [{ reorderId, quantity }] = list.body.reorders;
    const ordered = await post(`/reorders/${reorderId}/order`, org.owner.idToken, {});
    assert.equal(ordered.status, 200, JSON.stringify(ordered.body));
    const orderedEvent = await eventOf(orgId, reorderId, 'reorder.ordered');
    assert.deepEqual(orderedEvent.actor, { kind: 'user', id: org.owner.uid });

    const received = await post(`/reorders/${reorderId}/receipts`, key, { quantity });
    assert.equal(received.status, 200, JSON.stringify(received.body));
    const event = await eventOf(orgId, reorderId, 'reorder.received');
    assert.deepEqual(event.actor, { kind: 'apiKey', id: keyId });
    assert.equal(event.via, 'api');
    assert.deepEqual(event.changes.status, ['ordered', 'received']);
    assert.equal(event.data.receivedQuantity, quantity);
    assert.equal(event.data.sku, sku);
    const movement = await eventOf(
      orgId,
      sku,
      'stock.movement',
      (e) => e.data.reason === 'received',
    );
    assert.deepEqual(movement.actor, { kind: 'apiKey', id: keyId });
    assert.equal(movement.data.reorderId, reorderId);
    assert.equal(movement.data.delta, quantity);
  });

  it('an audit completed through the API is audit.completed by the caller', async () => {
    await seedItems(orgId, [
      { assetId: 'AUD-1', locationId: 'room' },
      { assetId: 'AUD-2', locationId: 'room' },
    ]);
    const made = await post<{ auditId: string }>('/audits', org.editor.idToken, {
      name: 'Room check',
      locationId: 'room',
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const { auditId } = made.body;
    const created = await eventOf(orgId, auditId, 'audit.created');
    assert.deepEqual(created.actor, { kind: 'user', id: org.editor.uid });
    const done = await post(`/audits/${auditId}/complete`, org.owner.idToken, {
      apply: { markMissing: false },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const completed = await eventOf(orgId, auditId, 'audit.completed');
    assert.deepEqual(completed.subject, { kind: 'audit', id: auditId });
    assert.deepEqual(completed.actor, { kind: 'user', id: org.owner.uid });
    assert.equal(completed.via, 'api');
    assert.deepEqual(completed.changes, { status: ['completing', 'completed'] });
    assert.equal(completed.data.name, 'Room check');
    assert.equal(completed.data.locationId, 'room');
    assert.equal(completed.data.status, 'completed');
    assert.equal(completed.data.expected, 2);
    assert.deepEqual(
      [completed.data.lastAudited, completed.data.moved, completed.data.markedMissing],
      [0, 0, 0],
    );
    const all = await eventsOf(orgId, auditId);
    assert.equal(all.filter((e) => e.type === 'audit.completed').length, 1);
  });
});
