// The scan ledger through the local stack: events written by the real client SDK (online and
// offline) and by the bulk API are applied exactly once by the trigger or the route; late
// moves never move an item back; a checkout refused because the item went out meanwhile says
// so on the event; the time window; the bulk route's limits; notSeenSince.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { assertFails, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import firebase from 'firebase/compat/app';
import functionsTest from 'firebase-functions-test';
import { FieldValue, Timestamp } from 'firebase-admin/firestore';
import type { SignedIn } from 'emulator';
import { db } from '../src/data/firebase';
import { scanEventCreated } from '../src/triggers/scanEventsCreated';
import { codeKey } from '../src/domain/tagCodes';
import { addMember, call, createOrg, newUser, unique } from './support/api';
import { upload } from './support/equipment';
import {
  clientEnvironment,
  codeOf,
  ledgerOrg,
  resultOf,
  seedItems,
  sendEvents,
  undeliveredEvent,
  type LedgerOrg,
} from './support/ledger';
import { backfillSeenOrCreated } from '../src/data/seenOrCreated';
import { waitFor } from './support/wait';

const item = (orgId: string, assetId: string) =>
  db().doc(`organizations/${orgId}/equipment/${assetId}`);

describe('scan ledger', function () {
  this.timeout(120_000);
  let env: RulesTestEnvironment;
  let org: LedgerOrg;
  let orgId: string;

  before(async () => {
    env = await clientEnvironment();
    org = await ledgerOrg();
    orgId = org.orgId;
    await seedItems(orgId, [
      { assetId: 'CAM-1', locationId: 'store' },
      { assetId: 'CAM-2', locationId: 'store' },
      { assetId: 'CAM-3', locationId: 'store' },
      { assetId: 'CAM-4', locationId: 'store' },
      { assetId: 'OLD-1', locationId: 'store' },
      ...Array.from({ length: 6 }, (_, k) => ({ assetId: `OFF-${k}`, locationId: 'store' })),
    ]);
  });

  after(async () => {
    await env?.cleanup();
  });

  /** The client SDK of a member, as a phone app would have it. */
  const app = (uid: string) => env.authenticatedContext(uid).firestore();
  const now = () => firebase.firestore.FieldValue.serverTimestamp();
  const clientEvent = (
    uid: string,
    fields: Record<string, unknown>,
    scannedAt = new Date(),
  ): Record<string, unknown> => ({
    scannedAt: firebase.firestore.Timestamp.fromDate(scannedAt),
    by: uid,
    createdAt: now(),
    ...fields,
  });

  it('a seen event written by a client app is applied once and gets its result', async () => {
    const scanId = randomUUID();
    const ref = app(org.viewer.uid).doc(`organizations/${orgId}/scanEvents/${scanId}`);
    const at = new Date(Date.now() - 60_000);
    await ref.set(
      clientEvent(org.viewer.uid, { type: 'seen', code: codeOf('CAM-1'), locationId: 'room' }, at),
    );
    const result = await resultOf(orgId, scanId);
    assert.equal(result.status, 'applied');
    assert.equal(result.itemId, 'CAM-1');
    const data = (await item(orgId, 'CAM-1').get()).data()!;
    assert.equal((data.lastSeenAt as Timestamp).toMillis(), at.getTime());
    assert.equal(data.lastSeenLocationId, 'room');
    assert.equal(data.lastSeenBy, org.viewer.uid);
    // `seen` records where it was seen; it does not move the item.
    assert.equal(data.locationId, 'store');

    // The same id written again is refused by the rules (no client updates an event) ...
    await assertFails(
      ref.set(clientEvent(org.viewer.uid, { type: 'seen', code: codeOf('CAM-1') }, new Date())),
    );
    // ... and sent again through the API it is a duplicate that changes nothing.
    const [again] = await sendEvents(orgId, org.viewer.idToken, [
      { scanId, type: 'seen', code: codeOf('CAM-1'), scannedAt: new Date().toISOString() },
    ]);
    assert.equal(again.status, 'duplicate');
    assert.equal(again.reason, 'already_received');
    assert.equal(again.itemId, 'CAM-1');
    const after = (await item(orgId, 'CAM-1').get()).data()!;
    assert.equal((after.lastSeenAt as Timestamp).toMillis(), at.getTime());
    const stored = await resultOf(orgId, scanId);
    assert.equal(stored.appliedAt?.toMillis(), result.appliedAt?.toMillis());
  });

  it('events written while the client is offline are all applied after it reconnects', async () => {
    const phone = app(org.viewer.uid);
    await phone.disableNetwork();
    const ids: string[] = Array.from({ length: 6 }, () => randomUUID());
    // Offline, a write resolves only once the server has it: the promises are kept for later.
    const writes = ids.map((scanId, k) =>
      phone
        .doc(`organizations/${orgId}/scanEvents/${scanId}`)
        .set(clientEvent(org.viewer.uid, { type: 'seen', code: codeOf(`OFF-${k}`) })),
    );
    // The local cache has them already (what the app shows as "not synced yet").
    const local = await phone
      .collection(`organizations/${orgId}/scanEvents`)
      .where('by', '==', org.viewer.uid)
      .get({ source: 'cache' });
    assert.ok(local.docs.filter((d) => ids.includes(d.id)).length === 6);
    for (const scanId of ids) {
      assert.equal(
        (await db().doc(`organizations/${orgId}/scanEvents/${scanId}`).get()).exists,
        false,
      );
    }
    await phone.enableNetwork();
    await Promise.all(writes);
    for (const [k, scanId] of ids.entries()) {
      const result = await resultOf(orgId, scanId);
      assert.equal(result.status, 'applied', scanId);
      assert.equal(result.itemId, `OFF-${k}`);
    }
  });

  it('a move synced late does not move the item back', async () => {
    const newer = new Date(Date.now() - 60_000);
    const older = new Date(Date.now() - 3_600_000);
    const [first] = await sendEvents(orgId, org.editor.idToken, [
      {
        scanId: randomUUID(),
        type: 'move',
        code: codeOf('CAM-2'),
        locationId: 'room',
        scannedAt: newer.toISOString(),
      },
    ]);
    assert.equal(first.status, 'applied');
    // The older scan, made an hour earlier on a phone that was offline, arrives now.
    const scanId = randomUUID();
    await app(org.editor.uid)
      .doc(`organizations/${orgId}/scanEvents/${scanId}`)
      .set(
        clientEvent(
          org.editor.uid,
          { type: 'move', code: codeOf('CAM-2'), locationId: 'store' },
          older,
        ),
      );
    const late = await resultOf(orgId, scanId);
    assert.equal(late.status, 'refused');
    assert.equal(late.reason, 'superseded');
    const data = (await item(orgId, 'CAM-2').get()).data()!;
    assert.equal(data.locationId, 'room');
    assert.equal(data.lastSeenLocationId, 'room');
    assert.equal((data.lastSeenAt as Timestamp).toMillis(), newer.getTime());
  });

  it('a move to a location that does not exist or is inactive is refused with the reason', async () => {
    const results = await sendEvents(orgId, org.editor.idToken, [
      {
        scanId: randomUUID(),
        type: 'move',
        code: codeOf('CAM-3'),
        locationId: 'nowhere',
        scannedAt: new Date().toISOString(),
      },
      {
        scanId: randomUUID(),
        type: 'move',
        code: codeOf('CAM-4'),
        locationId: 'closed',
        scannedAt: new Date().toISOString(),
      },
      {
        scanId: randomUUID(),
        type: 'seen',
        code: 'NOT-A-CODE',
        scannedAt: new Date().toISOString(),
      },
    ]);
    assert.deepEqual(
      results.map((r) => [r.status, r.reason]),
      [
        ['refused', 'location_not_found'],
        ['refused', 'location_inactive'],
        ['refused', 'unknown_code'],
      ],
    );
    assert.equal((await item(orgId, 'CAM-3').get()).get('locationId'), 'store');
  });

  it('a checkout event is refused, with the reason on the event, when the item went out meanwhile', async () => {
    const [out] = await sendEvents(orgId, org.editor.idToken, [
      {
        scanId: randomUUID(),
        type: 'checkout',
        code: codeOf('CAM-3'),
        custodian: { name: 'Ana' },
        scannedAt: new Date().toISOString(),
      },
    ]);
    assert.equal(out.status, 'applied', JSON.stringify(out));
    assert.equal((await item(orgId, 'CAM-3').get()).get('status'), 'checked_out');
    // A phone that scanned the same item offline syncs its own checkout afterwards.
    const scanId = randomUUID();
    await app(org.editor.uid)
      .doc(`organizations/${orgId}/scanEvents/${scanId}`)
      .set(
        clientEvent(
          org.editor.uid,
          { type: 'checkout', code: codeOf('CAM-3') },
          new Date(Date.now() - 120_000),
        ),
      );
    const refused = await resultOf(orgId, scanId);
    assert.equal(refused.status, 'refused');
    assert.equal(refused.reason, 'checked_out');
    assert.equal(refused.message, 'item is checked out to Ana');
    assert.equal(refused.itemId, 'CAM-3');

    // Checked in by a scan, then a second check-in of it is reported as not checked out.
    const [back, twice] = await sendEvents(orgId, org.editor.idToken, [
      {
        scanId: randomUUID(),
        type: 'checkin',
        code: codeOf('CAM-3'),
        scannedAt: new Date().toISOString(),
      },
      {
        scanId: randomUUID(),
        type: 'checkin',
        code: codeOf('CAM-3'),
        scannedAt: new Date(Date.now() + 1000).toISOString(),
      },
    ]);
    assert.equal(back.status, 'applied');
    assert.equal(twice.status, 'refused');
    assert.equal(twice.reason, 'not_checked_out');
    assert.equal((await item(orgId, 'CAM-3').get()).get('status'), 'available');
  });

  it('refuses events scanned too long ago or in the future, as the params say', async () => {
    const day = 86_400_000;
    const results = await sendEvents(orgId, org.viewer.idToken, [
      {
        scanId: randomUUID(),
        type: 'seen',
        code: codeOf('OLD-1'),
        scannedAt: new Date(Date.now() - 31 * day).toISOString(),
      },
      {
        scanId: randomUUID(),
        type: 'seen',
        code: codeOf('OLD-1'),
        scannedAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
      {
        scanId: randomUUID(),
        type: 'seen',
        code: codeOf('OLD-1'),
        scannedAt: new Date(Date.now() - 29 * day).toISOString(),
      },
    ]);
    assert.deepEqual(
      results.map((r) => [r.status, r.reason]),
      [
        ['refused', 'too_old'],
        ['refused', 'in_future'],
        ['applied', undefined],
      ],
    );
  });

  it('the bulk route: 500 events are fine, 501 a 400; a bad event is refused alone; roles per type', async () => {
    const event = (k: number) => ({
      scanId: `bulk-${k}-${randomUUID()}`,
      type: 'seen',
      code: 'NOT-A-CODE',
      scannedAt: new Date().toISOString(),
    });
    const many = await call('POST', `/v1/orgs/${orgId}/scan-events`, {
      token: org.viewer.idToken,
      body: { events: Array.from({ length: 501 }, (_, k) => event(k)) },
    });
    assert.equal(many.status, 400);
    assert.match(JSON.stringify(many.body), /1 to 500/);
    const five = await sendEvents(
      orgId,
      org.viewer.idToken,
      Array.from({ length: 500 }, (_, k) => event(k)),
    );
    assert.equal(five.length, 500);
    assert.ok(five.every((r) => r.reason === 'unknown_code'));

    const mixed = await sendEvents(orgId, org.viewer.idToken, [
      {
        scanId: randomUUID(),
        type: 'seen',
        code: codeOf('CAM-4'),
        scannedAt: new Date().toISOString(),
      },
      { scanId: 'bad/id', type: 'teleport', code: '', scannedAt: 'yesterday' },
      {
        scanId: randomUUID(),
        type: 'move',
        code: codeOf('CAM-4'),
        locationId: 'room',
        scannedAt: new Date().toISOString(),
      },
    ]);
    assert.equal(mixed[0].status, 'applied');
    assert.equal(mixed[1].status, 'refused');
    assert.equal(mixed[1].reason, 'invalid_event');
    const fields = (mixed[1].errors as Array<{ field: string }>).map((e) => e.field).sort();
    assert.deepEqual(fields, [
      'events[1].code',
      'events[1].scanId',
      'events[1].scannedAt',
      'events[1].type',
    ]);
    // A viewer may report a sighting but not move an item.
    assert.equal(mixed[2].status, 'refused');
    assert.equal(mixed[2].reason, 'permission_denied');
    assert.equal((await item(orgId, 'CAM-4').get()).get('locationId'), 'store');

    const outsider = await call('POST', `/v1/orgs/${orgId}/scan-events`, {
      token: (await ledgerOrg()).owner.idToken,
      body: { events: [event(0)] },
    });
    assert.equal(outsider.status, 403);
  });

  it('self-service: a viewer checks an item out and in for themselves from the client SDK', async () => {
    const patch = await call('PATCH', `/v1/orgs/${orgId}`, {
      token: org.owner.idToken,
      body: { selfServiceCheckout: true },
    });
    assert.equal(patch.status, 200, JSON.stringify(patch.body));
    const phone = app(org.viewer.uid);
    const out = randomUUID();
    await phone
      .doc(`organizations/${orgId}/scanEvents/${out}`)
      .set(clientEvent(org.viewer.uid, { type: 'checkout', code: codeOf('CAM-4') }));
    assert.equal((await resultOf(orgId, out)).status, 'applied');
    const custody = (await item(orgId, 'CAM-4').get()).get('custody');
    assert.deepEqual(custody.custodian, { uid: org.viewer.uid });
    assert.equal(custody.checkoutId, out);
    const back = randomUUID();
    await phone
      .doc(`organizations/${orgId}/scanEvents/${back}`)
      .set(clientEvent(org.viewer.uid, { type: 'checkin', code: codeOf('CAM-4') }));
    assert.equal((await resultOf(orgId, back)).status, 'applied');
    assert.equal((await item(orgId, 'CAM-4').get()).get('status'), 'available');
    await call('PATCH', `/v1/orgs/${orgId}`, {
      token: org.owner.idToken,
      body: { selfServiceCheckout: false },
    });
  });

  it('the daily scan-event quota: the bulk route answers 429, a client event is refused', async () => {
    const small = await ledgerOrg();
    await seedItems(small.orgId, [{ assetId: 'Q-1', locationId: 'room' }]);
    await db().doc(`quotaOverrides/${small.orgId}`).set({ items: 0, scanEventsPerDay: 2 });
    const event = () => ({
      scanId: randomUUID(),
      type: 'seen',
      code: codeOf('Q-1'),
      scannedAt: new Date().toISOString(),
    });
    const over = await call<{ error: { code: string; details: { quota: string } } }>(
      'POST',
      `/v1/orgs/${small.orgId}/scan-events`,
      { token: small.viewer.idToken, body: { events: [event(), event(), event()] } },
    );
    assert.equal(over.status, 429);
    assert.equal(over.body.error.details.quota, 'scanEventsPerDay');
    // Two fit the day's limit of 2 (an unknown code is spent too: the event was applied).
    const fits = await sendEvents(small.orgId, small.viewer.idToken, [
      event(),
      { ...event(), code: 'NOPE' },
    ]);
    assert.deepEqual(
      fits.map((r) => [r.status, r.reason]),
      [
        ['applied', undefined],
        ['refused', 'unknown_code'],
      ],
    );
    const scanId = randomUUID();
    await app(small.viewer.uid)
      .doc(`organizations/${small.orgId}/scanEvents/${scanId}`)
      .set(clientEvent(small.viewer.uid, { type: 'seen', code: codeOf('Q-1') }));
    const refused = await resultOf(small.orgId, scanId);
    assert.equal(refused.status, 'refused');
    assert.equal(refused.reason, 'quota_exceeded');
  });

  it('GET equipment?notSeenSince lists items last seen before the time, oldest first', async () => {
    const long = new Date(Date.now() - 20 * 86_400_000);
    const longer = new Date(Date.now() - 25 * 86_400_000);
    await sendEvents(orgId, org.viewer.idToken, [
      { scanId: randomUUID(), type: 'seen', code: codeOf('OFF-4'), scannedAt: long.toISOString() },
    ]);
    // OFF-4 was seen just now by the offline test: an older scan changes nothing. OFF-5 below
    // is made old by hand, as if its last scan had been long ago.
    // (The list sorts by seenOrCreatedAt, which the ledger keeps equal to lastSeenAt.)
    const seenAt = (at: Date) => ({
      lastSeenAt: Timestamp.fromDate(at),
      seenOrCreatedAt: Timestamp.fromDate(at),
    });
    await item(orgId, 'OFF-5').update(seenAt(longer));
    await item(orgId, 'OLD-1').update(seenAt(long));
    const since = new Date(Date.now() - 10 * 86_400_000).toISOString();
    const page = await call<{
      equipment: Array<{ assetId: string; lastSeenAt: string }>;
      nextPageToken: string | null;
    }>('GET', `/v1/orgs/${orgId}/equipment?notSeenSince=${encodeURIComponent(since)}&limit=1`, {
      token: org.viewer.idToken,
    });
    assert.equal(page.status, 200);
    assert.deepEqual(
      page.body.equipment.map((e) => e.assetId),
      ['OFF-5'],
    );
    assert.equal(page.body.equipment[0].lastSeenAt, longer.toISOString());
    const next = await call<{
      equipment: Array<{ assetId: string }>;
      nextPageToken: string | null;
    }>(
      'GET',
      `/v1/orgs/${orgId}/equipment?notSeenSince=${encodeURIComponent(since)}&limit=1&pageToken=${page.body.nextPageToken}`,
      { token: org.viewer.idToken },
    );
    assert.deepEqual(
      next.body.equipment.map((e) => e.assetId),
      ['OLD-1'],
    );
    assert.equal(next.body.nextPageToken, null);
    const filtered = await call<{ equipment: Array<{ assetId: string }> }>(
      'GET',
      `/v1/orgs/${orgId}/equipment?notSeenSince=${encodeURIComponent(since)}&locationId=store&category=camera`,
      { token: org.viewer.idToken },
    );
    assert.equal(filtered.status, 200);
    assert.deepEqual(
      filtered.body.equipment.map((e) => e.assetId),
      ['OFF-5', 'OLD-1'],
    );
    const bad = await call('GET', `/v1/orgs/${orgId}/equipment?notSeenSince=last-month`, {
      token: org.viewer.idToken,
    });
    assert.equal(bad.status, 400);
  });
});

// Issue 22's stocktake list also finds the items nobody ever scanned: created before the time,
// whoever wrote them (API, CSV upload, client app), sorted with the seen ones by seenOrCreatedAt.
describe('GET equipment?notSeenSince with never-seen items', function () {
  this.timeout(120_000);
  let env: RulesTestEnvironment;
  let orgId: string;
  let editor: SignedIn;
  let viewer: SignedIn;
  const day = 86_400_000;
  const ago = (days: number) => new Date(Date.now() - days * day);

  before(async () => {
    env = await clientEnvironment();
    const owner = await newUser('owner');
    [editor, viewer] = await Promise.all([newUser('editor'), newUser('viewer')]);
    orgId = await createOrg(owner, 'Stocktake org');
    await addMember(orgId, owner, editor, 'editor');
    await addMember(orgId, owner, viewer, 'viewer');
    const batch = db().batch();
    for (const id of ['store', 'room']) {
      batch.set(db().doc(`organizations/${orgId}/locations/${id}`), {
        name: id,
        nameKey: id,
        active: true,
      });
    }
    await batch.commit();
  });

  after(async () => {
    await env?.cleanup();
  });

  const sortField = async (assetId: string) =>
    (await item(orgId, assetId).get()).get('seenOrCreatedAt') as Timestamp | undefined;

  /** An item made through the API; its sort field is its createdAt from the start. */
  const viaApi = async (category: string, locationId: string): Promise<string> => {
    const made = await call<{ assetId: string }>('POST', `/v1/orgs/${orgId}/equipment`, {
      token: editor.idToken,
      body: { name: 'Thing', category, locationId },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const data = (await item(orgId, made.body.assetId).get()).data()!;
    assert.equal(
      (data.seenOrCreatedAt as Timestamp).toMillis(),
      (data.createdAt as Timestamp).toMillis(),
    );
    return made.body.assetId;
  };
  /** As if the item had been created `days` ago (and never seen since). */
  const madeAgo = (assetId: string, days: number) =>
    item(orgId, assetId).update({
      createdAt: Timestamp.fromDate(ago(days)),
      seenOrCreatedAt: Timestamp.fromDate(ago(days)),
    });
  /** A scan code for an API item, as an imported label would give it. */
  const label = async (assetId: string): Promise<string> => {
    const code = `LBL-${assetId}`;
    await db()
      .doc(`organizations/${orgId}/tags/${codeKey(code)}`)
      .set({
        code,
        kind: 'imported',
        assetId,
      });
    return code;
  };
  const list = async (query: string) => {
    const reply = await call<{
      equipment: Array<{ assetId: string; lastSeenAt: string | null }>;
      nextPageToken: string | null;
    }>('GET', `/v1/orgs/${orgId}/equipment?${query}`, { token: viewer.idToken });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return reply.body;
  };
  /** Every page of a listing, `limit` items a page. */
  const allPages = async (query: string, limit: number) => {
    const items: Array<{ assetId: string; lastSeenAt: string | null }> = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page = await list(
        `${query}&limit=${limit}${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`,
      );
      assert.ok(page.equipment.length <= limit);
      items.push(...page.equipment);
      token = page.nextPageToken;
      pages += 1;
    } while (token && pages < 20);
    return { items, pages };
  };

  it('lists never-seen items created before the time and items seen before it, oldest first, paged and filtered', async () => {
    const apiOld = await viaApi('CAMERA', 'store');
    await madeAgo(apiOld, 40);
    const apiNew = await viaApi('CAMERA', 'store');

    const csvId = unique('CSV');
    const csv = await upload(
      orgId,
      editor.idToken,
      `assetId,name,category,location\n${csvId},Mic,CAMERA,store\n`,
    );
    assert.equal(csv.status, 200, JSON.stringify(csv.body));
    const csvData = (await item(orgId, csvId).get()).data()!;
    assert.equal(
      (csvData.seenOrCreatedAt as Timestamp).toMillis(),
      (csvData.createdAt as Timestamp).toMillis(),
    );
    await madeAgo(csvId, 39);

    // A client app writes the item itself (no sort field: the rules allow none); the create
    // trigger gives it its createdAt.
    const clientId = unique('APP');
    await env
      .authenticatedContext(editor.uid)
      .firestore()
      .doc(`organizations/${orgId}/equipment/${clientId}`)
      .set({
        name: 'Tripod',
        category: 'CAMERA',
        locationId: 'store',
        createdBy: editor.uid,
        createdAt: firebase.firestore.FieldValue.serverTimestamp(),
        updatedAt: firebase.firestore.FieldValue.serverTimestamp(),
        source: 'client',
      });
    const clientSort = await waitFor(() => sortField(clientId));
    const clientCreated = (await item(orgId, clientId).get()).get('createdAt') as Timestamp;
    assert.equal(clientSort.toMillis(), clientCreated.toMillis());
    await madeAgo(clientId, 38);

    const audioOld = await viaApi('AUDIO', 'store');
    await madeAgo(audioOld, 37);
    const roomOld = await viaApi('CAMERA', 'room');
    await madeAgo(roomOld, 36);

    // Created long ago and seen just now: the scan moves it out of the list.
    const seenNow = await viaApi('CAMERA', 'store');
    await madeAgo(seenNow, 50);
    // Created long ago and last seen 20 days ago: in the list, by its sighting.
    const seenLongAgo = await viaApi('CAMERA', 'store');
    await madeAgo(seenLongAgo, 60);
    const seenAt = ago(20);
    const results = await sendEvents(orgId, viewer.idToken, [
      {
        scanId: randomUUID(),
        type: 'seen',
        code: await label(seenNow),
        scannedAt: new Date().toISOString(),
      },
      {
        scanId: randomUUID(),
        type: 'seen',
        code: await label(seenLongAgo),
        scannedAt: seenAt.toISOString(),
      },
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['applied', 'applied'],
    );
    assert.equal((await sortField(seenLongAgo))!.toMillis(), seenAt.getTime());
    assert.ok((await sortField(seenNow))!.toMillis() > ago(1).getTime());

    const since = `notSeenSince=${encodeURIComponent(ago(10).toISOString())}`;
    const all = await allPages(since, 2);
    assert.deepEqual(
      all.items.map((e) => e.assetId),
      [apiOld, csvId, clientId, audioOld, roomOld, seenLongAgo],
    );
    assert.equal(all.pages, 3);
    assert.ok(!all.items.some((e) => e.assetId === apiNew || e.assetId === seenNow));
    // Never seen: lastSeenAt null in the reply; seen: when.
    assert.deepEqual(
      all.items.map((e) => e.lastSeenAt),
      [null, null, null, null, null, seenAt.toISOString()],
    );

    const cameraStore = await allPages(`${since}&category=camera&locationId=store`, 1);
    assert.deepEqual(
      cameraStore.items.map((e) => e.assetId),
      [apiOld, csvId, clientId, seenLongAgo],
    );
    const cameras = await allPages(`${since}&category=camera`, 10);
    assert.deepEqual(
      cameras.items.map((e) => e.assetId),
      [apiOld, csvId, clientId, roomOld, seenLongAgo],
    );
    const room = await list(`${since}&locationId=room`);
    assert.deepEqual(
      room.equipment.map((e) => e.assetId),
      [roomOld],
    );
    // A page token of one filter is refused with another.
    const first = await list(`${since}&category=camera&limit=1`);
    const mixed = await call(
      'GET',
      `/v1/orgs/${orgId}/equipment?${since}&category=audio&pageToken=${encodeURIComponent(first.nextPageToken!)}`,
      { token: viewer.idToken },
    );
    assert.equal(mixed.status, 400);
  });

  it('items from before the sort field are given it by a one-off backfill on the first list', async () => {
    const org = await ledgerOrg();
    const ids = ['NEVER-OLD', 'SEEN-OLD', 'NEVER-NEW', 'SEEN-NEW'];
    const ref = (id: string) => db().doc(`organizations/${org.orgId}/equipment/${id}`);
    // Written as a client app would (so the create trigger, past this org's item quota, marks
    // them `refused` and renders nothing). Let that write-back finish, then take the field away
    // again, as on items written before it existed.
    for (const id of ids) {
      await ref(id).set({
        name: id,
        category: 'CAMERA',
        locationId: 'store',
        createdBy: org.editor.uid,
        createdAt: Timestamp.now(),
        updatedAt: Timestamp.now(),
        source: 'client',
      });
    }
    for (const id of ids) {
      await waitFor(async () => (await ref(id).get()).get('qrStatus') === 'refused');
    }
    const del = FieldValue.delete();
    const old = Timestamp.fromDate(ago(40));
    await ref('NEVER-OLD').update({ createdAt: old, seenOrCreatedAt: del });
    await ref('SEEN-OLD').update({
      createdAt: old,
      lastSeenAt: Timestamp.fromDate(ago(20)),
      seenOrCreatedAt: del,
    });
    await ref('NEVER-NEW').update({ seenOrCreatedAt: del });
    await ref('SEEN-NEW').update({
      createdAt: old,
      lastSeenAt: Timestamp.now(),
      seenOrCreatedAt: del,
    });

    const since = encodeURIComponent(ago(10).toISOString());
    const page = async () => {
      const reply = await call<{ equipment: Array<{ assetId: string }> }>(
        'GET',
        `/v1/orgs/${org.orgId}/equipment?notSeenSince=${since}`,
        { token: org.viewer.idToken },
      );
      assert.equal(reply.status, 200);
      return reply.body.equipment.map((e) => e.assetId);
    };
    assert.deepEqual(await page(), ['NEVER-OLD', 'SEEN-OLD']);
    for (const id of ids) {
      const d = (await ref(id).get()).data()!;
      const expected = (d.lastSeenAt ?? d.createdAt) as Timestamp;
      assert.equal((d.seenOrCreatedAt as Timestamp).toMillis(), expected.toMillis(), id);
    }
    const marker = db().doc(`organizations/${org.orgId}/migrations/seenOrCreatedAt`);
    const done = (await marker.get()).data()!;
    assert.equal(done.done, true);
    assert.equal(done.written, 4);
    // Once done it does not run again: the same list, nothing more written.
    assert.deepEqual(await page(), ['NEVER-OLD', 'SEEN-OLD']);
    assert.equal((await marker.get()).get('written'), 4);
  });
  it('a cut-short backfill resumes after its cursor, a page at a time', async () => {
    const org = await ledgerOrg();
    const ids = ['B-1', 'B-2', 'B-3', 'B-4'];
    const ref = (id: string) => db().doc(`organizations/${org.orgId}/equipment/${id}`);
    const old = Timestamp.fromDate(ago(40));
    for (const id of ids) {
      await ref(id).set({ name: id, category: 'CAMERA', createdAt: old, source: 'client' });
    }
    for (const id of ids) {
      await waitFor(async () => (await ref(id).get()).get('qrStatus') === 'refused');
    }
    for (const id of ids.slice(1)) await ref(id).update({ seenOrCreatedAt: FieldValue.delete() });
    // As if a run had done B-1 and stopped.
    const marker = db().doc(`organizations/${org.orgId}/migrations/seenOrCreatedAt`);
    await marker.set({ done: false, after: 'B-1', written: 1 });
    assert.equal(await backfillSeenOrCreated(org.orgId, 1), 3);
    for (const id of ids) {
      assert.equal(
        ((await ref(id).get()).get('seenOrCreatedAt') as Timestamp).toMillis(),
        old.toMillis(),
        id,
      );
    }
    assert.deepEqual(
      { ...(await marker.get()).data(), updatedAt: undefined },
      { done: true, after: 'B-4', written: 4, updatedAt: undefined },
    );
    assert.equal(await backfillSeenOrCreated(org.orgId, 1), 0);
  });

  it('the create trigger keeps a sighting applied before it, and dates an item without createdAt', async () => {
    const org = await ledgerOrg();
    const ref = (id: string) => db().doc(`organizations/${org.orgId}/equipment/${id}`);
    const seen = Timestamp.fromDate(ago(2));
    await ref('SEEN-FIRST').set({
      name: 'Seen first',
      category: 'CAMERA',
      source: 'client',
      createdAt: Timestamp.fromDate(ago(40)),
      lastSeenAt: seen,
      seenOrCreatedAt: seen,
    });
    // Written by a tool with firebase-admin: no createdAt; the trigger dates it by its create time.
    await ref('NO-DATE').set({ name: 'No date', category: 'CAMERA', source: 'client' });
    for (const id of ['SEEN-FIRST', 'NO-DATE']) {
      await waitFor(async () => (await ref(id).get()).get('qrStatus') === 'refused');
    }
    const first = (await ref('SEEN-FIRST').get()).data()!;
    assert.equal((first.seenOrCreatedAt as Timestamp).toMillis(), seen.toMillis());
    const undated = await ref('NO-DATE').get();
    assert.equal(
      (undated.get('seenOrCreatedAt') as Timestamp).toMillis(),
      (undated.get('createdAt') as Timestamp).toMillis(),
    );
    assert.equal(
      (undated.get('createdAt') as Timestamp).toMillis(),
      undated.createTime!.toMillis(),
    );
  });
});

describe('scan ledger trigger in isolation (firebase-functions-test)', function () {
  this.timeout(60_000);
  const fft = functionsTest(
    JSON.parse(process.env.FIREBASE_CONFIG ?? '{}') as { projectId: string },
  );
  const wrapped = fft.wrap(scanEventCreated);
  after(() => fft.cleanup());

  const undelivered = async (orgId: string, scanId: string, fields: Record<string, unknown>) =>
    (await undeliveredEvent(fft, orgId, scanId, fields)).event;

  it('a delivery repeated three times applies the event once', async () => {
    const org = await ledgerOrg();
    await seedItems(org.orgId, [{ assetId: 'TRI-1', locationId: 'room' }]);
    const audit = await call<{ auditId: string }>('POST', `/v1/orgs/${org.orgId}/audits`, {
      token: org.editor.idToken,
      body: { name: 'Twice', locationId: 'room' },
    });
    assert.equal(audit.status, 201);
    const scanId = randomUUID();
    const at = Timestamp.now();
    const event = await undelivered(org.orgId, scanId, {
      type: 'audit',
      auditId: audit.body.auditId,
      code: codeOf('TRI-1'),
      scannedAt: at,
      by: org.viewer.uid,
      createdAt: at,
    });
    await Promise.all([wrapped(event), wrapped(event)]);
    await wrapped(event);
    const result = (await db().doc(`organizations/${org.orgId}/scanEvents/${scanId}`).get()).get(
      'result',
    );
    assert.equal(result.status, 'applied');
    const view = await call<{ counts: Record<string, number>; byAuditor: Record<string, number> }>(
      'GET',
      `/v1/orgs/${org.orgId}/audits/${audit.body.auditId}`,
      { token: org.viewer.idToken },
    );
    assert.deepEqual(view.body.counts, { found: 1, missing: 0, unexpected: 0, unknown: 0 });
    assert.deepEqual(view.body.byAuditor, { [org.viewer.uid]: 1 });
  });

  it('a malformed event (written by a tool with the Admin SDK) is refused as invalid_event', async () => {
    const org = await ledgerOrg();
    const scanId = randomUUID();
    const event = await undelivered(org.orgId, scanId, { type: 'teleport', code: 'X', by: 'u1' });
    await wrapped(event);
    const result = await waitFor(async () =>
      (await db().doc(`organizations/${org.orgId}/scanEvents/${scanId}`).get()).get('result'),
    );
    assert.equal(result.status, 'refused');
    assert.equal(result.reason, 'invalid_event');
  });

  it('an event retried for over an hour is given up and refused as gave_up', async () => {
    const org = await ledgerOrg();
    const scanId = randomUUID();
    const at = Timestamp.now();
    const event = await undelivered(org.orgId, scanId, {
      type: 'seen',
      code: 'X',
      scannedAt: at,
      by: 'u1',
      createdAt: at,
    });
    await wrapped({ ...event, time: new Date(Date.now() - 2 * 3_600_000).toISOString() });
    const result = (await db().doc(`organizations/${org.orgId}/scanEvents/${scanId}`).get()).get(
      'result',
    );
    assert.equal(result.reason, 'gave_up');
  });
});
