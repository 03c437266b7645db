// Deploy-time parameters. Each one can be set in functions/.env, functions/.env.<projectId>, or
// interactively at `firebase deploy`; the defaults below are what runs when nothing is set.
import {
  defineBoolean,
  defineInt,
  defineSecret,
  defineString,
  type Param,
} from 'firebase-functions/params';
import type { QuotaLimits } from './domain/quotas';

/**
 * A param's value, or its declared default when no value was provided. The Firebase CLI writes
 * every param into the environment at deploy and in its emulator, but code loaded any other way
 * (a test, a script) sees an empty environment, where `param.value()` would give "" or 0. The
 * default is read from the param's own declaration, so each default is written once.
 */
function read<T extends string | number | boolean>(param: Param<T>): T {
  if (process.env[param.name] !== undefined) return param.value();
  const fallback = param.options.default;
  if (fallback === undefined || typeof fallback === 'object') {
    throw new Error(`Param ${param.name} has no literal default`);
  }
  return fallback;
}

/** Region every function is deployed to. Pick the one nearest your Firestore location. */
export const REGION = defineString('REGION', {
  default: 'us-central1',
  description: 'Cloud Functions region for every function of this codebase.',
});

/** The region, read at call time (task queues are addressed by it). */
export const functionsRegion = (): string => read(REGION);

/**
 * Public URL that QR codes point at (a scan opens `${PUBLIC_BASE_URL}/...`). Set it to your
 * Hosting domain or the `api` function URL before the first deploy: printed codes live for years.
 */
export const PUBLIC_BASE_URL = defineString('PUBLIC_BASE_URL', {
  default: 'http://127.0.0.1:5001/demo-qr-assets/us-central1/api',
  description: 'Base URL encoded in QR codes, without a trailing slash.',
});

/** Largest JSON request body the API accepts, in bytes; larger bodies get 413. */
export const MAX_JSON_BODY_BYTES = defineInt('MAX_JSON_BODY_BYTES', {
  default: 1024 * 1024,
  description: 'Maximum size of a JSON request body in bytes.',
});

/** `url` without trailing slashes; a scan, as /\/+$/ is quadratic on a long run of slashes. */
function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  return url.slice(0, end);
}

export const publicBaseUrl = (): string => withoutTrailingSlashes(read(PUBLIC_BASE_URL));
export const maxJsonBodyBytes = (): number => read(MAX_JSON_BODY_BYTES);

/**
 * Secret mixed into hashes of scanner IP addresses, so scan analytics can count unique scanners
 * without storing addresses. Set with `firebase functions:secrets:set SCAN_HASH_SECRET`.
 */
export const SCAN_HASH_SECRET = defineSecret('SCAN_HASH_SECRET', {
  description: 'Secret salt for hashing scanner IP addresses in scan analytics.',
});

/** Requests a minute one caller (a user or an API key) may make on /v1, per instance. */
export const RATE_LIMIT_PER_CALLER = defineInt('RATE_LIMIT_PER_CALLER', {
  default: 600,
  description: 'Requests per minute per caller on /v1 (per function instance).',
});

/** Requests a minute all callers of one organisation together may make on /v1, per instance. */
export const RATE_LIMIT_PER_ORG = defineInt('RATE_LIMIT_PER_ORG', {
  default: 6000,
  description: 'Requests per minute per organisation on /v1 (per function instance).',
});

/** Scans a minute one client address may make on /s/, per instance. */
export const RATE_LIMIT_PER_SCANNER = defineInt('RATE_LIMIT_PER_SCANNER', {
  default: 120,
  description: 'Requests per minute per client address on /s/ (per function instance).',
});

/** How many seconds' worth of requests may come at once before the per-minute rate applies. */
export const RATE_LIMIT_BURST_SECONDS = defineInt('RATE_LIMIT_BURST_SECONDS', {
  default: 10,
  description: 'Burst allowance of every rate limit, in seconds of its rate.',
});

/**
 * Proxies in front of the `api` function that append to X-Forwarded-For, counted from the
 * function: Cloud Functions reached directly 1 (Google's front end), behind Firebase Hosting 2
 * (Hosting's CDN, then the front end), behind an external Application Load Balancer 2 (it
 * appends the client and itself). docs/operations.md says how these were reasoned.
 */
export const TRUSTED_PROXY_HOPS = defineInt('TRUSTED_PROXY_HOPS', {
  default: 1,
  description:
    'Proxies in front of api whose X-Forwarded-For entries are trusted: 1 direct, 2 behind Firebase Hosting or a load balancer.',
});

