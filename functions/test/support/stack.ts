// Where the local stack that `npm test` started is; tests of deployed behaviour go through it.
import { strict as assert } from 'node:assert';

/** The functions host origin, e.g. http://127.0.0.1:5001. */
export function functionsOrigin(): string {
  const origin = process.env.FUNCTIONS_EMULATOR_ORIGIN;
  assert.ok(origin, 'FUNCTIONS_EMULATOR_ORIGIN is not set: run these tests with `npm test`');
  return origin;
}

export function projectId(): string {
  return process.env.GCLOUD_PROJECT ?? 'demo-qr-assets';
}

/** URL of an HTTPS function as the Firebase emulator serves it. */
export function functionUrl(name: string, region = 'us-central1'): string {
  return `${functionsOrigin()}/${projectId()}/${region}/${name}`;
}

/**
 * How often the local Firestore has read a document (`path` relative to the database), and how
 * often inside a read-write transaction: the stack's own counter (docs/emulator.md).
 */
export async function documentReads(
  path: string,
): Promise<{ reads: number; transactionalReads: number }> {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  assert.ok(host, 'FIRESTORE_EMULATOR_HOST is not set: run these tests with `npm test`');
  const name = `projects/${projectId()}/databases/(default)/documents/${path}`;
  const res = await fetch(`http://${host}/emulator/v1/${name}:reads`);
  assert.equal(res.status, 200, `read counts of ${path}`);
  return (await res.json()) as { reads: number; transactionalReads: number };
}
