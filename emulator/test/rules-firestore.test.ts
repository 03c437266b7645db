// Firestore security rules through the real client SDK (`firebase` 12) and
// @firebase/rules-unit-testing against the local stack: request.auth from mock and Auth
// emulator tokens, the owner bypass, get/exists/getAfter and their limits, transforms in
// request.resource, diff() on update, list queries judged by their constraints, Listen.
//
// Writes go through runTransaction (the Commit RPC) and through the Write stream (set, update,
// delete, writeBatch of the Node client SDK); both reach the same check in core.commit().
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import firebase from 'firebase/compat/app';
import 'firebase/compat/firestore';
import {
  collection,
  connectFirestoreEmulator,
  doc,
  getDoc,
  getCountFromServer,
  getFirestore,
  limit,
  onSnapshot,
  query,
  where,
} from 'firebase/firestore';
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth } from 'firebase/auth';
import { findProjectRoot } from '../src/config';
import { FirestoreEmulator } from '../src/firestore/server';
import { loadFirestoreProtos } from '../src/firestore/transports/grpc/proto';
import * as grpc from '@grpc/grpc-js';

const RUN = Date.now().toString(36);
const PROJECT_ID = `demo-rules-${RUN}`;

const RULES = `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    function signedIn() {
      return request.auth != null;
    }
    match /profiles/{uid} {
      allow get: if signedIn() && request.auth.uid == uid;
      allow create: if request.auth.uid == uid
        && request.resource.data.keys().hasOnly(['name', 'createdAt'])
        && request.resource.data.createdAt == request.time;
      allow update: if request.auth.uid == uid
        && request.resource.data.diff(resource.data).affectedKeys().hasOnly(['name']);
    }
    match /orgs/{org} {
      allow get: if exists(/databases/$(database)/documents/orgs/$(org)/members/$(request.auth.uid));
      allow create: if signedIn();
      match /members/{member} {
        allow create: if getAfter(/databases/$(database)/documents/orgs/$(org)).data.owner == request.auth.uid;
      }
    }
    match /posts/{post} {
      allow list: if resource.data.owner == request.auth.uid && request.query.limit <= 10;
      allow get: if resource.data.public == true;
    }
    match /limits/{id} {
      function missing(i) {
        let p = /databases/$(database)/documents/nothing/$(id + '-' + string(i));
        return !exists(p);
      }
      allow get: if missing(1) && missing(2) && missing(3) && missing(4) && missing(5)
        && missing(6) && missing(7) && missing(8) && missing(9) && missing(10)
        && (id != 'eleven' || missing(11));
      allow create: if missing(1) && missing(2) && missing(3) && missing(4) && missing(5)
        && missing(6) && missing(7);
    }
    match /{path=**}/comments/{comment} {
      allow list: if signedIn();
    }
    match /stories/{story} {
      // The rules reference's example for queries: either filter satisfies it.
      allow list: if resource.data.published == true || resource.data.author == request.auth.uid;
    }
    match /chats/{chat} {
      allow list: if request.auth.uid in resource.data.members;
    }
    match /typed/{id} {
      function d() { return request.resource.data; }
      allow create: if d().i is int && d().f is float && d().s is string && d().b is bool
        && d().n == null && d().t is timestamp && d().g is latlng && d().y is bytes
        && d().r is path && d().l is list && d().m is map
        && d().i + 1 == 43 && d().f * 2 == 3.0 && d().i / 5 == 8
        && d().s.matches('h.*o') && d().s.size() == 5 && d().s.upper() == 'HELLO'
        && d().t < request.time && d().t.toMillis() == 1000 && d().t + duration.value(1, 's') > d().t
        && d().g.latitude() == 1.5 && d().g.longitude() == 2.5
        && d().y.size() == 3 && d().y.toBase64() == 'AQID'
        && d().r[3] == 'profiles' && d().r == /databases/$(database)/documents/profiles/x
        && d().l.hasAll([1, 'x']) && d().l.size() == 2
        && d().m.keys().hasOnly(['k']) && d().m.diff({'k': 1}).changedKeys() == ['k'].toSet();
    }
    match /products/{doc} {
      allow list: if resource.data.price is number && resource.data.price < 100;
    }
    match /ranked/{doc} {
      allow list: if request.query.orderBy.score == 'DESC' && request.query.offset == null;
    }
    match /admin/{doc} {
      allow get: if request.auth.token.role == 'admin' && request.auth.token.email_verified == true;
    }
  }
}
`;

