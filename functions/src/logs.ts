// Every log event the functions write, one named function each (the pattern of Firebase's own
// extensions). An event has a fixed name and fixed fields, so a log query or an alert written
// against it keeps working, and a test can check which event fired. Durations are always
// `durationMs`; a failure always carries `error: {name, message, code?}` (errorFields).
// docs/operations.md lists these events; a test checks that it lists every one of LOG_EVENTS.
import { logger } from 'firebase-functions';

type Severity = 'INFO' | 'WARNING' | 'ERROR';
type Fields = Record<string, unknown>;

/** The shape of an error in every event: never a stack trace of user data, always a message. */
export interface ErrorFields {
  name: string;
  message: string;
  code?: string | number;
}

export function errorFields(err: unknown): ErrorFields {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      name: err.name,
      message: err.message,
      ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    };
  }
  return { name: 'Error', message: String(err) };
}

/** The names of every event below; docs/operations.md must list each. */
export const LOG_EVENTS = [
  'http.request',
  'http.unexpected_error',
  'trigger.gave_up',
  'api_key.revoked',
  'invitation.created',
  'invitation.accepted',
  'invitation.revoked',
  'labels.pdf',
  'labels.pdf_failed',
  'qr.cleanup',
  'qr.png.stored',
  'qr.png.code_deleted',
  'scan.redirect_held',
  'equipment.qr.stored',
  'equipment.qr.already_done',
  'equipment.qr.deleted',
  'equipment.qr.gave_up',
  'equipment.qr.attempt_failed',
  'equipment.qr.regenerate_failed',
  'equipment.qr_job.done',
  'equipment.cleanup',
  'equipment.cleanup.skipped_recreated',
  'equipment.image.item_deleted',
  'equipment.image.cleared',
  'equipment.image.bad_allowed_hosts',
  'equipment.image.busy',
  'equipment.image.skipped',
  'equipment.image.ready',
  'equipment.image.superseded',
  'equipment.image.failed',
  'equipment.image.retrying',
  'org.default_locations',
  'tags.pool.filled',
  'batch.generate.done',
  'prep.sweep',
  'prep.job.claimed',
  'prep.job.finished',
  'prep.job.error',
  'link.from_queue',
  'quota.exceeded',
  'equipment.qr.refused',
  'ledger.event.applied',
  'audit.created',
  'audit.completed',
  'custody.sweep',
  'equipment.image.queued',
  'equipment.image.task_refused',
  'equipment.photo.outcome',
  'equipment.photo.refused',
  'scan.refused',
  'product_code.redeemed',
  'product_code.backfill_run',
  'events.recorded',
  'webhook.enqueue_failed',
  'webhook.attempt',
  'webhook.disabled',
  'webhook.outbox_swept',
  'stock.low_stock',
  'stock.lead_time',
  'stock.lead_time_run',
] as const;

export type LogEvent = (typeof LOG_EVENTS)[number];

function emit(severity: Severity, event: LogEvent, fields: Fields): void {
  logger.write({ severity, message: event, event, ...fields });
}

// HTTP ---------------------------------------------------------------------------------------

export const httpRequest = (f: {
  method: string;
  path: string;
  status: number;
  durationMs: number;
}) => emit('INFO', 'http.request', f);

export const httpUnexpectedError = (f: { method: string; path: string; error: unknown }) =>
  emit('ERROR', 'http.unexpected_error', {
    ...f,
    error: { ...errorFields(f.error), stack: f.error instanceof Error ? f.error.stack : undefined },
  });

// API keys and invitations --------------------------------------------------------------

/**
 * A key was deleted: by the key routes (`deleted`), or because the member who made it was
 * removed (`maker_removed`) or can no longer grant its role (`maker_demoted`). `uid` is that
 * member.
 */
export const apiKeyRevoked = (f: {
  orgId: string;
  keyId: string;
  reason: 'deleted' | 'maker_removed' | 'maker_demoted';
  by: string;
  uid?: string;
}) => emit('INFO', 'api_key.revoked', f);

/** `refreshed`: a pending invitation of the same email got the new role and expiry. */
export const invitationCreated = (f: {
  orgId: string;
  invitationId: string;
  role: string;
  invitedBy: string;
  refreshed: boolean;
}) => emit('INFO', 'invitation.created', f);

