// A stock item's imageUrl is imported by the equipment importer: triggers/stockItemImageSync.ts
// queues it on the image-import task queue with `owner: stockItems`. The stack's trigger and
// task refuse a loopback address onto the item; in isolation (firebase-functions-test), with
// this process's own image server allowed, the same import task stores the WebP and thumbnail
// under the stock item's path and marks the item's image ready.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { randomUUID } from 'node:crypto';
import functionsTest from 'firebase-functions-test';
import type { Request } from 'firebase-functions/v2/tasks';
import type { ImageImportTask } from '../src/domain/imageImportTask';
import { db } from '../src/data/firebase';
import { bucket } from '../src/data/storage';
import { equipmentImageImport } from '../src/tasks/imageImportTask';
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
  /** The import task as Cloud Tasks would dispatch it (its handler, via `run`). */
  const dispatch = (data: ImageImportTask): Promise<void> =>
    Promise.resolve(
      equipmentImageImport.run({
        data,
        queueName: 'equipmentImageImport',
        id: unique('task'),
        retryCount: 0,
        executionCount: 0,
        scheduledTime: String(Date.now() / 1000),
        headers: {},
      } as unknown as Request<ImageImportTask>),
    ) as Promise<void>;
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

  it('the stack refuses a loopback URL onto the item; the same task in isolation imports it once', async () => {
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
    const task: ImageImportTask = {
      orgId,
      assetId: sku,
      owner: 'stockItems',
      sourceUrl: imageUrl,
      requestId: null,
      importId: randomUUID().replace(/-/g, '').slice(0, 20),
      eventId: unique('evt'),
      eventTime: new Date().toISOString(),
    };
    await dispatch(task);
    await dispatch(task); // a second dispatch of the same task finds the import done
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