/** Express's 'trust proxy' hop count (a negative value counts as 0: trust no header). */
export const trustedProxyHops = (): number => Math.max(0, Math.floor(read(TRUSTED_PROXY_HOPS)));

/**
 * Failed API-key sign-ins a minute one client address may make, per instance. Checked before the
 * key is looked up, so a flood of made-up keys costs no Firestore reads.
 */
export const RATE_LIMIT_KEY_FAILURES_PER_ADDRESS = defineInt(
  'RATE_LIMIT_KEY_FAILURES_PER_ADDRESS',
  {
    default: 60,
    description: 'Failed API-key sign-ins per minute per client address (per function instance).',
  },
);

export const rateLimits = () => ({
  perCaller: read(RATE_LIMIT_PER_CALLER),
  perOrg: read(RATE_LIMIT_PER_ORG),
  perScanner: read(RATE_LIMIT_PER_SCANNER),
  keyFailuresPerAddress: read(RATE_LIMIT_KEY_FAILURES_PER_ADDRESS),
  burstSeconds: read(RATE_LIMIT_BURST_SECONDS),
});

/** Days an API key lives when its creator names no `expiresAt`; also the longest allowed. */
export const API_KEY_TTL_DAYS = defineInt('API_KEY_TTL_DAYS', {
  default: 365,
  description: 'Lifetime of a new API key in days: the default and the maximum of expiresAt.',
});

/** Days an invitation to join an organisation can be accepted. */
export const INVITATION_TTL_DAYS = defineInt('INVITATION_TTL_DAYS', {
  default: 7,
  description: 'Days an invitation to an organisation stays open.',
});

export const apiKeyTtlDays = (): number => read(API_KEY_TTL_DAYS);
export const invitationTtlDays = (): number => read(INVITATION_TTL_DAYS);

/**
 * Days that completed prep jobs (with their logs) and consumed queue entries are kept before the
 * sweeper removes them.
 */
export const PREP_RETENTION_DAYS = defineInt('PREP_RETENTION_DAYS', {
  default: 7,
  description: 'Days completed prep jobs and consumed prepared-queue entries are kept.',
});

/**
 * Seconds a prep worker's lease lasts; every page it finishes renews it. A worker that dies is
 * replaced by the sweeper once its lease has run out.
 */
export const PREP_LEASE_SECONDS = defineInt('PREP_LEASE_SECONDS', {
  default: 60,
  description: 'Seconds a prep-job worker holds its lease between two pages.',
});

export const prepRetentionDays = (): number => read(PREP_RETENTION_DAYS);
export const prepLeaseSeconds = (): number => read(PREP_LEASE_SECONDS);

// Equipment image imports (triggers/equipmentImageSync.ts queues them, tasks/imageImportTask.ts
// runs them) and client-uploaded photos. See docs/operations.md for sizing.

/** Seconds to wait for the image server to accept a connection, per connection. */
export const IMAGE_IMPORT_CONNECT_TIMEOUT_SECONDS = defineInt(
  'IMAGE_IMPORT_CONNECT_TIMEOUT_SECONDS',
  {
    default: 10,
    description: 'Connect timeout of an image import, in seconds.',
  },
);

/** Seconds one download may take in all: DNS, connections, redirects and body. */
export const IMAGE_IMPORT_TIMEOUT_SECONDS = defineInt('IMAGE_IMPORT_TIMEOUT_SECONDS', {
  default: 30,
  description: 'Overall timeout of one image download, in seconds.',
});

/** Largest image file that is downloaded; the download stops past it. */
export const IMAGE_IMPORT_MAX_BYTES = defineInt('IMAGE_IMPORT_MAX_BYTES', {
  default: 10 * 1024 * 1024,
  description: 'Largest image file an import downloads, in bytes.',
});

/** Most pixels (width × height) an imported image may have: a guard against decompression bombs. */
export const IMAGE_IMPORT_MAX_PIXELS = defineInt('IMAGE_IMPORT_MAX_PIXELS', {
  default: 50_000_000,
  description: 'Largest image an import decodes, in pixels (width times height).',
});

/** Tries of one import when the failure may heal (timeout, reset, 5xx) before it is failed. */
export const IMAGE_IMPORT_MAX_ATTEMPTS = defineInt('IMAGE_IMPORT_MAX_ATTEMPTS', {
  default: 5,
  description: 'Attempts of an image import whose failures may heal, before it is marked failed.',
});

