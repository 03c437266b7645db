// Client-uploaded equipment photos, end to end: an editor's app uploads with the `firebase/storage`
// client SDK (a real ID token from the Auth emulator, judged by storage.rules) to
// organizations/{orgId}/equipment/{assetId}/photos/{fileName}; the stack's Storage trigger
// treats it as the image import does and lists it on the item; a deletion takes it off. Then the
// triggers in isolation (firebase-functions-test): duplicated and stale deliveries change nothing.
import { strict as assert } from 'node:assert';
import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import {
  connectStorageEmulator,
  deleteObject,
  getStorage,
  ref,
  uploadBytes,
  type FirebaseStorage,
} from 'firebase/storage';
import functionsTest from 'firebase-functions-test';
import sharp from 'sharp';
import { db } from '../src/data/firebase';
import type { EquipmentPhoto } from '../src/data/photos';
import type { StoredPhoto } from '../src/domain/photos';
import { bucket } from '../src/data/storage';
import { equipmentPhotoDeleted, equipmentPhotoFinalized } from '../src/triggers/photosStorage';
import { addMember, call, createOrg, newUser, unique } from './support/api';
import { projectId } from './support/stack';
import { jpegWithGps, png } from './support/testImages';
import { waitFor } from './support/wait';
import type { SignedIn } from 'emulator';

/** An entry of the item's `photos` as stored. */
type Photo = StoredPhoto;

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return Buffer.from(await res.arrayBuffer());
}

