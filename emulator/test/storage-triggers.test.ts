// Storage triggers (firebase-functions v2 onObjectFinalized / onObjectDeleted) fired by the
// functions host for every object the Storage emulator writes or deletes, whoever asks: the
// Cloud Storage JSON API (firebase-admin) and the Firebase API (the `firebase/storage` client
// SDK). As in production (Eventarc's google.cloud.storage.object.v1.* events): one event per
// change, `bucket` and `data` (the object resource) set, a trigger for another bucket silent.
// The suite runs its own Storage emulator and functions host in this process.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getStorage } from 'firebase-admin/storage';
import { deleteApp as deleteClientApp, initializeApp as initializeClientApp } from 'firebase/app';
import {
  connectStorageEmulator,
  deleteObject,
  getStorage as getClientStorage,
  ref,
  uploadBytes,
} from 'firebase/storage';
import { FunctionsHost } from '../src/functions/host';
import { StorageEmulatorServer } from '../src/storage/server';
import { seen, type StorageSeen } from './fixtures/tasks/index';
import { until } from './until';

const PROJECT = process.env.GCLOUD_PROJECT ?? 'demo-qr-assets';
const BUCKET = `${PROJECT}.appspot.com`;
const FIXTURE = join(__dirname, 'fixtures', 'tasks', 'index.js');
const RULES = `rules_version = '2';
service firebase.storage {
  match /b/{bucket}/o {
    match /{all=**} { allow read, write: if request.auth != null; }
  }
}`;

const eventsFor = (name: string): StorageSeen[] => seen.storage.filter((e) => e.name === name);

describe('Storage triggers in the functions host', function () {
  this.timeout(30_000);
  let storage: StorageEmulatorServer;
  let host: FunctionsHost;
  let app: App;
  let port: number;
  const saved = {
    firebase: process.env.FIREBASE_STORAGE_EMULATOR_HOST,
    gcs: process.env.STORAGE_EMULATOR_HOST,
  };
  const root = `triggers-${randomUUID()}`;

  before(async () => {
    storage = new StorageEmulatorServer({ projectId: PROJECT });
    port = await storage.listen('127.0.0.1', 0);
    storage.rules.load(RULES, 'test.rules');
    process.env.FIREBASE_STORAGE_EMULATOR_HOST = `127.0.0.1:${port}`;
    delete process.env.STORAGE_EMULATOR_HOST;
    host = new FunctionsHost({
      projectId: PROJECT,
      source: FIXTURE,
      schedules: false,
      logger: () => undefined,
    });
    await host.load();
    storage.onObjectEvent = (action, object) => host.handleStorageObject(action, object);
    app = initializeApp({ projectId: PROJECT, storageBucket: BUCKET }, `triggers-${randomUUID()}`);
  });

  after(async () => {
    if (app) await deleteApp(app);
    await host?.close();
    await storage?.close();
    for (const [k, v] of [
      ['FIREBASE_STORAGE_EMULATOR_HOST', saved.firebase],
      ['STORAGE_EMULATOR_HOST', saved.gcs],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('fires onObjectFinalized once for an upload through firebase-admin, with the object', async () => {
    const name = `${root}/admin/a.txt`;
    await getStorage(app).bucket().file(name).save('hello', { contentType: 'text/plain' });
    const [e] = await until('the finalized event', () => eventsFor(name)[0] && eventsFor(name));
    await host.idle();
    assert.equal(eventsFor(name).length, 1);
    assert.equal(e.function, 'objectFinalized');
    assert.equal(e.type, 'google.cloud.storage.object.v1.finalized');
    assert.equal(e.bucket, BUCKET);
    assert.equal(e.contentType, 'text/plain');
    assert.equal(e.size, '5');
    assert.ok(e.id.length > 0);
  });

  it('fires onObjectDeleted when firebase-admin deletes it', async () => {
    const name = `${root}/admin/b.txt`;
    const file = getStorage(app).bucket().file(name);
    await file.save('bye');
    await until('the finalized event', () => eventsFor(name)[0]);
    await file.delete();
    const deleted = await until('the deleted event', () =>
      eventsFor(name).find((e) => e.function === 'objectDeleted'),
    );
    assert.equal(deleted.type, 'google.cloud.storage.object.v1.deleted');
    assert.equal(deleted.generation, eventsFor(name)[0].generation);
  });

  it('fires both for a client SDK upload and delete (the Firebase API, under rules)', async () => {
    const client = initializeClientApp(
      { projectId: PROJECT, storageBucket: BUCKET, apiKey: 'fake-api-key' },
      `triggers-client-${randomUUID()}`,
    );
    try {
      const clientStorage = getClientStorage(client);
      connectStorageEmulator(clientStorage, '127.0.0.1', port, {
        mockUserToken: { user_id: 'alice' },
      });
      const name = `${root}/client/photo.bin`;
      await uploadBytes(ref(clientStorage, name), new Uint8Array([1, 2, 3]), {
        contentType: 'application/octet-stream',
      });
      const fin = await until('the finalized event', () => eventsFor(name)[0]);
      assert.equal(fin.function, 'objectFinalized');
      assert.equal(fin.size, '3');
      await deleteObject(ref(clientStorage, name));
      await until('the deleted event', () =>
        eventsFor(name).find((e) => e.function === 'objectDeleted'),
      );
    } finally {
      await deleteClientApp(client);
    }
  });

  it('a refused client upload fires nothing', async () => {
    const client = initializeClientApp(
      { projectId: PROJECT, storageBucket: BUCKET, apiKey: 'fake-api-key' },
      `triggers-anon-${randomUUID()}`,
    );
    try {
      const clientStorage = getClientStorage(client);
      connectStorageEmulator(clientStorage, '127.0.0.1', port);
      const name = `${root}/client/refused.bin`;
      await assert.rejects(uploadBytes(ref(clientStorage, name), new Uint8Array([1])));
      await host.idle();
      assert.equal(eventsFor(name).length, 0);
    } finally {
      await deleteClientApp(client);
    }
  });

  it('gives each change its own event id and never fires a trigger of another bucket', async () => {
    const name = `${root}/admin/twice.txt`;
    const file = getStorage(app).bucket().file(name);
    await file.save('one');
    await file.save('two');
    await until('two finalized events', () => (eventsFor(name).length >= 2 ? true : undefined));
    await host.idle();
    const ids = eventsFor(name).map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(
      seen.storage.filter((e) => e.function === 'otherBucket').length,
      0,
      'the other bucket trigger stays silent',
    );
  });
});
