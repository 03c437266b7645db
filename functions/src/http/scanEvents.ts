// POST /v1/orgs/{orgId}/scan-events: the scan ledger for scanners that are not Firebase apps.
// Each event needs the role its type needs (seen and audit: viewer; move: editor; checkout and
// checkin: editor, or a member for themselves when the organisation has selfServiceCheckout).
import { Router } from 'express';
import { allows } from '../domain/roles';
import { mayScan, validateBulkEvents } from '../domain/scanEvents';
import { applyBulk } from '../data/ledgerBulk';
import { getOrganization } from '../data/organizations';
import { callerId } from './auth';
import { orgEndpoint } from './declare';
import { json } from './schemas/replies';
import { bulkEventsBody, bulkResultSchema } from './schemas/scanEvents';

export const scanEventsRouter = Router();

orgEndpoint(
  scanEventsRouter,
  'read',
  {
    method: 'post',
    path: '/scan-events',
    summary: 'Send up to 500 scan events; each is applied once and answered with its result',
    description:
      'The same ledger client apps write in Firestore (organizations/{orgId}/scanEvents). A bad ' +
      'event is answered `refused` with reason `invalid_event` and its errors; the others are ' +
      'applied. A scanId sent before is answered `duplicate` (reason `already_received`).',
    tags: ['audits'],
    body: { schema: bulkEventsBody, validate: validateBulkEvents },
    replies: { 200: json('Each event’s result, in the order sent', bulkResultSchema) },
  },
  async (_req, res, access) => {
    const by = callerId(access.caller);
    const uid = access.caller.kind === 'user' ? access.caller.uid : undefined;
    const needsSelfService = access.body.entries.some(
      (e) => e.ok && (e.event.type === 'checkout' || e.event.type === 'checkin'),
    );
    const selfService =
      needsSelfService &&
      !allows(access.role, 'write') &&
      (await getOrganization(access.orgId)).selfServiceCheckout;
    const role = { read: allows(access.role, 'read'), write: allows(access.role, 'write') };
    // A checkout's custodian defaults to the scanner, who must then be a person.
    const entries = access.body.entries.map((e) =>
      e.ok && !uid && e.event.type === 'checkout' && !e.event.custodian
        ? {
            index: e.index,
            ok: false as const,
            scanId: e.scanId,
            errors: [
              {
                field: `events[${e.index}].custodian`,
                message: 'is required when an API key sends a checkout',
              },
            ],
          }
        : e,
    );
    const results = await applyBulk(access.orgId, entries, by, (event) => {
      const custodian = event.custodian;
      const forThemselves =
        uid !== undefined && (!custodian || ('uid' in custodian && custodian.uid === uid));
      return mayScan(event.type, role, selfService, forThemselves);
    });
    res.json({ results });
  },
);