export const invitationAccepted = (f: {
  orgId: string;
  invitationId: string;
  uid: string;
  role: string;
}) => emit('INFO', 'invitation.accepted', f);

export const invitationRevoked = (f: {
  orgId: string;
  invitationId: string;
  reason: 'withdrawn' | 'maker_removed' | 'maker_demoted';
  by: string;
}) => emit('INFO', 'invitation.revoked', f);

// Triggers in general ----------------------------------------------------------------------

/** A retried trigger stopped retrying an event that kept failing (triggers/retries.ts). */
export const triggerGaveUp = (f: {
  trigger: string;
  eventId: string;
  eventTime: string;
  params: Record<string, string>;
}) => emit('ERROR', 'trigger.gave_up', f);

// Labels -------------------------------------------------------------------------------------

export const labelsPdf = (f: {
  orgId: string;
  template: string;
  labels: number;
  pages: number;
  errorCorrection: string;
  durationMs: number;
}) => emit('INFO', 'labels.pdf', f);

export const labelsPdfFailed = (f: { orgId: string; error: unknown }) =>
  emit('ERROR', 'labels.pdf_failed', { ...f, error: errorFields(f.error) });

// Standalone QR codes ------------------------------------------------------------------------

export const qrCleanup = (f: Fields & { durationMs: number }) => emit('INFO', 'qr.cleanup', f);

export const qrPngStored = (f: { orgId: string; qrId: string; path: string; eventId: string }) =>
  emit('INFO', 'qr.png.stored', f);

export const qrPngCodeDeleted = (f: { orgId: string; qrId: string; eventId: string }) =>
  emit('INFO', 'qr.png.code_deleted', f);

// Scans ---------------------------------------------------------------------------------------

/** A scan stopped at the interstitial: its destination is outside the organisation's allow list. */
export const scanRedirectHeld = (f: { orgId: string; kind: string; id: string; host: string }) =>
  emit('INFO', 'scan.redirect_held', f);

/** A tracked code refused a scan: not active yet, expired, or its maxScans used up. */
export const scanRefused = (f: { orgId: string; id: string; outcome: string; bot: boolean }) =>
  emit('INFO', 'scan.refused', f);

/** A unit code was redeemed (its one time). */
export const productCodeRedeemed = (f: { orgId: string; code: string; withSecret: boolean }) =>
  emit('INFO', 'product_code.redeemed', f);

/** The product-code lookup backfill ran: where its walk is, pages, codes visited, lookups made. */
export const productCodeBackfillRun = (f: {
  phase: string;
  pages: number;
  visited: number;
  written: number;
  durationMs: number;
}) => emit('INFO', 'product_code.backfill_run', f);

// Equipment QR codes -------------------------------------------------------------------------

type ItemEvent = { orgId: string; assetId: string; eventId: string };

const QR_OUTCOME_EVENTS = {
  stored: 'equipment.qr.stored',
  'already-done': 'equipment.qr.already_done',
  deleted: 'equipment.qr.deleted',
  'gave-up': 'equipment.qr.gave_up',
} as const;

/** The create trigger's outcome for one item; giving up (attempts used up) is an error. */
export const equipmentQrOutcome = (outcome: keyof typeof QR_OUTCOME_EVENTS, f: ItemEvent) =>
  emit(outcome === 'gave-up' ? 'ERROR' : 'INFO', QR_OUTCOME_EVENTS[outcome], f);

export const equipmentQrAttemptFailed = (f: {
  orgId: string;
  assetId: string;
  attempts: number;
  error: unknown;
}) => emit('WARNING', 'equipment.qr.attempt_failed', { ...f, error: errorFields(f.error) });

export const equipmentQrRegenerateFailed = (f: {
  orgId: string;
  assetId: string;
  error: unknown;
}) => emit('ERROR', 'equipment.qr.regenerate_failed', { ...f, error: errorFields(f.error) });

export const equipmentQrJobDone = (f: {
  orgId: string;
  jobId: string;
  total: number;
  done: number;
  failed: number;
}) => emit('INFO', 'equipment.qr_job.done', f);

export const equipmentCleanup = (f: ItemEvent) => emit('INFO', 'equipment.cleanup', f);

export const equipmentCleanupSkippedRecreated = (f: ItemEvent) =>
  emit('INFO', 'equipment.cleanup.skipped_recreated', f);

