// Liveness probe: answers without touching Firestore, so it says "the function runs", no more.
import { Router } from 'express';

export const healthRouter = Router();

healthRouter.get('/healthz', (_req, res) => {
  res.json({ status: 'ok', time: new Date().toISOString() });
});
