// Bookings (reserve items for a window, never double-booked) and availability. The conflict
// check is data/bookings.ts, in the transaction that writes the per-item booking index.
import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../domain/errors';
import { allows } from '../domain/roles';
import { availableItems, itemBusy } from '../data/availability';
import {
  createBooking,
  endBooking,
  getBooking,
  listBookings,
  updateBooking,
  type Booking,
} from '../data/bookings';
import { getOrganization } from '../data/organizations';
import { callerId } from './auth';
import {
  bookingWindow,
  custodianFor,
  instant,
  namedItems,
  shown,
  spendCustodyItems,
} from './custodyAccess';
import { orgEndpoint } from './declare';
import type { OrgAccess } from './routes';
import { json } from './schemas/replies';
import {
  availabilityQuery,
  bookingChangesBody,
  bookingListQuery,
  bookingSchema,
  busySchema,
  newBookingBody,
  windowQuery,
  zodBody,
} from './schemas/custody';

export const bookingsRouter = Router();

const tags = ['bookings'];
const selfService =
  'Editors and up book for anyone; any member for themselves when the organisation has selfServiceCheckout.';

function bookingView(b: Booking, zone: string) {
  return {
    ...b,
    from: shown(b.from, zone),
    to: shown(b.to, zone),
    createdAt: shown(b.createdAt, zone),
    updatedAt: shown(b.updatedAt, zone),
  };
}

/** A member below editor changes only their own bookings (and only with self-service). */
async function mayChange(access: OrgAccess, bookingId: string): Promise<void> {
  if (allows(access.role, 'write')) return;
  const [org, booking] = await Promise.all([
    getOrganization(access.orgId),
    getBooking(access.orgId, bookingId),
  ]);
  await custodianFor(access, org, booking.custodian);
}

orgEndpoint(
  bookingsRouter,
  'read',
  {
    method: 'post',
    path: '/bookings',
    summary: 'Book items for a window [from, to); 409 conflict names what overlaps',
    description: selfService,
    tags,
    body: zodBody(newBookingBody),
    replies: { 201: json('Reserved', bookingSchema) },
  },
  async (_req, res, access) => {
    const { body, orgId } = access;
    const org = await getOrganization(orgId);
    const zone = org.timeZone;
    const from = instant('from', body.from, zone);
    const to = instant('to', body.to, zone);
    bookingWindow(from, to, Date.now());
    const custodian = await custodianFor(access, org, body.custodian);
    if (!custodian) {
      throw new AppError(
        'invalid_argument',
        'custodian is required (an API key books for someone)',
        {
          field: 'custodian',
          errors: [{ field: 'custodian', message: 'is required' }],
        },
      );
    }
    const items = await namedItems(orgId, body);
    if (items.unknownCodes.length) {
      throw new AppError('not_found', `Unknown codes: ${items.unknownCodes.join(', ')}`, {
        unknownCodes: items.unknownCodes,
      });
    }
    await spendCustodyItems(orgId, items.assetIds.length);
    const booking = await createBooking(
      orgId,
      { assetIds: items.assetIds, from, to, custodian, note: body.note },
      callerId(access.caller),
    );
    res
      .status(201)
      .location(`/v1/orgs/${orgId}/bookings/${booking.bookingId}`)
      .json(bookingView(booking, zone));
  },
);

orgEndpoint(
  bookingsRouter,
  'read',
  {
    method: 'get',
    path: '/bookings/:bookingId',
    summary: 'One booking',
    tags,
    replies: { 200: json('The booking', bookingSchema) },
  },
  async (_req, res, { orgId, params }) => {
    const [org, booking] = await Promise.all([
      getOrganization(orgId),
      getBooking(orgId, params.bookingId),
    ]);
    res.json(bookingView(booking, org.timeZone));
  },
);

orgEndpoint(
  bookingsRouter,
  'read',
  {
    method: 'patch',
    path: '/bookings/:bookingId',
    summary: 'Extend, shorten, add or remove items (re-checked); once out, only to and note',
    description: selfService,
    tags,
    body: zodBody(bookingChangesBody),
    replies: { 200: json('The booking as it is now', bookingSchema) },
  },
  async (_req, res, access) => {
    const { body, orgId, params } = access;
    await mayChange(access, params.bookingId);
    const zone = (await getOrganization(orgId)).timeZone;
    if (Object.values(body).every((v) => v === undefined)) {
      throw new AppError(
        'invalid_argument',
        'nothing to change: give from, to, addAssetIds, removeAssetIds or note',
      );
    }
    await spendCustodyItems(orgId, body.addAssetIds?.length ?? 0);
    const booking = await updateBooking(
      orgId,
      params.bookingId,
      {
        from: body.from === undefined ? undefined : instant('from', body.from, zone),
        to: body.to === undefined ? undefined : instant('to', body.to, zone),
        addAssetIds: body.addAssetIds,
        removeAssetIds: body.removeAssetIds,
        note: body.note,
      },
      (from, to) => bookingWindow(from, to, Date.now()),
    );
    res.json(bookingView(booking, zone));
  },
);