/**
 * Exact `host:port` pairs that imports may fetch from although the address check would refuse
 * them (a loopback test server). Empty in production; functions/.env.local sets it for the
 * local stack only.
 */
export const IMAGE_IMPORT_ALLOWED_HOSTS = defineString('IMAGE_IMPORT_ALLOWED_HOSTS', {
  default: '',
  description:
    'Extra host:port pairs image imports may fetch from (comma-separated); empty in production.',
});

/** Instances of the import task function (and the photo trigger) at most. */
export const IMAGE_IMPORT_MAX_INSTANCES = defineInt('IMAGE_IMPORT_MAX_INSTANCES', {
  default: 10,
  description: 'Most instances of equipmentImageImport and equipmentPhotoFinalized.',
});

/** Imports one instance runs at once; each may hold a decoded image of up to MAX_PIXELS × 4 bytes. */
export const IMAGE_IMPORT_CONCURRENCY = defineInt('IMAGE_IMPORT_CONCURRENCY', {
  default: 4,
  description:
    'Concurrent imports per instance of equipmentImageImport and equipmentPhotoFinalized.',
});

/**
 * Imports the image-import task queue runs at once (its rateLimits.maxConcurrentDispatches),
 * whatever the size of an upload: the bound on downloads in flight, locally as in production.
 */
export const IMAGE_IMPORT_MAX_DISPATCHES = defineInt('IMAGE_IMPORT_MAX_DISPATCHES', {
  default: 20,
  description: 'Image imports the equipmentImageImport task queue runs at once.',
});

export const imageImportLimits = () => ({
  connectTimeoutMs: 1000 * read(IMAGE_IMPORT_CONNECT_TIMEOUT_SECONDS),
  timeoutMs: 1000 * read(IMAGE_IMPORT_TIMEOUT_SECONDS),
  maxBytes: read(IMAGE_IMPORT_MAX_BYTES),
  maxPixels: read(IMAGE_IMPORT_MAX_PIXELS),
  maxAttempts: read(IMAGE_IMPORT_MAX_ATTEMPTS),
  allowedHosts: read(IMAGE_IMPORT_ALLOWED_HOSTS),
});

/** Largest equipment CSV upload, in bytes; larger files get 413. */
export const EQUIPMENT_UPLOAD_MAX_BYTES = defineInt('EQUIPMENT_UPLOAD_MAX_BYTES', {
  default: 20 * 1024 * 1024,
  description: 'Maximum size of an equipment CSV upload in bytes (Cloud Functions caps at 32 MB).',
});

/** Most data rows in one equipment CSV upload; more get 413. */
export const EQUIPMENT_UPLOAD_MAX_ROWS = defineInt('EQUIPMENT_UPLOAD_MAX_ROWS', {
  default: 50_000,
  description: 'Maximum number of data rows in one equipment CSV upload.',
});

/** Tries the equipment QR trigger makes for one item before leaving the error for a person. */
export const EQUIPMENT_QR_MAX_ATTEMPTS = defineInt('EQUIPMENT_QR_MAX_ATTEMPTS', {
  default: 3,
  description: 'Attempts of the equipment QR trigger per item before it gives up.',
});

export const equipmentUploadLimits = () => ({
  maxBytes: read(EQUIPMENT_UPLOAD_MAX_BYTES),
  maxRows: read(EQUIPMENT_UPLOAD_MAX_ROWS),
});
export const equipmentQrMaxAttempts = (): number => read(EQUIPMENT_QR_MAX_ATTEMPTS);

// Abuse and cost controls (docs/operations.md). Each per-organisation quota can be raised for one
// organisation by the operator's override document quotaOverrides/{orgId} (data/quotas.ts).

/** Unit codes an organisation may have generated per UTC day (batch sizes added up). */
export const QUOTA_UNITS_PER_DAY = defineInt('QUOTA_UNITS_PER_DAY', {
  default: 200_000,
  description: 'Unit codes one organisation may generate per UTC day.',
});

/** Tags an organisation may create per UTC day: pool sizes and imported codes added up. */
export const QUOTA_TAGS_PER_DAY = defineInt('QUOTA_TAGS_PER_DAY', {
  default: 20_000,
  description: 'Tags (pool tags and imported codes) one organisation may create per UTC day.',
});

