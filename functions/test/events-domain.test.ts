// The event model, its catalogue and webhook signing and policy, pure (no stack needed).
import { strict as assert } from 'node:assert';
import { Webhook } from 'standardwebhooks';
import { actorFromStamp, resolveActor } from '../src/domain/events/actor';
import { buildEvents, eventId } from '../src/domain/events/build';
import { CATALOGUE, entryNamed } from '../src/domain/events/catalogue';
import type { DocChange } from '../src/domain/events/entry';
import { EVENT_PATTERN, fieldChanges, subscribed, type Doc } from '../src/domain/events/model';
import { activityCsvRow } from '../src/domain/events/csv';
import {
  classify,
  DISABLE_AFTER_MS,
  mayRetry,
  messageBody,
  retryAfterSeconds,
  retryDelaySeconds,
  RETRY_FOR_MS,
  shouldDisable,
} from '../src/domain/webhooks/policy';
import { newSecret, signedHeaders } from '../src/domain/webhooks/signing';
import { eventsProblem, urlProblem } from '../src/domain/webhooks/validate';
import { batchWindow } from '../src/triggers/events';
import { continuationId } from '../src/tasks/deliveries';

const AT = '2026-12-08T10:00:00.000Z';
const change = (
  before: Doc | null,
  after: Doc | null,
  params: Record<string, string> = {},
): DocChange => ({
  before,
  after,
  id: 'X1',
  params: { orgId: 'o', id: 'X1', ...params },
  at: AT,
});
const types = (name: string, c: DocChange) =>
  entryNamed(name)
    .derive(c)
    .map((e) => e.type);

