// A stock item's imageUrl is imported by the equipment importer (triggers/stockItemImageSync.ts):
// the stack's trigger refuses a loopback address onto the item; in isolation
// (firebase-functions-test), with this process's own image server allowed, the same event
// stores the WebP and thumbnail under the stock item's path and marks the item's image ready.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import functionsTest from 'firebase-functions-test';
import { db } from '../src/data/firebase';
import { bucket } from '../src/data/storage';
import { stockItemImageSync } from '../src/triggers/stockItemImageSync';
import { call, createOrg, newUser, unique } from './support/api';
import { sendBytes, startImageServer, type ImageServer } from './support/imageServer';
import { png } from './support/testImages';
import { waitFor } from './support/wait';

type Image = { status: string; error: string | null; url: string | null; path?: string };

describe('stock item images', function () {
  this.timeout(60_000);
  const fft = functionsTest(
    JSON.parse(process.env.FIREBASE_CONFIG ?? '{}') as { projectId: string },
  );
  const wrapped = fft.wrap(stockItemImageSync);
  let owner: SignedIn;
  let orgId: string;
  let local: ImageServer;
  let allowedBefore: string | undefined;

  before(async () => {
    owner = await newUser('stock-img');
    orgId = await createOrg(owner, 'Images');
    local = await startImageServer('127.0.0.1');
    allowedBefore = process.env.IMAGE_IMPORT_ALLOWED_HOSTS;
    process.env.IMAGE_IMPORT_ALLOWED_HOSTS = `127.0.0.1:${local.port}`;
  });
  after(async () => {
    if (allowedBefore === undefined) delete process.env.IMAGE_IMPORT_ALLOWED_HOSTS;
    else process.env.IMAGE_IMPORT_ALLOWED_HOSTS = allowedBefore;
    await local.close();
    fft.cleanup();
  });

  const imageOf = async (sku: string) =>
    (await db().doc(`organizations/${orgId}/stockItems/${sku}`).get()).get('image') as
      Image | undefined;

  it('the stack refuses a loopback URL onto the item; the same event in isolation imports it once', async () => {
    local.route('/bin.png', sendBytes(await png(320, 200), 'image/png'));
    const imageUrl = `${local.origin}/bin.png`;
    const created = await call<{ sku: string }>('POST', `/v1/orgs/${orgId}/stock-items`, {
      token: owner.idToken,
      body: { name: 'Rags', unit: 'kg', imageUrl },
    });
    assert.equal(created.status, 201);
    const sku = created.body.sku;
    const refused = await waitFor(async () => {
      const image = await imageOf(sku);
      return image?.status === 'failed' ? image : undefined;
    });
    assert.match(String(refused.error), /loopback/);

    const path = `organizations/${orgId}/stockItems/${sku}`;
    const event = {
      data: fft.makeChange(
        fft.firestore.makeDocumentSnapshot({ name: 'Rags' }, path),
        fft.firestore.makeDocumentSnapshot({ name: 'Rags', imageUrl }, path),
      ),
      params: { orgId, sku },
      id: unique('evt'),
      time: new Date().toISOString(),
    };
    await wrapped(event);
    await wrapped(event);
    const image = await imageOf(sku);
    assert.equal(image?.status, 'ready', JSON.stringify(image));
    assert.equal(local.requests.get('/bin.png'), 1, 'downloaded once');
    const [files] = await bucket().getFiles({ prefix: `${path}/image/` });
    assert.deepEqual(files.map((f) => f.name.split('/').pop()).sort(), [
      'image.webp',
      'thumb.webp',
    ]);
    // The API shows it on the item.
    const item = await call<{ image: Image | null }>(
      'GET',
      `/v1/orgs/${orgId}/stock-items/${sku}`,
      {
        token: owner.idToken,
      },
    );
    assert.equal(item.body.image?.status, 'ready');
  });
});