// Equipment images ---------------------------------------------------------------------------

export type ImageImportEvent = {
  orgId: string;
  assetId: string;
  eventId: string;
  importId: string;
  sourceUrl: string;
};

export const equipmentImageItemDeleted = (f: { orgId: string; assetId: string; deleted: number }) =>
  emit('INFO', 'equipment.image.item_deleted', f);

export const equipmentImageCleared = (f: { orgId: string; assetId: string; cleared: boolean }) =>
  emit('INFO', 'equipment.image.cleared', f);

export const equipmentImageBadAllowedHosts = (f: { invalid: string[] }) =>
  emit('WARNING', 'equipment.image.bad_allowed_hosts', f);

export const equipmentImageBusy = (f: ImageImportEvent) => emit('INFO', 'equipment.image.busy', f);

export const equipmentImageSkipped = (f: ImageImportEvent & { outcome: string }) =>
  emit('INFO', 'equipment.image.skipped', f);

export const equipmentImageReady = (
  written: boolean,
  f: ImageImportEvent & {
    attempts: number;
    downloadedBytes: number;
    redirects: number;
    sourceType: string;
    width: number;
    height: number;
    durationMs: number;
  },
) => emit('INFO', written ? 'equipment.image.ready' : 'equipment.image.superseded', f);

export const equipmentImageFailed = (
  final: boolean,
  f: ImageImportEvent & { attempts: number; kind: string; error: unknown },
) =>
  emit(final ? 'WARNING' : 'INFO', final ? 'equipment.image.failed' : 'equipment.image.retrying', {
    ...f,
    final,
    error: errorFields(f.error),
  });

/** equipmentImageSync queued an import (`duplicate`: a redelivered event found it queued). */
export const equipmentImageQueued = (f: ImageImportEvent & { outcome: 'queued' | 'duplicate' }) =>
  emit('INFO', 'equipment.image.queued', f);

/** A task on the image-import queue whose data is not an import; dropped, not retried. */
export const equipmentImageTaskRefused = (f: { taskId: string | null; reason: string }) =>
  emit('ERROR', 'equipment.image.task_refused', f);

/** What the photo triggers did with an upload or a deletion (ready, own, removed, ...). */
export const equipmentPhotoOutcome = (f: { path: string; eventId: string; outcome: string }) =>
  emit('INFO', 'equipment.photo.outcome', f);

/** An uploaded photo that is not listed: not an importable image, or too many on the item. */
export const equipmentPhotoRefused = (f: { path: string; eventId: string; reason: string }) =>
  emit('WARNING', 'equipment.photo.refused', f);

// Organisations and tags ---------------------------------------------------------------------

export const orgDefaultLocations = (f: { orgId: string; eventId: string; outcome: string }) =>
  emit('INFO', 'org.default_locations', f);

export const tagPoolFilled = (f: {
  orgId: string;
  poolId: string;
  outcome: string;
  eventId: string;
  durationMs: number;
}) => emit('INFO', 'tags.pool.filled', f);

// Manufacturing ------------------------------------------------------------------------------

export const batchGenerateDone = (
  f: Fields & {
    orgId: string;
    orderId: string;
    batchId: string;
    durationMs: number;
  },
) => emit('INFO', 'batch.generate.done', f);

export const prepSweep = (f: {
  jobs: Record<string, string>;
  removedJobs: number;
  removedEntries: number;
}) => emit('INFO', 'prep.sweep', f);

type PrepWorker = { orgId: string; jobId: string; workerId: string };

export const prepJobClaimed = (f: PrepWorker) => emit('INFO', 'prep.job.claimed', f);

/** A worker stopped working on a job: completed, cancelled, lost its lease, or released it. */
export const prepJobFinished = (f: PrepWorker & { outcome: string; pages: number }) =>
  emit('INFO', 'prep.job.finished', f);

export const prepJobError = (f: PrepWorker & { error: unknown }) =>
  emit('ERROR', 'prep.job.error', { ...f, error: errorFields(f.error) });

export const linkFromQueue = (f: {
  orgId: string;
  masterCode: string;
  batchId?: string;
  linked: number;
  tries: number;
}) => emit('INFO', 'link.from_queue', f);