/** Equipment CSV rows an organisation may upload per UTC day (valid rows, which write). */
export const QUOTA_ROWS_PER_DAY = defineInt('QUOTA_ROWS_PER_DAY', {
  default: 100_000,
  description: 'Valid equipment CSV rows one organisation may upload per UTC day.',
});

/** Items an organisation may check out or book (each item of each request) per UTC day. */
export const QUOTA_CUSTODY_ITEMS_PER_DAY = defineInt('QUOTA_CUSTODY_ITEMS_PER_DAY', {
  default: 100_000,
  description: 'Items one organisation may check out or book (summed over requests) per UTC day.',
});

/** Client-uploaded equipment photos an organisation's uploads may have treated per UTC day. */
export const QUOTA_PHOTOS_PER_DAY = defineInt('QUOTA_PHOTOS_PER_DAY', {
  default: 2_000,
  description: 'Equipment photos (client uploads) treated for one organisation per UTC day.',
});

/** Batches of one organisation that may be generating at once. */
export const QUOTA_OUTSTANDING_BATCHES = defineInt('QUOTA_OUTSTANDING_BATCHES', {
  default: 20,
  description: 'Batches one organisation may have generating (not yet ready) at once.',
});

/** Tag pools of one organisation that may be filling at once. */
export const QUOTA_OUTSTANDING_TAG_POOLS = defineInt('QUOTA_OUTSTANDING_TAG_POOLS', {
  default: 10,
  description: 'Tag pools one organisation may have filling (not yet ready) at once.',
});

/** Equipment items an organisation may hold in all, however they were written. */
export const QUOTA_ITEMS = defineInt('QUOTA_ITEMS', {
  default: 100_000,
  description: 'Equipment items one organisation may hold in total.',
});

/** Labels one POST /labels request may print. */
export const QUOTA_LABELS_PER_REQUEST = defineInt('QUOTA_LABELS_PER_REQUEST', {
  default: 10_000,
  description: 'Labels one POST /v1/orgs/{orgId}/labels request may print.',
});

/** Stock movements (and receipts) an organisation may record per UTC day. */
export const QUOTA_MOVEMENTS_PER_DAY = defineInt('QUOTA_MOVEMENTS_PER_DAY', {
  default: 50_000,
  description: 'Stock movements (uses, receipts, counts) one organisation may record per UTC day.',
});

/** Stock items an organisation may hold in all. */
export const QUOTA_STOCK_ITEMS = defineInt('QUOTA_STOCK_ITEMS', {
  default: 20_000,
  description: 'Stock items one organisation may hold in total.',
});

/** Organisations one person may create. */
export const ORGS_PER_USER = defineInt('ORGS_PER_USER', {
  default: 10,
  description: 'Organisations one user may create.',
});

/** Whether POST /v1/orgs needs a verified email; off only for a local stack without email. */
export const ORG_CREATE_REQUIRES_VERIFIED_EMAIL = defineBoolean(
  'ORG_CREATE_REQUIRES_VERIFIED_EMAIL',
  {
    default: true,
    description: 'Whether creating an organisation needs a verified email address.',
  },
);

/** Instances of the `api` function at most: the bound on what a flood of requests can cost. */
export const API_MAX_INSTANCES = defineInt('API_MAX_INSTANCES', {
  default: 100,
  description: 'Most instances of the api function.',
});

/** Instances of each trigger and schedule at most (the image functions have their own). */
export const TRIGGER_MAX_INSTANCES = defineInt('TRIGGER_MAX_INSTANCES', {
  default: 20,
  description: 'Most instances of each trigger and scheduled function (but the image functions).',
});

export const quotaDefaults = (): QuotaLimits => ({
  unitsPerDay: read(QUOTA_UNITS_PER_DAY),
  tagsPerDay: read(QUOTA_TAGS_PER_DAY),
  rowsPerDay: read(QUOTA_ROWS_PER_DAY),
  custodyItemsPerDay: read(QUOTA_CUSTODY_ITEMS_PER_DAY),
  photosPerDay: read(QUOTA_PHOTOS_PER_DAY),
  outstandingBatches: read(QUOTA_OUTSTANDING_BATCHES),
  outstandingTagPools: read(QUOTA_OUTSTANDING_TAG_POOLS),
  items: read(QUOTA_ITEMS),
  labelsPerRequest: read(QUOTA_LABELS_PER_REQUEST),
  scanEventsPerDay: read(QUOTA_SCAN_EVENTS_PER_DAY),
  openAudits: read(QUOTA_OPEN_AUDITS),
  deliveriesPerDay: read(QUOTA_DELIVERIES_PER_DAY),
  movementsPerDay: read(QUOTA_MOVEMENTS_PER_DAY),
  stockItems: read(QUOTA_STOCK_ITEMS),
});
export const orgCreationLimits = () => ({
  perUser: read(ORGS_PER_USER),
  requireVerifiedEmail: read(ORG_CREATE_REQUIRES_VERIFIED_EMAIL),
});

