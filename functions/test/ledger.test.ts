// The scan ledger through the local stack: events written by the real client SDK (online and
// offline) and by the bulk API are applied exactly once by the trigger or the route; late
// moves never move an item back; a checkout refused because the item went out meanwhile says
// so on the event; the time window; the bulk route's limits; notSeenSince.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { assertFails, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import firebase from 'firebase/compat/app';
import functionsTest from 'firebase-functions-test';
import { Timestamp } from 'firebase-admin/firestore';
import { db } from '../src/data/firebase';
import { scanEventCreated } from '../src/triggers/scanEventsCreated';
import { call } from './support/api';
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
    await item(orgId, 'OFF-5').update({ lastSeenAt: Timestamp.fromDate(longer) });
    await item(orgId, 'OLD-1').update({ lastSeenAt: Timestamp.fromDate(long) });
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