describe('equipment photos uploaded by a client app', function () {
  this.timeout(60_000);
  let owner: SignedIn;
  let editor: SignedIn;
  let orgId: string;
  let app: FirebaseApp;
  let storage: FirebaseStorage;
  const itemPath = (assetId: string) => `organizations/${orgId}/equipment/${assetId}`;
  const photoPath = (assetId: string, file: string) => `${itemPath(assetId)}/photos/${file}`;

  async function newItem(): Promise<string> {
    const assetId = unique('CAM');
    await db().doc(itemPath(assetId)).set({ name: 'Camera', category: 'CAMERA', source: 'client' });
    return assetId;
  }
  const photosOf = async (assetId: string): Promise<Photo[]> =>
    ((await db().doc(itemPath(assetId)).get()).get('photos') as Photo[] | undefined) ?? [];
  const listed = (assetId: string, path: string) =>
    waitFor(async () => (await photosOf(assetId)).find((p) => p.path === path));

  before(async () => {
    owner = await newUser('owner');
    editor = await newUser('editor');
    orgId = await createOrg(owner);
    await addMember(orgId, owner, editor, 'editor');
    app = initializeApp(
      { projectId: projectId(), storageBucket: bucket().name, apiKey: 'local-emulator' },
      unique('photos-client'),
    );
    storage = getStorage(app);
    const [host, port] = String(process.env.FIREBASE_STORAGE_EMULATOR_HOST).split(':');
    // The SDK sends this (a real ID token of the editor) as the user's token.
    connectStorageEmulator(storage, host, Number(port), { mockUserToken: editor.idToken });
  });
  after(async () => {
    await deleteApp(app);
  });

  it('a phone photo is listed as a WebP without its EXIF, upright, with a 256 px thumbnail', async () => {
    const assetId = await newItem();
    const path = photoPath(assetId, 'front.jpg');
    // 2000 × 1200 stored with orientation 6: shown upright it is 1200 × 2000.
    await uploadBytes(ref(storage, path), await jpegWithGps(2000, 1200), {
      contentType: 'image/jpeg',
      customMetadata: { uploadedBy: editor.uid },
    });
    const photo = await listed(assetId, path);
    assert.equal(photo.uploadedBy, editor.uid);
    assert.ok(photo.at, 'the upload time');
    const full = await download(photo.url);
    const meta = await sharp(full).metadata();
    assert.equal(meta.format, 'webp');
    assert.equal(meta.exif, undefined, 'no EXIF (GPS) in the stored copy');
    assert.ok(meta.height! > meta.width!, 'the orientation was applied');
    assert.deepEqual([photo.width, photo.height], [meta.width, meta.height]);
    assert.ok(photo.width <= 1600);
    const thumb = await sharp(await download(photo.thumbnailUrl)).metadata();
    assert.deepEqual([thumb.format, thumb.width], ['webp', 256]);
    // The upload itself was replaced: nobody can fetch the original with its GPS position.
    const [objectMeta] = await bucket().file(path).getMetadata();
    assert.equal(objectMeta.contentType, 'image/webp');
    const [original] = await bucket().file(path).download();
    assert.equal((await sharp(original).metadata()).exif, undefined);
    // The API shows the list on the item.
    const reply = await call<{ photos: EquipmentPhoto[] }>(
      'GET',
      `/v1/orgs/${orgId}/equipment/${assetId}`,
      {
        token: owner.idToken,
      },
    );
    assert.equal(reply.status, 200);
    assert.deepEqual(
      reply.body.photos.map((p) => [p.path, p.url, p.thumbnailUrl, p.uploadedBy]),
      [[path, photo.url, photo.thumbnailUrl, editor.uid]],
    );
    assert.equal(typeof reply.body.photos[0].at, 'string');
  });

  it('a photo deleted by the app leaves the list, and its thumbnail goes', async () => {
    const assetId = await newItem();
    const keep = photoPath(assetId, 'keep.png');
    const drop = photoPath(assetId, 'drop.png');
    await uploadBytes(ref(storage, keep), await png(300, 200), { contentType: 'image/png' });
    await uploadBytes(ref(storage, drop), await png(200, 300), { contentType: 'image/png' });
    const kept = await listed(assetId, keep);
    const dropped = await listed(assetId, drop);
    await deleteObject(ref(storage, drop));
    const after = await waitFor(async () => {
      const list = await photosOf(assetId);
      return list.some((p) => p.path === drop) ? undefined : list;
    });
    assert.deepEqual(
      after.map((p) => p.path),
      [keep],
    );
    assert.deepEqual(await bucket().file(String(dropped.thumbnailPath)).exists(), [false]);
    assert.deepEqual(await bucket().file(String(kept.thumbnailPath)).exists(), [true]);
  });

  it('a re-upload to the same path replaces its entry', async () => {
    const assetId = await newItem();
    const path = photoPath(assetId, 'side.png');
    await uploadBytes(ref(storage, path), await png(400, 400), { contentType: 'image/png' });
    const first = await listed(assetId, path);
    await uploadBytes(ref(storage, path), await png(500, 250), { contentType: 'image/png' });
    const second = await waitFor(async () =>
      (await photosOf(assetId)).find((p) => p.path === path && p.width === 500),
    );
    assert.notEqual(second.url, first.url);
    assert.equal((await photosOf(assetId)).length, 1);
  });

  it('a file that is not an image stays unlisted; one that is, beside it, is listed', async () => {
    const assetId = await newItem();
    const bad = photoPath(assetId, 'fake.jpg');
    const good = photoPath(assetId, 'real.png');
    await uploadBytes(ref(storage, bad), new TextEncoder().encode('<html>not a photo</html>'), {
      contentType: 'image/jpeg',
    });
    await uploadBytes(ref(storage, good), await png(100, 100), { contentType: 'image/png' });
    await listed(assetId, good);
    assert.deepEqual(
      (await photosOf(assetId)).map((p) => p.path),
      [good],
    );
  });

  it("past the organisation's photosPerDay quota an upload is not treated and is removed", async () => {
    const other = await createOrg(owner);
    await addMember(other, owner, editor, 'editor');
    await db().doc(`quotaOverrides/${other}`).set({ photosPerDay: 1 });
    const item = `organizations/${other}/equipment/CAM_Q`;
    await db().doc(item).set({ name: 'Camera', category: 'CAMERA', source: 'client' });
    const first = `${item}/photos/one.png`;
    const second = `${item}/photos/two.png`;
    await uploadBytes(ref(storage, first), await png(64, 64), { contentType: 'image/png' });
    await waitFor(async () =>
      (((await db().doc(item).get()).get('photos') as Photo[] | undefined) ?? []).find(
        (p) => p.path === first,
      ),
    );
    await uploadBytes(ref(storage, second), await png(64, 64), { contentType: 'image/png' });
    await waitFor(async () => !(await bucket().file(second).exists())[0]);
    const list = ((await db().doc(item).get()).get('photos') as Photo[]).map((p) => p.path);
    assert.deepEqual(list, [first]);
  });

  describe('the triggers in isolation (firebase-functions-test)', () => {
    const fft = functionsTest(
      JSON.parse(process.env.FIREBASE_CONFIG ?? '{}') as { projectId: string },
    );
    after(() => fft.cleanup());

    it('duplicate and late deliveries of the upload and of a delete change nothing', async () => {
      const assetId = await newItem();
      const path = photoPath(assetId, 'dup.jpg');
      const upload = await uploadBytes(ref(storage, path), await jpegWithGps(800, 600), {
        contentType: 'image/jpeg',
      });
      const photo = await listed(assetId, path);
      const [objectBefore] = await bucket().file(path).getMetadata();
      const event = {
        data: {
          bucket: bucket().name,
          name: path,
          generation: upload.metadata.generation,
          metageneration: '1',
          md5Hash: upload.metadata.md5Hash,
          contentType: 'image/jpeg',
          timeCreated: upload.metadata.timeCreated,
          size: String(upload.metadata.size),
        },
      };
      // The upload's event again (twice), and the event of the trigger's own WebP.
      const finalized = fft.wrap(equipmentPhotoFinalized);
      await finalized(event as never);
      await finalized(event as never);
      await finalized({
        data: {
          ...event.data,
          generation: String(objectBefore.generation),
          md5Hash: objectBefore.md5Hash,
        },
      } as never);
      // A delete of the replaced generation (production sends one when an object is
      // overwritten): the path still has an object, so the photo stays.
      await fft.wrap(equipmentPhotoDeleted)(event as never);
      assert.deepEqual(await photosOf(assetId), [photo]);
      const [objectAfter] = await bucket().file(path).getMetadata();
      assert.equal(objectAfter.generation, objectBefore.generation, 'the object was not rewritten');
    });
  });
});
