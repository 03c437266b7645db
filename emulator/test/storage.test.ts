// Storage through the unmodified firebase-admin SDK (and plain HTTP where a browser would be
// the client). Runs against FIREBASE_STORAGE_EMULATOR_HOST when set (the whole stack, or the
// official emulator); otherwise starts our StorageEmulatorServer in-process on a free port.
import { strict as assert } from 'node:assert';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getDownloadURL, getStorage } from 'firebase-admin/storage';
import { StorageEmulatorServer } from '../src/storage/server';

const projectId = process.env.GCLOUD_PROJECT ?? 'demo-qr-assets';
const bucketName = `${projectId}.appspot.com`;

/** An image-sized payload: PNG signature followed by random bytes (no byte value is special). */
function pngSizedBuffer(size: number): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, randomBytes(size - signature.length)]);
}

function md5Base64(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('base64');
}

/** The HTTP status carried by an error from @google-cloud/storage. */
function statusOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}

describe('Storage emulator through firebase-admin', function () {
  let server: StorageEmulatorServer | undefined;
  let app: App;
  let emulatorOrigin: string;
  // Every object of this run lives under its own prefix, so suites sharing a stack never collide.
  const root = `storage-test-${randomUUID()}`;
  const bucket = () => getStorage(app).bucket();

  before(async function () {
    if (!process.env.FIREBASE_STORAGE_EMULATOR_HOST) {
      server = new StorageEmulatorServer({ projectId });
      const port = await server.listen('127.0.0.1', 0);
      process.env.FIREBASE_STORAGE_EMULATOR_HOST = `127.0.0.1:${port}`;
      // firebase-admin derives STORAGE_EMULATOR_HOST from the variable above, but only when it
      // is unset; a value left over from another suite would point at a closed server.
      delete process.env.STORAGE_EMULATOR_HOST;
    }
    emulatorOrigin = `http://${process.env.FIREBASE_STORAGE_EMULATOR_HOST}`;
    app = initializeApp({ projectId, storageBucket: bucketName }, `storage-test-${randomUUID()}`);
  });

  after(async function () {
    await deleteApp(app);
    if (server) {
      await server.close();
      delete process.env.FIREBASE_STORAGE_EMULATOR_HOST;
      delete process.env.STORAGE_EMULATOR_HOST;
    }
  });

  it('uses the default bucket from the app options, which exists', async function () {
    assert.equal(bucket().name, bucketName);
    assert.deepEqual(await bucket().exists(), [true]);
    const [metadata] = await bucket().getMetadata();
    assert.equal(metadata.name, bucketName);
  });

  it('round-trips an image-sized object through a multipart upload', async function () {
    const bytes = pngSizedBuffer(300 * 1024);
    const file = bucket().file(`${root}/multipart/logo.png`);
    await file.save(bytes, { resumable: false, contentType: 'image/png' });

    const [downloaded] = await file.download();
    assert.equal(downloaded.length, bytes.length);
    assert.ok(downloaded.equals(bytes), 'downloaded bytes differ from uploaded bytes');

    const [metadata] = await file.getMetadata();
    assert.equal(metadata.name, `${root}/multipart/logo.png`);
    assert.equal(metadata.bucket, bucketName);
    assert.equal(metadata.contentType, 'image/png');
    assert.equal(Number(metadata.size), bytes.length);
    assert.equal(metadata.md5Hash, md5Base64(bytes));
  });

  it('round-trips an object through a resumable upload', async function () {
    const bytes = pngSizedBuffer(700 * 1024);
    const file = bucket().file(`${root}/resumable/photo.png`);
    await file.save(bytes, {
      resumable: true,
      contentType: 'image/png',
      metadata: { metadata: { assetId: 'A-1' } },
    });

    const [downloaded] = await file.download();
    assert.ok(downloaded.equals(bytes), 'downloaded bytes differ from uploaded bytes');
    const [metadata] = await file.getMetadata();
    assert.equal(metadata.contentType, 'image/png');
    assert.equal(metadata.metadata?.assetId, 'A-1');
  });

  it('round-trips a resumable upload sent in several chunks', async function () {
    const bytes = pngSizedBuffer(700 * 1024 + 5);
    const file = bucket().file(`${root}/resumable/chunked.png`);
    await file.save(bytes, { resumable: true, chunkSize: 256 * 1024, contentType: 'image/png' });
    const [downloaded] = await file.download();
    assert.equal(downloaded.length, bytes.length);
    assert.ok(downloaded.equals(bytes), 'downloaded bytes differ from uploaded bytes');
  });

  it('speaks the resumable protocol: 308 with Range, status queries, resent chunks', async function () {
    const bytes = pngSizedBuffer(30);
    const name = `${root}/resumable/protocol.bin`;
    const start = await fetch(
      `${emulatorOrigin}/upload/storage/v1/b/${bucketName}/o?uploadType=resumable&name=${encodeURIComponent(name)}`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer owner' },
        body: JSON.stringify({ contentType: 'application/octet-stream' }),
      },
    );
    await start.arrayBuffer();
    assert.equal(start.status, 200);
    const session = start.headers.get('location');
    assert.ok(session, 'the session URL comes back in Location');

    const put = async (range: string, body?: Buffer) => {
      const res = await fetch(session, {
        method: 'PUT',
        headers: { 'Content-Range': range },
        body,
      });
      const text = await res.text();
      return { status: res.status, range: res.headers.get('range'), text };
    };
    assert.deepEqual(await put('bytes */*'), { status: 308, range: null, text: '' });
    assert.deepEqual(await put('bytes 0-9/*', bytes.subarray(0, 10)), {
      status: 308,
      range: 'bytes=0-9',
      text: '',
    });
    assert.deepEqual(await put('bytes */*'), { status: 308, range: 'bytes=0-9', text: '' });
    // Resending bytes the server already has (after a lost 308) does not duplicate them.
    assert.deepEqual(await put('bytes 5-19/*', bytes.subarray(5, 20)), {
      status: 308,
      range: 'bytes=0-19',
      text: '',
    });
    const last = await put('bytes 20-29/30', bytes.subarray(20, 30));
    assert.equal(last.status, 200);
    const resource: unknown = JSON.parse(last.text);
    assert.ok(typeof resource === 'object' && resource !== null && 'size' in resource);
    assert.equal(resource.size, '30');
    // Asking again after completion returns the object.
    assert.equal((await put('bytes */30')).status, 200);

    const [downloaded] = await bucket().file(name).download();
    assert.ok(downloaded.equals(bytes));
  });

  it('accepts a simple (uploadType=media) upload of the JSON API', async function () {
    const bytes = pngSizedBuffer(4096);
    const name = `${root}/media/raw.png`;
    const url = `${emulatorOrigin}/upload/storage/v1/b/${bucketName}/o?uploadType=media&name=${encodeURIComponent(name)}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'image/png', Authorization: 'Bearer owner' },
      body: bytes,
    });
    assert.equal(res.status, 200);
    const body: unknown = await res.json();
    assert.ok(typeof body === 'object' && body !== null && 'name' in body);
    assert.equal(body.name, name);

    const [downloaded] = await bucket().file(name).download();
    assert.ok(downloaded.equals(bytes));
  });

  it('downloads byte ranges', async function () {
    const bytes = pngSizedBuffer(64 * 1024);
    const file = bucket().file(`${root}/range/blob.bin`);
    await file.save(bytes, { resumable: false });

    const [middle] = await file.download({ start: 1000, end: 1999 });
    assert.ok(middle.equals(bytes.subarray(1000, 2000)), 'range [1000, 1999] differs');

    const [head] = await file.download({ start: 0, end: 7 });
    assert.ok(head.equals(bytes.subarray(0, 8)));

    // The same through a plain HTTP Range request on the object's media link.
    const [metadata] = await file.getMetadata();
    assert.ok(metadata.mediaLink, 'object metadata has a mediaLink');
    const res = await fetch(metadata.mediaLink, { headers: { Range: 'bytes=100-199' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), `bytes 100-199/${bytes.length}`);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(100, 200)));
  });

  it('patches metadata and custom metadata', async function () {
    const file = bucket().file(`${root}/meta/doc.txt`);
    await file.save('hello', {
      resumable: false,
      contentType: 'text/plain',
      metadata: { metadata: { keep: 'yes', drop: 'soon' } },
    });

    await file.setMetadata({
      contentType: 'text/markdown',
      cacheControl: 'public, max-age=60',
      metadata: { added: 'new', drop: null },
    });

    const [metadata] = await file.getMetadata();
    assert.equal(metadata.contentType, 'text/markdown');
    assert.equal(metadata.cacheControl, 'public, max-age=60');
    assert.equal(metadata.metadata?.keep, 'yes', 'patch keeps custom keys it does not name');
    assert.equal(metadata.metadata?.added, 'new');
    assert.equal(metadata.metadata?.drop, undefined, 'a null value removes the key');
    assert.equal(Number(metadata.metageneration), 2);

    const [content] = await file.download();
    assert.equal(content.toString(), 'hello', 'patching metadata leaves the bytes alone');
  });

  it('lists with prefix and delimiter', async function () {
    const names = ['a.txt', 'b.txt', 'sub/c.txt', 'sub/deeper/d.txt', 'other/e.txt'];
    for (const name of names) {
      await bucket().file(`${root}/list/${name}`).save(name, { resumable: false });
    }

    const [all] = await bucket().getFiles({ prefix: `${root}/list/` });
    assert.deepEqual(
      all.map((f) => f.name),
      [...names].sort().map((n) => `${root}/list/${n}`),
    );

    const [top, , response] = await bucket().getFiles({
      prefix: `${root}/list/`,
      delimiter: '/',
      autoPaginate: false,
    });
    assert.deepEqual(
      top.map((f) => f.name),
      [`${root}/list/a.txt`, `${root}/list/b.txt`],
    );
    const prefixes =
      typeof response === 'object' && response !== null && 'prefixes' in response
        ? response.prefixes
        : undefined;
    assert.deepEqual(prefixes, [`${root}/list/other/`, `${root}/list/sub/`]);
  });

  it('pages through a listing with maxResults and page tokens', async function () {
    const names = Array.from({ length: 7 }, (_, i) => `${root}/pages/item-${i}.txt`);
    for (const name of names) {
      await bucket().file(name).save('x', { resumable: false });
    }

    const seen: string[] = [];
    let pages = 0;
    let query: { prefix: string; maxResults: number; autoPaginate: false; pageToken?: string } = {
      prefix: `${root}/pages/`,
      maxResults: 3,
      autoPaginate: false,
    };
    for (;;) {
      const [files, next] = await bucket().getFiles(query);
      pages += 1;
      assert.ok(files.length <= 3, `page ${pages} has ${files.length} items`);
      seen.push(...files.map((f) => f.name));
      if (!next || typeof next !== 'object' || !('pageToken' in next)) break;
      assert.equal(typeof next.pageToken, 'string');
      query = { ...query, pageToken: String(next.pageToken) };
      assert.ok(pages < 10, 'paging does not end');
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, names);
  });

  it('copies objects with their bytes and metadata', async function () {
    const bytes = pngSizedBuffer(20 * 1024);
    const source = bucket().file(`${root}/copy/source.png`);
    await source.save(bytes, {
      resumable: false,
      contentType: 'image/png',
      metadata: { metadata: { origin: 'camera' } },
    });

    const [copy] = await source.copy(`${root}/copy/target.png`);
    assert.equal(copy.name, `${root}/copy/target.png`);
    const [copied] = await copy.download();
    assert.ok(copied.equals(bytes));
    const [metadata] = await copy.getMetadata();
    assert.equal(metadata.contentType, 'image/png');
    assert.equal(metadata.metadata?.origin, 'camera');

    // The source is untouched.
    const [original] = await source.download();
    assert.ok(original.equals(bytes));
  });

  it('honours generation and metageneration preconditions', async function () {
    const file = bucket().file(`${root}/preconditions/once.txt`);
    const createOnly = { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } };
    await file.save('first', createOnly);
    await assert.rejects(file.save('second', createOnly), (e: unknown) => statusOf(e) === 412);
    await assert.rejects(
      file.save('second', { ...createOnly, resumable: true }),
      (e: unknown) => statusOf(e) === 412 || /412/.test(String(e)),
    );
    const [{ generation }] = await file.getMetadata();
    const current = Number(generation);
    // The emulator's generations are millisecond timestamps: let the clock pass this one so the
    // replacement below gets a different generation.
    await waitUntil(() => Date.now() > current, 1000);

    await file.save('replaced', {
      resumable: false,
      preconditionOpts: { ifGenerationMatch: current },
    });
    await assert.rejects(
      file.save('stale', { resumable: false, preconditionOpts: { ifGenerationMatch: current } }),
      (e: unknown) => statusOf(e) === 412,
    );
    const [content] = await file.download();
    assert.equal(content.toString(), 'replaced');

    const [meta] = await file.getMetadata();
    await file.setMetadata(
      { metadata: { step: '1' } },
      { ifMetagenerationMatch: meta.metageneration },
    );
    await assert.rejects(
      file.setMetadata({ metadata: { step: '2' } }, { ifMetagenerationMatch: meta.metageneration }),
      (e: unknown) => statusOf(e) === 412,
    );

    await assert.rejects(file.delete({ ifGenerationMatch: current }), (e: unknown) => {
      return statusOf(e) === 412;
    });
    const [latest] = await file.getMetadata();
    await file.delete({ ifGenerationMatch: Number(latest.generation) });
    assert.deepEqual(await file.exists(), [false]);
  });

  it('deletes objects and reports missing ones as 404', async function () {
    const file = bucket().file(`${root}/delete/gone.txt`);
    await file.save('bye', { resumable: false });
    assert.deepEqual(await file.exists(), [true]);

    await file.delete();
    assert.deepEqual(await file.exists(), [false]);
    await assert.rejects(file.download(), (err: unknown) => statusOf(err) === 404);
    await assert.rejects(file.delete(), (err: unknown) => statusOf(err) === 404);
    await assert.rejects(file.getMetadata(), (err: unknown) => statusOf(err) === 404);
    await file.delete({ ignoreNotFound: true });
  });

  it('serves getDownloadURL() over plain HTTP and checks its token', async function () {
    const bytes = pngSizedBuffer(128 * 1024);
    const file = bucket().file(`${root}/public/qr code #1.png`);
    await file.save(bytes, { resumable: false, contentType: 'image/png' });

    const url = await getDownloadURL(file);
    const parsed = new URL(url);
    assert.equal(parsed.origin, emulatorOrigin);
    const token = parsed.searchParams.get('token');
    assert.ok(token, 'the URL carries a download token');

    // A browser GET: no credentials, just the URL.
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes));

    // The same token is returned again rather than a new one each time.
    assert.equal(await getDownloadURL(file), url);

    const wrong = new URL(url);
    wrong.searchParams.set('token', randomUUID());
    const denied = await fetch(wrong);
    await denied.arrayBuffer();
    assert.equal(denied.status, 403, 'a wrong token is rejected');

    const missing = new URL(url);
    missing.searchParams.delete('token');
    const anonymous = await fetch(missing);
    await anonymous.arrayBuffer();
    assert.equal(anonymous.status, 403, 'a missing token is rejected');
  });

  it('keeps a download token stored through custom metadata', async function () {
    const token = randomUUID();
    const file = bucket().file(`${root}/public/with-token.txt`);
    await file.save('tokened', {
      resumable: false,
      metadata: { metadata: { firebaseStorageDownloadTokens: token } },
    });
    const url = await getDownloadURL(file);
    assert.equal(new URL(url).searchParams.get('token'), token);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'tokened');
  });

  it('denies client (Firebase API) requests without a token, as deny-all rules do', async function () {
    const name = `${root}/private/secret.txt`;
    await bucket().file(name).save('secret', { resumable: false });
    const objectUrl = `${emulatorOrigin}/v0/b/${bucketName}/o/${encodeURIComponent(name)}`;

    const requests: Array<[string, RequestInit]> = [
      [objectUrl, {}],
      [`${objectUrl}?alt=media`, {}],
      [`${emulatorOrigin}/v0/b/${bucketName}/o?prefix=${encodeURIComponent(`${root}/`)}`, {}],
      [objectUrl, { method: 'DELETE' }],
      [
        `${emulatorOrigin}/v0/b/${bucketName}/o?name=${encodeURIComponent(`${root}/private/new.txt`)}`,
        {
          method: 'POST',
          body: 'uploaded by a browser',
          headers: { 'Content-Type': 'text/plain' },
        },
      ],
    ];
    for (const [url, init] of requests) {
      const res = await fetch(url, init);
      await res.arrayBuffer();
      assert.equal(res.status, 403, `${init.method ?? 'GET'} ${url}`);
    }
    assert.deepEqual(await bucket().file(name).exists(), [true]);
    assert.deepEqual(await bucket().file(`${root}/private/new.txt`).exists(), [false]);
  });
});

