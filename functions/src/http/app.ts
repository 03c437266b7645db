// The Express app behind the `api` function: body parsing, routers, then the JSON error handler.
import express, { type Router } from 'express';
import { maxJsonBodyBytes, trustedProxyHops } from '../config';
import { errorHandler, notFoundHandler } from './errors';
import { healthRouter } from './health';
import { openApiRouter } from './openapi';
import { locationsRouter } from './locations';
import { membersRouter } from './members';
import { invitationsRouter } from './invitations';
import { organizationsRouter } from './organizations';
import { apiKeysRouter } from './apiKeys';
import { equipmentCodesRouter } from './equipmentCodes';
import { equipmentImagesRouter } from './equipmentImages';
import { equipmentRouter } from './equipment';
import { qrCodesRouter } from './qrCodes';
import { scansRouter } from './scans';
import { timelinesRouter } from './timelines';
import { labelsRouter } from './labels';
import { tagsRouter } from './tags';
import { ordersRouter } from './manufacturing/orders';
import { mastersRouter } from './manufacturing/masters';
import { prepJobsRouter } from './manufacturing/prepJobs';
import { scanEventsRouter } from './scanEvents';
import { auditsRouter } from './audits';
import { custodyRouter } from './custody';
import { bookingsRouter } from './bookings';
import { scanRecordsRouter } from './scanRecords';
import { productCodesRouter } from './productCodes';
import { businessQrRouter } from './businessQr';
import { activityRouter } from './activity';
import { webhooksRouter } from './webhooks';
import { stockRouter } from './stock';
import { suppliersRouter } from './suppliers';
import { reordersRouter } from './reorders';
import { rejectEmptyPathSegments } from './routes';
import { limitJsonBody } from './sizeLimits';
import { requestLog } from './requestLog';

/** The resource routers, in the order they are tried. */
export const routers: Router[] = [
  healthRouter,
  openApiRouter,
  organizationsRouter,
  membersRouter,
  invitationsRouter,
  apiKeysRouter,
  locationsRouter,
  qrCodesRouter,
  equipmentRouter,
  equipmentCodesRouter,
  equipmentImagesRouter,
  scansRouter,
  timelinesRouter,
  labelsRouter,
  tagsRouter,
  ordersRouter,
  mastersRouter,
  prepJobsRouter,
  scanEventsRouter,
  auditsRouter,
  custodyRouter,
  bookingsRouter,
  scanRecordsRouter,
  productCodesRouter,
  businessQrRouter,
  activityRouter,
  webhooksRouter,
  stockRouter,
  suppliersRouter,
  reordersRouter,
];

export function createApp(routes: Router[] = routers): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Each trusted proxy appends the address it was reached from to X-Forwarded-For. Trusting
  // exactly as many hops as there are proxies makes req.ip the client's address; entries a client
  // wrote into the header itself stay to its left and are ignored, so nobody picks their own
  // rate-limit bucket. TRUSTED_PROXY_HOPS is read here, when the first request builds the app.
  app.set('trust proxy', trustedProxyHops());
  app.use(requestLog);
  app.use(limitJsonBody);
  // In production the Functions framework may already have parsed the body; express.json()
  // then leaves it alone. Locally and in tests, this is where bad JSON becomes a 400.
  app.use(express.json({ limit: maxJsonBodyBytes() }));
  app.use('/v1', rejectEmptyPathSegments);
  for (const router of routes) app.use(router);
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
