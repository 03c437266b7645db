// Image imports on the equipmentImageImport task queue.
// - End to end through the local stack: a burst of items with image URLs is imported at most
//   IMAGE_IMPORT_MAX_DISPATCHES (20) at a time, counted by the image server itself.
// - The trigger in isolation (firebase-functions-test) against a Cloud Tasks emulator this suite
//   starts, whose queue delivers to a receiver of ours: what it enqueues, once per import.
// - The task function in isolation (its `run`, what firebase-functions-test calls): duplicate
//   dispatches, an older URL, bad task data, a task over an hour old.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CloudTasksEmulator } from 'emulator';
import type { DocumentData } from 'firebase-admin/firestore';
import functionsTest from 'firebase-functions-test';
import type { Request } from 'firebase-functions/v2/tasks';
import { db } from '../src/data/firebase';
import type { ImageImportTask } from '../src/domain/imageImportTask';
import { equipmentImageImport } from '../src/tasks/imageImportTask';
import { equipmentImageSync } from '../src/triggers/equipmentImageSync';
import { unique } from './support/api';
import { serve, type RunningServer } from './support/httpServer';
import {
  sendBytes,
  startAllowedImageServer,
  startImageServer,
  type ImageServer,
} from './support/imageServer';
import { png } from './support/testImages';
import { waitFor } from './support/wait';

const orgId = unique('org-image-queue');
const PROJECT = process.env.GCLOUD_PROJECT ?? 'demo-qr-assets';
const itemPath = (assetId: string) => `organizations/${orgId}/equipment/${assetId}`;

async function newItem(imageUrl: string, assetId = unique('CAMERA')): Promise<string> {
  await db()
    .doc(itemPath(assetId))
    .set({ name: 'Test camera', category: 'CAMERA', source: 'client', imageUrl });
  return assetId;
}

async function imageOf(assetId: string): Promise<DocumentData | undefined> {
  return (await db().doc(itemPath(assetId)).get()).get('image') as DocumentData | undefined;
}

function settled(assetId: string, timeoutMs = 30_000): Promise<DocumentData> {
  return waitFor(
    async () => {
      const image = await imageOf(assetId);
      return image && image.status !== 'pending' ? image : undefined;
    },
    { timeoutMs },
  );
}

/** Calls the task function as Cloud Tasks would dispatch `data` (its handler, via `run`). */
function dispatch(data: unknown): Promise<void> {
  const req = {
    data,
    queueName: 'equipmentImageImport',
    id: unique('task'),
    retryCount: 0,
    executionCount: 0,
    scheduledTime: String(Date.now() / 1000),
    headers: {},
  } as unknown as Request<ImageImportTask>;
  return Promise.resolve(equipmentImageImport.run(req)) as Promise<void>;
}

const hexId = () => randomUUID().replace(/-/g, '').slice(0, 20);

describe('image imports on the task queue, end to end', function () {
  this.timeout(120_000);
  let images: ImageServer;

  before(async () => {
    images = await startAllowedImageServer();
  });
  after(async () => {
    await images.close();
  });

  it('a burst of 40 items is imported at most 20 at a time (IMAGE_IMPORT_MAX_DISPATCHES), all ready', async () => {
    const body = await png(64, 64);
    let inFlight = 0;
    let peak = 0;
    const slow = (_req: IncomingMessage, res: ServerResponse) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      // Each answer waits long enough that, unbounded, all 40 downloads would overlap.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length });
        res.end(body, () => inFlight--);
      }, 1500);
    };
    const ids = Array.from({ length: 40 }, (_, i) => `BURST_${i}_${randomUUID().slice(0, 8)}`);
    for (const id of ids) images.route(`/${id}.png`, slow);
    const writer = db().bulkWriter();
    for (const id of ids) {
      void writer.set(db().doc(itemPath(id)), {
        name: id,
        category: 'CAMERA',
        source: 'client',
        imageUrl: `${images.origin}/${id}.png`,
      });
    }
    await writer.close();
    const results = await Promise.all(ids.map((id) => settled(id, 90_000)));
    assert.deepEqual(
      results.filter((r) => r.status !== 'ready').map((r) => String(r.error)),
      [],
    );
    assert.ok(peak <= 20, `at most 20 downloads at once, saw ${peak}`);
    assert.ok(peak >= 2, `downloads did overlap (${peak})`);
  });

  it("the stack's Cloud Tasks emulator lists the queue with its function's settings", async () => {
    const res = await fetch(`http://${process.env.CLOUD_TASKS_EMULATOR_HOST}/queues`);
    assert.equal(res.status, 200);
    const { queues } = (await res.json()) as {
      queues: Array<{ name: string; rateLimits: { maxConcurrentDispatches: number } }>;
    };
    const q = queues.find((x) => x.name.endsWith('/queues/equipmentImageImport'));
    assert.ok(q, 'the equipmentImageImport queue exists');
    assert.equal(q.rateLimits.maxConcurrentDispatches, 20);
  });
});