function envHost(name: string): { host: string; port: number } {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through the stack (cli.js test)`);
  const i = v.lastIndexOf(':');
  return { host: v.slice(0, i), port: Number(v.slice(i + 1)) };
}

describe('firestore security rules (client SDK and rules-unit-testing)', function () {
  this.timeout(30_000);
  let env: RulesTestEnvironment;
  const apps: FirebaseApp[] = [];

  before(async () => {
    // Nothing but FIREBASE_EMULATOR_HUB (set by the stack) tells rules-unit-testing where to go.
    assert.ok(process.env.FIREBASE_EMULATOR_HUB, 'the stack sets FIREBASE_EMULATOR_HUB');
    const hub = await fetch(`http://${process.env.FIREBASE_EMULATOR_HUB}/emulators`);
    const listing = (await hub.json()) as Record<string, { port: number }>;
    assert.equal(listing.firestore.port, envHost('FIRESTORE_EMULATOR_HOST').port);
    env = await initializeTestEnvironment({
      projectId: PROJECT_ID,
      hub: envHost('FIREBASE_EMULATOR_HUB'),
      firestore: { rules: RULES },
    });
  });

  after(async () => {
    for (const app of apps) await deleteApp(app);
    await env?.cleanup();
    // Put the project's own rules back for whatever runs next against this stack.
    const own = fs.readFileSync(path.join(findProjectRoot(), 'firestore.rules'), 'utf8');
    const { host, port } = envHost('FIRESTORE_EMULATOR_HOST');
    const res = await fetch(
      `http://${host}:${port}/emulator/v1/projects/${PROJECT_ID}:securityRules`,
      {
        method: 'PUT',
        body: JSON.stringify({ rules: { files: [{ name: 'firestore.rules', content: own }] } }),
      },
    );
    assert.equal(res.status, 200);
  });

  async function seed(docs: Record<string, Record<string, unknown>>): Promise<void> {
    await env.withSecurityRulesDisabled(async (ctx) => {
      const db = ctx.firestore();
      await Promise.all(
        Object.entries(docs).map(([p, data]) =>
          db.runTransaction(async (t) => {
            t.set(db.doc(p), data);
          }),
        ),
      );
    });
  }

  it('gives request.auth from mock tokens; the owner bypasses rules', async () => {
    await seed({ 'profiles/alice': { name: 'Alice' } });
    const alice = env.authenticatedContext('alice').firestore();
    const bob = env.authenticatedContext('bob').firestore();
    const nobody = env.unauthenticatedContext().firestore();
    const got = await assertSucceeds(alice.doc('profiles/alice').get());
    assert.equal(got.get('name'), 'Alice');
    await assertFails(bob.doc('profiles/alice').get());
    await assertFails(nobody.doc('profiles/alice').get());
    await env.withSecurityRulesDisabled(async (ctx) => {
      await assertSucceeds(ctx.firestore().doc('profiles/alice').get());
    });
  });

  it('names the rules line and the false condition when it refuses', async () => {
    const bob = env.authenticatedContext('bob').firestore();
    const err = (await assertFails(bob.doc('profiles/alice').get())) as {
      code: string;
      message: string;
    };
    assert.equal(err.code, 'permission-denied');
    assert.match(err.message, /false for 'get' @ L8: `signedIn\(\) && request\.auth\.uid == uid`/);
  });

  it('exposes the token claims as request.auth.token', async () => {
    const claims = { role: 'admin', email_verified: true };
    const admin = env.authenticatedContext('root', claims).firestore();
    await assertSucceeds(admin.doc('admin/settings').get());
    const unverified = env.authenticatedContext('root2', { ...claims, email_verified: false });
    await assertFails(unverified.firestore().doc('admin/settings').get());
    // A missing claim is an error, which denies.
    await assertFails(env.authenticatedContext('plain').firestore().doc('admin/settings').get());
  });

  it("takes request.auth from the Auth emulator's real ID tokens", async () => {
    const app = initializeApp(
      { projectId: PROJECT_ID, apiKey: 'fake-api-key' },
      `rules-auth-${RUN}`,
    );
    apps.push(app);
    const auth = getAuth(app);
    connectAuthEmulator(auth, `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`, {
      disableWarnings: true,
    });
    const cred = await createUserWithEmailAndPassword(auth, `u-${RUN}@example.com`, 'secret123');
    const uid = cred.user.uid;
    await seed({ [`profiles/${uid}`]: { name: 'Real' } });
    const db = getFirestore(app);
    const { host, port } = envHost('FIRESTORE_EMULATOR_HOST');
    connectFirestoreEmulator(db, host, port);
    const snap = await assertSucceeds(getDoc(doc(db, `profiles/${uid}`)));
    assert.equal(snap.get('name'), 'Real');
    await assertFails(getDoc(doc(db, 'profiles/alice')));
  });

  it('resolves serverTimestamp() to request.time in request.resource', async () => {
    const carol = env.authenticatedContext('carol').firestore();
    const { FieldValue } = firebase.firestore;
    await assertSucceeds(
      carol.runTransaction(async (t) => {
        t.set(carol.doc('profiles/carol'), { name: 'C', createdAt: FieldValue.serverTimestamp() });
      }),
    );
    // A client clock value is not request.time.
    const dave = env.authenticatedContext('dave').firestore();
    await assertFails(
      dave.runTransaction(async (t) => {
        t.set(dave.doc('profiles/dave'), { name: 'D', createdAt: new Date(0) });
      }),
    );
  });

  it('checks updates with diff().affectedKeys()', async () => {
    await seed({ 'profiles/erin': { name: 'E', role: 'viewer' } });
    const erin = env.authenticatedContext('erin').firestore();
    await assertSucceeds(
      erin.runTransaction(async (t) => {
        t.update(erin.doc('profiles/erin'), { name: 'Erin' });
      }),
    );
    await assertFails(
      erin.runTransaction(async (t) => {
        t.update(erin.doc('profiles/erin'), { role: 'owner' });
      }),
    );
  });

  it('evaluates exists() for reads and getAfter() across a whole transaction', async () => {
    await seed({ 'orgs/o1': { owner: 'zed' }, 'orgs/o1/members/zed': { role: 'owner' } });
    await assertSucceeds(env.authenticatedContext('zed').firestore().doc('orgs/o1').get());
    await assertFails(env.authenticatedContext('yan').firestore().doc('orgs/o1').get());
    const frank = env.authenticatedContext('frank').firestore();
    // The member is allowed only because the same transaction creates the org.
    await assertSucceeds(
      frank.runTransaction(async (t) => {
        t.set(frank.doc('orgs/o2'), { owner: 'frank' });
        t.set(frank.doc('orgs/o2/members/frank'), { role: 'owner' });
      }),
    );
    await assertFails(
      frank.runTransaction(async (t) => {
        t.set(frank.doc('orgs/o3/members/frank'), { role: 'owner' });
      }),
    );
  });

  it('checks every write of a plain Commit (a batch outside a transaction), getAfter included; raw calls', async () => {
    // The commit path through a raw Commit RPC with a client token (no SDK in between).
    const pkg = loadFirestoreProtos() as unknown as {
      google: { firestore: { v1: { Firestore: grpc.ServiceClientConstructor } } };
    };
    const { host, port } = envHost('FIRESTORE_EMULATOR_HOST');
    const client = new pkg.google.firestore.v1.Firestore(
      `${host}:${port}`,
      grpc.credentials.createInsecure(),
    ) as grpc.Client & Record<string, unknown>;
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${part({ alg: 'none' })}.${part({ sub: 'kim', user_id: 'kim' })}.`;
    const root = `projects/${PROJECT_ID}/databases/(default)/documents`;
    const commit = (writes: object[]) =>
      new Promise<void>((resolve, reject) => {
        const md = new grpc.Metadata();
        md.set('authorization', `Bearer ${token}`);
        (
          client.Commit as (r: object, m: grpc.Metadata, cb: (e: Error | null) => void) => void
        ).call(
          client,
          { database: `projects/${PROJECT_ID}/databases/(default)`, writes },
          md,
          (err) => (err ? reject(err) : resolve()),
        );
      });
    const set = (name: string, fields: object) => ({ update: { name: `${root}/${name}`, fields } });
    try {
      await commit([
        set('orgs/k1', { owner: { stringValue: 'kim' } }),
        set('orgs/k1/members/kim', { role: { stringValue: 'owner' } }),
      ]);
      await assert.rejects(
        commit([set('orgs/k2/members/kim', { role: { stringValue: 'owner' } })]),
        (err: grpc.ServiceError) =>
          err.code === grpc.status.PERMISSION_DENIED && /@ L19/.test(err.details),
      );
      // A query filter the rules cannot even read is the client's error, not a crash.
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${token}`);
      const where = {
        fieldFilter: { field: { fieldPath: 'a..b' }, op: 'EQUAL', value: { stringValue: 'x' } },
      };
      const runQuery = client.RunQuery as (
        r: object,
        m: grpc.Metadata,
      ) => grpc.ClientReadableStream<unknown>;
      const bad = await new Promise<grpc.ServiceError>((resolve, reject) => {
        const stream = runQuery.call(
          client,
          { parent: root, structuredQuery: { from: [{ collectionId: 'posts' }], where } },
          md,
        );
        stream.on('data', () => undefined);
        stream.on('error', resolve);
        stream.on('end', () => reject(new Error('the malformed query was answered')));
      });
      assert.equal(bad.code, grpc.status.INVALID_ARGUMENT, bad.details);
    } finally {
      client.close();
    }
  });

  it('checks writes of the Write stream (set, update, delete, writeBatch) like any commit', async () => {
    const { FieldValue } = firebase.firestore;
    const lena = env.authenticatedContext('lena').firestore();
    // set/update/delete and batches of the Node client SDK go through the Write stream.
    await assertSucceeds(
      lena.doc('profiles/lena').set({ name: 'L', createdAt: FieldValue.serverTimestamp() }),
    );
    await assertFails(lena.doc('profiles/lena2').set({ name: 'X', createdAt: new Date(0) }));
    await assertSucceeds(lena.doc('profiles/lena').update({ name: 'Lena' }));
    await assertFails(lena.doc('profiles/lena').update({ role: 'owner' }));
    await assertFails(lena.doc('profiles/lena').delete());
    const ok = lena.batch();
    ok.set(lena.doc('orgs/l1'), { owner: 'lena' });
    ok.set(lena.doc('orgs/l1/members/lena'), { role: 'owner' });
    await assertSucceeds(ok.commit());
    const refused = lena.batch();
    refused.set(lena.doc('orgs/l2/members/lena'), { role: 'owner' });
    const err = (await assertFails(refused.commit())) as { message: string };
    assert.match(err.message, /@ L19/);
    // Nothing of a refused batch was applied.
    await env.withSecurityRulesDisabled(async (ctx) => {
      const snap = await ctx.firestore().doc('orgs/l2/members/lena').get();
      assert.equal(snap.exists, false);
      const kept = await ctx.firestore().doc('profiles/lena').get();
      assert.deepEqual(Object.keys(kept.data() ?? {}).sort(), ['createdAt', 'name']);
    });
  });

  it('sees every Firestore value type as its rules type', async () => {
    const { Blob, GeoPoint, Timestamp } = firebase.firestore;
    const mona = env.authenticatedContext('mona').firestore();
    const typed = (overrides: object) => ({
      i: 42,
      f: 1.5,
      s: 'hello',
      b: true,
      n: null,
      t: Timestamp.fromMillis(1000),
      g: new GeoPoint(1.5, 2.5),
      y: Blob.fromUint8Array(new Uint8Array([1, 2, 3])),
      r: mona.doc('profiles/x'),
      l: [1, 'x'],
      m: { k: 'v' },
      ...overrides,
    });
    await assertSucceeds(mona.doc('typed/ok').set(typed({})));
    // A whole number from JavaScript is an int, so `is float` is false.
    await assertFails(mona.doc('typed/int').set(typed({ f: 2 })));
    await assertFails(mona.doc('typed/str').set(typed({ i: '42' })));
    await assertFails(mona.doc('typed/ref').set(typed({ r: mona.doc('profiles/y') })));
  });

  it('allows 10 document accesses for one document and 20 for a transaction', async () => {
    const gina = env.authenticatedContext('gina').firestore();
    await assertSucceeds(gina.doc('limits/ten').get());
    const err = (await assertFails(gina.doc('limits/eleven').get())) as { message: string };
    assert.match(err.message, /maximum of 10/);
    // 7 distinct exists() per create: two writes use 14 of 20, three would need 21.
    await assertSucceeds(
      gina.runTransaction(async (t) => {
        t.set(gina.doc('limits/a'), {});
        t.set(gina.doc('limits/b'), {});
      }),
    );
    const many = (await assertFails(
      gina.runTransaction(async (t) => {
        t.set(gina.doc('limits/c'), {});
        t.set(gina.doc('limits/d'), {});
        t.set(gina.doc('limits/e'), {});
      }),
    )) as { message: string };
    assert.match(many.message, /maximum of 20/);
  });

  it('judges list queries by their constraints (rules are not filters)', async () => {
    await seed({
      'posts/p1': { owner: 'hana', public: true },
      'posts/p2': { owner: 'ivan', public: false },
    });
    const hana = env.authenticatedContext('hana').firestore();
    const posts = hana.collection('posts');
    const mine = await assertSucceeds(posts.where('owner', '==', 'hana').limit(5).get());
    assert.deepEqual(
      mine.docs.map((d) => d.id),
      ['p1'],
    );
    // No filter: the rules cannot hold for every document, so the whole query is refused.
    await assertFails(posts.limit(5).get());
    await assertFails(posts.where('owner', '==', 'ivan').limit(5).get());
    await assertFails(posts.where('owner', 'in', ['hana', 'ivan']).limit(5).get());
    await assertSucceeds(posts.where('owner', 'in', ['hana']).limit(5).get());
    // request.query.limit must be at most 10.
    await assertFails(posts.where('owner', '==', 'hana').limit(11).get());
    await assertFails(posts.where('owner', '==', 'hana').get());
    // error || true is true: a query on either field of the `||` is allowed, neither is not.
    const stories = hana.collection('stories');
    await assertSucceeds(stories.where('published', '==', true).get());
    await assertSucceeds(stories.where('author', '==', 'hana').get());
    await assertFails(stories.where('author', '==', 'ivan').get());
    await assertFails(stories.get());
    // array-contains promises the item: `uid in members` holds for every result.
    await seed({ 'chats/c1': { members: ['hana', 'ivan'] } });
    const chats = hana.collection('chats');
    const mineChats = await assertSucceeds(chats.where('members', 'array-contains', 'hana').get());
    assert.equal(mineChats.size, 1);
    await assertFails(chats.where('members', 'array-contains', 'ivan').get());
    await assertSucceeds(chats.where('members', 'array-contains-any', ['hana']).get());
    await assertFails(chats.where('members', 'array-contains-any', ['hana', 'ivan']).get());
    await assertFails(chats.get());
    // Range filters bound the field: the rule must hold for every value in the range.
    const products = hana.collection('products');
    await assertSucceeds(products.where('price', '<', 50).get());
    await assertSucceeds(products.where('price', '<', 100).get());
    await assertFails(products.where('price', '<=', 100).get());
    await assertFails(products.where('price', '>', 10).get());
    await assertSucceeds(products.where('price', '>', 10).where('price', '<=', 60).get());
    await assertFails(products.where('price', '>=', 100).get());
    await assertFails(products.where('price', '<', 'abc').get());
    // request.query.orderBy maps each ordered field to ASC or DESC.
    const ranked = hana.collection('ranked');
    await assertSucceeds(ranked.orderBy('score', 'desc').get());
    await assertFails(ranked.orderBy('score').get());
    // Collection group queries match rules with a recursive wildcard.
    await assertSucceeds(hana.collectionGroup('comments').get());
    await assertFails(env.unauthenticatedContext().firestore().collectionGroup('comments').get());
  });

  it('checks aggregation queries like the query they count', async () => {
    const app = initializeApp({ projectId: PROJECT_ID }, `rules-agg-${RUN}`);
    apps.push(app);
    const db = getFirestore(app);
    const { host, port } = envHost('FIRESTORE_EMULATOR_HOST');
    connectFirestoreEmulator(db, host, port, { mockUserToken: { sub: 'hana', user_id: 'hana' } });
    const posts = collection(db, 'posts');
    const count = await assertSucceeds(
      getCountFromServer(query(posts, where('owner', '==', 'hana'), limit(10))),
    );
    assert.equal(count.data().count, 1);
    await assertFails(getCountFromServer(query(posts, limit(10))));
  });

  it('refuses a Listen on a query the rules do not allow', async () => {
    const app = initializeApp({ projectId: PROJECT_ID }, `rules-listen-${RUN}`);
    apps.push(app);
    const db = getFirestore(app);
    const { host, port } = envHost('FIRESTORE_EMULATOR_HOST');
    connectFirestoreEmulator(db, host, port, { mockUserToken: { sub: 'hana', user_id: 'hana' } });
    const refused = await new Promise<{ code: string }>((resolve, reject) => {
      const stop = onSnapshot(
        query(collection(db, 'posts'), limit(5)),
        () => {
          stop();
          reject(new Error('the refused query delivered a snapshot'));
        },
        (err) => resolve(err),
      );
    });
    assert.equal(refused.code, 'permission-denied');
    const allowed = await new Promise<number>((resolve, reject) => {
      const stop = onSnapshot(
        query(collection(db, 'posts'), where('owner', '==', 'hana'), limit(5)),
        (snap) => {
          stop();
          resolve(snap.size);
        },
        reject,
      );
    });
    assert.equal(allowed, 1);
  });

  it('serves a coverage report with the counts of each allow line', async () => {
    const { host, port } = envHost('FIRESTORE_EMULATOR_HOST');
    const res = await fetch(
      `http://${host}:${port}/emulator/v1/projects/${PROJECT_ID}:ruleCoverage.html`,
    );
    assert.equal(res.status, 200);
    const html = await res.text();
    const row = (line: number) =>
      new RegExp(`<td class="n">${line}</td>.*?<td class="c">([^<]*)</td>`).exec(html)?.[1];
    // Line 8 (allow get on profiles) was both allowed and denied by the tests above.
    assert.match(row(8) ?? '', /^\d+ evaluated: [1-9]\d* allowed, [1-9]\d* denied, 0 errors$/);
    // Line 24 (allow get on posts) was never reached: the report says so.
    assert.equal(row(24), 'never evaluated');
  });

  it('reports a syntax error in uploaded rules with line and column, keeping the old rules', async () => {
    await assert.rejects(
      initializeTestEnvironment({
        projectId: PROJECT_ID,
        hub: envHost('FIREBASE_EMULATOR_HUB'),
        firestore: {
          rules:
            "rules_version = '2';\nservice cloud.firestore {\n  match /x {\n    allow read: if ;\n  }\n}",
        },
      }),
      /firestore\.rules:4:20: expected an expression/,
    );
    // The previous rules still decide.
    await assertSucceeds(env.authenticatedContext('alice').firestore().doc('profiles/alice').get());
  });
});