describe('events (domain): the model', () => {
  it('computes differences field by field, maps as one value, ignoring bookkeeping', () => {
    const before = { name: 'A', notes: 'x', tags: ['a'], spec: { w: 1 }, updatedAt: '1' };
    const after = { name: 'B', tags: ['a'], spec: { w: 2 }, serial: 'S', updatedAt: '2' };
    assert.deepEqual(fieldChanges(before, after, new Set(['updatedAt'])), {
      name: ['A', 'B'],
      notes: ['x', null],
      serial: [null, 'S'],
      spec: [{ w: 1 }, { w: 2 }],
    });
    assert.deepEqual(fieldChanges({ m: { a: 1, b: 2 } }, { m: { b: 2, a: 1 } }), {});
  });

  it('matches subscriptions by type, prefix and "*", scan.recorded only when named', () => {
    assert.ok(subscribed(['custody.*'], 'custody.checked_out'));
    assert.ok(!subscribed(['custody.*'], 'booking.created'));
    assert.ok(subscribed(['*'], 'equipment.created'));
    assert.ok(subscribed(['equipment.created'], 'equipment.created'));
    assert.ok(!subscribed(['equipment.created'], 'equipment.updated'));
    assert.ok(!subscribed(['*', 'scan.*'], 'scan.recorded'));
    assert.ok(subscribed(['scan.recorded'], 'scan.recorded'));
    for (const good of ['*', 'custody.*', 'equipment.qr_ready'])
      assert.ok(EVENT_PATTERN.test(good));
    for (const bad of ['', 'custody', 'a.b.c', 'Equipment.created', '*.created', 'x.*y'])
      assert.ok(!EVENT_PATTERN.test(bad), bad);
  });

  it('names the actor from the stamps: user, API key, client, system', () => {
    assert.deepEqual(actorFromStamp('u1', 'api'), { kind: 'user', id: 'u1' });
    assert.deepEqual(actorFromStamp('apiKey:k1', 'api'), { kind: 'apiKey', id: 'k1' });
    assert.deepEqual(actorFromStamp('u1', 'client'), { kind: 'client', id: 'u1' });
    assert.deepEqual(actorFromStamp('system:sweep', 'schedule'), { kind: 'system', id: 'sweep' });
    // Create: createdBy + source.
    assert.deepEqual(resolveActor(null, { createdBy: 'u1', source: 'csv' }), {
      actor: { kind: 'user', id: 'u1' },
      via: 'csv',
    });
    // Update with a fresh stamp (updatedAt moved) and with a stale one (a trigger's write-back).
    const before = { updatedAt: '1', updatedBy: 'u1', updatedVia: 'api' };
    assert.deepEqual(
      resolveActor(before, { ...before, updatedAt: '2', updatedBy: 'u2', updatedVia: 'client' }),
      {
        actor: { kind: 'client', id: 'u2' },
        via: 'client',
      },
    );
    assert.deepEqual(resolveActor(before, { ...before, qrCodeUrl: 'x' }), {
      actor: { kind: 'system', id: null },
      via: 'trigger',
    });
    // Delete: the API's note, else the system; production's auth context wins over stamps.
    assert.deepEqual(resolveActor(before, null, { deletion: { by: 'apiKey:k9', via: 'api' } }), {
      actor: { kind: 'apiKey', id: 'k9' },
      via: 'api',
    });
    assert.equal(resolveActor(before, null).actor.kind, 'system');
    // An API write that names its maker in a field of its own (a tag's assignedBy).
    assert.deepEqual(
      resolveActor({ assetId: null }, { assetId: 'A', assignedBy: 'apiKey:k2' }, {}, [], 'api', [
        'assignedBy',
      ]),
      { actor: { kind: 'apiKey', id: 'k2' }, via: 'api' },
    );
    assert.deepEqual(resolveActor(before, null, { authType: 'app_user', authId: 'u7' }).actor, {
      kind: 'client',
      id: 'u7',
    });
  });

  it('derives ids from the change: the same change twice gives the same ids', () => {
    const entry = entryNamed('Equipment');
    const c = change(null, { name: 'Cam', category: 'CAMERA', createdBy: 'u1', source: 'api' });
    const one = buildEvents(entry, 'o', 'organizations/o/equipment/X1', 'v1', c);
    const two = buildEvents(entry, 'o', 'organizations/o/equipment/X1', 'v1', c);
    assert.deepEqual(one, two);
    assert.notEqual(
      eventId('p', 'v1', 'equipment.created'),
      eventId('p', 'v2', 'equipment.created'),
    );
    assert.equal(one[0].type, 'equipment.created');
    assert.deepEqual(one[0].subject, { kind: 'equipment', id: 'X1' });
    assert.deepEqual(one[0].changes.name, [null, 'Cam']);
    assert.equal(one[0].audience, 'members');
  });
});

