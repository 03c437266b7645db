// Equipment images imported from their URL, end to end through the local stack: a test writes an
// equipment document straight to Firestore (as the API, a CSV upload or an app would), the
// stack's equipmentImageSync trigger fetches from a local image server on 127.0.0.1 (a port
// that functions/.env.local allows), and the test reads the document and the stored files.
// Traffic goes only to loopback addresses.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { FieldValue, type DocumentData } from 'firebase-admin/firestore';
import sharp from 'sharp';
import { db } from '../src/data/firebase';
import { bucket } from '../src/data/storage';
import { addMember, call, createOrg, newUser, unique } from './support/api';
import {
  redirectTo,
  sendBytes,
  startAllowedImageServer,
  startImageServer,
  type ImageServer,
} from './support/imageServer';
import { animatedGif, jpeg, jpegWithGps, png, pngBomb, webp } from './support/testImages';
import { waitFor } from './support/wait';
import type { EquipmentImage } from '../src/data/equipmentImages';

/** The image field as stored: the API's view, with the raw timestamp and the import folder. */
type Image = Omit<EquipmentImage, 'importedAt' | 'requestedAt'> & {
  importedAt: unknown;
  path: string | null;
};

const MB = 1024 * 1024;
const orgId = unique('org-images');

const itemPath = (assetId: string) => `organizations/${orgId}/equipment/${assetId}`;

/** An equipment item written straight to Firestore, with `imageUrl`. */
async function newItem(imageUrl: string | null, assetId = unique('CAMERA')): Promise<string> {
  await db()
    .doc(itemPath(assetId))
    .set({
      name: 'Test camera',
      category: 'CAMERA',
      source: 'client',
      ...(imageUrl === null ? {} : { imageUrl }),
    });
  return assetId;
}

async function imageOf(assetId: string): Promise<Image | undefined> {
  return (await db().doc(itemPath(assetId)).get()).get('image') as Image | undefined;
}

/** Waits until the import has finished, one way or the other. */
function settled(assetId: string, timeoutMs = 20_000): Promise<Image> {
  return waitFor(
    async () => {
      const image = await imageOf(assetId);
      return image && image.status !== 'pending' ? image : undefined;
    },
    { timeoutMs },
  );
}

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return Buffer.from(await res.arrayBuffer());
}

async function storedFiles(assetId: string): Promise<string[]> {
  const [files] = await bucket().getFiles({ prefix: `${itemPath(assetId)}/image/` });
  return files.map((f) => f.name).sort();
}

/** Checks a ready image: both files are WebP of the stated sizes, and only they are stored. */
async function assertStored(assetId: string, image: Image, full: [number, number], thumb: number) {
  assert.equal(image.status, 'ready', image.error ?? '');
  assert.equal(image.error, null);
  assert.equal(image.contentType, 'image/webp');
  assert.deepEqual([image.width, image.height], full);
  assert.equal(image.thumbnailWidth, thumb);
  const fullBytes = await download(String(image.url));
  const thumbBytes = await download(String(image.thumbnailUrl));
  assert.equal(image.bytes, fullBytes.length);
  const fullMeta = await sharp(fullBytes).metadata();
  const thumbMeta = await sharp(thumbBytes).metadata();
  assert.deepEqual([fullMeta.format, fullMeta.width, fullMeta.height], ['webp', ...full]);
  assert.deepEqual(
    [thumbMeta.format, thumbMeta.width, thumbMeta.height],
    ['webp', thumb, image.thumbnailHeight],
  );
  assert.deepEqual(await storedFiles(assetId), [
    `${image.path}image.webp`,
    `${image.path}thumb.webp`,
  ]);
  const [meta] = await bucket().file(`${image.path}image.webp`).getMetadata();
  assert.match(String(meta.cacheControl), /max-age=\d+/);
  assert.ok(String(image.url).includes(String(meta.metadata?.firebaseStorageDownloadTokens)));
}