describe('equipmentImageSync enqueues (firebase-functions-test, a Cloud Tasks emulator of its own)', function () {
  this.timeout(60_000);
  const fft = functionsTest(
    JSON.parse(process.env.FIREBASE_CONFIG ?? '{}') as { projectId: string },
  );
  const wrapped = fft.wrap(equipmentImageSync);
  let tasks: CloudTasksEmulator;
  let receiver: RunningServer;
  const received: Array<{ data: ImageImportTask; taskName: string }> = [];
  const saved = process.env.CLOUD_TASKS_EMULATOR_HOST;

  before(async () => {
    receiver = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          data: ImageImportTask;
        };
        received.push({ data: body.data, taskName: String(req.headers['x-cloudtasks-taskname']) });
        res.writeHead(204).end();
      });
    });
    tasks = new CloudTasksEmulator({ logger: () => undefined });
    const port = await tasks.listen('127.0.0.1', 0);
    tasks.createQueue(
      `projects/${PROJECT}/locations/us-central1/queues/equipmentImageImport`,
      {},
      () => receiver.url,
    );
    process.env.CLOUD_TASKS_EMULATOR_HOST = `127.0.0.1:${port}`;
  });
  after(async () => {
    if (saved === undefined) delete process.env.CLOUD_TASKS_EMULATOR_HOST;
    else process.env.CLOUD_TASKS_EMULATOR_HOST = saved;
    await tasks.close();
    await receiver.close();
    fft.cleanup();
  });

  function changeEvent(before: DocumentData | null, after: DocumentData | null, assetId: string) {
    const path = itemPath(assetId);
    return {
      data: fft.makeChange(
        fft.firestore.makeDocumentSnapshot(before ?? {}, path),
        fft.firestore.makeDocumentSnapshot(after ?? {}, path),
      ),
      params: { orgId, assetId },
      id: unique('evt'),
      time: new Date().toISOString(),
    };
  }

  it('queues one task per import, named after the import; a redelivered event queues nothing', async () => {
    const assetId = unique('CAMERA');
    const imageUrl = `https://images.example.com/${assetId}.jpg`;
    const event = changeEvent({ name: 'Cam' }, { name: 'Cam', imageUrl }, assetId);
    await wrapped(event);
    await wrapped(event); // the platform delivers it again: ALREADY_EXISTS, taken as done
    await tasks.idle();
    const mine = received.filter((r) => r.data.assetId === assetId);
    assert.equal(mine.length, 1);
    const [{ data, taskName }] = mine;
    assert.deepEqual(
      { ...data, importId: 'x', eventTime: 'x' },
      {
        orgId,
        assetId,
        owner: 'equipment',
        sourceUrl: imageUrl,
        requestId: null,
        importId: 'x',
        eventId: event.id,
        eventTime: 'x',
      },
    );
    assert.match(data.importId, /^[0-9a-f]{20}$/);
    assert.equal(taskName, `image-${data.importId}`);
    // Another event for the same change (a new import-image request) is a new task.
    const again = changeEvent(
      { name: 'Cam', imageUrl },
      { name: 'Cam', imageUrl, image: { requestId: 'r-1' } },
      assetId,
    );
    await wrapped(again);
    await tasks.idle();
    const both = received.filter((r) => r.data.assetId === assetId);
    assert.equal(both.length, 2);
    assert.equal(both[1].data.requestId, 'r-1');
  });

  it('writes that do not change imageUrl or the request, and deletions, queue nothing', async () => {
    const assetId = unique('CAMERA');
    const imageUrl = `https://images.example.com/${assetId}.jpg`;
    await wrapped(
      changeEvent(
        { name: 'Cam', imageUrl, image: { status: 'pending' } },
        { name: 'Cam', imageUrl, image: { status: 'ready' }, notes: 'x' },
        assetId,
      ),
    );
    await wrapped(changeEvent({ name: 'Cam', imageUrl }, null, assetId));
    await tasks.idle();
    assert.equal(received.filter((r) => r.data.assetId === assetId).length, 0);
    // The same trigger with the URL as a change does queue: the assertion above can fail.
    await wrapped(changeEvent({ name: 'Cam' }, { name: 'Cam', imageUrl }, assetId));
    await tasks.idle();
    assert.equal(received.filter((r) => r.data.assetId === assetId).length, 1);
  });
});

