// Stock through the local stack: items, movements of each reason, 50 concurrent uses, the
// low-stock draft (one, however many movements cross at once), roles and other organisations.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import functionsTest from 'firebase-functions-test';
import { db } from '../src/data/firebase';
import { stockMovementCreated } from '../src/triggers/stockMovementCreated';
import { addMember, call, callPatiently, createOrg, newUser } from './support/api';
import { waitFor } from './support/wait';

type Item = {
  sku: string;
  quantityOnHand: number;
  lowStock: boolean;
  openReorderId: string | null;
};
type Movement = {
  movementId: string;
  reason: string;
  delta: number;
  before: number;
  after: number;
  by: string;
};
type ErrorReply = { error: { code: string; message: string; details?: Record<string, unknown> } };
type Reorder = {
  reorderId: string;
  status: string;
  quantity: number;
  supplierId: string;
  source: string;
  reason: { onHand: number; reorderPoint: number; rule: string } | null;
};

describe('stock items and movements', function () {
  this.timeout(120_000);
  let owner: SignedIn;
  let orgId: string;
  let viewer: SignedIn;
  let editor: SignedIn;

  before(async () => {
    owner = await newUser('stock-owner');
    [viewer, editor] = await Promise.all([newUser('stock-viewer'), newUser('stock-editor')]);
    orgId = await createOrg(owner, 'Makerspace');
    await addMember(orgId, owner, viewer, 'viewer');
    await addMember(orgId, owner, editor, 'editor');
  });

  const path = (p: string) => `/v1/orgs/${orgId}${p}`;
  const as = (user: SignedIn, body?: unknown) => ({ token: user.idToken, body });

  async function newItem(body: Record<string, unknown>): Promise<Item> {
    const reply = await call<Item>(
      'POST',
      path('/stock-items'),
      as(owner, { name: 'Sandpaper P120', unit: 'sheet', ...body }),
    );
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    return reply.body;
  }

  async function move(sku: string, body: Record<string, unknown>, user = owner) {
    return callPatiently<Movement & ErrorReply>(
      'POST',
      path(`/stock-items/${sku}/movements`),
      as(user, body),
    );
  }

  async function newSupplier(name: string): Promise<string> {
    const reply = await call<{ supplierId: string }>(
      'POST',
      path('/suppliers'),
      as(owner, { name, email: 'orders@example.com' }),
    );
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    return reply.body.supplierId;
  }

  it('creates an item with a starting quantity as its first adjusted movement; sku given or made up', async () => {
    const made = await newItem({ quantityOnHand: 12 });
    assert.match(made.sku, /^STK-[0-9A-Z]{8}$/);
    assert.equal(made.quantityOnHand, 12);
    const history = await call<{ movements: Movement[] }>(
      'GET',
      path(`/stock-items/${made.sku}/movements`),
      as(viewer),
    );
    assert.equal(history.status, 200);
    assert.deepEqual(
      history.body.movements.map((m) => [m.reason, m.delta, m.before, m.after]),
      [['adjusted', 12, 0, 12]],
    );
    const given = await newItem({ sku: 'SAND-120' });
    assert.equal(given.sku, 'SAND-120');
    const again = await call<ErrorReply>(
      'POST',
      path('/stock-items'),
      as(owner, { sku: 'SAND-120', name: 'x' }),
    );
    assert.equal(again.status, 409);
    assert.equal(again.body.error.details?.reason, 'sku_taken');
  });

  it('imports imageUrl in the background as equipment does: a refused address fails onto the item', async () => {
    // 127.0.0.1:9 is not an allowed host: refused before any connection (no port is used).
    const { sku } = await newItem({ imageUrl: 'http://127.0.0.1:9/bin.png' });
    const image = await waitFor(async () => {
      const got = await call<Item & { image: { status: string; error: string | null } | null }>(
        'GET',
        path(`/stock-items/${sku}`),
        as(viewer),
      );
      return got.body.image?.status === 'failed' ? got.body.image : undefined;
    });
    assert.ok(image.error && image.error.length > 0);
  });

  it('refuses bad input with a clear 400 and a patch of quantityOnHand', async () => {
    const bad = await call<ErrorReply>(
      'POST',
      path('/stock-items'),
      as(owner, { name: 'x', unit: 'bucket', quantityOnHand: -1 }),
    );
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /unit/);
    assert.match(bad.body.error.message, /quantityOnHand/);
    const item = await newItem({});
    const patch = await call<ErrorReply>(
      'PATCH',
      path(`/stock-items/${item.sku}`),
      as(owner, { quantityOnHand: 5 }),
    );
    assert.equal(patch.status, 400);
    assert.match(patch.body.error.message, /quantityOnHand is not a known field/);
  });

  it('records each reason with its sign rule; counted sets the quantity and records the difference', async () => {
    const { sku } = await newItem({ quantityOnHand: 10 });
    assert.equal((await move(sku, { reason: 'used', delta: -3, note: 'bench 2' })).body.after, 7);
    assert.equal((await move(sku, { reason: 'received', delta: 5 })).body.after, 12);
    assert.equal((await move(sku, { reason: 'returned', delta: 1 })).body.after, 13);
    assert.equal((await move(sku, { reason: 'adjusted', delta: -2 })).body.after, 11);
    const counted = await move(sku, { reason: 'counted', quantity: 8 });
    assert.equal(counted.status, 201);
    assert.deepEqual([counted.body.before, counted.body.after, counted.body.delta], [11, 8, -3]);
    for (const [body, field] of [
      [{ reason: 'used', delta: 2 }, 'delta'],
      [{ reason: 'received', delta: -2 }, 'delta'],
      [{ reason: 'adjusted', delta: 0 }, 'delta'],
      [{ reason: 'counted', delta: 2 }, 'delta'],
      [{ reason: 'counted' }, 'quantity'],
      [{ reason: 'stolen', delta: -1 }, 'reason'],
      [{ reason: 'used', delta: -1.5 }, 'delta'],
    ] as const) {
      const reply = await move(sku, body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.match(reply.body.error.message, new RegExp(field), JSON.stringify(reply.body));
    }
    const item = await call<Item>('GET', path(`/stock-items/${sku}`), as(viewer));
    assert.equal(item.body.quantityOnHand, 8);
    const history = await call<{ movements: Movement[]; nextPageToken: string | null }>(
      'GET',
      path(`/stock-items/${sku}/movements?limit=4`),
      as(viewer),
    );
    assert.deepEqual(
      history.body.movements.map((m) => m.reason),
      ['counted', 'adjusted', 'returned', 'received'],
    );
    const rest = await call<{ movements: Movement[]; nextPageToken: string | null }>(
      'GET',
      path(`/stock-items/${sku}/movements?limit=4&pageToken=${history.body.nextPageToken}`),
      as(viewer),
    );
    assert.deepEqual(
      rest.body.movements.map((m) => m.reason),
      ['used', 'adjusted'],
    );
    assert.equal(rest.body.nextPageToken, null);
  });

  it('using more than is on hand is 409 insufficient_stock with what is there, and nothing moves', async () => {
    const { sku } = await newItem({ quantityOnHand: 2 });
    const reply = await move(sku, { reason: 'used', delta: -3 });
    assert.equal(reply.status, 409);
    assert.equal(reply.body.error.details?.reason, 'insufficient_stock');
    assert.equal(reply.body.error.details?.onHand, 2);
    assert.equal(
      (await call<Item>('GET', path(`/stock-items/${sku}`), as(owner))).body.quantityOnHand,
      2,
    );
  });

  it('an idempotencyKey makes a retry return the first movement; the same key for another is 409', async () => {
    const { sku } = await newItem({ quantityOnHand: 5 });
    const first = await move(sku, { reason: 'used', delta: -1, idempotencyKey: 'scan-77' });
    const retry = await move(sku, { reason: 'used', delta: -1, idempotencyKey: 'scan-77' });
    assert.equal(first.status, 201);
    assert.equal(retry.status, 200);
    assert.equal(retry.body.movementId, first.body.movementId);
    assert.equal(
      (await call<Item>('GET', path(`/stock-items/${sku}`), as(owner))).body.quantityOnHand,
      4,
    );
    const other = await move(sku, { reason: 'used', delta: -2, idempotencyKey: 'scan-77' });
    assert.equal(other.status, 409);
    assert.equal(other.body.error.details?.reason, 'idempotency_key_reused');
  });

  it('50 concurrent used movements lose no update: exact stock and 50 movement documents', async () => {
    const { sku } = await newItem({ quantityOnHand: 200 });
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => move(sku, { reason: 'used', delta: -(1 + (i % 3)) })),
    );
    assert.deepEqual([...new Set(replies.map((r) => r.status))], [201]);
    const used = Array.from({ length: 50 }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);
    const item = await call<Item>('GET', path(`/stock-items/${sku}`), as(owner));
    assert.equal(item.body.quantityOnHand, 200 - used);
    const docs = await db()
      .collection(`organizations/${orgId}/stockItems/${sku}/movements`)
      .where('reason', '==', 'used')
      .get();
    assert.equal(docs.size, 50);
    // Each movement saw the one before it: the befores and afters form one chain.
    const chain = docs.docs
      .map((d) => [d.get('before') as number, d.get('after') as number])
      .sort((a, b) => b[0] - a[0]);
    for (let i = 1; i < chain.length; i++) assert.equal(chain[i][0], chain[i - 1][1]);
  });

  it('low stock: ten movements crossing the reorder point at once make exactly one draft, with its reason', async () => {
    const supplierId = await newSupplier('Abrasives Ltd');
    const { sku } = await newItem({
      quantityOnHand: 15,
      reorderPoint: 5,
      reorderQuantity: 40,
      preferredSupplierId: supplierId,
    });
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => move(sku, { reason: 'used', delta: -1 })),
    );
    assert.deepEqual([...new Set(replies.map((r) => r.status))], [201]);
    const item = await waitFor(async () => {
      const got = await call<Item>('GET', path(`/stock-items/${sku}`), as(owner));
      return got.body.openReorderId ? got.body : undefined;
    });
    assert.equal(item.quantityOnHand, 5);
    assert.equal(item.lowStock, true);
    // Let every movement's trigger run: each one below the point ran draftIfLow; wait for all
    // ten deliveries to be seen by polling the draft count staying at one after the last.
    await waitFor(async () => {
      const drafts = await db()
        .collection(`organizations/${orgId}/reorders`)
        .where('sku', '==', sku)
        .get();
      return drafts.size >= 1;
    });
    const list = await call<{
      reorders: Reorder[];
      bySupplier: { supplierId: string; name: string; reorders: Reorder[] }[];
    }>('GET', path(`/reorders?status=draft&sku=${sku}`), as(viewer));
    assert.equal(list.status, 200);
    assert.equal(list.body.reorders.length, 1);
    const [draft] = list.body.reorders;
    assert.equal(draft.reorderId, item.openReorderId);
    assert.equal(draft.source, 'low_stock');
    assert.equal(draft.quantity, 40);
    assert.equal(draft.supplierId, supplierId);
    // The draft was made by the movement that reached 5 or one after it.
    assert.ok(draft.reason && draft.reason.onHand <= 5 && draft.reason.reorderPoint === 5);
    assert.match(draft.reason.rule, /^on hand \d+ ≤ reorder point 5$/);
    assert.deepEqual(
      list.body.bySupplier.map((g) => [g.supplierId, g.name, g.reorders.length]),
      [[supplierId, 'Abrasives Ltd', 1]],
    );
    // More use while the draft is open makes no second one.
    await move(sku, { reason: 'used', delta: -2 });
    const movements = await db()
      .collection(`organizations/${orgId}/stockItems/${sku}/movements`)
      .get();
    assert.equal(movements.size, 12);
    const all = await db()
      .collection(`organizations/${orgId}/reorders`)
      .where('sku', '==', sku)
      .get();
    assert.equal(all.size, 1);
  });

  it('the low-stock trigger in isolation: a duplicated event makes one draft', async () => {
    const fft = functionsTest(
      JSON.parse(process.env.FIREBASE_CONFIG ?? '{}') as { projectId: string },
    );
    try {
      const wrapped = fft.wrap(stockMovementCreated);
      const supplierId = await newSupplier('Solder Co');
      const { sku } = await newItem({
        quantityOnHand: 2,
        reorderPoint: 3,
        preferredSupplierId: supplierId,
      });
      const ref = `organizations/${orgId}/stockItems/${sku}/movements/m0000000001`;
      const event = {
        data: fft.firestore.makeDocumentSnapshot({ after: 2, reorderPoint: 3 }, ref),
        params: { orgId, sku, movementId: 'm0000000001' },
        id: `evt-${sku}`,
        time: new Date().toISOString(),
      };
      await Promise.all([wrapped(event), wrapped(event)]);
      await wrapped(event);
      const drafts = await db()
        .collection(`organizations/${orgId}/reorders`)
        .where('sku', '==', sku)
        .get();
      assert.equal(drafts.size, 1);
      assert.equal(drafts.docs[0].id, `low_${sku}_m0000000001`);
      assert.equal(drafts.docs[0].get('reason').rule, 'on hand 2 ≤ reorder point 3');
      // (The item's own first movement, written by the API, fired the host's trigger as well.)
    } finally {
      fft.cleanup();
    }
  });

  it('lists by low stock, location, supplier and a name prefix', async () => {
    const supplierId = await newSupplier('Filament Hub');
    const a = await newItem({
      name: 'PLA filament black',
      quantityOnHand: 1,
      reorderPoint: 2,
      preferredSupplierId: supplierId,
    });
    const b = await newItem({ name: 'PLA filament white', quantityOnHand: 9, reorderPoint: 2 });
    await newItem({ name: 'PETG filament', quantityOnHand: 9 });
    const byName = await call<{ items: Item[] }>(
      'GET',
      path('/stock-items?q=pla%20fil'),
      as(viewer),
    );
    assert.deepEqual(byName.body.items.map((i) => i.sku).sort(), [a.sku, b.sku].sort());
    const low = await call<{ items: Item[] }>(
      'GET',
      path('/stock-items?low=true&q=pla'),
      as(viewer),
    );
    assert.deepEqual(
      low.body.items.map((i) => i.sku),
      [a.sku],
    );
    const bySupplier = await call<{ items: Item[] }>(
      'GET',
      path(`/stock-items?supplierId=${supplierId}`),
      as(viewer),
    );
    assert.deepEqual(
      bySupplier.body.items.map((i) => i.sku),
      [a.sku],
    );
    const deactivated = await call<Item>(
      'POST',
      path(`/stock-items/${b.sku}/deactivate`),
      as(editor),
    );
    assert.equal(deactivated.status, 200);
    const active = await call<{ items: Item[] }>('GET', path('/stock-items?q=pla'), as(viewer));
    assert.deepEqual(
      active.body.items.map((i) => i.sku),
      [a.sku],
    );
    const refused = await move(b.sku, { reason: 'used', delta: -1 });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.details?.reason, 'stock_item_inactive');
  });

  it('roles: viewers read, editors move stock; `used` by any member with selfServiceStock; other organisations refused', async () => {
    const { sku } = await newItem({ quantityOnHand: 10 });
    assert.equal((await move(sku, { reason: 'used', delta: -1 }, viewer)).status, 403);
    assert.equal((await move(sku, { reason: 'used', delta: -1 }, editor)).status, 201);
    const on = await call('PATCH', `/v1/orgs/${orgId}`, as(owner, { selfServiceStock: true }));
    assert.equal(on.status, 200, JSON.stringify(on.body));
    assert.equal((await move(sku, { reason: 'used', delta: -1 }, viewer)).status, 201);
    assert.equal((await move(sku, { reason: 'received', delta: 1 }, viewer)).status, 403);
    await call('PATCH', `/v1/orgs/${orgId}`, as(owner, { selfServiceStock: false }));
    assert.equal((await call('POST', path('/stock-items'), as(viewer, { name: 'x' }))).status, 403);
    assert.equal((await call('POST', path('/suppliers'), as(viewer, { name: 'x' }))).status, 403);
    const stranger = await newUser('stranger');
    const otherOrg = await createOrg(stranger);
    for (const [method, p] of [
      ['GET', `/v1/orgs/${orgId}/stock-items/${sku}`],
      ['GET', `/v1/orgs/${orgId}/stock-items`],
      ['GET', `/v1/orgs/${orgId}/reorders`],
      ['GET', `/v1/orgs/${orgId}/suppliers`],
    ]) {
      assert.equal((await call(method, p, { token: stranger.idToken })).status, 403, p);
    }
    assert.equal((await move(sku, { reason: 'used', delta: -1 }, stranger)).status, 403);
    // The stranger's own organisation does not have this item.
    const theirs = await call('GET', `/v1/orgs/${otherOrg}/stock-items/${sku}`, {
      token: stranger.idToken,
    });
    assert.equal(theirs.status, 404);
    assert.equal(
      (await call<Item>('GET', path(`/stock-items/${sku}`), as(owner))).body.quantityOnHand,
      8,
    );
  });
});
