// Every hour: expired standalone codes of every organisation are removed with their Storage
// objects and scan tokens, page by page. Two runs at once, or one run twice, remove each code
// once: each removal carries a precondition on what was read (data/qrCodes.ts removeQrCode).
// A Firestore TTL policy on expiresAt is the backstop (docs/operations.md).
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { removeExpiredQrCodes } from '../data/qrCodes';
import { qrCleanup } from '../logs';

export const cleanupExpiredQrCodes = onSchedule(
  { schedule: 'every 60 minutes', timeoutSeconds: 540 },
  async () => {
    const started = Date.now();
    const counts = await removeExpiredQrCodes();
    qrCleanup({ ...counts, durationMs: Date.now() - started });
  },
);
