// A web app against the local stack, in a real headless Chromium (browser/harness.ts): the page
// browser/app-page.mjs, bundled from the `firebase` package, signs in with email and password
// against the Auth emulator, reads its organisation's items with getDocs and a where, creates an
// item with setDoc under the project's firestore.rules and is refused one with a field the rules
// forbid, waits with onSnapshot for the QR code URL the equipmentCreated trigger writes, runs a
// transaction, counts with getCountFromServer, uploads and downloads a photo through the Storage
// SDK, and does reads and writes again with firebase/firestore/lite. The test asserts each step
// and keeps a screenshot (test-results/browser/app-*.png).
//
// It uses the stack `cli.js test` started (the project's rules and functions), as `npm start`
// would serve a web developer. Once with the streaming back channel, once with forced long polling.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import type { Browser } from 'puppeteer-core';
import {
  bundlePage,
  collectConsole,
  keepScreenshot,
  launchBrowser,
  servePage,
  type ServedPage,
} from './browser/harness';

process.env.METADATA_SERVER_DETECTION ??= 'none';

interface StepResult {
  step: string;
  ok: boolean;
  detail: unknown;
}

function env(name: string): string {
  const v = process.env[name];
  assert.ok(v, `${name} is not set: run this suite with \`node emulator/lib/src/cli.js test\``);
  return v;
}

const portOf = (hostPort: string): string => hostPort.replace(/^https?:\/\//, '').split(':')[1];

describe('a web app in a real browser against the local stack', function () {
  this.timeout(120_000);
  const project = process.env.GCLOUD_PROJECT ?? 'demo-qr-assets';
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  let admin: App;
  let db: Firestore;
  let browser: Browser;
  let served: ServedPage;

  before(async () => {
    admin = initializeApp({ projectId: project }, `browser-admin-${run}`);
    db = getFirestore(admin);
    served = await servePage(await bundlePage('app-page.mjs'), 'QR assets web app (local stack)');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await served?.close();
    if (admin) await deleteApp(admin);
  });

  /** A user in the Auth emulator, an editor of a new organisation with two cameras. */
  async function account(tag: string): Promise<Record<string, string>> {
    const email = `web-${tag}-${run}@example.com`;
    const password = 'correct horse battery';
    const authHost = env('FIREBASE_AUTH_EMULATOR_HOST');
    const res = await fetch(
      `http://${authHost}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=fake-api-key`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password, returnSecureToken: true }),
      },
    );
    assert.equal(res.status, 200, await res.clone().text());
    const { localId: uid } = (await res.json()) as { localId: string };
    const orgId = `web-${tag}-${run}`;
    await db.doc(`organizations/${orgId}`).set({ name: `Web ${tag}`, createdBy: uid });
    await db.doc(`organizations/${orgId}/members/${uid}`).set({ uid, role: 'editor' });
    for (const [id, name, category] of [
      ['cam-a', 'Camera A', 'CAMERA'],
      ['cam-b', 'Camera B', 'CAMERA'],
      ['mic-a', 'Mic A', 'AUDIO'],
    ]) {
      await db.doc(`organizations/${orgId}/equipment/${id}`).set({ name, category, source: 'api' });
    }
    return {
      project,
      bucket: `${project}.appspot.com`,
      firestorePort: portOf(env('FIRESTORE_EMULATOR_HOST')),
      authPort: portOf(env('FIREBASE_AUTH_EMULATOR_HOST')),
      storagePort: portOf(env('FIREBASE_STORAGE_EMULATOR_HOST')),
      email,
      password,
      orgId,
      assetId: `web-item-${run}`,
    };
  }

  for (const mode of ['streaming', 'long-polling'] as const) {
    it(`does everything a web app does (${mode})`, async () => {
      const cfg = await account(mode === 'streaming' ? 's' : 'lp');
      if (mode === 'long-polling') cfg.longPolling = '1';
      const page = await browser.newPage();
      const consoleLines = collectConsole(page);
      try {
        await page.goto(`${served.url}?${new URLSearchParams(cfg)}`);
        await page.waitForFunction(() => (globalThis as { done?: boolean }).done === true, {
          timeout: 90_000,
        });
        await keepScreenshot(page, `app-${mode}`);
        const results = await page.evaluate(
          () => (globalThis as unknown as { results: StepResult[] }).results,
        );
        const byStep = new Map(results.map((r) => [r.step, r]));
        const detail = (step: string): Record<string, unknown> => {
          const r = byStep.get(step);
          assert.ok(r, `the page ran "${step}"`);
          assert.ok(r.ok, `"${step}" failed: ${JSON.stringify(r.detail)}`);
          return r.detail as Record<string, unknown>;
        };
        const failed = results.filter((r) => !r.ok);
        assert.deepEqual(failed, [], `failed steps\n${consoleLines.slice(-30).join('\n')}`);

        assert.equal(detail('sign-in').email, cfg.email);
        assert.deepEqual(detail('getDocs where').names, ['Camera A', 'Camera B']);
        assert.equal(detail('setDoc allowed').assetId, cfg.assetId);
        assert.equal(detail('setDoc refused').refused, 'permission-denied');
        const qr = String(detail('onSnapshot QR code').qrCodeUrl);
        const stored = await db.doc(`organizations/${cfg.orgId}/equipment/${cfg.assetId}`).get();
        assert.equal(stored.get('qrCodeUrl'), qr);
        assert.equal(stored.get('source'), 'client');
        assert.equal(
          (await db.doc(`organizations/${cfg.orgId}/equipment/${cfg.assetId}-forged`).get()).exists,
          false,
        );
        assert.equal(detail('runTransaction').notes, 'Browser camera checked in a transaction');
        assert.equal(detail('getCountFromServer').count, 3);
        const photoSize = Buffer.byteLength(`\u0089PNG browser photo ${cfg.assetId}`);
        assert.deepEqual(detail('Storage upload and download'), {
          size: photoSize,
          contentType: 'image/png',
          same: true,
          resumableSize: photoSize,
          downloadUrlSame: true,
        });
        assert.deepEqual(detail('lite reads and writes'), {
          name: 'Browser camera',
          listed: 3,
          notes: 'written by firebase/firestore/lite',
          refused: 'permission-denied',
        });
        assert.equal(stored.exists, true);
        const final = await db.doc(`organizations/${cfg.orgId}/equipment/${cfg.assetId}`).get();
        assert.equal(final.get('notes'), 'written by firebase/firestore/lite');
      } finally {
        await page.close();
      }
    });
  }
});
