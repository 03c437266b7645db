// Scan timelines of a standalone code or an equipment item, in the organisation's time zone:
// JSON points, or the same series as a small SVG bar chart.
import { Router, type Request, type Response } from 'express';
import type { ScanTarget } from '../domain/scanTokens';
import { buildTimeline, TIMELINE_PERIODS, timelineDayRange, timelineSvg } from '../domain/timeline';
import { getOrganization } from '../data/organizations';
import { scanCounts } from '../data/scans';
import { getQrCode } from '../data/qrCodes';
import { equipmentExists } from '../data/equipment';
import { queryEnum } from './query';
import { orgRoute } from './routes';
import { AppError } from '../domain/errors';

export const timelinesRouter = Router();

async function sendTimeline(req: Request, res: Response, target: ScanTarget): Promise<void> {
  const period = queryEnum(req, 'period', TIMELINE_PERIODS, '30d');
  const format = queryEnum(req, 'format', ['json', 'svg'] as const, 'json');
  const { timeZone } = await getOrganization(target.orgId);
  const now = new Date();
  const range = timelineDayRange(period, timeZone, now);
  const counts = await scanCounts(target, range.from, range.to);
  const timeline = buildTimeline({ period, timeZone, now, counts });
  res.set('Cache-Control', 'private, no-cache');
  if (format === 'svg') res.type('image/svg+xml').send(timelineSvg(timeline));
  else res.json(timeline);
}

orgRoute(
  timelinesRouter,
  'get',
  '/qr-codes/:qrId/timeline',
  'readAnalytics',
  async (req, res, { orgId }) => {
    // An expired code's history is still history: read it without the 410.
    const qrId = req.params.qrId as string;
    await getQrCode(orgId, qrId).catch((err: unknown) => {
      if (!(err instanceof AppError && err.code === 'gone')) throw err;
    });
    await sendTimeline(req, res, { orgId, kind: 'qrCode', id: qrId });
  },
);

orgRoute(
  timelinesRouter,
  'get',
  '/equipment/:assetId/timeline',
  'readAnalytics',
  async (req, res, { orgId }) => {
    const assetId = req.params.assetId as string;
    if (!(await equipmentExists(orgId, assetId))) {
      throw new AppError('not_found', `Equipment ${assetId} not found`);
    }
    await sendTimeline(req, res, { orgId, kind: 'equipment', id: assetId });
  },
);