describe('equipment image import (end to end through the local stack)', function () {
  this.timeout(60_000);
  let images: ImageServer;

  before(async () => {
    images = await startAllowedImageServer();
  });
  after(async () => {
    await images.close();
  });

  describe('formats', () => {
    const cases: Array<[string, () => Promise<Buffer>, string, [number, number], number]> = [
      ['PNG', () => png(2000, 1200), 'image/png', [1600, 960], 256],
      ['JPEG', () => jpeg(1800, 1200), 'image/jpeg', [1600, 1067], 256],
      [
        'WebP (smaller than 1600: not enlarged)',
        () => webp(800, 600),
        'image/webp',
        [800, 600],
        256,
      ],
      ['GIF (first frame)', () => animatedGif(600, 400), 'image/gif', [600, 400], 256],
    ];
    for (const [name, make, type, full, thumb] of cases) {
      it(`${name}: stored as WebP at most 1600 px wide, with a 256 px thumbnail`, async () => {
        const path = `/${unique('img')}`;
        images.route(path, sendBytes(await make(), type));
        const assetId = await newItem(`${images.origin}${path}`);
        const image = await settled(assetId);
        await assertStored(assetId, image, full, thumb);
        assert.equal(image.sourceContentType, type);
        assert.equal(image.sourceUrl, `${images.origin}${path}`);
        assert.equal(image.attempts, 1);
        assert.ok(image.importedAt);
      });
    }

    it('a GIF keeps its first frame only', async () => {
      images.route('/anim.gif', sendBytes(await animatedGif(300, 200), 'image/gif'));
      const image = await settled(await newItem(`${images.origin}/anim.gif`));
      const { data } = await sharp(await download(String(image.url)))
        .raw()
        .toBuffer({ resolveWithObject: true });
      assert.ok(
        data[0] > 200 && data[2] < 50,
        `first pixel is red: ${data[0]},${data[1]},${data[2]}`,
      );
    });

    it('a PNG served as text/html is accepted: the bytes decide', async () => {
      images.route('/png-as-html', sendBytes(await png(400, 300), 'text/html; charset=utf-8'));
      const assetId = await newItem(`${images.origin}/png-as-html`);
      const image = await settled(assetId);
      await assertStored(assetId, image, [400, 300], 256);
      assert.equal(image.sourceContentType, 'image/png');
    });
  });

  describe('refused content', () => {
    const refusals: Array<[string, Buffer | string, string, RegExp]> = [
      [
        'an HTML page served as image/png',
        '<!DOCTYPE html><html><body>Not found, but 200</body></html>',
        'image/png',
        /returned an HTML page \(the server called it image\/png\), not an image.*PNG, JPEG, WebP and GIF/,
      ],
      [
        'an SVG',
        '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        'image/svg+xml',
        /returned an SVG drawing.*not an image/,
      ],
      ['a PDF', '%PDF-1.7\n%âãÏÓ\n1 0 obj\n', 'image/jpeg', /returned a PDF document/],
      ['an empty body', '', 'image/png', /returned an empty file/],
      [
        // Issue 19: this body stalled the old SVG pattern, and with it the whole instance.
        'comments that made the old sniffing patterns backtrack',
        '<!---->'.repeat(290) + 'x',
        'image/png',
        /^The URL returned an XML or HTML document \(the server called it image\/png\), not an image\./,
      ],
    ];
    for (const [name, body, type, message] of refusals) {
      it(`${name} fails at once, saying what was received`, async () => {
        const path = `/${unique('bad')}`;
        images.route(path, sendBytes(body, type));
        const assetId = await newItem(`${images.origin}${path}`);
        const image = await settled(assetId);
        assert.equal(image.status, 'failed');
        assert.match(String(image.error), message);
        assert.equal(image.attempts, 1);
        assert.equal(image.url, null);
        assert.deepEqual(await storedFiles(assetId), []);
        assert.equal(images.requests.get(path), 1, 'not retried');
        // The item keeps its data.
        const item = (await db().doc(itemPath(assetId)).get()).data() as DocumentData;
        assert.equal(item.name, 'Test camera');
        assert.equal(item.imageUrl, `${images.origin}${path}`);
      });
    }

    it('a decompression bomb (a tiny PNG declaring 20000 × 20000) is refused unread', async () => {
      const bomb = await pngBomb(20_000, 20_000);
      assert.ok(bomb.length < 200);
      images.route('/bomb.png', sendBytes(bomb, 'image/png'));
      const image = await settled(await newItem(`${images.origin}/bomb.png`));
      assert.equal(image.status, 'failed');
      assert.match(
        String(image.error),
        /20000 × 20000 pixels \(400 megapixels\); at most 50 megapixels/,
      );
    });

    it('a file over 10 MB is cut off while it streams and refused', async () => {
      const total = 64 * MB;
      let closedEarly = false;
      images.route('/huge.png', (_req, res) => {
        res.writeHead(200, { 'content-type': 'image/png' });
        const chunk = Buffer.alloc(256 * 1024, 7);
        let sent = 0;
        res.on('close', () => {
          closedEarly = sent < total;
          sent = total;
        });
        const pump = () => {
          while (sent < total) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      });
      const image = await settled(await newItem(`${images.origin}/huge.png`));
      assert.equal(image.status, 'failed');
      assert.match(String(image.error), /larger than 10 MB/);
      await waitFor(async () => closedEarly);
      assert.ok((images.bytesSent.get('/huge.png') ?? 0) < 32 * MB, 'the download stopped early');
    });
  });

  describe('failures and retries', () => {
    it('a 503 then a 200 is retried and ends ready, with 2 attempts', async () => {
      const body = await png(500, 500);
      let calls = 0;
      images.route('/flaky.png', (req, res) => {
        calls++;
        if (calls === 1) sendBytes('busy', 'text/plain', 503)(req, res);
        else sendBytes(body, 'image/png')(req, res);
      });
      const assetId = await newItem(`${images.origin}/flaky.png`);
      const pending = await waitFor(async () => {
        const image = await imageOf(assetId);
        return image?.error ? image : undefined;
      });
      assert.match(String(pending.error), /HTTP 503.*Trying again \(attempt 1 of 5\)/);
      const image = await settled(assetId);
      await assertStored(assetId, image, [500, 500], 256);
      assert.equal(image.attempts, 2);
      assert.equal(calls, 2);
    });

    it('a 404 fails at once', async () => {
      const assetId = await newItem(`${images.origin}/nothing-here.png`);
      const image = await settled(assetId);
      assert.equal(image.status, 'failed');
      assert.match(String(image.error), /not found at that URL \(HTTP 404/);
      assert.equal(image.attempts, 1);
      assert.equal(images.requests.get('/nothing-here.png'), 1);
    });

    it('a redirect chain of 5 is followed; 6 are too many', async () => {
      images.route('/chain-end.jpg', sendBytes(await jpeg(300, 300), 'image/jpeg'));
      for (let i = 1; i <= 6; i++) {
        images.route(`/chain${i}`, redirectTo(i === 1 ? '/chain-end.jpg' : `/chain${i - 1}`, 301));
      }
      const five = await settled(await newItem(`${images.origin}/chain5`));
      assert.equal(five.status, 'ready', five.error ?? '');
      const six = await settled(await newItem(`${images.origin}/chain6`));
      assert.equal(six.status, 'failed');
      assert.match(String(six.error), /redirected more than 5 times/);
    });

    it('a URL with a user and password is refused', async () => {
      const image = await settled(await newItem(`http://me:secret@127.0.0.1:${images.port}/a.png`));
      assert.equal(image.status, 'failed');
      assert.match(String(image.error), /user name or password/);
    });
  });

  describe('the local stack never leaves the machine', () => {
    it('a public host name is not resolved: a clear error at once, no retry', async () => {
      const image = await settled(await newItem('https://images.example.com/camera.png'));
      assert.equal(image.status, 'failed');
      assert.match(
        String(image.error),
        /^The host name images\.example\.com is not resolved in the local stack: .*IMAGE_IMPORT_ALLOWED_HOSTS/,
      );
      assert.equal(image.attempts, 1);
    });

    it('a public address on a port other than 80 and 443 is refused before connecting', async () => {
      const image = await settled(await newItem('http://93.184.216.34:8080/camera.png'));
      assert.equal(image.status, 'failed');
      assert.match(
        String(image.error),
        /^The image URL uses port 8080 of 93\.184\.216\.34\. Images are fetched only from the web ports 80 \(http\) and 443 \(https\)\.$/,
      );
      assert.equal(image.attempts, 1);
    });
  });

  describe('refused addresses, before any connection', () => {
    let counting: ImageServer; // 127.0.0.1, another port
    let second: ImageServer; // 127.0.0.2
    let v6: ImageServer; // [::1]

    before(async () => {
      counting = await startImageServer('127.0.0.1');
      second = await startImageServer('127.0.0.2');
      v6 = await startImageServer('::1');
    });
    after(async () => {
      await counting.close();
      await second.close();
      await v6.close();
    });

    const connections = () => [counting.connections, second.connections, v6.connections];

    it('127.0.0.1 on other ports (the local Firestore among them), 127.0.0.2, [::1], 0.0.0.0, localhost', async () => {
      const firestore = String(process.env.FIRESTORE_EMULATOR_HOST);
      const urls = [
        `http://${firestore}/v1/projects/x/databases/(default)/documents`,
        `http://127.0.0.1:${counting.port}/secret`,
        `http://127.0.0.2:${second.port}/secret`,
        `http://127.0.0.2:${images.port}/a.png`,
        `http://[::1]:${v6.port}/secret`,
        `http://0.0.0.0:${counting.port}/secret`,
        `http://localhost:${images.port}/a.png`,
        `http://localhost:${counting.port}/secret`,
      ];
      const before = connections();
      const imageConnections = images.connections;
      const assetIds = await Promise.all(urls.map((url) => newItem(url)));
      for (const [i, assetId] of assetIds.entries()) {
        const image = await settled(assetId);
        assert.equal(image.status, 'failed', urls[i]);
        assert.match(
          String(image.error),
          /(a loopback address|an unspecified address).*only from public internet addresses/,
          urls[i],
        );
        assert.equal(image.attempts, 1);
      }
      assert.deepEqual(connections(), before, 'no refused server saw a connection');
      assert.equal(images.connections, imageConnections, 'nor the allowed one, on other names');
    });

    it('a redirect to any of them', async () => {
      const targets = [
        `http://127.0.0.1:${counting.port}/secret`,
        `http://127.0.0.2:${second.port}/secret`,
        `http://[::1]:${v6.port}/secret`,
        `http://0.0.0.0:${counting.port}/secret`,
        `http://localhost:${counting.port}/secret`,
        'http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token',
      ];
      const before = connections();
      const assetIds: string[] = [];
      for (const target of targets) {
        const path = `/${unique('to')}`;
        images.route(path, redirectTo(target));
        assetIds.push(await newItem(`${images.origin}${path}`));
      }
      for (const [i, assetId] of assetIds.entries()) {
        const image = await settled(assetId);
        assert.equal(image.status, 'failed', targets[i]);
        assert.match(String(image.error), /only from public internet addresses/, targets[i]);
      }
      assert.deepEqual(connections(), before, 'no refused server saw a connection');
    });
  });

  describe('privacy', () => {
    it("a phone photo's EXIF (GPS position) is not in the stored copy; its orientation is applied", async () => {
      const photo = await jpegWithGps(1200, 800);
      const original = await sharp(photo).metadata();
      assert.ok(original.exif && original.exif.includes(Buffer.from('TestPhone')));
      assert.equal(original.orientation, 6);
      images.route('/gps.jpg', sendBytes(photo, 'image/jpeg'));
      const assetId = await newItem(`${images.origin}/gps.jpg`);
      const image = await settled(assetId);
      // Upright: the 1200 × 800 landscape pixels with orientation 6 show as 800 × 1200.
      await assertStored(assetId, image, [800, 1200], 256);
      for (const url of [image.url, image.thumbnailUrl]) {
        const stored = await download(String(url));
        const meta = await sharp(stored).metadata();
        assert.equal(meta.exif, undefined);
        assert.equal(meta.xmp, undefined);
        assert.equal(meta.orientation, undefined);
        assert.equal(stored.includes(Buffer.from('Exif')), false);
        assert.equal(stored.includes(Buffer.from('TestPhone')), false);
      }
    });
  });

  describe('changes to the URL', () => {
    it('a new URL replaces the image and deletes the old files; clearing it removes both', async () => {
      images.route('/first.png', sendBytes(await png(300, 300), 'image/png'));
      images.route('/second.jpg', sendBytes(await jpeg(700, 350), 'image/jpeg'));
      const assetId = await newItem(`${images.origin}/first.png`);
      const first = await settled(assetId);
      await assertStored(assetId, first, [300, 300], 256);
      await db()
        .doc(itemPath(assetId))
        .update({ imageUrl: `${images.origin}/second.jpg` });
      const second = await waitFor(async () => {
        const image = await imageOf(assetId);
        return image?.status === 'ready' && image.sourceUrl.endsWith('/second.jpg')
          ? image
          : undefined;
      });
      await assertStored(assetId, second, [700, 350], 256);
      assert.notEqual(second.path, first.path);
      assert.notEqual((await fetch(String(first.url))).status, 200, 'the old file is gone');
      assert.equal((await bucket().file(`${first.path}image.webp`).exists())[0], false);

      await db().doc(itemPath(assetId)).update({ imageUrl: FieldValue.delete() });
      await waitFor(async () => (await imageOf(assetId)) === undefined);
      // The field goes first (in its transaction), the files right after it (clearImage).
      await waitFor(async () => (await storedFiles(assetId)).length === 0);
      assert.deepEqual(await storedFiles(assetId), []);
      assert.equal((await db().doc(itemPath(assetId)).get()).get('name'), 'Test camera');
    });

    it("writes that do not change imageUrl (the trigger's own, other fields) import nothing", async () => {
      images.route('/once.png', sendBytes(await png(200, 200), 'image/png'));
      const assetId = await newItem(`${images.origin}/once.png`);
      const image = await settled(assetId);
      await db()
        .doc(itemPath(assetId))
        .update({ notes: 'moved to shelf 3', qrCodeGenerated: true });
      await db().doc(itemPath(assetId)).update({ notes: 'moved again' });
      // An import would set status pending again and download again. There is no event to wait
      // for when nothing happens, so let another item's whole import run after those writes
      // (their deliveries start first) and then check that this one was left alone.
      images.route('/marker.png', sendBytes(await png(100, 100), 'image/png'));
      const marker = await newItem(`${images.origin}/marker.png`);
      await settled(marker);
      assert.equal(images.requests.get('/once.png'), 1);
      assert.deepEqual(await imageOf(assetId), image);
    });

    it('deleting the item deletes its image files', async () => {
      images.route('/doomed.png', sendBytes(await png(200, 200), 'image/png'));
      const assetId = await newItem(`${images.origin}/doomed.png`);
      await settled(assetId);
      assert.equal((await storedFiles(assetId)).length, 2);
      await db().doc(itemPath(assetId)).delete();
      await waitFor(async () => (await storedFiles(assetId)).length === 0);
    });
  });
});

// The trigger and the task function in isolation (duplicate deliveries, an older URL): see
// image-import-queue.test.ts.

describe('POST /v1/orgs/{orgId}/equipment/{assetId}/import-image', function () {
  this.timeout(60_000);
  let owner: SignedIn;
  let org: string;
  let images: ImageServer;

  before(async () => {
    owner = await newUser('owner');
    org = await createOrg(owner);
    images = await startAllowedImageServer();
  });
  after(async () => {
    await images.close();
  });

  const path = (assetId: string) => `organizations/${org}/equipment/${assetId}`;

  it('editors and up re-run the import; viewers and analysts may not', async () => {
    let version = 0;
    const versions = [await png(400, 200), await jpeg(200, 400)];
    images.route('/changing.png', (req, res) =>
      sendBytes(versions[version], 'image/png')(req, res),
    );
    const assetId = unique('CAMERA');
    await db()
      .doc(path(assetId))
      .set({ name: 'Cam', category: 'CAMERA', imageUrl: `${images.origin}/changing.png` });
    const first = await waitFor(async () => {
      const image = (await db().doc(path(assetId)).get()).get('image') as Image | undefined;
      return image?.status === 'ready' ? image : undefined;
    });
    assert.deepEqual([first.width, first.height], [400, 200]);

    for (const role of ['viewer', 'analyst']) {
      const user = await newUser(role);
      await addMember(org, owner, user, role);
      const reply = await call('POST', `/v1/orgs/${org}/equipment/${assetId}/import-image`, {
        token: user.idToken,
      });
      assert.equal(reply.status, 403, role);
    }
    const unauthenticated = await call('POST', `/v1/orgs/${org}/equipment/${assetId}/import-image`);
    assert.equal(unauthenticated.status, 401);

    version = 1; // the picture at that URL changed
    const editor = await newUser('editor');
    await addMember(org, owner, editor, 'editor');
    const reply = await call<{ assetId: string; image: Image }>(
      'POST',
      `/v1/orgs/${org}/equipment/${assetId}/import-image`,
      { token: editor.idToken },
    );
    assert.equal(reply.status, 202);
    assert.equal(reply.body.assetId, assetId);
    assert.equal(reply.body.image.status, 'pending');
    assert.equal(reply.body.image.sourceUrl, `${images.origin}/changing.png`);
    const second = await waitFor(async () => {
      const image = (await db().doc(path(assetId)).get()).get('image') as Image | undefined;
      return image?.status === 'ready' ? image : undefined;
    });
    assert.deepEqual([second.width, second.height], [200, 400]);
    assert.notEqual(second.path, first.path);
    const [files] = await bucket().getFiles({ prefix: `${path(assetId)}/image/` });
    assert.deepEqual(files.map((f) => f.name).sort(), [
      `${second.path}image.webp`,
      `${second.path}thumb.webp`,
    ]);
    assert.equal(images.requests.get('/changing.png'), 2);
  });

  it('404 for an unknown item, 409 for an item without imageUrl, 400 for a bad id', async () => {
    const missing = await call('POST', `/v1/orgs/${org}/equipment/nope/import-image`, {
      token: owner.idToken,
    });
    assert.equal(missing.status, 404);
    const assetId = unique('CAMERA');
    await db().doc(path(assetId)).set({ name: 'No picture', category: 'CAMERA' });
    const noUrl = await call<{ error: { code: string; message: string } }>(
      'POST',
      `/v1/orgs/${org}/equipment/${assetId}/import-image`,
      { token: owner.idToken },
    );
    assert.equal(noUrl.status, 409);
    assert.match(noUrl.body.error.message, /no imageUrl/);
    const bad = await call('POST', `/v1/orgs/${org}/equipment/a.b/import-image`, {
      token: owner.idToken,
    });
    assert.equal(bad.status, 400);
  });
});
