// Firestore's WebChannel transport (transports/webchannel/) through the Firebase JS SDK's own
// browser build in a real headless Chromium (browser/harness.ts): the SDK's Listen and Write
// streams over the streaming back channel, forced long polling and auto-detected long polling;
// a listener that receives 1 000 changes in order over long polling; 500 writes acknowledged in
// order on one Write channel; reconnection after the server drops the back channel; rules
// judged from the ID token the SDK sends in the channel's init headers.
//
// This suite starts its own Firestore server on a free port (short keep-alive, so long polls
// turn over quickly; rules loaded by the suite itself). Writes from "elsewhere" come from
// firebase-admin over gRPC.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import {
  deleteApp as deleteAdminApp,
  initializeApp as initializeAdminApp,
} from 'firebase-admin/app';
import type { App as AdminApp } from 'firebase-admin/app';
import {
  getFirestore as getAdminFirestore,
  type Firestore as AdminFirestore,
} from 'firebase-admin/firestore';
import type { Browser, Page } from 'puppeteer-core';
import { FirestoreEmulator } from '../src/firestore/server';
import {
  bundlePage,
  collectConsole,
  keepScreenshot,
  launchBrowser,
  servePage,
  type ServedPage,
} from './browser/harness';
import type { WebChannelPage } from './browser/pageGlobals';

process.env.METADATA_SERVER_DETECTION ??= 'none';

const PROJECT = 'demo-webchannel';
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

type Mode = 'streaming' | 'long-polling' | 'auto-detect';

