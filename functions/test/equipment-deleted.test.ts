// The delete trigger in isolation (firebase-functions-test): it removes a deleted item's Storage
// objects and scan token, and leaves alone an item that has the id again by the time a late or
// retried event arrives.
import { strict as assert } from 'node:assert';
import functionsTest from 'firebase-functions-test';
import { db } from '../src/data/firebase';
import { bucket } from '../src/data/storage';
import { equipmentDeleted } from '../src/triggers/equipmentDeleted';
import { unique } from './support/api';

describe('equipment delete trigger in isolation (firebase-functions-test)', () => {
  const fft = functionsTest(
    JSON.parse(process.env.FIREBASE_CONFIG ?? '{}') as { projectId: string },
  );
  const wrapped = fft.wrap(equipmentDeleted);
  after(() => fft.cleanup());

  async function itemWithFiles(orgId: string, assetId: string, token: string) {
    const prefix = `organizations/${orgId}/equipment/${assetId}/`;
    await bucket().file(`${prefix}qr.png`).save(Buffer.from('png'), { resumable: false });
    await bucket().file(`${prefix}photos/a.jpg`).save(Buffer.from('jpg'), { resumable: false });
    await db().doc(`scanTokens/${token}`).set({ orgId, kind: 'equipment', id: assetId });
    return prefix;
  }

  function deletion(orgId: string, assetId: string, token: string) {
    return {
      data: fft.firestore.makeDocumentSnapshot(
        { name: 'Gone', scanToken: token },
        `organizations/${orgId}/equipment/${assetId}`,
      ),
      params: { orgId, assetId },
      time: new Date().toISOString(),
    };
  }

  it('removes the objects and the scan token of a deleted item, twice without harm', async () => {
    const [orgId, assetId, token] = [unique('org'), unique('ITEM'), unique('tok')];
    const prefix = await itemWithFiles(orgId, assetId, token);
    const event = deletion(orgId, assetId, token);
    await wrapped(event);
    await wrapped(event);
    assert.deepEqual((await bucket().getFiles({ prefix }))[0], []);
    assert.equal((await db().doc(`scanTokens/${token}`).get()).exists, false);
  });

  it('leaves the files of an item created again under the same id', async () => {
    const [orgId, assetId, token] = [unique('org'), unique('ITEM'), unique('tok')];
    const prefix = await itemWithFiles(orgId, assetId, token);
    await db().doc(`organizations/${orgId}/equipment/${assetId}`).set({ name: 'Back again' });
    await wrapped(deletion(orgId, assetId, token));
    for (const file of ['qr.png', 'photos/a.jpg']) {
      assert.ok((await bucket().file(`${prefix}${file}`).exists())[0], file);
    }
    assert.ok((await db().doc(`scanTokens/${token}`).get()).exists);
  });
});
