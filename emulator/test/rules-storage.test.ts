// Storage security rules through the real client SDK (via @firebase/rules-unit-testing) against
// the local stack: uploads refused by size and content type, allowed by a firestore.get() of a
// membership document, custom metadata in request.resource, reads, lists and deletes, and
// download URLs with a token that work without rules.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import { findProjectRoot } from '../src/config';

const PROJECT_ID = process.env.GCLOUD_PROJECT ?? 'demo-qr-assets';
const BUCKET = `gs://${PROJECT_ID}.appspot.com`;
const ORG = `org-${randomUUID()}`;

const RULES = `rules_version = '2';
service firebase.storage {
  match /b/{bucket}/o {
    function isMember(org) {
      return firestore.get(/databases/(default)/documents/organizations/$(org)/members/$(request.auth.uid)).data.role in ['owner', 'editor'];
    }
    match /organizations/{org}/{file=**} {
      allow read, list: if request.auth != null && firestore.exists(/databases/(default)/documents/organizations/$(org)/members/$(request.auth.uid));
      allow create: if isMember(org)
        && request.resource.size < 1024
        && request.resource.contentType.matches('image/.*')
        && request.resource.metadata.uploadedBy == request.auth.uid;
      allow delete: if isMember(org) && resource.size < 1024;
      allow update: if isMember(org)
        && request.resource.metadata.keys().hasOnly(['uploadedBy', 'caption'])
        && request.resource.contentType == resource.contentType;
    }
  }
}
`;

function hostOf(name: string): { host: string; port: number } {
  const v = process.env[name] ?? '';
  const i = v.lastIndexOf(':');
  return { host: v.slice(0, i), port: Number(v.slice(i + 1)) };
}

describe('storage security rules (client SDK and rules-unit-testing)', function () {
  this.timeout(30_000);
  let env: RulesTestEnvironment;

  before(async () => {
    env = await initializeTestEnvironment({
      projectId: PROJECT_ID,
      hub: hostOf('FIREBASE_EMULATOR_HUB'),
      storage: { rules: RULES },
    });
    await env.withSecurityRulesDisabled(async (ctx) => {
      const db = ctx.firestore();
      await db.runTransaction(async (t) => {
        t.set(db.doc(`organizations/${ORG}/members/ann`), { role: 'editor' });
        t.set(db.doc(`organizations/${ORG}/members/vic`), { role: 'viewer' });
      });
    });
  });

  after(async () => {
    await env?.cleanup();
    const own = fs.readFileSync(path.join(findProjectRoot(), 'storage.rules'), 'utf8');
    const res = await fetch(
      `http://${process.env.FIREBASE_STORAGE_EMULATOR_HOST}/internal/setRules`,
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rules: { files: [{ name: 'storage.rules', content: own }] } }),
      },
    );
    assert.equal(res.status, 200);
  });

  const png = (size: number) => new Uint8Array(size).fill(7);
  const storageOf = (uid?: string) =>
    (uid ? env.authenticatedContext(uid) : env.unauthenticatedContext()).storage(BUCKET);
  const upload = (uid: string | undefined, name: string, bytes: Uint8Array, meta: object) =>
    storageOf(uid)
      .ref(`organizations/${ORG}/${name}`)
      .put(bytes, meta)
      .then((s) => s);

  it('allows an upload by a member found with firestore.get()', async () => {
    const snap = await assertSucceeds(
      upload('ann', 'a.png', png(100), {
        contentType: 'image/png',
        customMetadata: { uploadedBy: 'ann' },
      }),
    );
    assert.equal(snap.metadata.size, 100);
  });

  it('refuses uploads by size, content type, metadata and membership', async () => {
    const ok = { contentType: 'image/png', customMetadata: { uploadedBy: 'ann' } };
    await assertFails(upload('ann', 'big.png', png(2048), ok));
    // Large enough for the SDK's resumable protocol: judged when the upload finalizes.
    await assertFails(upload('ann', 'huge.png', png(600 * 1024), ok));
    await assertFails(upload('ann', 'a.txt', png(10), { ...ok, contentType: 'text/plain' }));
    await assertFails(
      upload('ann', 'm.png', png(10), { ...ok, customMetadata: { uploadedBy: 'someone' } }),
    );
    await assertFails(
      upload('vic', 'v.png', png(10), { ...ok, customMetadata: { uploadedBy: 'vic' } }),
    );
    await assertFails(upload(undefined, 'u.png', png(10), ok));
  });

  it('checks downloads, metadata reads, lists and deletes', async () => {
    await upload('ann', 'r.png', png(10), {
      contentType: 'image/png',
      customMetadata: { uploadedBy: 'ann' },
    });
    const ref = (uid?: string) => storageOf(uid).ref(`organizations/${ORG}/r.png`);
    const meta = await assertSucceeds(ref('vic').getMetadata());
    assert.equal(meta.contentType, 'image/png');
    await assertFails(ref('zoe').getMetadata());
    await assertFails(ref().getMetadata());
    const listed = await assertSucceeds(storageOf('vic').ref(`organizations/${ORG}`).listAll());
    assert.ok(listed.items.some((i) => i.name === 'r.png'));
    await assertFails(storageOf('zoe').ref(`organizations/${ORG}`).listAll());
    const caption = { customMetadata: { caption: 'a lens' } };
    await assertSucceeds(ref('ann').updateMetadata(caption));
    await assertFails(ref('ann').updateMetadata({ customMetadata: { secret: 'x' } }));
    await assertFails(ref('ann').updateMetadata({ contentType: 'text/plain' }));
    await assertFails(ref('vic').updateMetadata(caption));
    await assertFails(ref('vic').delete());
    await assertSucceeds(ref('ann').delete());
  });

  it('serves download URLs that carry a token without asking the rules', async () => {
    let url = '';
    await env.withSecurityRulesDisabled(async (ctx) => {
      const ref = ctx.storage(BUCKET).ref(`organizations/${ORG}/private/secret.png`);
      await ref.put(png(20), { contentType: 'image/png' });
      url = await ref.getDownloadURL();
    });
    assert.match(url, /token=/);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal((await res.arrayBuffer()).byteLength, 20);
    // Without the token the same object is judged by the rules: nobody signed in, refused.
    const bare = await fetch(url.replace(/&?token=[^&]*/, ''));
    assert.equal(bare.status, 403);
  });
});
