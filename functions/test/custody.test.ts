// Check-out and check-in through the local stack: all or nothing and partial, every kind of
// code, every 409 reason, check-in of a subset from two checkouts, self-service on and off,
// roles and another organisation, history and lists, the status PATCH, and the 15-minute
// schedule (overdue, no-show) with a moved clock and through the functions host.
import { strict as assert } from 'node:assert';
import { Timestamp } from 'firebase-admin/firestore';
import { db } from '../src/data/firebase';
import { checkIn, checkOut } from '../src/data/custody';
import { sweepCustody } from '../src/data/custodySweep';
import { ensureEquipmentScanToken } from '../src/data/scanTokens';
import { call, type Reply } from './support/api';
import {
  addItems,
  inHours,
  newRoom,
  type BookingReply,
  type CheckinReply,
  type CheckoutReply,
  type ErrorBody,
  type Room,
  type UnavailableItem,
} from './support/custody';
import { functionsOrigin } from './support/stack';
import { waitFor } from './support/wait';

const itemsOf = (r: Reply<unknown>): UnavailableItem[] =>
  ((r.body as ErrorBody).error.details?.items ?? []) as UnavailableItem[];

describe('custody: check-out and check-in', function () {
  this.timeout(300_000);
  let room: Room;
  let orgId: string;
  const path = (p: string) => `/v1/orgs/${orgId}${p}`;

  before(async () => {
    room = await newRoom();
    orgId = room.orgId;
  });

  const checkout = (body: Record<string, unknown>, token = room.editor.idToken) =>
    call<CheckoutReply>('POST', path('/checkouts'), { token, body });
  const checkin = (body: Record<string, unknown>, token = room.editor.idToken) =>
    call<CheckinReply>('POST', path('/checkins'), { token, body });
  const item = async (assetId: string) =>
    (
      await call<Record<string, unknown>>('GET', path(`/equipment/${assetId}`), {
        token: room.viewer.idToken,
      })
    ).body;
  const someone = { name: 'Ada Crew', email: 'ada@example.com' };

  it('all or nothing by default: one unavailable item keeps every item in; partial lets the rest go', async () => {
    const [a, b, c] = await addItems(orgId, 'aon', 3);
    const retire = await call('PATCH', path(`/equipment/${c}`), {
      token: room.editor.idToken,
      body: { status: 'retired' },
    });
    assert.equal(retire.status, 200, JSON.stringify(retire.body));
    const refused = await checkout({ assetIds: [a, b, c], custodian: someone });
    assert.equal(refused.status, 409);
    assert.equal((refused.body as unknown as ErrorBody).error.code, 'unavailable');
    assert.deepEqual(itemsOf(refused), [{ assetId: c, reason: 'retired' }]);
    for (const id of [a, b]) assert.equal((await item(id)).status, 'available');

    const partial = await checkout({
      assetIds: [a, b, c],
      custodian: someone,
      dueAt: inHours(48),
      partial: true,
    });
    assert.equal(partial.status, 201, JSON.stringify(partial.body));
    assert.equal(partial.body.status, 'open');
    assert.deepEqual(partial.body.assetIds, [a, b]);
    assert.deepEqual(partial.body.unavailable, [{ assetId: c, reason: 'retired' }]);
    assert.deepEqual(partial.body.custodian, someone);
    // Shown in the organisation's zone (Berlin: +01:00 in winter, +02:00 in summer).
    assert.match(partial.body.dueAt ?? '', /\+0[12]:00$/);
    const out = await item(a);
    assert.equal(out.status, 'checked_out');
    assert.equal((out.custody as { checkoutId: string }).checkoutId, partial.body.checkoutId);

    const read = await call<Record<string, unknown>>(
      'GET',
      path(`/checkouts/${partial.body.checkoutId}`),
      { token: room.viewer.idToken },
    );
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.outstanding, [a, b]);
  });

  it('names every reason: checked_out (by whom, until), booked, retired, missing, needs_service, unknown_code, not_found', async () => {
    const [out, booked, retired, missing, service] = await addItems(orgId, 'why', 5);
    const first = await checkout({ assetIds: [out], custodian: someone, dueAt: inHours(5) });
    assert.equal(first.status, 201);
    const booking = await call<BookingReply>('POST', path('/bookings'), {
      token: room.editor.idToken,
      body: { assetIds: [booked], from: inHours(-1), to: inHours(3), custodian: { name: 'Bo' } },
    });
    assert.equal(booking.status, 201, JSON.stringify(booking.body));
    for (const [id, status] of [
      [retired, 'retired'],
      [missing, 'missing'],
    ]) {
      const r = await call('PATCH', path(`/equipment/${id}`), {
        token: room.editor.idToken,
        body: { status },
      });
      assert.equal(r.status, 200);
    }
    // needs_service comes from a check-in with that condition.
    assert.equal((await checkout({ assetIds: [service], custodian: someone })).status, 201);
    const back = await checkin({ assetIds: [service], condition: 'needs_service' });
    assert.deepEqual(back.body.returned, [service]);
    assert.equal((await item(service)).status, 'needs_service');

    const r = await checkout({
      assetIds: [out, booked, retired, missing, service, 'ghost-item'],
      custodian: someone,
    });
    assert.equal(r.status, 409);
    const byId = new Map(itemsOf(r).map((i) => [i.assetId, i]));
    const taken = byId.get(out)!;
    assert.equal(taken.reason, 'checked_out');
    assert.equal(taken.checkoutId, first.body.checkoutId);
    assert.equal(taken.until, first.body.dueAt && new Date(first.body.dueAt).toISOString());
    assert.deepEqual((taken as { custodian?: unknown }).custodian, someone);
    assert.deepEqual(
      { ...byId.get(booked), from: undefined, to: undefined },
      {
        assetId: booked,
        reason: 'booked',
        bookingId: booking.body.bookingId,
        from: undefined,
        to: undefined,
      },
    );
    assert.equal(byId.get(retired)?.reason, 'retired');
    assert.equal(byId.get(missing)?.reason, 'missing');
    assert.equal(byId.get(service)?.reason, 'needs_service');
    assert.equal(byId.get('ghost-item')?.reason, 'not_found');

    const unknown = await checkout({ codes: ['NO-SUCH-CODE'], custodian: someone });
    assert.equal(unknown.status, 409);
    assert.deepEqual(itemsOf(unknown), [{ code: 'NO-SUCH-CODE', reason: 'unknown_code' }]);

    // The booking's own custodian may take it; PATCH available clears needs_service.
    const own = await checkout({ assetIds: [booked], custodian: { name: 'Bo' } });
    assert.equal(own.status, 201, JSON.stringify(own.body));
    const cleared = await call('PATCH', path(`/equipment/${service}`), {
      token: room.editor.idToken,
      body: { status: 'available' },
    });
    assert.equal(cleared.status, 200);
    assert.equal((await checkout({ assetIds: [service], custodian: someone })).status, 201);
  });

  it('a later booking stops an open-ended checkout, not one due back before it starts', async () => {
    const [later] = await addItems(orgId, 'later', 1);
    const booking = await call<BookingReply>('POST', path('/bookings'), {
      token: room.editor.idToken,
      body: { assetIds: [later], from: inHours(5), to: inHours(8), custodian: { name: 'Bo' } },
    });
    assert.equal(booking.status, 201);
    const openEnded = await checkout({ assetIds: [later], custodian: someone });
    assert.equal(openEnded.status, 409);
    assert.deepEqual(
      itemsOf(openEnded).map((i) => [i.reason, i.bookingId]),
      [['booked', booking.body.bookingId]],
    );
    const tooLong = await checkout({ assetIds: [later], custodian: someone, dueAt: inHours(6) });
    assert.equal(tooLong.status, 409);
    const back = await checkout({ assetIds: [later], custodian: someone, dueAt: inHours(4) });
    assert.equal(back.status, 201, JSON.stringify(back.body));
  });

  it('checks out by each kind of code: scan URL, bare token, pool tag code, imported code', async () => {
    const [byUrl, byToken, byTag, byImport] = await addItems(orgId, 'code', 4);
    const url = (await ensureEquipmentScanToken(orgId, byUrl)).scanUrl;
    const token = (await ensureEquipmentScanToken(orgId, byToken)).token;
    const pool = await call<{ poolId: string }>('POST', path('/tag-pools'), {
      token: room.editor.idToken,
      body: { count: 1 },
    });
    assert.equal(pool.status, 202);
    const tag = await waitFor(
      async () => {
        const snap = await db()
          .collection(`organizations/${orgId}/tags`)
          .where('poolId', '==', pool.body.poolId)
          .get();
        return snap.docs[0]?.data() as { code: string; scanUrl: string } | undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const assigned = await call('POST', path(`/tags/${tag.code}/assign`), {
      token: room.editor.idToken,
      body: { assetId: byTag },
    });
    assert.equal(assigned.status, 201);
    const imported = await call('POST', path('/tags/import'), {
      token: room.editor.idToken,
      body: { codes: [{ code: '4006381333931', assetId: byImport }] },
    });
    assert.equal(imported.status, 200);

    const r = await checkout({
      // The tag typed in lower case without hyphens still finds it.
      codes: [url, token, tag.code.replace(/-/g, '').toLowerCase(), '4006381333931', url],
      custodian: someone,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.assetIds, [byUrl, byToken, byTag, byImport]);

    // The pool tag's own scan URL finds the item too (check-in by codes).
    const back = await checkin({ codes: [tag.scanUrl, 'not-a-code', url] });
    assert.equal(back.status, 200);
    assert.deepEqual(back.body.returned.sort(), [byTag, byUrl].sort());
    assert.deepEqual(back.body.unknownCodes, ['not-a-code']);
  });

  it('checks in a subset from two checkouts; an item not out is reported, not an error', async () => {
    const [d, e, f, g, h] = await addItems(orgId, 'sub', 5);
    const one = await checkout({ assetIds: [d, e], custodian: someone });
    const two = await checkout({ assetIds: [f, g], custodian: { name: 'Cy' } });
    assert.equal(one.status, 201);
    assert.equal(two.status, 201);
    const shelf = await call<{ locationId: string }>('POST', path('/locations'), {
      token: room.owner.idToken,
      body: { name: 'Return shelf' },
    });
    assert.equal(shelf.status, 201, JSON.stringify(shelf.body));
    const r = await checkin({
      assetIds: [d, f, h],
      condition: 'damaged',
      note: 'scratched lens cap',
      locationId: shelf.body.locationId,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.returned.sort(), [d, f].sort());
    assert.deepEqual(r.body.notCheckedOut, [h]);
    assert.deepEqual(
      r.body.checkouts.map((c) => c.status),
      ['partially_returned', 'partially_returned'],
    );
    const returned = await item(d);
    assert.equal(returned.status, 'available');
    assert.equal(returned.custody, null);
    assert.equal(returned.locationId, shelf.body.locationId);

    const rest = await checkin({ assetIds: [e, g] });
    assert.deepEqual(Object.fromEntries(rest.body.checkouts.map((c) => [c.checkoutId, c.status])), {
      [one.body.checkoutId]: 'returned',
      [two.body.checkoutId]: 'returned',
    });

    // History of d: who, when, condition and note, newest first.
    await checkout({ assetIds: [d], custodian: { name: 'Later' }, note: 'second trip' });
    const history = await call<{ history: Array<Record<string, unknown>> }>(
      'GET',
      path(`/equipment/${d}/custody`),
      { token: room.viewer.idToken },
    );
    assert.equal(history.status, 200, JSON.stringify(history.body));
    assert.equal(history.body.history.length, 2);
    assert.deepEqual(history.body.history[0].custodian, { name: 'Later' });
    assert.equal(history.body.history[0].returnedAt, null);
    assert.equal(history.body.history[1].condition, 'damaged');
    assert.equal(history.body.history[1].returnNote, 'scratched lens cap');
    assert.equal(history.body.history[1].returnedBy, room.editor.uid);
  });

  it('self-service: off, a viewer is refused; on, a viewer checks out for themselves only', async () => {
    const [mine, theirs] = await addItems(orgId, 'self', 2);
    const off = await checkout({ assetIds: [mine] }, room.viewer.idToken);
    assert.equal(off.status, 403);
    const on = await call('PATCH', path(''), {
      token: room.owner.idToken,
      body: { selfServiceCheckout: true },
    });
    assert.equal(on.status, 200);
    assert.equal((on.body as { selfServiceCheckout: boolean }).selfServiceCheckout, true);
    try {
      const self = await checkout({ assetIds: [mine] }, room.viewer.idToken);
      assert.equal(self.status, 201, JSON.stringify(self.body));
      assert.deepEqual(self.body.custodian, { uid: room.viewer.uid, email: room.viewer.email });
      const forOther = await checkout(
        { assetIds: [theirs], custodian: { uid: room.editor.uid } },
        room.viewer.idToken,
      );
      assert.equal(forOther.status, 403);
      const byName = await checkout(
        { assetIds: [theirs], custodian: { name: 'A friend' } },
        room.viewer.idToken,
      );
      assert.equal(byName.status, 403);
      const mineOpen = await call<{ checkouts: Array<{ checkoutId: string }> }>(
        'GET',
        path(`/checkouts?status=open&custodian=${room.viewer.uid}`),
        { token: room.viewer.idToken },
      );
      assert.equal(mineOpen.status, 200, JSON.stringify(mineOpen.body));
      assert.deepEqual(
        mineOpen.body.checkouts.map((c) => c.checkoutId),
        [self.body.checkoutId],
      );
      const anyStatus = await call<{ checkouts: Array<{ checkoutId: string }> }>(
        'GET',
        path(`/checkouts?custodian=${room.viewer.uid}`),
        { token: room.viewer.idToken },
      );
      assert.deepEqual(
        anyStatus.body.checkouts.map((c) => c.checkoutId),
        [self.body.checkoutId],
      );
      const back = await checkin({ assetIds: [mine] }, room.viewer.idToken);
      assert.deepEqual(back.body.returned, [mine]);
    } finally {
      await call('PATCH', path(''), {
        token: room.owner.idToken,
        body: { selfServiceCheckout: false },
      });
    }
  });

  it('roles and another organisation: a stranger is refused; a member of the org is not a custodian elsewhere', async () => {
    const [x] = await addItems(orgId, 'role', 1);
    for (const [method, p, body] of [
      ['POST', '/checkouts', { assetIds: [x], custodian: someone }],
      ['POST', '/checkins', { assetIds: [x] }],
      ['GET', '/checkouts', undefined],
      ['GET', `/equipment/${x}/custody`, undefined],
    ] as const) {
      const r = await call(method, path(p), { token: room.stranger.idToken, body });
      assert.equal(r.status, 403, `${method} ${p}: ${r.status}`);
    }
    const unsigned = await call('POST', path('/checkouts'), { body: { assetIds: [x] } });
    assert.equal(unsigned.status, 401);
    // Another organisation's scan URL, tag code and asset id name nothing here.
    const other = await newRoom();
    const [theirs] = await addItems(other.orgId, 'theirs', 1);
    const theirUrl = (await ensureEquipmentScanToken(other.orgId, theirs)).scanUrl;
    await call('POST', `/v1/orgs/${other.orgId}/tags/import`, {
      token: other.editor.idToken,
      body: { codes: [{ code: 'THEIR-CODE-1', assetId: theirs }] },
    });
    const foreign = await checkout({ codes: [theirUrl, 'THEIR-CODE-1'], custodian: someone });
    assert.equal(foreign.status, 409);
    assert.deepEqual(
      itemsOf(foreign).map((i) => [i.code, i.reason]),
      [
        [theirUrl, 'unknown_code'],
        ['THEIR-CODE-1', 'unknown_code'],
      ],
    );
    const foreignId = await checkout({ assetIds: [theirs], custodian: someone });
    assert.deepEqual(
      itemsOf(foreignId).map((i) => i.reason),
      ['not_found'],
    );
    assert.equal(
      (await db().doc(`organizations/${other.orgId}/equipment/${theirs}`).get()).get('status'),
      undefined,
    );
    const notMember = await checkout({ assetIds: [x], custodian: { uid: room.stranger.uid } });
    assert.equal(notMember.status, 400);
    assert.equal(await item(x).then((i) => i.status), 'available');
  });

  it('bad input gets a clear 400: neither or both of assetIds and codes, 501 items, a past dueAt, a bad status', async () => {
    const [x] = await addItems(orgId, 'bad', 1);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ custodian: someone }, /assetIds/],
      [{ assetIds: [x], codes: ['y'], custodian: someone }, /codes/],
      [
        { assetIds: Array.from({ length: 501 }, (_, i) => `i${i}`), custodian: someone },
        /assetIds/,
      ],
      [{ assetIds: [x], custodian: someone, dueAt: inHours(-1) }, /dueAt/],
      [{ assetIds: [x], custodian: someone, dueAt: 'next friday' }, /dueAt/],
      [{ assetIds: [x], custodian: { name: '' } }, /custodian/],
    ];
    for (const [body, field] of cases) {
      const r = await checkout(body);
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
      assert.match((r.body as unknown as ErrorBody).error.message, field);
    }
    const status = await call('PATCH', path(`/equipment/${x}`), {
      token: room.editor.idToken,
      body: { status: 'checked_out' },
    });
    assert.equal(status.status, 400);
    assert.equal((await checkout({ assetIds: [x], custodian: someone })).status, 201);
    const whileOut = await call<ErrorBody>('PATCH', path(`/equipment/${x}`), {
      token: room.editor.idToken,
      body: { status: 'retired' },
    });
    assert.equal(whileOut.status, 409);
    assert.equal(whileOut.body.error.details?.reason, 'checked_out');
  });

  it('a checkout with bookingId takes only its items, and only from the grace period before its start', async () => {
    const [k1, k2, other] = await addItems(orgId, 'kit', 3);
    const booking = await call<BookingReply>('POST', path('/bookings'), {
      token: room.editor.idToken,
      body: { assetIds: [k1, k2], from: inHours(5), to: inHours(30), custodian: { name: 'Dee' } },
    });
    assert.equal(booking.status, 201);
    const early = await checkout({ assetIds: [k1, k2], bookingId: booking.body.bookingId });
    assert.equal(early.status, 409);
    assert.equal((early.body as unknown as ErrorBody).error.details?.reason, 'booking_not_started');
    // 4 hours before the start: move the booking (an editor may) into the grace period.
    const moved = await call('PATCH', path(`/bookings/${booking.body.bookingId}`), {
      token: room.editor.idToken,
      body: { from: inHours(0.5) },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const wrong = await checkout({
      assetIds: [k1, other],
      bookingId: booking.body.bookingId,
    });
    assert.equal(wrong.status, 409);
    assert.deepEqual(
      itemsOf(wrong).map((i) => [i.assetId, i.reason]),
      [[other, 'not_in_booking']],
    );
    const taken = await checkout({ assetIds: [k1, k2], bookingId: booking.body.bookingId });
    assert.equal(taken.status, 201, JSON.stringify(taken.body));
    assert.deepEqual(taken.body.custodian, { name: 'Dee' });
    assert.equal(taken.body.dueAt, booking.body.to);
    const after = await call<BookingReply>('GET', path(`/bookings/${booking.body.bookingId}`), {
      token: room.viewer.idToken,
    });
    assert.equal(after.body.status, 'checked_out');
    assert.deepEqual(after.body.checkoutIds, [taken.body.checkoutId]);
    // Once out, the booking may be extended (its checkout and items are due later too), but its
    // items and start no longer change; an extension into someone else's booking is refused.
    const blocker = await call<BookingReply>('POST', path('/bookings'), {
      token: room.editor.idToken,
      body: { assetIds: [k2], from: inHours(45), to: inHours(50), custodian: { name: 'Next' } },
    });
    assert.equal(blocker.status, 201);
    const patchOut = (body: Record<string, unknown>) =>
      call<BookingReply>('PATCH', path(`/bookings/${booking.body.bookingId}`), {
        token: room.editor.idToken,
        body,
      });
    const tooFar = await patchOut({ to: inHours(46) });
    assert.equal(tooFar.status, 409);
    assert.deepEqual(
      (
        (tooFar.body as unknown as ErrorBody).error.details?.items as Array<{ bookingId: string }>
      ).map((i) => i.bookingId),
      [blocker.body.bookingId],
    );
    const extended = await patchOut({ to: inHours(40) });
    assert.equal(extended.status, 200, JSON.stringify(extended.body));
    assert.equal(extended.body.status, 'checked_out');
    const moved2 = await call<{ dueAt: string }>(
      'GET',
      path(`/checkouts/${taken.body.checkoutId}`),
      {
        token: room.viewer.idToken,
      },
    );
    assert.equal(moved2.body.dueAt, extended.body.to);
    const k1Item = await item(k1);
    assert.equal(
      Date.parse((k1Item.custody as { dueAt: string }).dueAt),
      Date.parse(extended.body.to),
    );
    const addLater = await patchOut({ addAssetIds: [other] });
    assert.equal(addLater.status, 409);
    assert.equal((addLater.body as unknown as ErrorBody).error.details?.reason, 'booking_closed');
    await checkin({ assetIds: [k1] });
    const partly = await call<BookingReply>('GET', path(`/bookings/${booking.body.bookingId}`), {
      token: room.viewer.idToken,
    });
    assert.equal(partly.body.status, 'partially_returned');
    await checkin({ assetIds: [k2] });
    const done = await call<BookingReply>('GET', path(`/bookings/${booking.body.bookingId}`), {
      token: room.viewer.idToken,
    });
    assert.equal(done.body.status, 'returned');
  });

  it('the core called twice with one checkoutId (a scan event delivered twice) checks out once', async () => {
    const [s1] = await addItems(orgId, 'scan', 1);
    const input = {
      orgId,
      assetIds: [s1],
      custodian: someone,
      by: 'scan-event',
      checkoutId: `scan-${s1}`,
    };
    const [a, b] = await Promise.all([checkOut(input), checkOut(input)]);
    assert.deepEqual([a.created, b.created].sort(), [false, true]);
    assert.equal(a.checkoutId, b.checkoutId);
    const snap = await db()
      .collection(`organizations/${orgId}/checkouts`)
      .where('assetIds', 'array-contains', s1)
      .get();
    assert.equal(snap.size, 1);
    const first = await checkIn({ orgId, assetIds: [s1], by: 'scan-event' });
    const again = await checkIn({ orgId, assetIds: [s1], by: 'scan-event' });
    assert.deepEqual(first.returned, [s1]);
    assert.deepEqual(again.notCheckedOut, [s1]);
  });

  it('counts items against custodyItemsPerDay: past it, 429 quota_exceeded and nothing written', async () => {
    const small = await newRoom();
    const ids = await addItems(small.orgId, 'quota', 4);
    await db().doc(`quotaOverrides/${small.orgId}`).set({ custodyItemsPerDay: 3 });
    const out = await call<CheckoutReply>('POST', `/v1/orgs/${small.orgId}/checkouts`, {
      token: small.editor.idToken,
      body: { assetIds: ids.slice(0, 3), custodian: someone },
    });
    assert.equal(out.status, 201);
    const over = await call<ErrorBody>('POST', `/v1/orgs/${small.orgId}/bookings`, {
      token: small.editor.idToken,
      body: { assetIds: [ids[3]], from: inHours(1), to: inHours(2), custodian: someone },
    });
    assert.equal(over.status, 429);
    assert.equal(over.body.error.code, 'quota_exceeded');
    assert.equal(over.body.error.details?.quota, 'custodyItemsPerDay');
    const index = await db().doc(`organizations/${small.orgId}/bookingIndex/${ids[3]}`).get();
    assert.equal(index.exists, false);
  });

  describe('the schedule (every 15 minutes)', () => {
    it('moves past-due checkouts and bookings to overdue and late reservations to no_show, once', async () => {
      const [due, kit, noShow] = await addItems(orgId, 'clock', 3);
      const out = await checkout({ assetIds: [due], custodian: someone, dueAt: inHours(2) });
      const booking = await call<BookingReply>('POST', path('/bookings'), {
        token: room.editor.idToken,
        body: { assetIds: [kit], from: inHours(0), to: inHours(4), custodian: { name: 'Eve' } },
      });
      const taken = await checkout({ assetIds: [kit], bookingId: booking.body.bookingId });
      assert.equal(taken.status, 201);
      const late = await call<BookingReply>('POST', path('/bookings'), {
        token: room.editor.idToken,
        body: { assetIds: [noShow], from: inHours(1), to: inHours(8), custodian: { name: 'Flo' } },
      });
      assert.equal(late.status, 201);
      const status = async (col: string, id: string) =>
        (await db().doc(`organizations/${orgId}/${col}/${id}`).get()).get('status') as string;

      // 90 minutes on: nothing is due yet (no-show needs BOOKING_NO_SHOW_HOURS = 2 after start).
      await sweepCustody(Date.now() + 90 * 60_000);
      assert.equal(await status('checkouts', out.body.checkoutId), 'open');
      assert.equal(await status('bookings', late.body.bookingId), 'reserved');

      // 5 hours on: the checkout and the booking are overdue, the reservation a no-show.
      const later = Date.now() + 5 * 3_600_000;
      await sweepCustody(later);
      assert.equal(await status('checkouts', out.body.checkoutId), 'overdue');
      assert.equal(await status('checkouts', taken.body.checkoutId), 'overdue');
      assert.equal(await status('bookings', booking.body.bookingId), 'overdue');
      assert.equal(await status('bookings', late.body.bookingId), 'no_show');
      const overdue = await call<{ checkouts: Array<{ checkoutId: string }> }>(
        'GET',
        path('/checkouts?status=overdue'),
        { token: room.viewer.idToken },
      );
      const listed = overdue.body.checkouts.map((c) => c.checkoutId);
      assert.ok(listed.includes(out.body.checkoutId) && listed.includes(taken.body.checkoutId));
      // The no-show freed its item: someone else may book that window now.
      const free = await call('POST', path('/bookings'), {
        token: room.editor.idToken,
        body: { assetIds: [noShow], from: inHours(2), to: inHours(6), custodian: { name: 'Gus' } },
      });
      assert.equal(free.status, 201, JSON.stringify(free.body));

      // A second run (a duplicate delivery) changes nothing; a return still closes it.
      const updatedAt = async (col: string, id: string) =>
        (await db().doc(`organizations/${orgId}/${col}/${id}`).get()).updateTime?.toMillis();
      const before = await updatedAt('bookings', late.body.bookingId);
      const overdueBefore = await updatedAt('checkouts', out.body.checkoutId);
      await sweepCustody(later);
      assert.equal(await updatedAt('bookings', late.body.bookingId), before);
      assert.equal(await updatedAt('checkouts', out.body.checkoutId), overdueBefore);
      assert.equal(await status('bookings', late.body.bookingId), 'no_show');
      // Extending the overdue booking past now makes it and its checkout current again.
      const extended = await call<BookingReply>(
        'PATCH',
        path(`/bookings/${booking.body.bookingId}`),
        {
          token: room.editor.idToken,
          body: { to: inHours(10) },
        },
      );
      assert.equal(extended.status, 200, JSON.stringify(extended.body));
      assert.equal(extended.body.status, 'checked_out');
      assert.equal(await status('checkouts', taken.body.checkoutId), 'open');
      const back = await checkin({ assetIds: [due] });
      assert.deepEqual(back.body.checkouts, [
        { checkoutId: out.body.checkoutId, status: 'returned' },
      ]);
    });

    it('runs through the functions host as Cloud Scheduler would', async () => {
      const [x] = await addItems(orgId, 'host', 1);
      const out = await checkout({ assetIds: [x], custodian: someone, dueAt: inHours(1) });
      // Its due time, moved into the past on the stored documents (the clock of this run is real).
      const past = Timestamp.fromMillis(Date.now() - 60_000);
      await db().doc(`organizations/${orgId}/checkouts/${out.body.checkoutId}`).update({
        dueAt: past,
      });
      const run = await fetch(`${functionsOrigin()}/_schedules/custodySweep/run`, {
        method: 'POST',
      });
      assert.equal(run.status, 200, await run.text());
      const read = await call<{ status: string }>(
        'GET',
        path(`/checkouts/${out.body.checkoutId}`),
        { token: room.viewer.idToken },
      );
      assert.equal(read.body.status, 'overdue');
    });
  });
});