/** Polls `probe` until it is truthy; fails after `ms`. */
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('firestore WebChannel (the JS SDK in a real browser)', function () {
  this.timeout(120_000);
  let server: FirestoreEmulator;
  let port: number;
  let previousHost: string | undefined;
  let adminApp: AdminApp;
  let admin: AdminFirestore;
  let browser: Browser;
  let served: ServedPage;
  let page: Page;
  let consoleLines: string[];

  before(async () => {
    server = new FirestoreEmulator({
      projectId: PROJECT,
      // Short keep-alive: long polls turn over quickly. Small back channels: streaming ones
      // are ended and reopened many times in a run.
      webChannel: { keepAliveMs: 2_000, backChannelChars: 16 * 1024 },
      log: () => undefined,
    });
    port = await server.listen('127.0.0.1', 0);
    previousHost = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
    adminApp = initializeAdminApp({ projectId: PROJECT }, `webchannel-admin-${RUN}`);
    admin = getAdminFirestore(adminApp);
    served = await servePage(await bundlePage('webchannel-page.mjs'), 'WebChannel');
    browser = await launchBrowser();
    page = await browser.newPage();
    consoleLines = collectConsole(page);
    await page.goto(served.url);
    await page.waitForFunction(() => (globalThis as unknown as WebChannelPage).pageReady === true);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(consoleLines.slice(-40).join('\n'));
    consoleLines.length = 0;
  });

  after(async () => {
    if (page) await keepScreenshot(page, 'webchannel').catch(() => undefined);
    await browser?.close();
    await served?.close();
    if (adminApp) await deleteAdminApp(adminApp);
    await server?.close();
    if (previousHost === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = previousHost;
  });

  /** A Firestore instance in the page, as `t[name]`, on the given transport mode. */
  async function openDb(name: string, mode: Mode, uid?: string): Promise<void> {
    await page.evaluate(
      (name, mode, port, project, uid) => {
        const g = globalThis as unknown as WebChannelPage;
        g.t ??= {};
        const fs = g.fb.firestore;
        const app = g.fb.initializeApp({ projectId: project, apiKey: 'fake-key' }, name);
        const db = fs.initializeFirestore(app, {
          experimentalForceLongPolling: mode === 'long-polling',
          experimentalAutoDetectLongPolling: mode === 'auto-detect',
        });
        fs.connectFirestoreEmulator(
          db,
          '127.0.0.1',
          port,
          uid ? { mockUserToken: { sub: uid, user_id: uid } } : {},
        );
        g.t[name] = db;
      },
      name,
      mode,
      port,
      PROJECT,
      uid,
    );
  }

  async function closeDb(name: string): Promise<void> {
    await page.evaluate(async (name) => {
      const g = globalThis as unknown as WebChannelPage;
      const db = g.t[name] as ReturnType<WebChannelPage['fb']['firestore']['getFirestore']>;
      await g.fb.firestore.terminate(db);
      await g.fb.deleteApp(db.app);
    }, name);
  }

  for (const mode of ['streaming', 'long-polling', 'auto-detect'] as const) {
    describe(`${mode} back channel`, () => {
      const db = `db-${mode}`;
      const col = `wc-${mode}-${RUN}`;
      before(() => openDb(db, mode));
      after(() => closeDb(db));

      it('setDoc goes through the Write channel, getDoc through Listen', async () => {
        const before = server.webChannel.stats();
        const got = await page.evaluate(
          async (db, col) => {
            const g = globalThis as unknown as WebChannelPage;
            const fs = g.fb.firestore;
            const d = g.t[db] as ReturnType<typeof fs.getFirestore>;
            const ref = fs.doc(d, col, 'a');
            await fs.setDoc(ref, {
              n: 1,
              s: 'é\u{1F600}',
              at: fs.serverTimestamp(),
              b: fs.Bytes.fromUint8Array(new Uint8Array([0, 255])),
            });
            const snap = await fs.getDocFromServer(ref);
            const data = snap.data() ?? {};
            return {
              exists: snap.exists(),
              n: data.n as number,
              s: data.s as string,
              atIsTimestamp: data.at instanceof fs.Timestamp,
              bytes: Array.from((data.b as import('firebase/firestore').Bytes).toUint8Array()),
            };
          },
          db,
          col,
        );
        assert.deepEqual(got, {
          exists: true,
          n: 1,
          s: 'é\u{1F600}',
          atIsTimestamp: true,
          bytes: [0, 255],
        });
        const after = server.webChannel.stats();
        const delta = (k: 'streamingBackChannels' | 'longPollBackChannels'): number =>
          after[k] - before[k];
        assert.ok(
          (after.sessions.Write ?? 0) > (before.sessions.Write ?? 0),
          'a Write channel was opened',
        );
        assert.ok(
          (after.sessions.Listen ?? 0) > (before.sessions.Listen ?? 0),
          'a Listen channel was opened',
        );
        if (mode === 'long-polling') {
          assert.ok(delta('longPollBackChannels') > 0, 'long polls');
          assert.equal(delta('streamingBackChannels'), 0, 'no streaming back channel');
        } else {
          // Auto-detect sees the streaming back channel's first bytes at once and keeps it.
          assert.ok(delta('streamingBackChannels') > 0, 'a streaming back channel');
          assert.equal(delta('longPollBackChannels'), 0, 'no long polls');
        }
        const stored = await admin.doc(`${col}/a`).get();
        assert.equal(stored.get('n'), 1);
        assert.equal(stored.get('s'), 'é\u{1F600}');
      });

      it('onSnapshot sees a change made elsewhere', async () => {
        await page.evaluate(
          (db, col) => {
            const g = globalThis as unknown as WebChannelPage;
            const fs = g.fb.firestore;
            const d = g.t[db] as ReturnType<typeof fs.getFirestore>;
            const seen: unknown[] = [];
            g.t[`${db}-seen`] = seen;
            g.t[`${db}-off`] = fs.onSnapshot(fs.doc(d, col, 'b'), (s) =>
              seen.push(s.get('v') ?? null),
            );
          },
          db,
          col,
        );
        const seen = (): Promise<unknown[]> =>
          page.evaluate(
            (db) => (globalThis as unknown as WebChannelPage).t[`${db}-seen`] as unknown[],
            db,
          );
        await until('the first snapshot', async () => (await seen()).length >= 1);
        await admin.doc(`${col}/b`).set({ v: 'from admin' });
        await until('the change', async () => (await seen()).includes('from admin'));
        assert.deepEqual((await seen())[0], null);
        await page.evaluate(
          (db) => ((globalThis as unknown as WebChannelPage).t[`${db}-off`] as () => void)(),
          db,
        );
      });
    });
  }

  it('a listener receives 1 000 changes in order over long polling', async () => {
    const db = 'db-lp-1000';
    const col = `wc-lp1000-${RUN}`;
    await openDb(db, 'long-polling');
    const before = server.webChannel.stats();
    await page.evaluate(
      async (db, col) => {
        const g = globalThis as unknown as WebChannelPage;
        const fs = g.fb.firestore;
        const d = g.t[db] as ReturnType<typeof fs.getFirestore>;
        const order: number[] = [];
        g.t.order = order;
        await new Promise<void>((resolve) => {
          g.t.off = fs.onSnapshot(fs.collection(d, col), (s) => {
            for (const c of s.docChanges())
              if (c.type === 'added') order.push(c.doc.get('seq') as number);
            resolve();
          });
        });
      },
      db,
      col,
    );
    for (let i = 0; i < 1000; i++)
      await admin.doc(`${col}/d${String(i).padStart(4, '0')}`).set({ seq: i });
    const order = await until(
      '1 000 changes',
      async () => {
        const o = await page.evaluate(
          () => (globalThis as unknown as WebChannelPage).t.order as number[],
        );
        return o.length >= 1000 ? o : undefined;
      },
      60_000,
    );
    assert.equal(order.length, 1000);
    assert.deepEqual(
      order,
      Array.from({ length: 1000 }, (_, i) => i),
    );
    const after = server.webChannel.stats();
    assert.equal(after.streamingBackChannels, before.streamingBackChannels, 'long polls only');
    assert.ok(after.longPollBackChannels > before.longPollBackChannels);
    await page.evaluate(() => ((globalThis as unknown as WebChannelPage).t.off as () => void)());
    await closeDb(db);
  });

  it('a Write channel acknowledges 500 writes in order', async () => {
    const db = 'db-500';
    const col = `wc-w500-${RUN}`;
    await openDb(db, 'streaming');
    const before = server.webChannel.stats();
    const acks = await page.evaluate(
      async (db, col) => {
        const g = globalThis as unknown as WebChannelPage;
        const fs = g.fb.firestore;
        const d = g.t[db] as ReturnType<typeof fs.getFirestore>;
        const acks: number[] = [];
        const writes: Promise<void>[] = [];
        for (let i = 0; i < 500; i++) {
          writes.push(fs.setDoc(fs.doc(d, col, `w${i}`), { i }).then(() => void acks.push(i)));
        }
        await Promise.all(writes);
        return acks;
      },
      db,
      col,
    );
    assert.deepEqual(
      acks,
      Array.from({ length: 500 }, (_, i) => i),
    );
    // 500 replies are far more than one 16 KiB back channel: nothing was lost across them.
    const after = server.webChannel.stats();
    assert.ok(
      after.streamingBackChannels - before.streamingBackChannels >= 2,
      'back channels rotated',
    );
    const stored = await admin.collection(col).get();
    assert.equal(stored.size, 500);
    assert.deepEqual(
      stored.docs.map((d) => d.get('i') as number).sort((a, b) => a - b),
      Array.from({ length: 500 }, (_, i) => i),
    );
    await closeDb(db);
  });

  /**
   * Listens on the page to `{col}/x` of its Firestore `db`: `seen` reads the values so far, `off`
   * stops the listener (a key per listener, so two never share their list).
   */
  async function watchX(db: string, col: string) {
    const key = `watch-${db}`;
    await page.evaluate(
      (db, col, key) => {
        const g = globalThis as unknown as WebChannelPage;
        const fs = g.fb.firestore;
        const d = g.t[db] as ReturnType<typeof fs.getFirestore>;
        const seen: unknown[] = [];
        g.t[`${key}:seen`] = seen;
        g.t[`${key}:off`] = fs.onSnapshot(fs.doc(d, col, 'x'), (s) =>
          seen.push(s.get('v') ?? null),
        );
      },
      db,
      col,
      key,
    );
    return {
      seen: (): Promise<unknown[]> =>
        page.evaluate(
          (key) => (globalThis as unknown as WebChannelPage).t[`${key}:seen`] as unknown[],
          key,
        ),
      off: (): Promise<void> =>
        page.evaluate(
          (key) => ((globalThis as unknown as WebChannelPage).t[`${key}:off`] as () => void)(),
          key,
        ),
    };
  }

  /** Writes `{col}/y` from the page's Firestore `db`. */
  async function writeY(db: string, col: string): Promise<void> {
    await page.evaluate(
      async (db, col) => {
        const g = globalThis as unknown as WebChannelPage;
        const fs = g.fb.firestore;
        const d = g.t[db] as ReturnType<typeof fs.getFirestore>;
        await fs.setDoc(fs.doc(d, col, 'y'), { ok: true });
      },
      db,
      col,
    );
  }

  for (const mode of ['streaming', 'long-polling'] as const) {
    it(`reconnects after the server drops the back channel (${mode})`, async () => {
      const db = `db-drop-${mode}`;
      const col = `wc-drop-${mode}-${RUN}`;
      await openDb(db, mode);
      const { seen, off } = await watchX(db, col);
      await until('the first snapshot', async () => (await seen()).length >= 1);
      // Long polls come and go: wait for one to be open, then cut it.
      const before = server.webChannel.stats();
      await until('a back channel to drop', async () => server.webChannel.dropBackChannels() > 0);
      await admin.doc(`${col}/x`).set({ v: 1 });
      await until('the change after the drop', async () => (await seen()).includes(1));
      await until(
        'another back channel to drop',
        async () => server.webChannel.dropBackChannels() > 0,
      );
      await admin.doc(`${col}/x`).set({ v: 2 });
      await until('the second change', async () => (await seen()).includes(2));
      // Writes still go through on the same page.
      await writeY(db, col);
      assert.equal((await admin.doc(`${col}/y`).get()).get('ok'), true);
      // The same Listen session went on: new back channels, no new Listen channel.
      const after = server.webChannel.stats();
      assert.equal(after.sessions.Listen, before.sessions.Listen, 'no new Listen session');
      const backs = (s: typeof after): number => s.streamingBackChannels + s.longPollBackChannels;
      assert.ok(backs(after) >= backs(before) + 2, 'the client opened new back channels');
      await off();
      await closeDb(db);
    });
  }

  it('opens new channels when the server forgets its sessions (Unknown SID)', async () => {
    const db = 'db-forgotten';
    const col = `wc-forgotten-${RUN}`;
    await openDb(db, 'streaming');
    const { seen, off } = await watchX(db, col);
    await until('the first snapshot', async () => (await seen()).length >= 1);
    const before = server.webChannel.stats();
    assert.ok(server.webChannel.endSessions() >= 1);
    await admin.doc(`${col}/x`).set({ v: 'after' });
    await until('the change, on a new Listen channel', async () =>
      (await seen()).includes('after'),
    );
    const after = server.webChannel.stats();
    assert.ok((after.sessions.Listen ?? 0) > (before.sessions.Listen ?? 0), 'a new Listen session');
    await writeY(db, col);
    assert.equal((await admin.doc(`${col}/y`).get()).get('ok'), true);
    await off();
    await closeDb(db);
  });

  describe('security rules, with the token from the channel headers', () => {
    const col = `wc-rules-${RUN}`;
    before(async () => {
      server.rules.load(
        `rules_version = '2';
service cloud.firestore {
  match /databases/{db}/documents {
    match /${col}/{id} {
      allow read, write: if request.auth != null && request.auth.uid == 'alice';
    }
  }
}`,
        'webchannel.rules',
      );
      await openDb('db-alice', 'streaming', 'alice');
      await openDb('db-bob', 'long-polling', 'bob');
    });
    after(async () => {
      await closeDb('db-alice');
      await closeDb('db-bob');
    });

    it('allows alice and refuses bob, on Write and on Listen', async () => {
      const result = await page.evaluate(async (col) => {
        const g = globalThis as unknown as WebChannelPage;
        const fs = g.fb.firestore;
        const alice = g.t['db-alice'] as ReturnType<typeof fs.getFirestore>;
        const bob = g.t['db-bob'] as ReturnType<typeof fs.getFirestore>;
        const codeOf = (e: unknown): string => (e as { code?: string }).code ?? String(e);
        await fs.setDoc(fs.doc(alice, col, 'doc'), { by: 'alice' });
        const aliceRead = (await fs.getDocFromServer(fs.doc(alice, col, 'doc'))).get(
          'by',
        ) as string;
        const bobWrite = await fs
          .setDoc(fs.doc(bob, col, 'doc2'), { by: 'bob' })
          .then(() => 'ok', codeOf);
        const bobRead = await fs.getDocFromServer(fs.doc(bob, col, 'doc')).then(() => 'ok', codeOf);
        const bobListen = await new Promise<string>((resolve) => {
          fs.onSnapshot(
            fs.doc(bob, col, 'doc'),
            () => resolve('ok'),
            (e) => resolve(codeOf(e)),
          );
        });
        return { aliceRead, bobWrite, bobRead, bobListen };
      }, col);
      assert.deepEqual(result, {
        aliceRead: 'alice',
        bobWrite: 'permission-denied',
        bobRead: 'permission-denied',
        bobListen: 'permission-denied',
      });
      assert.equal((await admin.doc(`${col}/doc2`).get()).exists, false);
    });
  });
});
