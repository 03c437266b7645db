// Liveness probe: answers without touching Firestore, so it says "the function runs", no more.
import { Router } from 'express';
import { z } from 'zod';
import { publicEndpoint } from './declare';
import { isoTime, json } from './schemas/replies';

export const healthRouter = Router();

publicEndpoint(
  healthRouter,
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness probe',
    tags: ['meta'],
    replies: {
      200: json('The function runs', z.object({ status: z.literal('ok'), time: isoTime })),
    },
  },
  (_req, res) => {
    res.json({ status: 'ok', time: new Date().toISOString() });
  },
);
