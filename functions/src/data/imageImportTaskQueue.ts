// Enqueues image imports on the equipmentImageImport task queue (firebase-admin's
// getFunctions().taskQueue(), which the local stack's Cloud Tasks emulator also serves).
import { getFunctions } from 'firebase-admin/functions';
import { functionsRegion } from '../config';
import { imageImportTaskId, type ImageImportTaskInput } from '../domain/imageImportTask';
import { adminApp } from './firebase';

/** The task queue function's name: its queue has the same name. */
export const IMAGE_IMPORT_QUEUE = 'equipmentImageImport';

function hasCode(err: unknown): err is { code: string } {
  return (
    typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
  );
}

/**
 * Queues one import. Resolves with `queued`, or `duplicate` when a task for this import already
 * exists (a second delivery of the same trigger event): the queue keeps the first.
 */
export async function enqueueImageImport(
  task: ImageImportTaskInput,
): Promise<'queued' | 'duplicate'> {
  try {
    await getFunctions(adminApp())
      .taskQueue(`locations/${functionsRegion()}/functions/${IMAGE_IMPORT_QUEUE}`)
      .enqueue(task, { id: imageImportTaskId(task.importId) });
    return 'queued';
  } catch (err) {
    if (hasCode(err) && err.code === 'functions/task-already-exists') return 'duplicate';
    throw err;
  }
}
