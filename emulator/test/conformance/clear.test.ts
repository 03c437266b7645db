// The emulator's helper that deletes every document of one project:
// DELETE /emulator/v1/projects/{project}/databases/(default)/documents
// Docs: https://firebase.google.com/docs/emulator-suite/connect_firestore#clear_your_database_between_tests
// It wipes a whole project, so this file uses a project id of its own and checks that the shared
// project keeps its data.
import { strict as assert } from 'node:assert';
import { Firestore } from 'firebase-admin/firestore';
import { emulatorHost, getDb, newFirestore, uniqueName } from './setup';

const CLEAR_PROJECT = 'demo-conformance-clear';

describe('conformance: clear endpoint', function () {
  this.timeout(20_000);
  let shared: Firestore;
  let isolated: Firestore;

  before(async () => {
    shared = await getDb();
    isolated = await newFirestore({ projectId: CLEAR_PROJECT });
  });

  it('deletes every document of the project and only that project', async () => {
    const root = uniqueName('clear');
    const keep = shared.collection(root).doc('keep');
    await keep.set({ v: 1 });
    await isolated.collection(root).doc('a').set({ v: 1 });
    await isolated.collection(root).doc('b').collection('sub').doc('c').set({ v: 2 });
    await isolated.collection(`${root}-other`).doc('d').set({ v: 3 });

    const host = await emulatorHost();
    const res = await fetch(
      `http://${host}/emulator/v1/projects/${CLEAR_PROJECT}/databases/(default)/documents`,
      { method: 'DELETE' },
    );
    assert.equal(res.status, 200);
    await res.arrayBuffer();

    assert.equal((await isolated.collection(root).doc('a').get()).exists, false);
    assert.equal(
      (await isolated.collection(root).doc('b').collection('sub').doc('c').get()).exists,
      false,
    );
    assert.equal((await isolated.collection(`${root}-other`).count().get()).data().count, 0);
    assert.deepEqual(await isolated.collection(root).listDocuments(), []);
    assert.equal((await keep.get()).get('v'), 1);

    // The project is usable again after clearing.
    await isolated.collection(root).doc('again').set({ v: 4 });
    assert.equal((await isolated.collection(root).doc('again').get()).get('v'), 4);
  });
});
