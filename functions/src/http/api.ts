// The HTTPS function `api`. The app is built on the first request, when params have values.
import type { Request, Response } from 'express';
import { onRequest } from 'firebase-functions/v2/https';
import { createApp } from './app';

let app: ReturnType<typeof createApp> | undefined;

export const api = onRequest({ cors: true }, (req: Request, res: Response) => {
  app ??= createApp();
  app(req, res);
});
