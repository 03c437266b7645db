// Deploy-time parameters. Each one can be set in functions/.env, functions/.env.<projectId>, or
// interactively at `firebase deploy`; the defaults below are what runs when nothing is set.
import { defineInt, defineSecret, defineString } from 'firebase-functions/params';

/**
 * A param's value, or its default when no value was provided. The Firebase CLI writes every
 * param into the environment at deploy and in its emulator, but code loaded any other way (a
 * test, a script) sees an empty environment, where `param.value()` would give "" or 0.
 */
function valueOr<T extends string | number>(param: { name: string; value(): T }, fallback: T): T {
  return process.env[param.name] === undefined ? fallback : param.value();
}

const DEFAULT_PUBLIC_BASE_URL = 'http://127.0.0.1:5001/demo-qr-assets/us-central1/api';
const DEFAULT_MAX_JSON_BODY_BYTES = 1024 * 1024;

/** Region every function is deployed to. Pick the one nearest your Firestore location. */
export const REGION = defineString('REGION', {
  default: 'us-central1',
  description: 'Cloud Functions region for every function of this codebase.',
});

/**
 * Public URL that QR codes point at (a scan opens `${PUBLIC_BASE_URL}/...`). Set it to your
 * Hosting domain or the `api` function URL before the first deploy: printed codes live for years.
 */
export const PUBLIC_BASE_URL = defineString('PUBLIC_BASE_URL', {
  default: DEFAULT_PUBLIC_BASE_URL,
  description: 'Base URL encoded in QR codes, without a trailing slash.',
});

/** Largest JSON request body the API accepts, in bytes; larger bodies get 413. */
export const MAX_JSON_BODY_BYTES = defineInt('MAX_JSON_BODY_BYTES', {
  default: DEFAULT_MAX_JSON_BODY_BYTES,
  description: 'Maximum size of a JSON request body in bytes.',
});

export const publicBaseUrl = (): string =>
  valueOr(PUBLIC_BASE_URL, DEFAULT_PUBLIC_BASE_URL).replace(/\/+$/, '');
export const maxJsonBodyBytes = (): number =>
  valueOr(MAX_JSON_BODY_BYTES, DEFAULT_MAX_JSON_BODY_BYTES);

/**
 * Secret mixed into hashes of scanner IP addresses, so scan analytics can count unique scanners
 * without storing addresses. Set with `firebase functions:secrets:set SCAN_HASH_SECRET`.
 */
export const SCAN_HASH_SECRET = defineSecret('SCAN_HASH_SECRET', {
  description: 'Secret salt for hashing scanner IP addresses in scan analytics.',
});
