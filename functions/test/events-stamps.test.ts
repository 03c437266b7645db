// Who and through what, for writers that stamp their changes (docs/events.md#actors): the API's
// location and standalone-code writes name the caller; the custody schedule's overdue and
// no-show writes are the system's, via schedule; check-outs and check-ins made by scan events
// are via scan.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { sweepCustody } from '../src/data/custodySweep';
import { call } from './support/api';
import { inHours } from './support/custody';
import { eventOf, eventsOf } from './support/events';
import { codeOf, ledgerOrg, seedItems, sendEvents, type LedgerOrg } from './support/ledger';

describe('event stamps: locations, QR codes, the custody schedule, scans (local stack)', function () {
  this.timeout(180_000);
  let org: LedgerOrg;
  let orgId: string;
  let keyId: string;
  let key: string;

  before(async () => {
    org = await ledgerOrg();
    orgId = org.orgId;
    const made = await call('POST', `/v1/orgs/${orgId}/api-keys`, {
      token: org.owner.idToken,
      body: { name: 'stamps script', role: 'admin' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    keyId = String(made.body.keyId);
    key = String(made.body.key);
    await seedItems(orgId, [
      { assetId: 'DUE-1', locationId: 'store' },
      { assetId: 'NOSHOW-1', locationId: 'store' },
      { assetId: 'SCAN-1', locationId: 'store' },
    ]);
  });

  const path = (p: string) => `/v1/orgs/${orgId}${p}`;

  it('a location made, renamed and deleted through the API names each caller, via api', async () => {
    const made = await call<{ locationId: string }>('POST', path('/locations'), {
      token: org.owner.idToken,
      body: { name: 'Loading bay' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const { locationId } = made.body;
    const created = await eventOf(orgId, locationId, 'location.created');
    assert.deepEqual([created.actor, created.via], [{ kind: 'user', id: org.owner.uid }, 'api']);

    const renamed = await call('PATCH', path(`/locations/${locationId}`), {
      token: key,
      body: { name: 'Dock' },
    });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    const updated = await eventOf(orgId, locationId, 'location.updated');
    assert.deepEqual([updated.actor, updated.via], [{ kind: 'apiKey', id: keyId }, 'api']);
    assert.deepEqual(updated.changes, { name: ['Loading bay', 'Dock'] });

    const gone = await call('DELETE', path(`/locations/${locationId}`), {
      token: org.owner.idToken,
    });
    assert.equal(gone.status, 200, JSON.stringify(gone.body));
    assert.equal(gone.body.deleted, true);
    const deleted = await eventOf(orgId, locationId, 'location.deleted');
    assert.deepEqual([deleted.actor, deleted.via], [{ kind: 'user', id: org.owner.uid }, 'api']);
    assert.equal(deleted.data.name, 'Dock');
  });

  it('a standalone code changed and deleted through the API names each caller; the PNG is no update', async () => {
    const made = await call<{ qrId: string }>('POST', path('/qr-codes'), {
      token: org.editor.idToken,
      body: { data: 'https://example.com/menu', label: 'Menu' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const { qrId } = made.body;
    const created = await eventOf(orgId, qrId, 'qr_code.created');
    assert.deepEqual(created.actor, { kind: 'user', id: org.editor.uid });
    assert.equal(created.data.label, 'Menu');

    const patched = await call('PATCH', path(`/qr-codes/${qrId}`), {
      token: key,
      body: { label: 'Lunch menu' },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const updated = await eventOf(orgId, qrId, 'qr_code.updated');
    assert.deepEqual([updated.actor, updated.via], [{ kind: 'apiKey', id: keyId }, 'api']);
    assert.deepEqual(updated.changes, { label: ['Menu', 'Lunch menu'] });

    const gone = await call('DELETE', path(`/qr-codes/${qrId}`), { token: org.owner.idToken });
    assert.equal(gone.status, 204);
    const deleted = await eventOf(orgId, qrId, 'qr_code.deleted');
    assert.deepEqual([deleted.actor, deleted.via], [{ kind: 'user', id: org.owner.uid }, 'api']);
    // The trigger's PNG write-back made no qr_code.updated of its own.
    const updates = (await eventsOf(orgId, qrId)).filter((e) => e.type === 'qr_code.updated');
    assert.equal(updates.length, 1);
  });

  it('the custody schedule’s overdue and no-show are the system’s, via schedule', async () => {
    const out = await call<{ checkoutId: string }>('POST', path('/checkouts'), {
      token: org.editor.idToken,
      body: { assetIds: ['DUE-1'], custodian: { name: 'Ada' }, dueAt: inHours(2) },
    });
    assert.equal(out.status, 201, JSON.stringify(out.body));
    const booked = await call<{ bookingId: string }>('POST', path('/bookings'), {
      token: org.editor.idToken,
      body: {
        assetIds: ['NOSHOW-1'],
        from: inHours(1),
        to: inHours(8),
        custodian: { name: 'Flo' },
      },
    });
    assert.equal(booked.status, 201, JSON.stringify(booked.body));
    await eventOf(orgId, out.body.checkoutId, 'custody.checked_out');
    await eventOf(orgId, booked.body.bookingId, 'booking.created');

    await sweepCustody(Date.now() + 5 * 3_600_000);
    const overdue = await eventOf(orgId, out.body.checkoutId, 'custody.overdue');
    assert.deepEqual(
      [overdue.actor, overdue.via],
      [{ kind: 'system', id: 'schedule' }, 'schedule'],
    );
    const noShow = await eventOf(orgId, booked.body.bookingId, 'booking.no_show');
    assert.deepEqual([noShow.actor, noShow.via], [{ kind: 'system', id: 'schedule' }, 'schedule']);
    assert.deepEqual(noShow.changes.status, ['reserved', 'no_show']);
  });

  it('a check-out and check-in made by scan events are via scan, by the scan’s author', async () => {
    const outId = randomUUID();
    const [out] = await sendEvents(orgId, org.editor.idToken, [
      {
        scanId: outId,
        type: 'checkout',
        code: codeOf('SCAN-1'),
        custodian: { name: 'Bo' },
        scannedAt: new Date().toISOString(),
      },
    ]);
    assert.equal(out.status, 'applied', JSON.stringify(out));
    // The ledger's checkout takes the scan event's id.
    const checkedOut = await eventOf(orgId, outId, 'custody.checked_out');
    assert.deepEqual(
      [checkedOut.actor, checkedOut.via],
      [{ kind: 'user', id: org.editor.uid }, 'scan'],
    );
    const [back] = await sendEvents(orgId, org.editor.idToken, [
      {
        scanId: randomUUID(),
        type: 'checkin',
        code: codeOf('SCAN-1'),
        scannedAt: new Date().toISOString(),
      },
    ]);
    assert.equal(back.status, 'applied', JSON.stringify(back));
    const checkedIn = await eventOf(orgId, outId, 'custody.checked_in');
    assert.deepEqual(
      [checkedIn.actor, checkedIn.via],
      [{ kind: 'user', id: org.editor.uid }, 'scan'],
    );
    assert.deepEqual(checkedIn.changes.status, ['open', 'returned']);
  });
});