orgEndpoint(
  bookingsRouter,
  'read',
  {
    method: 'post',
    path: '/bookings/:bookingId/cancel',
    summary: 'Cancel a reserved booking, freeing its items',
    description: selfService,
    tags,
    replies: { 200: json('Cancelled', bookingSchema) },
  },
  async (_req, res, access) => {
    const { orgId, params } = access;
    await mayChange(access, params.bookingId);
    const zone = (await getOrganization(orgId)).timeZone;
    const { booking } = await endBooking(
      orgId,
      params.bookingId,
      'cancelled',
      callerId(access.caller),
    );
    res.json(bookingView(booking, zone));
  },
);

orgEndpoint(
  bookingsRouter,
  'read',
  {
    method: 'get',
    path: '/bookings',
    summary: 'Bookings that overlap [from, to), by status and custodian, in order of their end',
    tags,
    query: bookingListQuery,
    replies: {
      200: json(
        'A page of bookings',
        z.object({ bookings: z.array(bookingSchema), nextPageToken: z.string().nullable() }),
      ),
    },
  },
  async (_req, res, { orgId, query }) => {
    const zone = (await getOrganization(orgId)).timeZone;
    const page = await listBookings(
      orgId,
      {
        from: query.from === undefined ? undefined : instant('from', query.from, zone),
        to: query.to === undefined ? undefined : instant('to', query.to, zone),
        status: query.status,
        custodian: query.custodian,
      },
      query.limit,
      query.pageToken,
    );
    res.json({
      bookings: page.items.map((b) => bookingView(b, zone)),
      nextPageToken: page.nextPageToken,
    });
  },
);

function windowOf(query: { from: string; to: string }, zone: string) {
  const from = instant('from', query.from, zone);
  const to = instant('to', query.to, zone);
  if (from >= to) {
    throw new AppError('invalid_argument', 'to must be after from', {
      field: 'to',
      errors: [{ field: 'to', message: 'must be after from' }],
    });
  }
  return { from, to };
}

orgEndpoint(
  bookingsRouter,
  'read',
  {
    method: 'get',
    path: '/availability',
    summary: 'Items free for the whole window [from, to), by category and location',
    description:
      'Examines `limit` items a page in asset id order and lists those free; follow nextPageToken for the rest.',
    tags,
    query: availabilityQuery,
    replies: {
      200: json(
        'The free items of this page',
        z.object({
          from: z.string(),
          to: z.string(),
          items: z.array(
            z.object({
              assetId: z.string(),
              name: z.string(),
              category: z.string(),
              locationId: z.string().nullable(),
            }),
          ),
          nextPageToken: z.string().nullable(),
        }),
      ),
    },
  },
  async (_req, res, { orgId, query }) => {
    const zone = (await getOrganization(orgId)).timeZone;
    const window = windowOf(query, zone);
    const page = await availableItems(
      orgId,
      window,
      { category: query.category, locationId: query.locationId },
      query.limit,
      query.pageToken,
    );
    res.json({
      from: shown(window.from, zone),
      to: shown(window.to, zone),
      ...page,
    });
  },
);

orgEndpoint(
  bookingsRouter,
  'read',
  {
    method: 'get',
    path: '/equipment/:assetId/availability',
    summary: 'The busy intervals of one item within [from, to)',
    tags,
    query: windowQuery,
    replies: {
      200: json(
        'Busy intervals, in order',
        z.object({
          assetId: z.string(),
          status: z.string(),
          from: z.string(),
          to: z.string(),
          busy: z.array(busySchema),
        }),
      ),
    },
  },
  async (_req, res, { orgId, params, query }) => {
    const zone = (await getOrganization(orgId)).timeZone;
    const window = windowOf(query, zone);
    const { status, busy } = await itemBusy(orgId, params.assetId, window);
    res.json({
      assetId: params.assetId,
      status,
      from: shown(window.from, zone),
      to: shown(window.to, zone),
      busy: busy.map((b) => ({ ...b, from: shown(b.from, zone), to: shown(b.to, zone) })),
    });
  },
);
