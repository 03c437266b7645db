// Helpers of the equipment tests: multipart uploads through the local stack, reading an item's
// QR PNG back out of Storage and decoding it with readers that share no code with ours.
import { strict as assert } from 'node:assert';
import { db } from '../../src/data/firebase';
import { bucket } from '../../src/data/storage';
import type { SignedIn } from 'emulator';
import { createOrg, type Reply } from './api';
import { decodePng } from './qrDecode';
import { functionUrl } from './stack';
import { waitFor } from './wait';

/** The text a PNG's QR code holds (one decoder for every test: support/qrDecode.ts). */
export { decodePng };

/** POSTs `content` as the multipart field `field` (default "file"), as a browser form would. */
export async function upload<T = Record<string, unknown>>(
  orgId: string,
  token: string,
  content: string | Buffer,
  options: { field?: string; filename?: string; type?: string } = {},
): Promise<Reply<T>> {
  const form = new FormData();
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  form.append(
    options.field ?? 'file',
    new Blob([new Uint8Array(bytes)], { type: options.type ?? 'text/csv' }),
    options.filename ?? 'equipment.csv',
  );
  const res = await fetch(`${functionUrl('api')}/v1/orgs/${orgId}/equipment/bulk-upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const text = await res.text();
  const body = (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
  return { status: res.status, body, headers: res.headers };
}

export function equipmentDoc(orgId: string, assetId: string) {
  return db().doc(`organizations/${orgId}/equipment/${assetId}`);
}

export const qrPngPath = (orgId: string, assetId: string): string =>
  `organizations/${orgId}/equipment/${assetId}/qr.png`;

/** Waits until the item's code is ready; resolves with its document data. */
export function waitForQr(
  orgId: string,
  assetId: string,
  timeoutMs = 15_000,
): Promise<FirebaseFirestore.DocumentData> {
  return waitFor(
    async () => {
      const data = (await equipmentDoc(orgId, assetId).get()).data();
      return data?.qrCodeGenerated === true ? data : undefined;
    },
    { timeoutMs },
  );
}

/** The object's bytes from Storage, and its metadata. */
export async function storedObject(
  path: string,
): Promise<{ bytes: Buffer; metadata: Record<string, unknown> }> {
  const file = bucket().file(path);
  const [[bytes], [metadata]] = await Promise.all([file.download(), file.getMetadata()]);
  return { bytes, metadata: metadata as Record<string, unknown> };
}

export async function objectExists(path: string): Promise<boolean> {
  return (await bucket().file(path).exists())[0];
}

/** Checks an item's stored code end to end: fields, object, its Cache-Control, its content. */
export async function assertQrStored(orgId: string, assetId: string): Promise<void> {
  const data = await waitForQr(orgId, assetId);
  const path = qrPngPath(orgId, assetId);
  assert.equal(data.qrCodePath, path);
  assert.equal(data.qrStatus, 'ready');
  assert.match(String(data.scanUrl), /\/s\/[A-Za-z0-9_-]{22}$/);
  const { bytes, metadata } = await storedObject(path);
  assert.equal(metadata.cacheControl, 'public, max-age=86400');
  assert.equal(decodePng(bytes), data.scanUrl);
  // The download URL works without credentials and serves the same bytes.
  const res = await fetch(String(data.qrCodeUrl));
  assert.equal(res.status, 200);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);
}

/** An organisation whose default locations (added by a trigger) are there already. */
export async function orgWithLocations(owner: SignedIn, name = 'Equipment org'): Promise<string> {
  const orgId = await createOrg(owner, name);
  await waitFor(async () =>
    (await db().doc(`organizations/${orgId}`).get()).get('defaultLocationsAddedAt'),
  );
  return orgId;
}
