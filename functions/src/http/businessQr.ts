// The organisation's own code ("business QR"): its image (viewer and up, the options and
// ETag/304 of every QR image route) and its scan timeline (analyst and up). The code encodes a
// tracked scan URL made once and never changed; where it lands (the businessUrl, or a page
// with the organisation's name) is decided at each scan (data/scanLanding.ts).
import { Router } from 'express';
import { ensureBusinessScanUrl } from '../data/businessQr';
import { orgEndpoint } from './declare';
import { sendQrImage } from './qrImage';
import { timed } from './serverTiming';
import { qrImageRoute, timelineQuery } from './schemas/qr';
import { sendTimeline, timelineReply } from './timelines';

export const businessQrRouter = Router();

const tags = ['qr-codes'];

orgEndpoint(
  businessQrRouter,
  'read',
  {
    method: 'get',
    path: '/qr-business/image',
    summary: 'The organisation’s business QR as a PNG or SVG image (a tracked scan URL)',
    tags,
    ...qrImageRoute,
  },
  async (req, res, { orgId, query }) => {
    const { scanUrl } = await timed(req, 'resource', () => ensureBusinessScanUrl(orgId));
    sendQrImage(req, res, query, scanUrl, `business-${orgId}`);
  },
);

orgEndpoint(
  businessQrRouter,
  'readAnalytics',
  {
    method: 'get',
    path: '/qr-business/timeline',
    summary: 'Scans of the business QR over time (JSON, or an SVG chart with format=svg)',
    tags: ['analytics'],
    query: timelineQuery,
    replies: { 200: timelineReply },
  },
  async (_req, res, { orgId, query }) => {
    await sendTimeline(res, query, { orgId, kind: 'organization', id: orgId });
  },
);