describe('equipmentImageImport, the task function, in isolation', function () {
  this.timeout(60_000);
  // The stack's own trigger also queues an import for every item written here. This image
  // server listens on a port only this process allows, so the stack's import of it fails at
  // once (refused address), and the dispatches made here are the only ones that can fetch.
  let local: ImageServer;
  let images2: ImageServer; // one the stack may fetch from
  let allowedBefore: string | undefined;

  before(async () => {
    local = await startImageServer('127.0.0.1');
    images2 = await startAllowedImageServer();
    allowedBefore = process.env.IMAGE_IMPORT_ALLOWED_HOSTS;
    process.env.IMAGE_IMPORT_ALLOWED_HOSTS = `127.0.0.1:${local.port}`;
  });
  after(async () => {
    if (allowedBefore === undefined) delete process.env.IMAGE_IMPORT_ALLOWED_HOSTS;
    else process.env.IMAGE_IMPORT_ALLOWED_HOSTS = allowedBefore;
    await local.close();
    await images2.close();
  });

  /** Writes the item, waits for the stack's refusal, and makes a task for a fresh import. */
  async function itemAndTask(
    imageUrl: string,
  ): Promise<{ assetId: string; task: ImageImportTask }> {
    const assetId = await newItem(imageUrl);
    const refused = await settled(assetId);
    assert.match(String(refused.error), /loopback/);
    return {
      assetId,
      task: {
        orgId,
        assetId,
        owner: 'equipment',
        sourceUrl: imageUrl,
        requestId: null,
        importId: hexId(),
        eventId: unique('evt'),
        eventTime: new Date().toISOString(),
      },
    };
  }

  it('a duplicated dispatch imports once: a concurrent copy is retried, a later one does nothing', async () => {
    local.route('/dup.png', sendBytes(await png(640, 480), 'image/png'));
    const { assetId, task } = await itemAndTask(`${local.origin}/dup.png`);
    const results = await Promise.allSettled([dispatch(task), dispatch(task)]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.match(String(rejected.reason), /another delivery of this event/);
    const image = await imageOf(assetId);
    assert.equal(image?.status, 'ready');
    assert.equal(image?.width, 640);
    // Cloud Tasks retries the one that was turned away: it finds the work done.
    await dispatch(task);
    await dispatch(task);
    assert.equal(local.requests.get('/dup.png'), 1, 'downloaded once');
    assert.deepEqual(await imageOf(assetId), image);
  });

  it('an import for an older URL never overwrites the newer one (URL changed while it ran)', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slowBody = await png(900, 900);
    local.route('/slow.png', (req, res) => {
      void released.then(() => sendBytes(slowBody, 'image/png')(req, res));
    });
    const { assetId, task } = await itemAndTask(`${local.origin}/slow.png`);
    const running = dispatch(task);
    await waitFor(async () => local.requests.get('/slow.png') === 1);
    images2.route('/newer.png', sendBytes(await png(320, 240), 'image/png'));
    await db()
      .doc(itemPath(assetId))
      .update({ imageUrl: `${images2.origin}/newer.png` });
    const newer = await waitFor(async () => {
      const image = await imageOf(assetId);
      return image?.status === 'ready' ? image : undefined;
    });
    release();
    await running;
    assert.deepEqual(await imageOf(assetId), newer, 'the older import wrote nothing');
    assert.equal(newer.width, 320);
  });

  it('a retryable failure throws (Cloud Tasks retries); the same task over an hour old is given up', async () => {
    local.route('/down.png', sendBytes('busy', 'text/plain', 503));
    const { assetId, task } = await itemAndTask(`${local.origin}/down.png`);
    await assert.rejects(dispatch(task), /503/);
    const pending = await imageOf(assetId);
    assert.equal(pending?.status, 'pending');
    assert.match(String(pending?.error), /HTTP 503.*Trying again/);
    const stale = { ...task, eventTime: new Date(Date.now() - 2 * 3600_000).toISOString() };
    await dispatch(stale);
    const image = await imageOf(assetId);
    assert.equal(image?.status, 'failed');
    assert.match(String(image?.error), /given up/);
    assert.equal(local.requests.get('/down.png'), 1, 'the stale task fetched nothing');
  });

  it('a task whose data is not an import is dropped without a retry, writing nothing', async () => {
    const assetId = await newItem('https://images.example.com/x.jpg');
    await settled(assetId);
    const before = await imageOf(assetId);
    for (const data of [
      {},
      {
        orgId,
        assetId: '../x',
        sourceUrl: 'u',
        requestId: null,
        importId: hexId(),
        eventId: 'e',
        eventTime: 't',
      },
      {
        orgId,
        assetId,
        sourceUrl: 'u',
        requestId: null,
        importId: 'NOT-HEX',
        eventId: 'e',
        eventTime: 't',
      },
      'text',
    ]) {
      await dispatch(data); // resolves: answering 2xx ends the task
    }
    assert.deepEqual(await imageOf(assetId), before);
  });
});
