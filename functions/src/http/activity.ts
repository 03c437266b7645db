// The activity log: filtered, newest first, with cursors; an item's history; streamed exports.
// Viewers and up read it; member, key, invitation and webhook events are for admins and up.
import { Router } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { listActivity, walkActivity } from '../data/activity';
import type { ActivityFilter } from '../domain/events/filter';
import { activityCsvLines, activityNdjsonLines } from '../domain/events/csv';
import { activityFilter } from '../domain/events/filter';
import { sendCsv } from './csvReply';
import { orgEndpoint } from './declare';
import {
  activityPageSchema,
  activityQueryShape,
  exportQueryShape,
  historyQueryShape,
} from './schemas/activity';
import { json, media } from './schemas/replies';

export const activityRouter = Router();
const tags = ['activity'];

orgEndpoint(
  activityRouter,
  'read',
  {
    method: 'get',
    path: '/activity',
    summary: 'The activity log, newest first (member and key events for admins and up)',
    tags,
    query: activityQueryShape,
    replies: { 200: json('A page of events', activityPageSchema) },
  },
  async (_req, res, { orgId, role, query }) => {
    const filter = activityFilter(query, role);
    res.json(await listActivity(orgId, filter, { limit: query.limit, pageToken: query.pageToken }));
  },
);

orgEndpoint(
  activityRouter,
  'read',
  {
    method: 'get',
    path: '/activity/export',
    summary: 'The activity log as NDJSON or CSV, streamed (same filters as the list)',
    tags,
    query: exportQueryShape,
    replies: {
      200: media('One event per line (NDJSON), or a CSV file', 'application/x-ndjson', 'text/csv'),
    },
  },
  async (_req, res, { orgId, role, query }) => {
    const events = walkActivity(orgId, activityFilter(query, role));
    if (query.format === 'csv') {
      await sendCsv(res, `activity-${orgId}.csv`, activityCsvLines(events));
      return;
    }
    res.status(200).set({
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': `attachment; filename="activity-${orgId}.ndjson"`,
      'Cache-Control': 'no-store',
    });
    await pipeline(Readable.from(activityNdjsonLines(events)), res);
  },
);

orgEndpoint(
  activityRouter,
  'read',
  {
    method: 'get',
    path: '/equipment/:assetId/history',
    summary: 'The events of one item, newest first',
    tags,
    query: historyQueryShape,
    replies: { 200: json('A page of the item’s events', activityPageSchema) },
  },
  async (_req, res, { orgId, params, query }) => {
    const filter: ActivityFilter = { subjectKind: 'equipment', subjectId: params.assetId };
    res.json(await listActivity(orgId, filter, { limit: query.limit, pageToken: query.pageToken }));
  },
);