describe('events (domain): the catalogue, one entry per collection', () => {
  it('has unique names and paths', () => {
    assert.equal(new Set(CATALOGUE.map((e) => e.name)).size, CATALOGUE.length);
    assert.equal(new Set(CATALOGUE.map((e) => e.path)).size, CATALOGUE.length);
  });

  it('equipment: created, updated (not for the QR write-back), qr_ready, deleted', () => {
    const item = { name: 'Cam', category: 'CAMERA', qrCodeGenerated: false };
    assert.deepEqual(types('Equipment', change(null, item)), ['equipment.created']);
    assert.deepEqual(types('Equipment', change(item, { ...item, name: 'Cam 2' })), [
      'equipment.updated',
    ]);
    assert.deepEqual(
      types(
        'Equipment',
        change(item, { ...item, qrCodeGenerated: true, qrCodeUrl: 'u', qrStatus: 'ready' }),
      ),
      ['equipment.qr_ready'],
    );
    assert.deepEqual(types('Equipment', change(item, null)), ['equipment.deleted']);
  });

  it('people: members, keys (never the hash), invitations are admins’ events', () => {
    assert.deepEqual(types('Members', change(null, { role: 'editor', addedBy: 'u' })), [
      'member.added',
    ]);
    assert.deepEqual(types('Members', change({ role: 'editor' }, { role: 'admin' })), [
      'member.role_changed',
    ]);
    assert.deepEqual(types('Members', change({ role: 'editor' }, null)), ['member.removed']);
    const key = entryNamed('ApiKeys').derive(
      change(null, { name: 'ci', role: 'editor', hash: 'h' }),
    );
    assert.deepEqual(
      key.map((e) => e.type),
      ['api_key.created'],
    );
    assert.ok(!('hash' in (key[0].data ?? {})));
    assert.deepEqual(types('ApiKeys', change({ lastUsedAt: 1 }, { lastUsedAt: 2 })), []);
    assert.deepEqual(types('ApiKeys', change({ name: 'ci' }, null)), ['api_key.revoked']);
    assert.deepEqual(types('Invitations', change({ status: 'pending' }, { status: 'accepted' })), [
      'invitation.accepted',
    ]);
    for (const name of ['Members', 'ApiKeys', 'Invitations', 'Webhooks'])
      assert.equal(entryNamed(name).audience, 'admins');
  });

  it('codes and manufacturing: tag assigned/unassigned, qr_code.expired, case_packed', () => {
    assert.deepEqual(
      types('Tags', change({ code: 'T', assetId: null }, { code: 'T', assetId: 'A' })),
      ['tag.assigned'],
    );
    assert.deepEqual(types('Tags', change({ assetId: 'A' }, { assetId: null })), [
      'tag.unassigned',
    ]);
    assert.deepEqual(types('Tags', change(null, { code: 'T', assetId: null })), []);
    assert.deepEqual(types('QrCodes', change({ expiresAt: '2026-01-01T00:00:00.000Z' }, null)), [
      'qr_code.expired',
    ]);
    assert.deepEqual(types('QrCodes', change({ expiresAt: '2027-01-01T00:00:00.000Z' }, null)), [
      'qr_code.deleted',
    ]);
    const packed = entryNamed('Masters').derive(
      change({ actualUnits: 2 }, { actualUnits: 5, orderId: 'O' }),
    );
    assert.equal(packed[0].type, 'manufacturing.case_packed');
    assert.equal(packed[0].data?.added, 3);
  });

  it('custody, stock, audits and scans by the field names of issues 20, 21 and 22', () => {
    assert.deepEqual(types('Checkouts', change(null, { status: 'open', assetIds: ['A'] })), [
      'custody.checked_out',
    ]);
    assert.deepEqual(types('Checkouts', change({ status: 'open' }, { status: 'returned' })), [
      'custody.checked_in',
    ]);
    assert.deepEqual(types('Checkouts', change({ status: 'open' }, { status: 'overdue' })), [
      'custody.overdue',
    ]);
    assert.deepEqual(types('Bookings', change(null, { status: 'reserved' })), ['booking.created']);
    assert.deepEqual(types('Bookings', change({ status: 'reserved' }, { status: 'overdue' })), [
      'booking.overdue',
    ]);
    assert.deepEqual(
      types(
        'StockItems',
        change({ quantityOnHand: 6, reorderPoint: 5 }, { quantityOnHand: 4, reorderPoint: 5 }),
      ),
      ['stock.low'],
    );
    // Still low: no second stock.low.
    assert.deepEqual(
      types(
        'StockItems',
        change({ quantityOnHand: 4, reorderPoint: 5 }, { quantityOnHand: 3, reorderPoint: 5 }),
      ),
      [],
    );
    const move = entryNamed('StockMovements').derive(
      change(null, { delta: -2, reason: 'used' }, { sku: 'SKU1' }),
    );
    assert.deepEqual(
      move.map((e) => [e.type, e.subject]),
      [['stock.movement', { kind: 'stock_item', id: 'SKU1' }]],
    );
    assert.deepEqual(types('Reorders', change({ status: 'ordered' }, { status: 'received' })), [
      'reorder.received',
    ]);
    assert.deepEqual(types('Audits', change({ status: 'open' }, { status: 'completed' })), [
      'audit.completed',
    ]);
    assert.deepEqual(types('ScanEvents', change(null, { type: 'seen', code: 'C', by: 'u' })), [
      'scan.recorded',
    ]);
  });

  it('stock and audit entries read the fields data/ writes: by, completedBy, system drafts', () => {
    const [move] = buildEvents(
      entryNamed('StockMovements'),
      'o',
      'p',
      'v',
      change(
        null,
        { reason: 'used', delta: -2, before: 5, after: 3, by: 'apiKey:k1' },
        { sku: 'S' },
      ),
    );
    assert.deepEqual([move.actor, move.via], [{ kind: 'apiKey', id: 'k1' }, 'api']);
    assert.deepEqual([move.data.before, move.data.after], [5, 3]);
    const [draft] = buildEvents(
      entryNamed('Reorders'),
      'o',
      'p',
      'v',
      change(null, { status: 'draft', source: 'low_stock', by: 'system:low-stock' }),
    );
    assert.deepEqual([draft.actor, draft.via], [{ kind: 'system', id: 'low-stock' }, 'trigger']);
    const [completed] = buildEvents(
      entryNamed('Audits'),
      'o',
      'p',
      'v',
      change(
        { status: 'completing', completion: { moved: 0 } },
        { status: 'completed', completedBy: 'u1', completion: { moved: 2, lastAudited: 5 } },
      ),
    );
    assert.deepEqual(
      [completed.type, completed.actor],
      ['audit.completed', { kind: 'user', id: 'u1' }],
    );
    assert.deepEqual([completed.data.moved, completed.data.lastAudited], [2, 5]);
    // A movement's quantity write on its item is no stock.item.updated.
    assert.deepEqual(
      types(
        'StockItems',
        change(
          { quantityOnHand: 9, movementCount: 1, lowStock: false, reorderPoint: 2 },
          { quantityOnHand: 8, movementCount: 2, lowStock: false, reorderPoint: 2 },
        ),
      ),
      [],
    );
  });

  it('scan events: a client app’s are the client’s, the bulk route’s are via api', () => {
    const entry = entryNamed('ScanEvents');
    const [fromApp] = buildEvents(
      entry,
      'o',
      'p',
      'v',
      change(null, { type: 'seen', code: 'C', by: 'u1' }),
    );
    assert.deepEqual([fromApp.actor, fromApp.via], [{ kind: 'client', id: 'u1' }, 'client']);
    const [bulk] = buildEvents(
      entry,
      'o',
      'p',
      'v',
      change(null, { type: 'seen', code: 'C', by: 'u1', source: 'api' }),
    );
    assert.deepEqual([bulk.actor, bulk.via], [{ kind: 'user', id: 'u1' }, 'api']);
  });

  it('webhook.disabled when the system switches a webhook off with a reason', () => {
    assert.deepEqual(
      types(
        'Webhooks',
        change({ active: true, url: 'u' }, { active: false, url: 'u', disabledReason: 'gone' }),
      ),
      ['webhook.disabled'],
    );
    assert.deepEqual(
      types(
        'Webhooks',
        change({ active: true, failingSince: null }, { active: true, failingSince: 'x' }),
      ),
      [],
    );
  });

  it('exports a CSV line with formulas neutralised', () => {
    const [event] = buildEvents(
      entryNamed('Equipment'),
      'o',
      'p',
      'v',
      change(null, { name: '=HYPERLINK("x")', category: 'CAMERA' }),
    );
    const line = activityCsvRow(event);
    assert.ok(line.endsWith('\r\n'));
    assert.ok(!line.includes(',=HYPERLINK'), line);
  });
});