describe('firestore security rules: the rules file is watched', function () {
  this.timeout(30_000);
  let dir: string;
  let emulator: FirestoreEmulator;
  let app: FirebaseApp;
  const logs: string[] = [];

  const OPEN = `rules_version = '2';
service cloud.firestore {
  match /databases/{db}/documents {
    match /notes/{id} { allow get: if true; }
  }
}
`;

  async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rules-watch-'));
    fs.writeFileSync(path.join(dir, 'firestore.rules'), OPEN);
    emulator = new FirestoreEmulator({ projectId: PROJECT_ID, log: (l) => logs.push(l) });
    emulator.rules.watch(path.join(dir, 'firestore.rules'));
    const port = await emulator.listen('127.0.0.1', 0);
    app = initializeApp({ projectId: PROJECT_ID }, `rules-watch-${RUN}`);
    connectFirestoreEmulator(getFirestore(app), '127.0.0.1', port, {
      mockUserToken: { sub: 'w', user_id: 'w' },
    });
  });

  after(async () => {
    await deleteApp(app);
    emulator.rules.unwatch();
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const canRead = () =>
    getDoc(doc(getFirestore(app), 'notes/n1')).then(
      () => true,
      (err: { code?: string }) => {
        if (err.code !== 'permission-denied') throw err;
        return false;
      },
    );

  it('reloads a changed file, and keeps the last good rules when it does not parse', async () => {
    assert.match(logs[0], /^Firestore rules loaded from .*firestore\.rules$/);
    assert.equal(await canRead(), true);
    fs.writeFileSync(path.join(dir, 'firestore.rules'), OPEN.replace('if true', 'if false'));
    await until('the changed rules', async () => !(await canRead()));
    assert.ok(logs.some((l) => /^Firestore rules reloaded from /.test(l)));
    fs.writeFileSync(path.join(dir, 'firestore.rules'), OPEN.replace('if true', 'if (true'));
    await until('the syntax error report', () => logs.some((l) => /firestore\.rules:4:44/.test(l)));
    const report = logs.find((l) => /firestore\.rules:4:44/.test(l));
    assert.match(report ?? '', /expected '\)'.*the previous rules stay in force/);
    assert.equal(await canRead(), false);
  });
});
