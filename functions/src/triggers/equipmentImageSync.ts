// An equipment item's image, imported from its `imageUrl` in the background: whenever the URL is
// set or changes (from the API, a CSV upload or an app writing Firestore directly), or
// POST .../import-image asks again. The write that set the URL never waits.
//
// It runs on every write of an equipment document but ignores those where neither imageUrl nor
// image.requestId changed, which includes its own writes of `image` and the QR trigger's
// fields: it never loops and never competes with equipmentCreated.
//
// It does not import: it queues the import on the equipmentImageImport task queue
// (tasks/imageImportTask.ts), which runs at most IMAGE_IMPORT_MAX_DISPATCHES at once and retries
// with backoff. A 200-row upload then means 200 queued tasks, not 200 downloads at once. The
// task's id comes from the event, so a second delivery of the event is refused by the queue
// and imports nothing twice. Deletions and clearing stay here: they are cheap.
//
// Equipment and stock items share it (imageSync): the same rules, queue and `image` field, each
// collection's files under its own Storage path.
import { createHash } from 'node:crypto';
import { onDocumentWritten } from 'firebase-functions/v2/firestore';
import { enqueueImageImport } from '../data/imageImportTaskQueue';
import {
  clearImage,
  deleteImageFolder,
  recordFailure,
  wantedRequestId,
  wantedUrl,
  type ImageOwner,
  type WantedImage,
} from '../data/equipmentImages';
import { equipmentImageCleared, equipmentImageItemDeleted, equipmentImageQueued } from '../logs';
import { giveUpWhenStale } from './retries';

/**
 * The image trigger of one collection: `document` with its item id in the path parameter
 * `idParam`, the images kept on `owner`'s documents.
 */
export function imageSync(name: string, document: string, idParam: string, owner: ImageOwner) {
  return onDocumentWritten(
    {
      document,
      // Retried if the queue could not be reached; the task id makes a retry queue nothing twice.
      retry: true,
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
        const outcome = await enqueueImageImport({
          orgId,
          assetId,
          owner,
          sourceUrl: want.sourceUrl,
          requestId: want.requestId,
          importId,
          eventId: event.id,
          eventTime: event.time,
        });
        equipmentImageQueued({
          orgId,
          assetId,
          eventId: event.id,
          importId,
          sourceUrl: want.sourceUrl,
          outcome,
        });
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