describe('webhooks (domain): Standard Webhooks signatures', () => {
  const body = JSON.stringify({ type: 'equipment.created', id: 'e1' });

  it('verifies with the standardwebhooks package, and fails with another secret', () => {
    const secret = newSecret();
    const ts = Math.floor(Date.now() / 1000);
    const headers = signedHeaders([secret], 'msg_1', ts, body);
    assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
    assert.throws(() => new Webhook(newSecret()).verify(body, headers));
    assert.throws(() => new Webhook(secret).verify(`${body} `, headers));
  });

  it('signs with both secrets during a rotation: each verifies', () => {
    const [current, previous] = [newSecret(), newSecret()];
    const headers = signedHeaders(
      [current, previous],
      'msg_2',
      Math.floor(Date.now() / 1000),
      body,
    );
    assert.equal(headers['webhook-signature'].split(' ').length, 2);
    new Webhook(current).verify(body, headers);
    new Webhook(previous).verify(body, headers);
  });
});

describe('webhooks (domain): retries, batches, disabling', () => {
  it('retries 5xx, 429, 408 and no answer; not other 4xx; 410 is gone', () => {
    assert.equal(classify(200).kind, 'delivered');
    assert.equal(classify(204).kind, 'delivered');
    assert.deepEqual(classify(410), { kind: 'rejected', gone: true });
    assert.deepEqual(classify(400), { kind: 'rejected', gone: false });
    assert.deepEqual(classify(404), { kind: 'rejected', gone: false });
    for (const status of [500, 503, 429, 408, 0, 302])
      assert.equal(classify(status).kind, 'retry', String(status));
    assert.deepEqual(classify(503, '7'), { kind: 'retry', retryAfterSeconds: 7 });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-08T10:00:00Z');
    assert.equal(retryAfterSeconds('120', now), 120);
    assert.equal(retryAfterSeconds('Tue, 08 Dec 2026 10:01:00 GMT', now), 60);
    assert.equal(retryAfterSeconds('soon', now), undefined);
    assert.equal(retryAfterSeconds(undefined, now), undefined);
  });

  it('backs off exponentially, at least as long as Retry-After, at most an hour', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((a) => retryDelaySeconds(a, 30)),
      [30, 60, 120, 240],
    );
    assert.equal(retryDelaySeconds(1, 30, 300), 300);
    assert.equal(retryDelaySeconds(20, 30), 3600);
    assert.equal(retryDelaySeconds(1, 30, 99_999), 3600);
  });

  it('retries for 24 hours; disables after 3 days of failure', () => {
    assert.ok(mayRetry(0, RETRY_FOR_MS));
    assert.ok(!mayRetry(0, RETRY_FOR_MS + 1));
    assert.ok(!shouldDisable(null, Date.now()));
    assert.ok(!shouldDisable(0, DISABLE_AFTER_MS - 1));
    assert.ok(shouldDisable(0, DISABLE_AFTER_MS));
  });

  it('sends one event as itself, several as a batch', () => {
    assert.deepEqual(JSON.parse(messageBody([{ id: 'a' }])), { id: 'a' });
    assert.deepEqual(JSON.parse(messageBody([{ id: 'a' }, { id: 'b' }])), {
      type: 'batch',
      events: [{ id: 'a' }, { id: 'b' }],
    });
  });

  it('puts changes of one window into one task; the rest of a window follows', () => {
    const a = batchWindow(10_000, 2);
    const b = batchWindow(11_999, 2);
    assert.equal(a.key, b.key);
    assert.notEqual(batchWindow(12_000, 2).key, a.key);
    assert.ok(a.delaySeconds >= 1 && a.delaySeconds <= 3);
    assert.equal(continuationId('w5'), 'w5-1');
    assert.equal(continuationId('w5-1'), 'w5-2');
  });

  it('checks URLs and subscriptions in words', () => {
    assert.equal(urlProblem('https://example.com/hook'), undefined);
    assert.match(urlProblem('ftp://x') ?? '', /http/);
    assert.match(urlProblem('https://u:p@x.com') ?? '', /password/);
    assert.match(urlProblem('not a url') ?? '', /not a URL/);
    assert.match(eventsProblem([]) ?? '', /at least one/);
    assert.match(eventsProblem(['custody']) ?? '', /"custody"/);
    assert.equal(eventsProblem(['custody.*', 'equipment.created']), undefined);
  });
});
