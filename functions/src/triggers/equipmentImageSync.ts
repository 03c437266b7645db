// An equipment item's image, imported from its `imageUrl` in the background: whenever the URL is
// set or changes (from the API, a CSV upload or an app writing Firestore directly), or
// POST .../import-image asks again. The write that set the URL never waits.
//
// It runs on every write of an equipment document but ignores those where neither imageUrl nor
// image.requestId changed, which includes its own writes of `image` and the QR trigger's
// fields: it never loops and never competes with equipmentCreated.
//
// Failures that may heal (timeout, reset, 5xx, a Storage hiccup) throw, so the platform retries
// the event with backoff (retry: true), up to IMAGE_IMPORT_MAX_ATTEMPTS; the rest (4xx, refused
// address, too large, not an image) fail at once. Either way `image.error` says why.
import { createHash } from 'node:crypto';
import { onDocumentWritten } from 'firebase-functions/v2/firestore';
import { IMAGE_IMPORT_CONCURRENCY, IMAGE_IMPORT_MAX_INSTANCES, imageImportLimits } from '../config';
import { parseHostPortList } from '../domain/addresses';
import { convertImage, ImageError } from '../domain/imageConvert';
import {
  clearImage,
  deleteImageFolder,
  finishImport,
  recordFailure,
  startImport,
  storeImageFiles,
  wantedRequestId,
  wantedUrl,
  type WantedImage,
} from '../data/equipmentImages';
import { FetchError, safeFetch } from '../net/safeFetch';
import {
  equipmentImageBadAllowedHosts,
  equipmentImageBusy,
  equipmentImageCleared,
  equipmentImageFailed,
  equipmentImageItemDeleted,
  equipmentImageReady,
  equipmentImageSkipped,
  type ImageImportEvent,
} from '../logs';
import { giveUpWhenStale } from './retries';

/** Above the 30 s download and the decode; a run that takes longer is retried. */
const TIMEOUT_SECONDS = 120;
/**
 * How long a started import holds its claim: a duplicate delivery of the same event waits
 * (throws, to be retried) until then, unless the first one has finished.
 */
const LEASE_MS = TIMEOUT_SECONDS * 1000;
const MAX_REDIRECTS = 5;

/** A duplicate delivery found the same event's import running; the retry will find it done. */
class ImportBusyError extends Error {}

export const equipmentImageSync = onDocumentWritten(
  {
    document: 'organizations/{orgId}/equipment/{assetId}',
    retry: true,
    timeoutSeconds: TIMEOUT_SECONDS,
    // A 50-megapixel image decodes to 200 MB (4 bytes a pixel) and resizing needs a second
    // buffer; 1 GiB holds a few of those at once. Cloud Run needs a whole vCPU for concurrency
    // above 1.
    memory: '1GiB',
    cpu: 1,
    // Together these bound the downloads in flight: 10 × 4 = 40 by default, whatever the size
    // of a CSV upload; further events wait in the queue and are retried by the platform.
    concurrency: IMAGE_IMPORT_CONCURRENCY,
    maxInstances: IMAGE_IMPORT_MAX_INSTANCES,
  },
  giveUpWhenStale(
    'equipmentImageSync',
    async (event) => {
      const { orgId, assetId } = event.params;
      const { before, after, want, changed } = wanted(event);
      if (!after) {
        const deleted = await deleteImageFolder(before);
        if (deleted) equipmentImageItemDeleted({ orgId, assetId, deleted });
        return;
      }
      if (!changed) return;
      if (!want) {
        const cleared = await clearImage(orgId, assetId);
        equipmentImageCleared({ orgId, assetId, cleared });
        return;
      }
      const importId = importIdOf(event.id);
      const log = { orgId, assetId, eventId: event.id, importId, sourceUrl: want.sourceUrl };
      await runImport(orgId, assetId, want, importId, log);
    },
    {
      // Only an import is given up; deletions, clearing and ignored writes are cheap.
      exempt: (event) => {
        const { after, want, changed } = wanted(event);
        return !after || !changed || !want;
      },
      onGiveUp: async (event) => {
        const want = wanted(event).want;
        if (!want) return;
        await recordFailure(
          event.params.orgId,
          event.params.assetId,
          want,
          importIdOf(event.id),
          'The import kept failing for an hour and was given up.',
          true,
        );
      },
    },
  ),
);

