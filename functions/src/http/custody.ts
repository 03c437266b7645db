// Check-out and check-in by scanning, a checkout, the open and overdue list, and an item's
// custody history. The work is data/custody.ts checkOut/checkIn (one transaction each).
import { Router } from 'express';
import { z } from 'zod';
import type { Custodian } from '../domain/custody';
import { AppError } from '../domain/errors';
import { allows } from '../domain/roles';
import { checkIn, checkOut, shownProblem } from '../data/custody';
import { getCheckout, itemCustodyHistory, listCheckouts, type Checkout } from '../data/checkouts';
import { getBooking } from '../data/bookings';
import { getOrganization } from '../data/organizations';
import { callerId } from './auth';
import { custodianFor, instant, namedItems, shown, spendCustodyItems } from './custodyAccess';
import { orgEndpoint } from './declare';
import { json } from './schemas/replies';
import {
  checkinBody,
  checkinResultSchema,
  checkoutBody,
  checkoutCreatedSchema,
  checkoutListQuery,
  checkoutSchema,
  custodyEntrySchema,
  historyQuery,
  zodBody,
} from './schemas/custody';

export const custodyRouter = Router();

const tags = ['custody'];
const selfService =
  'Editors and up act for anyone; any member for themselves when the organisation has selfServiceCheckout.';

function checkoutView(c: Checkout, zone: string) {
  return {
    ...c,
    dueAt: shown(c.dueAt, zone),
    at: shown(c.at, zone),
    returnedAt: shown(c.returnedAt, zone),
    returns: c.returns.map((r) => ({ ...r, at: shown(r.at, zone) })),
  };
}

orgEndpoint(
  custodyRouter,
  'read',
  {
    method: 'post',
    path: '/checkouts',
    summary: 'Check items out (by asset ids or scanned codes), all or nothing unless partial',
    description: selfService,
    tags,
    body: zodBody(checkoutBody),
    replies: { 201: json('Checked out', checkoutCreatedSchema) },
  },
  async (_req, res, access) => {
    const { body, orgId } = access;
    const org = await getOrganization(orgId);
    const zone = org.timeZone;
    const dueAt = body.dueAt === undefined ? undefined : instant('dueAt', body.dueAt, zone);
    if (dueAt !== undefined && dueAt <= Date.now()) {
      throw new AppError('invalid_argument', 'dueAt must be in the future', {
        field: 'dueAt',
        errors: [{ field: 'dueAt', message: 'must be in the future' }],
      });
    }
    // An editor picking up a booking without naming anyone checks it out to its custodian.
    const useBooking = body.bookingId && !body.custodian && allows(access.role, 'write');
    const custodian: Custodian | undefined = useBooking
      ? undefined
      : await custodianFor(access, org, body.custodian);
    if (body.bookingId && !allows(access.role, 'write')) {
      // A member picks up only their own booking.
      await custodianFor(access, org, (await getBooking(orgId, body.bookingId)).custodian);
    }
    const items = await namedItems(orgId, body);
    await spendCustodyItems(orgId, items.assetIds.length);
    const result = await checkOut({
      orgId,
      assetIds: items.assetIds,
      codes: items.codes,
      unknownCodes: items.unknownCodes,
      custodian,
      dueAt,
      bookingId: body.bookingId,
      note: body.note,
      partial: body.partial === true,
      by: callerId(access.caller),
    });
    res
      .status(201)
      .location(`/v1/orgs/${orgId}/checkouts/${result.checkoutId}`)
      .json({
        checkoutId: result.checkoutId,
        status: 'open',
        assetIds: result.assetIds,
        custodian: result.custodian,
        dueAt: shown(result.dueAt, zone),
        bookingId: result.bookingId,
        unavailable: result.unavailable.map(shownProblem),
      });
  },
);

orgEndpoint(
  custodyRouter,
  'read',
  {
    method: 'post',
    path: '/checkins',
    summary: 'Check items in (any subset, from one or several checkouts)',
    description: selfService,
    tags,
    body: zodBody(checkinBody),
    replies: { 200: json('What came back', checkinResultSchema) },
  },
  async (_req, res, access) => {
    const { body, orgId } = access;
    if (!allows(access.role, 'write')) {
      // Below editor only with self-service on; any item may be handed back (a return is never
      // what the room wants to stop).
      await custodianFor(access, await getOrganization(orgId), undefined);
    }
    const items = await namedItems(orgId, body);
    const result = items.assetIds.length
      ? await checkIn({
          orgId,
          assetIds: items.assetIds,
          condition: body.condition,
          note: body.note,
          locationId: body.locationId,
          by: callerId(access.caller),
        })
      : { returned: [], notCheckedOut: [], checkouts: [] };
    res.json({ ...result, unknownCodes: items.unknownCodes });
  },
);

orgEndpoint(
  custodyRouter,
  'read',
  {
    method: 'get',
    path: '/checkouts/:checkoutId',
    summary: 'One checkout: its items, what is still out, and its returns',
    tags,
    replies: { 200: json('The checkout', checkoutSchema) },
  },
  async (_req, res, { orgId, params }) => {
    const [org, checkout] = await Promise.all([
      getOrganization(orgId),
      getCheckout(orgId, params.checkoutId),
    ]);
    res.json(checkoutView(checkout, org.timeZone));
  },
);

orgEndpoint(
  custodyRouter,
  'read',
  {
    method: 'get',
    path: '/checkouts',
    summary: 'Checkouts by status and custodian, newest first',
    tags,
    query: checkoutListQuery,
    replies: {
      200: json(
        'A page of checkouts',
        z.object({ checkouts: z.array(checkoutSchema), nextPageToken: z.string().nullable() }),
      ),
    },
  },
  async (_req, res, { orgId, query }) => {
    const [org, page] = await Promise.all([
      getOrganization(orgId),
      listCheckouts(
        orgId,
        { status: query.status, custodian: query.custodian },
        query.limit,
        query.pageToken,
      ),
    ]);
    res.json({
      checkouts: page.items.map((c) => checkoutView(c, org.timeZone)),
      nextPageToken: page.nextPageToken,
    });
  },
);

orgEndpoint(
  custodyRouter,
  'read',
  {
    method: 'get',
    path: '/equipment/:assetId/custody',
    summary: 'An item’s checkouts and returns, newest first',
    tags,
    query: historyQuery,
    replies: {
      200: json(
        'A page of the item’s history',
        z.object({ history: z.array(custodyEntrySchema), nextPageToken: z.string().nullable() }),
      ),
    },
  },
  async (_req, res, { orgId, params, query }) => {
    const [org, page] = await Promise.all([
      getOrganization(orgId),
      itemCustodyHistory(orgId, params.assetId, query.limit, query.pageToken),
    ]);
    const zone = org.timeZone;
    res.json({
      history: page.items.map((e) => ({
        ...e,
        checkedOutAt: shown(e.checkedOutAt, zone),
        dueAt: shown(e.dueAt, zone),
        returnedAt: shown(e.returnedAt, zone),
      })),
      nextPageToken: page.nextPageToken,
    });
  },
);