/**
 * Seconds an instance trusts its last check that a user is neither disabled nor signed out
 * everywhere (one Auth `getUser`); 0 checks on every request, as `verifyIdToken(token, true)`.
 */
export const AUTH_RECHECK_SECONDS = defineInt('AUTH_RECHECK_SECONDS', {
  default: 60,
  description:
    'Seconds between checks, per user and instance, that a user is not disabled or revoked.',
});

/**
 * Seconds an instance keeps a caller's role in an organisation (and an API key's record, and an
 * item's scan URL for its QR 304s); 0 reads them on every request. A removed member is refused
 * within this time everywhere, at once on the instance that removed them.
 */
export const ROLE_CACHE_SECONDS = defineInt('ROLE_CACHE_SECONDS', {
  default: 30,
  description: 'Seconds a role, an API key record or a scan URL is cached per instance.',
});

/** Whole seconds as milliseconds; a negative value counts as 0 (no cache). */
const secondsMs = (seconds: number): number => Math.max(0, Math.floor(seconds)) * 1000;
export const authRecheckMs = (): number => secondsMs(read(AUTH_RECHECK_SECONDS));
export const roleCacheMs = (): number => secondsMs(read(ROLE_CACHE_SECONDS));

/**
 * Minutes before a booking's start that a checkout naming it may take its items (a crew picks a
 * kit up the evening before at the earliest it is allowed).
 */
export const CHECKOUT_GRACE_MINUTES = defineInt('CHECKOUT_GRACE_MINUTES', {
  default: 60,
  description: 'Minutes before a booking starts that a checkout with its bookingId may take it.',
});

/** Hours after a booking's start without a checkout after which it is a no-show, freeing items. */
export const BOOKING_NO_SHOW_HOURS = defineInt('BOOKING_NO_SHOW_HOURS', {
  default: 2,
  description: 'Hours after a booking starts without a checkout before it becomes no_show.',
});

export const checkoutGraceMs = (): number => Math.max(0, read(CHECKOUT_GRACE_MINUTES)) * 60_000;
export const bookingNoShowMs = (): number => Math.max(0, read(BOOKING_NO_SHOW_HOURS)) * 3_600_000;

// The scan ledger and audits (docs/api.md#audits-and-offline-scanning).

/** Days a scan may wait on a device (offline) before the ledger refuses it as too old. */
export const SCAN_EVENT_MAX_AGE_DAYS = defineInt('SCAN_EVENT_MAX_AGE_DAYS', {
  default: 30,
  description: 'Scan events whose scannedAt is more than this many days old are refused.',
});

/** Seconds a device clock may run ahead before a scan counts as from the future. */
export const SCAN_EVENT_FUTURE_TOLERANCE_SECONDS = defineInt(
  'SCAN_EVENT_FUTURE_TOLERANCE_SECONDS',
  {
    default: 300,
    description: 'Scan events whose scannedAt is further in the future than this are refused.',
  },
);

/** Scan events (client-written and bulk) one organisation may have applied per UTC day. */
export const QUOTA_SCAN_EVENTS_PER_DAY = defineInt('QUOTA_SCAN_EVENTS_PER_DAY', {
  default: 100_000,
  description: 'Scan events one organisation may have applied per UTC day.',
});

/** Audits of one organisation that may be open at once (each snapshots up to 20 000 items). */
export const QUOTA_OPEN_AUDITS = defineInt('QUOTA_OPEN_AUDITS', {
  default: 20,
  description: 'Audits one organisation may have open (not completed) at once.',
});

export const scanEventWindow = () => ({
  maxAgeDays: Math.max(0, read(SCAN_EVENT_MAX_AGE_DAYS)),
  futureToleranceSeconds: Math.max(0, read(SCAN_EVENT_FUTURE_TOLERANCE_SECONDS)),
});
// Scan records and product codes (docs/operations.md#what-a-scan-stores).

/**
 * The secret behind visitor ids (data/scanRecords.ts): read at call time from the environment
 * the platform fills from Secret Manager (the `api` function declares it). Without it, records
 * carry no visitor and visitors are not counted.
 */
