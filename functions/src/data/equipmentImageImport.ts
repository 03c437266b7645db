// One import of an equipment item's image, from the URL to the stored WebP files: claim it, fetch
// the URL (net/safeFetch.ts), convert the bytes (domain/imageConvert.ts), store both files and
// write the result; a failure is written onto the item by the policy of
// domain/imageImportPolicy.ts. The trigger (triggers/equipmentImageSync.ts) only decides that an
// event wants an import.
import { imageImportLimits } from '../config';
import { parseHostPortList } from '../domain/addresses';
import { convertImage, ImageError } from '../domain/imageConvert';
import {
  importFailureOutcome,
  INTERNAL_FAILURE_REASON,
  type ImportFailure,
} from '../domain/imageImportPolicy';
import {
  equipmentImageBadAllowedHosts,
  equipmentImageBusy,
  equipmentImageFailed,
  equipmentImageReady,
  equipmentImageSkipped,
  type ImageImportEvent,
} from '../logs';
import { FetchError, safeFetch } from '../net/safeFetch';
import {
  finishImport,
  recordFailure,
  startImport,
  storeImageFiles,
  type ImageOwner,
  type WantedImage,
} from './equipmentImages';

const MAX_REDIRECTS = 5;

/** A duplicate delivery found the same event's import running; the retry will find it done. */
export class ImportBusyError extends Error {
  constructor() {
    super('another delivery of this event is importing the image');
    this.name = 'ImportBusyError';
  }
}

/** Which failures may heal: the fetcher says; image errors never do; anything else is ours. */
function classify(err: unknown): ImportFailure {
  if (err instanceof FetchError) {
    return { kind: err.kind, reason: err.message, retryable: err.retryable };
  }
  if (err instanceof ImageError) return { kind: err.kind, reason: err.message, retryable: false };
  return { kind: 'internal', reason: INTERNAL_FAILURE_REASON, retryable: true };
}

/**
 * Imports the image `want` asks for, as import `importId` (one per event). Resolves when it is
 * done, superseded or failed for good; rejects (so the platform retries the event) when another
 * delivery holds the claim or a failure may heal.
 */
export async function importEquipmentImage(
  orgId: string,
  assetId: string,
  want: WantedImage,
  importId: string,
  leaseMs: number,
  log: ImageImportEvent,
  owner: ImageOwner = 'equipment',
): Promise<void> {
  const limits = imageImportLimits();
  const allowed = parseHostPortList(limits.allowedHosts);
  if (allowed.invalid.length > 0) equipmentImageBadAllowedHosts({ invalid: allowed.invalid });
  const start = await startImport(orgId, assetId, want, importId, leaseMs, owner);
  if (start.outcome === 'busy') {
    equipmentImageBusy(log);
    throw new ImportBusyError();
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
      owner,
    );
    const written = await finishImport(orgId, assetId, want, importId, stored, owner);
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
    const failure = classify(err);
    const outcome = importFailureOutcome(failure, attempts, limits.maxAttempts);
    await recordFailure(orgId, assetId, want, importId, outcome.message, outcome.final, owner);
    equipmentImageFailed(outcome.final, { ...log, attempts, kind: failure.kind, error: err });
    if (!outcome.final) throw err;
  }
}
