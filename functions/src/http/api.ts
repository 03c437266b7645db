// The HTTPS function `api`. The app is built on the first request, when params have values.
import type { Request, Response } from 'express';
import { onRequest } from 'firebase-functions/v2/https';
import { API_MAX_INSTANCES } from '../config';
import { createApp } from './app';

let app: ReturnType<typeof createApp> | undefined;

export const api = onRequest(
  { cors: true, maxInstances: API_MAX_INSTANCES },
  (req: Request, res: Response) => {
    app ??= createApp();
    app(req, res);
  },
);
