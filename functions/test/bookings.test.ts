// Bookings through the local stack: 20 concurrent overlapping bookings of one item give one 201
// and 19 409s, disjoint ones all 201; a booking racing a checkout; a booking across the end of
// summer time in Europe/Berlin; times without an offset read in the organisation's zone; PATCH
// and cancel re-checked; availability of a category and of one item; lists with cursors; roles.
import { strict as assert } from 'node:assert';
import { call } from './support/api';
import {
  addItems,
  inHours,
  newRoom,
  type BookingReply,
  type CheckoutReply,
  type ErrorBody,
  type Room,
} from './support/custody';

type Clash = { assetId: string; bookingId?: string; checkoutId?: string; from: string; to: string };

describe('bookings', function () {
  this.timeout(300_000);
  let room: Room;
  let orgId: string;
  const path = (p: string) => `/v1/orgs/${orgId}${p}`;
  const crew = { name: 'Film crew', email: 'crew@example.com' };

  before(async () => {
    room = await newRoom();
    orgId = room.orgId;
  });

  const book = (body: Record<string, unknown>, token = room.editor.idToken) =>
    call<BookingReply>('POST', path('/bookings'), { token, body });
  const clashes = (r: { body: unknown }): Clash[] =>
    ((r.body as ErrorBody).error.details?.items ?? []) as Clash[];

  it('20 concurrent overlapping bookings of one item: exactly one 201, 19 409s naming it', async () => {
    const [cam] = await addItems(orgId, 'race', 1);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        book({
          assetIds: [cam],
          from: inHours(24 + i * 0.1),
          to: inHours(30 + i * 0.1),
          custodian: { name: `Crew ${i}` },
        }),
      ),
    );
    const won = replies.filter((r) => r.status === 201);
    const lost = replies.filter((r) => r.status === 409);
    assert.equal(won.length, 1, replies.map((r) => r.status).join(','));
    assert.equal(lost.length, 19);
    for (const r of lost) {
      assert.equal((r.body as unknown as ErrorBody).error.code, 'conflict');
      assert.deepEqual(
        clashes(r).map((c) => [c.assetId, c.bookingId]),
        [[cam, won[0].body.bookingId]],
      );
    }
  });

  it('20 concurrent bookings of disjoint windows on one item all succeed', async () => {
    const [cam] = await addItems(orgId, 'disjoint', 1);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        book({
          assetIds: [cam],
          from: inHours(10 + i * 2),
          to: inHours(11 + i * 2),
          custodian: crew,
        }),
      ),
    );
    assert.deepEqual(
      replies.map((r) => r.status),
      Array(20).fill(201),
    );
    // Back to back is not an overlap: [from, to) is half-open.
    const first = replies[0].body;
    const adjacent = await book({
      assetIds: [cam],
      from: first.to,
      to: inHours(11.5),
      custodian: crew,
    });
    assert.equal(adjacent.status, 201, JSON.stringify(adjacent.body));
  });

  it('a booking and a checkout racing for one item: exactly one wins', async () => {
    for (let round = 0; round < 3; round++) {
      const [cam] = await addItems(orgId, `duel${round}`, 1);
      const [booking, checkout] = await Promise.all([
        book({ assetIds: [cam], from: inHours(-0.5), to: inHours(3), custodian: { name: 'Bo' } }),
        call<CheckoutReply>('POST', path('/checkouts'), {
          token: room.editor.idToken,
          body: { assetIds: [cam], custodian: { name: 'Cy' }, dueAt: inHours(2) },
        }),
      ]);
      assert.deepEqual(
        [booking.status, checkout.status].sort(),
        [201, 409],
        `${booking.status} ${checkout.status}`,
      );
      if (booking.status === 409) {
        assert.equal(clashes(booking)[0].checkoutId, checkout.body.checkoutId);
      }
    }
  });

  it('times without an offset are read in Europe/Berlin; across the end of summer time a day has 25 hours', async () => {
    const [cam, lens] = await addItems(orgId, 'dst', 2);
    // Saturday noon to Sunday noon around the last Sunday of October 2027 (clocks go back at 03:00).
    const r = await book({
      assetIds: [cam],
      from: '2027-10-30T12:00:00',
      to: '2027-10-31T12:00:00',
      custodian: crew,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.from, '2027-10-30T12:00:00.000+02:00');
    assert.equal(r.body.to, '2027-10-31T12:00:00.000+01:00');
    assert.equal((Date.parse(r.body.to) - Date.parse(r.body.from)) / 3_600_000, 25);
    // Midnight of the 31st in Berlin is 22:00 UTC the day before.
    const midnight = await book({
      assetIds: [lens],
      from: '2027-10-31T00:00:00',
      to: '2027-10-31T06:00:00',
      custodian: crew,
    });
    assert.equal(midnight.status, 201);
    assert.equal(new Date(midnight.body.from).toISOString(), '2027-10-30T22:00:00.000Z');
    assert.equal((Date.parse(midnight.body.to) - Date.parse(midnight.body.from)) / 3_600_000, 7);
    // With an offset or Z, a time is exact.
    const exact = await book({
      assetIds: [lens],
      from: '2027-11-01T09:00:00Z',
      to: '2027-11-01T11:00:00+01:00',
      custodian: crew,
    });
    assert.equal(exact.status, 201);
    assert.equal(exact.body.from, '2027-11-01T10:00:00.000+01:00');
  });

  it('refuses a bad window with 400: from not before to, to in the past, not ISO 8601, no items', async () => {
    const [cam] = await addItems(orgId, 'window', 1);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ assetIds: [cam], from: inHours(5), to: inHours(5), custodian: crew }, /after from/],
      [{ assetIds: [cam], from: inHours(-5), to: inHours(-1), custodian: crew }, /future/],
      [{ assetIds: [cam], from: 'tomorrow', to: inHours(5), custodian: crew }, /ISO 8601/],
      [
        { assetIds: [cam], from: '2027-02-30T10:00', to: '2027-03-02T10:00', custodian: crew },
        /ISO/,
      ],
      [{ from: inHours(1), to: inHours(5), custodian: crew }, /assetIds/],
    ];
    for (const [body, message] of cases) {
      const r = await book(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match((r.body as unknown as ErrorBody).error.message, message);
    }
    // from may lie in the past: a booking recorded late.
    const late = await book({
      assetIds: [cam],
      from: inHours(-3),
      to: inHours(1),
      custodian: crew,
    });
    assert.equal(late.status, 201);
    const unknown = await book({
      codes: ['nothing-here'],
      from: inHours(1),
      to: inHours(2),
      custodian: crew,
    });
    assert.equal(unknown.status, 404);
  });

  it('PATCH extends, shortens, adds and removes items, each re-checked; cancel frees the window', async () => {
    const [a, b, c] = await addItems(orgId, 'change', 3);
    const first = await book({
      assetIds: [a],
      from: inHours(10),
      to: inHours(20),
      custodian: crew,
    });
    const other = await book({
      assetIds: [b],
      from: inHours(22),
      to: inHours(30),
      custodian: { name: 'Other' },
    });
    assert.equal(first.status, 201);
    assert.equal(other.status, 201);
    const id = first.body.bookingId;
    const patch = (body: Record<string, unknown>) =>
      call<BookingReply>('PATCH', path(`/bookings/${id}`), { token: room.editor.idToken, body });

    const extended = await patch({ to: inHours(24) });
    assert.equal(extended.status, 200);
    const clash = await patch({ addAssetIds: [b] });
    assert.equal(clash.status, 409);
    assert.deepEqual(
      clashes(clash).map((x) => [x.assetId, x.bookingId]),
      [[b, other.body.bookingId]],
    );
    const shortened = await patch({ to: inHours(21), addAssetIds: [b, c] });
    assert.equal(shortened.status, 200, JSON.stringify(shortened.body));
    assert.deepEqual(shortened.body.assetIds, [a, b, c]);
    const removed = await patch({ removeAssetIds: [a] });
    assert.deepEqual(removed.body.assetIds, [b, c]);
    // a is free again for that window; c is not.
    assert.equal(
      (await book({ assetIds: [a], from: inHours(11), to: inHours(12), custodian: crew })).status,
      201,
    );
    assert.equal(
      (await book({ assetIds: [c], from: inHours(11), to: inHours(12), custodian: crew })).status,
      409,
    );
    const bad = await patch({ from: inHours(25) });
    assert.equal(bad.status, 400);

    const cancelled = await call<BookingReply>('POST', path(`/bookings/${id}/cancel`), {
      token: room.editor.idToken,
    });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(
      (await book({ assetIds: [c], from: inHours(11), to: inHours(12), custodian: crew })).status,
      201,
    );
    const again = await patch({ to: inHours(40) });
    assert.equal(again.status, 409);
    assert.equal((again.body as unknown as ErrorBody).error.details?.reason, 'booking_closed');
  });

  it('availability: items of a category free for a window, and the busy intervals of one item', async () => {
    const ids = await addItems(orgId, 'avail', 4, 'LIGHTING');
    await addItems(orgId, 'availcam', 1, 'CAMERA');
    const [free, booked, out, retired] = ids;
    assert.equal(
      (await book({ assetIds: [booked], from: inHours(30), to: inHours(40), custodian: crew }))
        .status,
      201,
    );
    const co = await call<CheckoutReply>('POST', path('/checkouts'), {
      token: room.editor.idToken,
      body: { assetIds: [out], custodian: crew, dueAt: inHours(35) },
    });
    assert.equal(co.status, 201);
    await call('PATCH', path(`/equipment/${retired}`), {
      token: room.editor.idToken,
      body: { status: 'retired' },
    });
    const q = (from: string, to: string) =>
      call<{ items: Array<{ assetId: string }>; nextPageToken: string | null }>(
        'GET',
        path(
          `/availability?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&category=lighting`,
        ),
        { token: room.viewer.idToken },
      );
    const window = await q(inHours(32), inHours(34));
    assert.equal(window.status, 200, JSON.stringify(window.body));
    assert.deepEqual(
      window.body.items.map((i) => i.assetId),
      [free],
    );
    const later = await q(inHours(41), inHours(50));
    assert.deepEqual(
      later.body.items.map((i) => i.assetId),
      [free, booked, out],
    );

    const busy = await call<{ busy: Array<Record<string, unknown>> }>(
      'GET',
      path(
        `/equipment/${booked}/availability?from=${encodeURIComponent(inHours(0))}&to=${encodeURIComponent(inHours(100))}`,
      ),
      { token: room.viewer.idToken },
    );
    assert.equal(busy.status, 200, JSON.stringify(busy.body));
    assert.equal(busy.body.busy.length, 1);
    assert.ok(typeof busy.body.busy[0].bookingId === 'string');
    const outBusy = await call<{ busy: Array<Record<string, unknown>> }>(
      'GET',
      path(
        `/equipment/${out}/availability?from=${encodeURIComponent(inHours(0))}&to=${encodeURIComponent(inHours(100))}`,
      ),
      { token: room.viewer.idToken },
    );
    assert.equal(outBusy.body.busy[0].checkoutId, co.body.checkoutId);
    const reversed = await q(inHours(5), inHours(4));
    assert.equal(reversed.status, 400);
  });

  it('lists bookings by window, status and custodian with cursors', async () => {
    const [x] = await addItems(orgId, 'list', 1);
    const who = { name: 'Lister', email: 'lister@example.com' };
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await book({
        assetIds: [x],
        from: inHours(100 + i * 2),
        to: inHours(101 + i * 2),
        custodian: who,
      });
      assert.equal(r.status, 201);
      made.push(r.body.bookingId);
    }
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const q = new URLSearchParams({
        custodian: 'LISTER@example.com',
        status: 'reserved',
        from: inHours(99),
        to: inHours(200),
        limit: '2',
        ...(token ? { pageToken: token } : {}),
      });
      const page: {
        status: number;
        body: { bookings: BookingReply[]; nextPageToken: string | null };
      } = await call('GET', path(`/bookings?${q}`), { token: room.viewer.idToken });
      assert.equal(page.status, 200, JSON.stringify(page.body));
      seen.push(...page.body.bookings.map((b) => b.bookingId));
      token = page.body.nextPageToken;
    } while (token);
    assert.deepEqual(seen, made);
    const narrow = await call<{ bookings: BookingReply[] }>(
      'GET',
      path(
        `/bookings?from=${encodeURIComponent(inHours(102.5))}&to=${encodeURIComponent(inHours(104.5))}`,
      ),
      { token: room.viewer.idToken },
    );
    assert.deepEqual(
      narrow.body.bookings.map((b) => b.bookingId),
      [made[1], made[2]],
    );
    // Each filter alone is served by its own index too.
    for (const q of [
      `custodian=Lister`,
      `status=reserved&from=${encodeURIComponent(inHours(99))}`,
    ]) {
      const r = await call<{ bookings: BookingReply[] }>('GET', path(`/bookings?${q}`), {
        token: room.viewer.idToken,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      for (const id of made)
        assert.ok(
          r.body.bookings.some((b) => b.bookingId === id),
          q,
        );
    }
    const bad = await call('GET', path('/bookings?pageToken=nonsense'), {
      token: room.viewer.idToken,
    });
    assert.equal(bad.status, 400);
  });

  it('roles: a viewer books only with self-service, for themselves; a stranger never', async () => {
    const [x] = await addItems(orgId, 'roles', 1);
    const body = { assetIds: [x], from: inHours(50), to: inHours(51) };
    assert.equal((await book(body, room.viewer.idToken)).status, 403);
    assert.equal((await book({ ...body, custodian: crew }, room.stranger.idToken)).status, 403);
    assert.equal(
      (await call('GET', path('/bookings'), { token: room.stranger.idToken })).status,
      403,
    );
    assert.equal(
      (
        await call('GET', path(`/availability?from=${inHours(1)}&to=${inHours(2)}`), {
          token: room.stranger.idToken,
        })
      ).status,
      403,
    );
    await call('PATCH', path(''), {
      token: room.owner.idToken,
      body: { selfServiceCheckout: true },
    });
    try {
      const mine = await book(body, room.viewer.idToken);
      assert.equal(mine.status, 201, JSON.stringify(mine.body));
      assert.equal(mine.body.custodian.uid, room.viewer.uid);
      assert.equal((await book({ ...body, custodian: crew }, room.viewer.idToken)).status, 403);
      const theirs = await book({
        assetIds: [x],
        from: inHours(60),
        to: inHours(61),
        custodian: crew,
      });
      const pickUpTheirs = await call('POST', path('/checkouts'), {
        token: room.viewer.idToken,
        body: { assetIds: [x], bookingId: theirs.body.bookingId, partial: true },
      });
      assert.equal(pickUpTheirs.status, 403);
      const cancelTheirs = await call('POST', path(`/bookings/${theirs.body.bookingId}/cancel`), {
        token: room.viewer.idToken,
      });
      assert.equal(cancelTheirs.status, 403);
      const cancelMine = await call('POST', path(`/bookings/${mine.body.bookingId}/cancel`), {
        token: room.viewer.idToken,
      });
      assert.equal(cancelMine.status, 200);
    } finally {
      await call('PATCH', path(''), {
        token: room.owner.idToken,
        body: { selfServiceCheckout: false },
      });
    }
  });
});