type Snapshot = { data(): FirebaseFirestore.DocumentData | undefined } | undefined;

/** What an equipment write asks of the importer: the image it wants and whether that changed. */
function wanted(event: { data?: { before: Snapshot; after: Snapshot } }) {
  const before = event.data?.before?.data();
  const after = event.data?.after?.data();
  const sourceUrl = wantedUrl(after);
  const want: WantedImage | null = sourceUrl
    ? { sourceUrl, requestId: wantedRequestId(after) }
    : null;
  const changed =
    wantedUrl(before) !== wantedUrl(after) || wantedRequestId(before) !== wantedRequestId(after);
  return { before, after, want, changed };
}

/** One import per event: a duplicate delivery of the event finds the same import. */
const importIdOf = (eventId: string): string =>
  createHash('sha256').update(eventId).digest('hex').slice(0, 20);

async function runImport(
  orgId: string,
  assetId: string,
  want: WantedImage,
  importId: string,
  log: ImageImportEvent,
): Promise<void> {
  const limits = imageImportLimits();
  const allowed = parseHostPortList(limits.allowedHosts);
  if (allowed.invalid.length > 0) {
    equipmentImageBadAllowedHosts({ invalid: allowed.invalid });
  }
  const start = await startImport(orgId, assetId, want, importId, LEASE_MS);
  if (start.outcome === 'busy') {
    equipmentImageBusy(log);
    throw new ImportBusyError('another delivery of this event is importing the image');
  }
  if (start.outcome !== 'go') {
    equipmentImageSkipped({ ...log, outcome: start.outcome });
    return;
  }
  const attempts = start.attempts;
  const startedAt = Date.now();
  try {
    const fetched = await safeFetch(want.sourceUrl, {
      connectTimeoutMs: limits.connectTimeoutMs,
      timeoutMs: limits.timeoutMs,
      maxBytes: limits.maxBytes,
      maxRedirects: MAX_REDIRECTS,
      allowedHosts: allowed.entries,
    });
    const image = await convertImage(fetched.body, {
      maxPixels: limits.maxPixels,
      contentType: fetched.contentType,
    });
    const stored = await storeImageFiles(
      orgId,
      assetId,
      importId,
      image.full,
      image.thumb,
      image.sourceMimeType,
    );
    const written = await finishImport(orgId, assetId, want, importId, stored);
    equipmentImageReady(written, {
      ...log,
      attempts,
      downloadedBytes: fetched.body.length,
      redirects: fetched.redirects,
      sourceType: image.sourceType,
      width: image.full.width,
      height: image.full.height,
      durationMs: Date.now() - startedAt,
    });
  } catch (err) {
    const known = err instanceof FetchError || err instanceof ImageError;
    // FetchErrors say whether a retry may help; image errors never heal; anything else (Storage,
    // Firestore) is ours and worth another try.
    const retryable = err instanceof FetchError ? err.retryable : !known;
    const final = !retryable || attempts >= limits.maxAttempts;
    const reason = known
      ? err.message
      : 'The image could not be stored because of an internal error.';
    const message =
      retryable && final
        ? `${reason} Gave up after ${attempts} attempts.`
        : retryable
          ? `${reason} Trying again (attempt ${attempts} of ${limits.maxAttempts}).`
          : reason;
    await recordFailure(orgId, assetId, want, importId, message, final);
    equipmentImageFailed(final, {
      ...log,
      attempts,
      kind: err instanceof FetchError || err instanceof ImageError ? err.kind : 'internal',
      error: err,
    });
    if (!final) throw err;
  }
}
