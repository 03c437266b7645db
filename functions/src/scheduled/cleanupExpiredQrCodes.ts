// Every hour: expired standalone codes of every organisation are removed with their Storage
// objects and scan tokens, page by page. Two runs at once, or one run twice, remove each code
// once: each removal carries a precondition on what was read (data/qrCodes.ts removeQrCode).
// A Firestore TTL policy on expiresAt is the backstop (docs/operations.md).
import { logger } from 'firebase-functions';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { expiredQrCodes, removeQrCode } from '../data/qrCodes';

const PAGE = 200;
/** At most this many pages a run; the next run goes on where this one stopped. */
const MAX_PAGES = 50;

export async function cleanupExpired(
  now: Date = new Date(),
): Promise<{ removed: number; skipped: number; pages: number }> {
  let removed = 0;
  let skipped = 0;
  let pages = 0;
  let after: FirebaseFirestore.QueryDocumentSnapshot | undefined;
  while (pages < MAX_PAGES) {
    const page = await expiredQrCodes(now, PAGE, after);
    pages += 1;
    for (const snap of page) {
      const orgId = snap.ref.parent.parent?.id;
      if (!orgId) continue;
      if (await removeQrCode(orgId, snap)) removed += 1;
      else skipped += 1;
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1];
  }
  return { removed, skipped, pages };
}

export const cleanupExpiredQrCodes = onSchedule(
  { schedule: 'every 60 minutes', timeoutSeconds: 540 },
  async () => {
    const counts = await cleanupExpired();
    logger.info('qr.cleanup', counts);
  },
);
