// The HTTPS function `api`. The app is built on the first request, when params have values.
import type { Request, Response } from 'express';
import { onRequest } from 'firebase-functions/v2/https';
import { API_MAX_INSTANCES, SCAN_HASH_SECRET } from '../config';
import { createApp } from './app';

let app: ReturnType<typeof createApp> | undefined;

/**
 * 300 s, not the 60 s default: a label PDF of 5 000 items took 17 to 60 s through the busy local
 * stack and a 10 000-row CSV upload 12 s (docs/operations.md), so the largest requests allowed
 * would come near 60 s; everything else answers in milliseconds and never meets the limit.
 */
const TIMEOUT_SECONDS = 300;

export const api = onRequest(
  {
    cors: true,
    timeoutSeconds: TIMEOUT_SECONDS,
    maxInstances: API_MAX_INSTANCES,
    // The visitor ids of scan records (data/scanRecords.ts); deploy asks for it once.
    secrets: [SCAN_HASH_SECRET],
  },
  (req: Request, res: Response) => {
    app ??= createApp();
    app(req, res);
  },
);
