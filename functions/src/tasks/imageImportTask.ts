// equipmentImageImport: the task queue function that imports one equipment image (fetch,
// convert, store: data/equipmentImageImport.ts). equipmentImageSync enqueues one task per
// import, so a 10 000-row upload does not start 10 000 downloads: the queue dispatches at most
// IMAGE_IMPORT_MAX_DISPATCHES at once (rateLimits.maxConcurrentDispatches), in production and
// in the local stack's Cloud Tasks emulator alike.
//
// Failures: a failure that may heal (timeout, reset, 5xx, a Storage hiccup) or a duplicate
// dispatch that finds the import running throws, so Cloud Tasks retries the task with backoff
// (retryConfig); the document counts attempts and marks the image failed after
// IMAGE_IMPORT_MAX_ATTEMPTS (domain/imageImportPolicy.ts), which stays below the queue's
// maxAttempts. A task over an hour old is given up with the reason written on the item, as
// triggers/retries.ts does for events. A task whose data is not an import is logged and
// dropped (answering 2xx): retrying it could never help.
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import {
  IMAGE_IMPORT_CONCURRENCY,
  IMAGE_IMPORT_MAX_DISPATCHES,
  IMAGE_IMPORT_MAX_INSTANCES,
} from '../config';
import { parseImageImportTask } from '../domain/imageImportTask';
import { importEquipmentImage } from '../data/equipmentImageImport';
import { recordFailure } from '../data/equipmentImages';
import { equipmentImageTaskRefused, triggerGaveUp } from '../logs';
import { isStaleEvent } from '../triggers/retries';

/** Above the 30 s download and the decode; a run that takes longer is retried. */
export const IMAGE_IMPORT_TIMEOUT_SECONDS = 120;
/** How long a started import holds its claim against a duplicate dispatch of its task. */
const LEASE_MS = IMAGE_IMPORT_TIMEOUT_SECONDS * 1000;

export const equipmentImageImport = onTaskDispatched(
  {
    retryConfig: {
      // IMAGE_IMPORT_MAX_ATTEMPTS (default 5) ends an import that keeps failing; the queue
      // allows more, for dispatches that found the import busy (they count no attempt).
      maxAttempts: 12,
      // 2 s, 4 s, 8 s, 16 s, 32 s, then 60 s: an image server that hiccups gets a second
      // chance soon; one that is down is left alone for a minute at a time.
      minBackoffSeconds: 2,
      maxBackoffSeconds: 60,
      maxDoublings: 5,
    },
    rateLimits: { maxConcurrentDispatches: IMAGE_IMPORT_MAX_DISPATCHES },
    timeoutSeconds: IMAGE_IMPORT_TIMEOUT_SECONDS,
    // A 50-megapixel image decodes to 200 MB (4 bytes a pixel) and resizing needs a second
    // buffer; 1 GiB holds a few of those at once. Cloud Run needs a whole vCPU for concurrency
    // above 1.
    memory: '1GiB',
    cpu: 1,
    concurrency: IMAGE_IMPORT_CONCURRENCY,
    maxInstances: IMAGE_IMPORT_MAX_INSTANCES,
  },
  async (req) => {
    const parsed = parseImageImportTask(req.data);
    if (!parsed.ok) {
      equipmentImageTaskRefused({ taskId: req.id ?? null, reason: parsed.reason });
      return;
    }
    const t = parsed.task;
    const want = { sourceUrl: t.sourceUrl, requestId: t.requestId };
    if (isStaleEvent(t.eventTime)) {
      triggerGaveUp({
        trigger: 'equipmentImageImport',
        eventId: t.eventId,
        eventTime: t.eventTime,
        params: { orgId: t.orgId, assetId: t.assetId },
      });
      await recordFailure(
        t.orgId,
        t.assetId,
        want,
        t.importId,
        'The import kept failing for an hour and was given up.',
        true,
        t.owner,
      );
      return;
    }
    const log = {
      orgId: t.orgId,
      assetId: t.assetId,
      eventId: t.eventId,
      importId: t.importId,
      sourceUrl: t.sourceUrl,
    };
    await importEquipmentImage(t.orgId, t.assetId, want, t.importId, LEASE_MS, log, t.owner);
  },
);
