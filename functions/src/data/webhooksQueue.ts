// Enqueues delivery tasks for the `deliverWebhooks` task queue function (firebase-admin's
// TaskQueue; locally the Cloud Tasks emulator at CLOUD_TASKS_EMULATOR_HOST). Task ids make
// enqueueing idempotent: a second enqueue of the same id is refused and counts as done.
import { getFunctions } from 'firebase-admin/functions';
import { region } from '../config';
import { adminApp } from './firebase';

export interface DeliveryTask {
  orgId: string;
  webhookId: string;
  deliveryId: string;
  /** The attempt this task makes, from 1. */
  attempt: number;
}

export const DELIVERY_FUNCTION = 'deliverWebhooks';

function queue() {
  return getFunctions(adminApp()).taskQueue<DeliveryTask>(
    `locations/${region()}/functions/${DELIVERY_FUNCTION}`,
  );
}

function alreadyQueued(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'functions/task-already-exists' || code === 'task-already-exists';
}

/** Queues `task` under `taskId` to run in `delaySeconds`; false when that id was queued already. */
export async function enqueueDelivery(
  task: DeliveryTask,
  taskId: string,
  delaySeconds: number,
): Promise<boolean> {
  try {
    await queue().enqueue(task, {
      id: taskId,
      ...(delaySeconds > 0 ? { scheduleDelaySeconds: Math.ceil(delaySeconds) } : {}),
    });
    return true;
  } catch (err) {
    if (alreadyQueued(err)) return false;
    throw err;
  }
}
