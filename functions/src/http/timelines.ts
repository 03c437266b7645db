// Scan timelines of a standalone code or an equipment item, in the organisation's time zone:
// JSON points, or the same series as a small SVG bar chart.
import { Router, type Response } from 'express';
import type { z } from 'zod';
import type { ScanTarget } from '../domain/scanTokens';
import { buildTimeline, timelineDayRange, timelineSvg } from '../domain/timeline';
import { getOrganization } from '../data/organizations';
import { scanCounts } from '../data/scans';
import { getQrCode } from '../data/qrCodes';
import { equipmentExists } from '../data/equipment';
import { orgEndpoint } from './declare';
import { json } from './schemas/replies';
import { timelineQuery, timelineSchema } from './schemas/qr';
import { AppError } from '../domain/errors';

export const timelinesRouter = Router();

type TimelineQuery = { [K in keyof typeof timelineQuery]: z.output<(typeof timelineQuery)[K]> };

export async function sendTimeline(res: Response, query: TimelineQuery, target: ScanTarget) {
  const { timeZone } = await getOrganization(target.orgId);
  const now = new Date();
  const range = timelineDayRange(query.period, timeZone, now);
  const counts = await scanCounts(target, range.from, range.to);
  const timeline = buildTimeline({ period: query.period, timeZone, now, counts });
  res.set('Cache-Control', 'private, no-cache');
  if (query.format === 'svg') res.type('image/svg+xml').send(timelineSvg(timeline));
  else res.json(timeline);
}

export const timelineReply = json(
  'Scans per day (or week, for 1y) in the organisation’s time zone; an SVG chart with format=svg',
  timelineSchema,
  'image/svg+xml',
);

orgEndpoint(
  timelinesRouter,
  'readAnalytics',
  {
    method: 'get',
    path: '/qr-codes/:qrId/timeline',
    summary: 'Scans of a standalone code over time (JSON, or an SVG chart with format=svg)',
    tags: ['analytics'],
    query: timelineQuery,
    replies: { 200: timelineReply },
  },
  async (_req, res, { orgId, params, query }) => {
    // An expired code's history is still history: read it without the 410.
    await getQrCode(orgId, params.qrId).catch((err: unknown) => {
      if (!(err instanceof AppError && err.code === 'gone')) throw err;
    });
    await sendTimeline(res, query, { orgId, kind: 'qrCode', id: params.qrId });
  },
);

orgEndpoint(
  timelinesRouter,
  'readAnalytics',
  {
    method: 'get',
    path: '/equipment/:assetId/timeline',
    summary: 'Scans of an equipment item over time (JSON, or an SVG chart with format=svg)',
    tags: ['analytics'],
    query: timelineQuery,
    replies: { 200: timelineReply },
  },
  async (_req, res, { orgId, params, query }) => {
    if (!(await equipmentExists(orgId, params.assetId))) {
      throw new AppError('not_found', `Equipment ${params.assetId} not found`);
    }
    await sendTimeline(res, query, { orgId, kind: 'equipment', id: params.assetId });
  },
);