// Abuse and cost controls -------------------------------------------------------------------

/** A request was refused with 429 quota_exceeded (orgId, or uid for organisations per user). */
export const quotaExceeded = (f: {
  orgId?: string;
  uid?: string;
  quota: string;
  limit: number;
  used: number;
  asked: number;
}) => emit('WARNING', 'quota.exceeded', f);

/** An item a client app wrote past the organisation's item quota: marked, no QR code made. */
export const equipmentQrRefused = (f: ItemEvent & { items: number; limit: number }) =>
  emit('WARNING', 'equipment.qr.refused', f);

// The scan ledger and audits ----------------------------------------------------------------

/**
 * A scan event got its result. `source`: `trigger` (written by a client app, or a redelivery
 * that found the result: `fresh` false) or `api` (the bulk route).
 */
export const ledgerEventApplied = (f: {
  orgId: string;
  scanId: string;
  type: string;
  status: string;
  reason?: string;
  source: 'trigger' | 'api';
  fresh: boolean;
  durationMs: number;
}) => emit('INFO', 'ledger.event.applied', f);

export const auditCreated = (f: {
  orgId: string;
  auditId: string;
  expected: number;
  by: string;
  durationMs: number;
}) => emit('INFO', 'audit.created', f);

export const auditCompleted = (f: {
  orgId: string;
  auditId: string;
  lastAudited: number;
  moved: number;
  markedMissing: number;
  by: string;
  durationMs: number;
}) => emit('INFO', 'audit.completed', f);

// Custody and bookings ----------------------------------------------------------------------

/** A run of the custody schedule: what became overdue or a no-show. */
export const custodySweep = (f: {
  overdueCheckouts: number;
  overdueBookings: number;
  noShows: number;
  durationMs: number;
}) => emit('INFO', 'custody.sweep', f);
// Events and webhooks (docs/events.md) ---------------------------------------------------------

/** A document change made events: how many were new (a redelivered trigger makes 0). */
export const eventsRecorded = (f: {
  orgId: string;
  path: string;
  types: string[];
  written: number;
  webhooks: number;
}) => emit('INFO', 'events.recorded', f);

/** A delivery task could not be queued; its events wait in the outbox for the next one. */
export const webhookEnqueueFailed = (f: {
  orgId: string;
  webhookId: string;
  taskId: string;
  error: unknown;
}) => emit('ERROR', 'webhook.enqueue_failed', { ...f, error: errorFields(f.error) });

/** One attempt to deliver: its answer, duration and what happens next. */
export const webhookAttempt = (f: {
  orgId: string;
  webhookId: string;
  deliveryId: string;
  attempt: number;
  events: number;
  responseCode: number | null;
  durationMs: number;
  outcome: string;
  error?: string;
}) => emit(f.outcome === 'delivered' ? 'INFO' : 'WARNING', 'webhook.attempt', f);

/** A webhook was switched off: 410 Gone, or failing without a success for 3 days. */
export const webhookDisabled = (f: { orgId: string; webhookId: string; reason: string }) =>
  emit('WARNING', 'webhook.disabled', f);

/** A run of the outbox sweep: webhooks with events waiting too long, and tasks it queued. */
export const webhookOutboxSwept = (f: { webhooks: number; queued: number }) =>
  emit('INFO', 'webhook.outbox_swept', f);
// Stock and restocking ---------------------------------------------------------------------

/** The low-stock trigger looked at a movement: a draft made, one open already, or none needed. */
export const stockLowStock = (f: {
  orgId: string;
  sku: string;
  movementId: string;
  eventId: string;
  outcome: string;
  reorderId?: string;
  rule?: string;
}) => emit('INFO', 'stock.low_stock', f);

/** A receipt's trigger recomputed one item-supplier's lead time. */
export const stockLeadTime = (f: {
  orgId: string;
  sku: string;
  supplierId: string;
  reorderId: string;
  eventId: string;
  samples: number;
  averageDays: number | null;
}) => emit('INFO', 'stock.lead_time', f);

/** The lead-time schedule ran: item-suppliers visited and updated, pages, its mark. */
export const stockLeadTimeRun = (f: {
  visited: number;
  updated: number;
  pages: number;
  since: string;
  mark: string | null;
  durationMs: number;
}) => emit('INFO', 'stock.lead_time_run', f);