export const scanHashSecret = (): string | undefined =>
  process.env[SCAN_HASH_SECRET.name] || undefined;

/** Whether every scan writes a record under organizations/{orgId}/scans; counters work either way. */
export const SCAN_RECORDS = defineBoolean('SCAN_RECORDS', {
  default: true,
  description: 'Write a record per scan (false: daily counters only).',
});

/**
 * A request header the platform sets to the client's country and a client cannot forge (for
 * example X-Appengine-Country, or a load balancer's custom header); empty: no country is stored.
 */
export const SCAN_COUNTRY_HEADER = defineString('SCAN_COUNTRY_HEADER', {
  default: '',
  description: 'Trusted header holding the scanner’s ISO country code; empty for none.',
});

/** Distinct visitors (visitor-days) past which a product code's page warns of a copied label. */
export const PRODUCT_CODE_WARN_VISITORS = defineInt('PRODUCT_CODE_WARN_VISITORS', {
  default: 3,
  description: 'Distinct visitors of one unit code past which its page warns it may be copied.',
});

export const scanRecordsEnabled = (): boolean => read(SCAN_RECORDS);
export const scanCountryHeader = (): string => read(SCAN_COUNTRY_HEADER).trim().toLowerCase();
export const productCodeWarnVisitors = (): number => read(PRODUCT_CODE_WARN_VISITORS);

// Events, the activity log and webhooks (docs/events.md, docs/operations.md#webhooks).

/** Days an activity event is kept; its `expiresAt` is set from this and a TTL policy deletes it. */
export const ACTIVITY_RETENTION_DAYS = defineInt('ACTIVITY_RETENTION_DAYS', {
  default: 400,
  description: 'Days activity events are kept before the TTL policy deletes them.',
});

/** Webhook deliveries (attempts included) one organisation may make per UTC day. */
export const QUOTA_DELIVERIES_PER_DAY = defineInt('QUOTA_DELIVERIES_PER_DAY', {
  default: 50_000,
  description: 'Webhook delivery attempts one organisation may make per UTC day.',
});

/** Seconds before the first retry of a failed delivery; each later retry waits twice as long. */
export const WEBHOOK_RETRY_BASE_SECONDS = defineInt('WEBHOOK_RETRY_BASE_SECONDS', {
  default: 30,
  description: 'Seconds before the first retry of a failed webhook delivery (doubling after).',
});

/** Seconds events of one webhook are collected before they are sent as one batch. */
export const WEBHOOK_BATCH_WINDOW_SECONDS = defineInt('WEBHOOK_BATCH_WINDOW_SECONDS', {
  default: 2,
  description: 'Seconds a webhook collects events into one delivery (at most 100 per request).',
});

/** Loopback host:port pairs webhook targets may use although the SSRF check refuses them. */
export const WEBHOOK_ALLOWED_HOSTS = defineString('WEBHOOK_ALLOWED_HOSTS', {
  default: '',
  description:
    'Extra host:port pairs webhook deliveries may reach (comma-separated); empty in production.',
});

export const activityRetentionDays = (): number => read(ACTIVITY_RETENTION_DAYS);
export const webhookSettings = () => ({
  retryBaseSeconds: Math.max(1, read(WEBHOOK_RETRY_BASE_SECONDS)),
  batchWindowSeconds: Math.max(1, read(WEBHOOK_BATCH_WINDOW_SECONDS)),
  allowedHosts: read(WEBHOOK_ALLOWED_HOSTS),
});
/** The region functions are deployed to (task queues are addressed by it). */
export const region = (): string => read(REGION);
// Stock and restocking (docs/operations.md#stock-and-restocking).

/** How many of an item-supplier's newest receipts its lead time is computed from. */
export const LEAD_TIME_RECEIPTS = defineInt('LEAD_TIME_RECEIPTS', {
  default: 10,
  description: 'Newest received reorders an item-supplier lead time is computed from.',
});

/** Days of `used` movements that reorder advice looks back over. */
export const REORDER_ADVICE_DAYS = defineInt('REORDER_ADVICE_DAYS', {
  default: 90,
  description: 'Days of use that GET .../reorder-advice looks back over.',
});

export const leadTimeReceipts = (): number => Math.max(1, read(LEAD_TIME_RECEIPTS));
export const reorderAdviceDays = (): number => Math.max(1, read(REORDER_ADVICE_DAYS));
