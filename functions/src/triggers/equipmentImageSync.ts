// An equipment item's image, imported from its `imageUrl` in the background: whenever the URL is
// set or changes (from the API, a CSV upload or an app writing Firestore directly), or
// POST .../import-image asks again. The write that set the URL never waits.
//
// It runs on every write of an equipment document but ignores those where neither imageUrl nor
// image.requestId changed, which includes its own writes of `image` and the QR trigger's
// fields: it never loops and never competes with equipmentCreated.
//
// Parse the event, call data/: the import itself (fetch, convert, store) is
// data/equipmentImageImport.ts and its failure policy domain/imageImportPolicy.ts. Failures that
// may heal (timeout, reset, 5xx, a Storage hiccup) throw, so the platform retries the event with
// backoff (retry: true), up to IMAGE_IMPORT_MAX_ATTEMPTS; the rest (4xx, refused address or
// port, too large, not an image) fail at once. Either way `image.error` says why.
import { createHash } from 'node:crypto';
import { onDocumentWritten } from 'firebase-functions/v2/firestore';
import { IMAGE_IMPORT_CONCURRENCY, IMAGE_IMPORT_MAX_INSTANCES } from '../config';
import { importEquipmentImage } from '../data/equipmentImageImport';
import {
  clearImage,
  deleteImageFolder,
  recordFailure,
  wantedRequestId,
  wantedUrl,
  type ImageOwner,
  type WantedImage,
} from '../data/equipmentImages';
import { equipmentImageCleared, equipmentImageItemDeleted } from '../logs';
import { giveUpWhenStale } from './retries';

/** Above the 30 s download and the decode; a run that takes longer is retried. */
const TIMEOUT_SECONDS = 120;
/**
 * How long a started import holds its claim: a duplicate delivery of the same event waits
 * (throws, to be retried) until then, unless the first one has finished.
 */
const LEASE_MS = TIMEOUT_SECONDS * 1000;

/**
 * The image trigger of one collection: `document` with its item id in the path parameter
 * `idParam`, the images kept on `owner`'s documents. Equipment and stock items share it.
 */
export function imageSync(name: string, document: string, idParam: string, owner: ImageOwner) {
  return onDocumentWritten(
    {
      document,
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
      name,
      async (event) => {
        const orgId = event.params.orgId;
        const assetId = event.params[idParam];
        const { before, after, want, changed } = wanted(event);
        if (!after) {
          const deleted = await deleteImageFolder(before);
          if (deleted) equipmentImageItemDeleted({ orgId, assetId, deleted });
          return;
        }
        if (!changed) return;
        if (!want) {
          const cleared = await clearImage(orgId, assetId, owner);
          equipmentImageCleared({ orgId, assetId, cleared });
          return;
        }
        const importId = importIdOf(event.id);
        const log = { orgId, assetId, eventId: event.id, importId, sourceUrl: want.sourceUrl };
        await importEquipmentImage(orgId, assetId, want, importId, LEASE_MS, log, owner);
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
            event.params[idParam],
            want,
            importIdOf(event.id),
            'The import kept failing for an hour and was given up.',
            true,
            owner,
          );
        },
      },
    ),
  );
}

export const equipmentImageSync = imageSync(
  'equipmentImageSync',
  'organizations/{orgId}/equipment/{assetId}',
  'assetId',
  'equipment',
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