// Robustness and clear() concern our in-process server itself, so this block always starts its
// own server on a free port, whatever FIREBASE_STORAGE_EMULATOR_HOST points at, and talks to it
// over plain HTTP (the JSON API that firebase-admin uses).
describe('StorageEmulatorServer in-process', function () {
  let server: StorageEmulatorServer;
  let origin: string;

  before(async function () {
    server = new StorageEmulatorServer({ projectId });
    origin = `http://127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  });

  after(() => server.close());

  async function upload(name: string, body: string): Promise<number> {
    const url = `${origin}/upload/storage/v1/b/${bucketName}/o?uploadType=media&name=${encodeURIComponent(name)}`;
    const res = await fetch(url, { method: 'POST', body });
    await res.arrayBuffer();
    return res.status;
  }

  async function download(name: string): Promise<{ status: number; text: string }> {
    const url = `${origin}/storage/v1/b/${bucketName}/o/${encodeURIComponent(name)}?alt=media`;
    const res = await fetch(url);
    return { status: res.status, text: await res.text() };
  }

  it('answers malformed requests with an error and keeps serving', async function () {
    // A media upload without a name: firebase-tools replies 400 and then throws.
    const res = await fetch(`${origin}/upload/storage/v1/b/${bucketName}/o?uploadType=media`, {
      method: 'POST',
      body: 'x',
    });
    await res.arrayBuffer();
    assert.equal(res.status, 400);
    const bad = await fetch(`${origin}/b/${bucketName}/o/%E0%A4%A`);
    await bad.arrayBuffer();
    assert.equal(bad.status, 400);

    assert.equal(await upload('after-errors.txt', 'still alive'), 200);
    assert.deepEqual(await download('after-errors.txt'), { status: 200, text: 'still alive' });
  });

  it('clear() deletes every object, and the server keeps working', async function () {
    assert.equal(await upload('clear/x.txt', 'x'), 200);
    await server.clear();
    assert.equal((await download('clear/x.txt')).status, 404);
    assert.equal(await upload('clear/x.txt', 'again'), 200);
    assert.deepEqual(await download('clear/x.txt'), { status: 200, text: 'again' });
  });
});

/** Polls `done` until it is true or `timeoutMs` passes. */
async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
