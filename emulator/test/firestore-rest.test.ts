// Conformance of the Firestore v1 REST API (transports/rest/) through plain fetch, written from
// Google's REST reference (firestore.googleapis.com/v1, projects.databases.documents.*): each
// method, the proto3 JSON mapping, streaming replies as JSON arrays, Google's error JSON with
// the HTTP code mapping, CORS preflight, and the security rules with ID tokens. Starts its own
// emulator on a free port (the same port serves gRPC: one test checks both on it).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { deleteApp as deleteClientApp, initializeApp as initializeClientApp } from 'firebase/app';
import * as lite from 'firebase/firestore/lite';
import { FirestoreEmulator } from '../src/firestore/server';

process.env.METADATA_SERVER_DETECTION ??= 'none';

const PROJECT = 'demo-rest';
const DB = `projects/${PROJECT}/databases/(default)`;
const DOCS = `${DB}/documents`;
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const OWNER = { authorization: 'Bearer owner' };

type Json = Record<string, unknown>;

/** An unsigned ID token as the SDKs' mock tokens are (the emulator reads its claims). */
function mockToken(uid: string, extra: Json = {}): string {
  const enc = (o: Json) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({
    iss: `https://securetoken.google.com/${PROJECT}`,
    aud: PROJECT,
    iat: now,
    exp: now + 3600,
    auth_time: now,
    sub: uid,
    user_id: uid,
    firebase: { sign_in_provider: 'custom', identities: {} },
    ...extra,
  })}.`;
}

const RULES = `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /open/{doc=**} { allow read, write: if true; }
    match /profiles/{uid} {
      allow get, update: if request.auth != null && request.auth.uid == uid;
      allow list: if request.auth != null && resource.data.owner == request.auth.uid;
      allow create: if request.auth != null && request.auth.uid == uid
        && !('admin' in request.resource.data);
    }
  }
}
`;

describe('firestore REST API (plain fetch)', function () {
  this.timeout(30_000);
  let emulator: FirestoreEmulator;
  let base: string;
  let root: string;
  let port: number;

  /** One REST call: resolves with the HTTP status and the parsed JSON body. */
  async function rest(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = OWNER,
  ): Promise<{ status: number; json: Json & Json[]; headers: Headers }> {
    const res = await fetch(`${base}/${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : {}, headers: res.headers };
  }

  /** `c/d` under this run's own collection prefix. */
  const col = (name: string) => `${name}-${RUN}`;

  before(async () => {
    emulator = new FirestoreEmulator({ projectId: PROJECT, log: () => undefined });
    port = await emulator.listen('127.0.0.1', 0);
    base = `http://127.0.0.1:${port}/v1`;
    root = DOCS;
  });

  after(async () => {
    await emulator.close();
  });

  beforeEach(() => {
    emulator.clear();
  });

  it('creates with documentId, gets with a mask, maps every value type to proto3 JSON', async () => {
    const fields = {
      s: { stringValue: 'x' },
      i: { integerValue: '9007199254740993' },
      d: { doubleValue: 1.5 },
      nan: { doubleValue: 'NaN' },
      inf: { doubleValue: '-Infinity' },
      b: { booleanValue: true },
      n: { nullValue: null },
      t: { timestampValue: '2024-02-29T12:34:56.123456Z' },
      by: { bytesValue: 'AAH/' },
      r: { referenceValue: `${DOCS}/other/x` },
      g: { geoPointValue: { latitude: 1.5, longitude: -2 } },
      a: { arrayValue: { values: [{ integerValue: '1' }, { stringValue: 'two' }] } },
      m: { mapValue: { fields: { k: { booleanValue: false } } } },
    };
    const created = await rest('POST', `${root}/${col('c')}?documentId=one`, { fields });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    assert.equal(created.json.name, `${DOCS}/${col('c')}/one`);
    assert.match(String(created.json.createTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const got = await rest('GET', `${root}/${col('c')}/one`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.json.fields, fields);
    const masked = await rest(
      'GET',
      `${root}/${col('c')}/one?mask.fieldPaths=s&mask.fieldPaths=m.k`,
    );
    assert.deepEqual(masked.json.fields, {
      s: { stringValue: 'x' },
      m: { mapValue: { fields: { k: { booleanValue: false } } } },
    });
    // Without documentId the server picks a 20-character id.
    const auto = await rest('POST', `${root}/${col('c')}`, { fields: { s: { stringValue: 'y' } } });
    assert.match(String(auto.json.name), new RegExp(`/${col('c')}/[A-Za-z0-9]{20}$`));
    // The same id again: ALREADY_EXISTS, 409.
    const again = await rest('POST', `${root}/${col('c')}?documentId=one`, { fields: {} });
    assert.equal(again.status, 409);
    assert.equal((again.json.error as Json).status, 'ALREADY_EXISTS');
  });

  it('answers errors as Google error JSON with the HTTP code of the status', async () => {
    const missing = await rest('GET', `${root}/${col('c')}/nope`);
    assert.equal(missing.status, 404);
    assert.deepEqual(Object.keys(missing.json.error as Json).sort(), ['code', 'message', 'status']);
    assert.equal((missing.json.error as Json).code, 404);
    assert.equal((missing.json.error as Json).status, 'NOT_FOUND');
    const unknownField = await rest('POST', `${DOCS}:runQuery`, {
      structuredQuery: { from: [{ collectionId: 'c' }], were: {} },
    });
    assert.equal(unknownField.status, 400);
    assert.match(String((unknownField.json.error as Json).message), /Unknown name "were"/);
    const notJson = await rest('POST', `${DOCS}:commit`, '{"writes": [');
    assert.equal(notJson.status, 400);
    assert.equal((notJson.json.error as Json).status, 'INVALID_ARGUMENT');
    const wrongType = await rest('POST', `${DOCS}:commit`, { writes: 'x' });
    assert.equal(wrongType.status, 400);
    const badParam = await rest('GET', `${root}/${col('c')}/one?mask.fieldPath=a`);
    assert.equal(badParam.status, 400);
    assert.match(String((badParam.json.error as Json).message), /mask\.fieldPath/);
    const noRoute = await rest('PUT', `${root}/${col('c')}/one`, {});
    assert.equal(noRoute.status, 404);
    assert.equal((noRoute.json.error as Json).status, 'NOT_FOUND');
    // A missing document that must exist: NOT_FOUND.
    const precondition = await rest(
      'DELETE',
      `${root}/${col('c')}/nope?currentDocument.exists=true`,
    );
    assert.equal(precondition.status, 404);
    const stale = await rest('POST', `${DOCS}:rollback`, { transaction: 'AAAA' });
    assert.equal(stale.status, 400);
    assert.equal((stale.json.error as Json).status, 'INVALID_ARGUMENT');
  });

  it('patches with updateMask, currentDocument and a response mask', async () => {
    const path = `${root}/${col('p')}/d`;
    await rest('PATCH', path, { fields: { a: { integerValue: '1' }, b: { integerValue: '2' } } });
    // Only the masked field changes; c is not in the mask, so it is not written.
    const patched = await rest(
      'PATCH',
      `${path}?updateMask.fieldPaths=a&updateMask.fieldPaths=z&mask.fieldPaths=a&mask.fieldPaths=b`,
      { fields: { a: { integerValue: '10' }, c: { integerValue: '3' } } },
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.json));
    assert.deepEqual(patched.json.fields, { a: { integerValue: '10' }, b: { integerValue: '2' } });
    const full = await rest('GET', path);
    assert.deepEqual(Object.keys(full.json.fields as Json).sort(), ['a', 'b']);
    // currentDocument.exists=false on an existing document: ALREADY_EXISTS (409).
    const exists = await rest('PATCH', `${path}?currentDocument.exists=false`, { fields: {} });
    assert.equal(exists.status, 409);
    assert.equal((exists.json.error as Json).status, 'ALREADY_EXISTS');
    // currentDocument.updateTime must match.
    const wrongTime = await rest(
      'PATCH',
      `${path}?currentDocument.updateTime=2001-01-01T00:00:00Z`,
      { fields: {} },
    );
    // FAILED_PRECONDITION is 400 (google.rpc.Code's mapping), with its own status name.
    assert.equal(wrongTime.status, 400);
    assert.equal((wrongTime.json.error as Json).status, 'FAILED_PRECONDITION');
    const rightTime = await rest(
      'PATCH',
      `${path}?currentDocument.updateTime=${full.json.updateTime as string}`,
      { fields: { only: { stringValue: 'me' } } },
    );
    assert.equal(rightTime.status, 200, JSON.stringify(rightTime.json));
    assert.deepEqual(rightTime.json.fields, { only: { stringValue: 'me' } });
    // A bool query parameter that is not a bool.
    const notBool = await rest('PATCH', `${path}?currentDocument.exists=maybe`, { fields: {} });
    assert.equal(notBool.status, 400);
  });

  it('deletes, with and without a precondition', async () => {
    const path = `${root}/${col('d')}/x`;
    await rest('PATCH', path, { fields: {} });
    const del = await rest('DELETE', path);
    assert.equal(del.status, 200);
    assert.deepEqual(del.json, {});
    assert.equal((await rest('GET', path)).status, 404);
    // Deleting a missing document succeeds (as in production) unless it must exist.
    assert.equal((await rest('DELETE', path)).status, 200);
    assert.equal((await rest('DELETE', `${path}?currentDocument.exists=true`)).status, 404);
  });

  it('lists documents with pageSize, pageToken, orderBy and showMissing', async () => {
    for (const id of ['a', 'b', 'c']) {
      await rest('PATCH', `${root}/${col('l')}/${id}`, {
        fields: { n: { integerValue: id === 'b' ? '1' : '2' } },
      });
    }
    // A document that exists only as the parent of a subcollection.
    await rest('PATCH', `${root}/${col('l')}/ghost/sub/x`, { fields: {} });
    const first = await rest('GET', `${root}/${col('l')}?pageSize=2`);
    assert.equal(first.status, 200);
    assert.deepEqual(
      (first.json.documents as Json[]).map((d) => String(d.name).split('/').pop()),
      ['a', 'b'],
    );
    assert.ok(first.json.nextPageToken);
    const second = await rest(
      'GET',
      `${root}/${col('l')}?pageSize=2&pageToken=${encodeURIComponent(String(first.json.nextPageToken))}`,
    );
    assert.deepEqual(
      (second.json.documents as Json[]).map((d) => String(d.name).split('/').pop()),
      ['c'],
    );
    const missing = await rest('GET', `${root}/${col('l')}?showMissing=true`);
    assert.ok((missing.json.documents as Json[]).some((d) => String(d.name).endsWith('/ghost')));
    // Listing under a document.
    const sub = await rest('GET', `${root}/${col('l')}/ghost/sub`);
    assert.equal((sub.json.documents as Json[]).length, 1);
  });

  it('batchGet answers a JSON array: found and missing, in order, with readTime', async () => {
    await rest('PATCH', `${root}/${col('g')}/a`, { fields: { v: { integerValue: '1' } } });
    const res = await rest('POST', `${DOCS}:batchGet`, {
      documents: [`${DOCS}/${col('g')}/a`, `${DOCS}/${col('g')}/zz`],
      mask: { fieldPaths: ['v'] },
    });
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.json));
    assert.equal(res.json.length, 2);
    const found = res.json.find((r) => r.found) as Json;
    assert.deepEqual((found.found as Json).fields, { v: { integerValue: '1' } });
    assert.equal((res.json.find((r) => r.missing) as Json).missing, `${DOCS}/${col('g')}/zz`);
    for (const r of res.json) assert.match(String(r.readTime), /Z$/);
  });

  it('commits writes with transforms, runs a transaction, rolls one back', async () => {
    const name = `${DOCS}/${col('t')}/counter`;
    const commit = await rest('POST', `${DOCS}:commit`, {
      writes: [
        {
          update: { name, fields: { n: { integerValue: '1' } } },
          updateTransforms: [{ fieldPath: 'at', setToServerValue: 'REQUEST_TIME' }],
        },
      ],
    });
    assert.equal(commit.status, 200, JSON.stringify(commit.json));
    assert.match(String(commit.json.commitTime), /Z$/);
    const results = commit.json.writeResults as Json[];
    assert.equal(results.length, 1);
    assert.equal((results[0].transformResults as Json[])[0].timestampValue, commit.json.commitTime);

    const begin = await rest('POST', `${DOCS}:beginTransaction`, {});
    assert.equal(begin.status, 200);
    const transaction = String(begin.json.transaction);
    assert.match(transaction, /^[A-Za-z0-9+/=_-]+$/);
    // A read in the transaction (the transaction id is bytes: base64 in a query parameter).
    const read = await rest(
      'GET',
      `${root}/${col('t')}/counter?transaction=${encodeURIComponent(transaction)}`,
    );
    assert.equal(read.status, 200);
    const inTxn = await rest('POST', `${DOCS}:commit`, {
      transaction,
      writes: [
        {
          transform: {
            document: name,
            fieldTransforms: [{ fieldPath: 'n', increment: { integerValue: '41' } }],
          },
        },
      ],
    });
    assert.equal(inTxn.status, 200, JSON.stringify(inTxn.json));
    const after = await rest('GET', `${root}/${col('t')}/counter`);
    assert.deepEqual((after.json.fields as Json).n, { integerValue: '42' });
    // Committing the same transaction twice fails.
    const twice = await rest('POST', `${DOCS}:commit`, { transaction, writes: [] });
    assert.equal(twice.status, 400);

    const other = await rest('POST', `${DOCS}:beginTransaction`, {
      options: { readOnly: {} },
    });
    const rolled = await rest('POST', `${DOCS}:rollback`, { transaction: other.json.transaction });
    assert.equal(rolled.status, 200);
    assert.deepEqual(rolled.json, {});
  });

  it('runQuery and runAggregationQuery answer JSON arrays (also under a document parent)', async () => {
    for (const [id, n] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const) {
      await rest('PATCH', `${root}/${col('q')}/${id}`, {
        fields: { n: { integerValue: String(n) } },
      });
    }
    await rest('PATCH', `${root}/${col('q')}/a/sub/x`, { fields: { n: { integerValue: '7' } } });
    const q = await rest('POST', `${DOCS}:runQuery`, {
      structuredQuery: {
        from: [{ collectionId: col('q') }],
        where: {
          fieldFilter: {
            field: { fieldPath: 'n' },
            op: 'GREATER_THAN',
            value: { integerValue: '1' },
          },
        },
        orderBy: [{ field: { fieldPath: 'n' }, direction: 'DESCENDING' }],
        limit: 5,
      },
    });
    assert.equal(q.status, 200, JSON.stringify(q.json));
    assert.ok(Array.isArray(q.json));
    assert.deepEqual(
      q.json.map((r) =>
        String((r.document as Json).name)
          .split('/')
          .pop(),
      ),
      ['c', 'b'],
    );
    // No match: one element with only readTime.
    const none = await rest('POST', `${DOCS}:runQuery`, {
      structuredQuery: {
        from: [{ collectionId: col('q') }],
        where: {
          fieldFilter: { field: { fieldPath: 'n' }, op: 'EQUAL', value: { integerValue: '99' } },
        },
      },
    });
    assert.equal(none.json.length, 1);
    assert.deepEqual(Object.keys(none.json[0]), ['readTime']);
    const sub = await rest('POST', `${DOCS}/${col('q')}/a:runQuery`, {
      structuredQuery: { from: [{ collectionId: 'sub' }] },
    });
    assert.equal(sub.json.length, 1);
    const agg = await rest('POST', `${DOCS}:runAggregationQuery`, {
      structuredAggregationQuery: {
        structuredQuery: { from: [{ collectionId: col('q') }] },
        aggregations: [
          { alias: 'count', count: {} },
          { alias: 'total', sum: { field: { fieldPath: 'n' } } },
          { alias: 'mean', avg: { field: { fieldPath: 'n' } } },
        ],
      },
    });
    assert.equal(agg.status, 200, JSON.stringify(agg.json));
    assert.ok(Array.isArray(agg.json));
    assert.deepEqual((agg.json[0].result as Json).aggregateFields, {
      count: { integerValue: '3' },
      total: { integerValue: '6' },
      mean: { doubleValue: 2 },
    });
  });

  it('listCollectionIds and batchWrite', async () => {
    const bw = await rest('POST', `${DOCS}:batchWrite`, {
      writes: [
        { update: { name: `${DOCS}/${col('w')}/a`, fields: {} } },
        {
          update: { name: `${DOCS}/${col('w')}/b`, fields: {} },
          currentDocument: { exists: true },
        },
      ],
    });
    assert.equal(bw.status, 200, JSON.stringify(bw.json));
    const status = bw.json.status as Json[];
    assert.equal(status.length, 2);
    // proto3 JSON leaves out a zero code: the first write succeeded.
    assert.equal(status[0].code ?? 0, 0);
    assert.equal(status[1].code, 5);
    const ids = await rest('POST', `${DOCS}:listCollectionIds`, {});
    assert.ok((ids.json.collectionIds as string[]).includes(col('w')));
    const under = await rest('POST', `${DOCS}/${col('w')}/a:listCollectionIds`, { pageSize: 10 });
    assert.equal(under.status, 200);
    assert.deepEqual(under.json.collectionIds ?? [], []);
  });

  it('answers a CORS preflight and names the origin on replies', async () => {
    const pre = await fetch(`${base}/${DOCS}:commit`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-goog-api-client',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.match(String(pre.headers.get('access-control-allow-methods')), /POST/);
    assert.match(String(pre.headers.get('access-control-allow-headers')), /x-goog-api-client/);
    const get = await rest('GET', `${root}/${col('c')}/nope`, undefined, {
      ...OWNER,
      origin: 'http://localhost:5173',
    });
    assert.equal(get.status, 404);
    assert.equal(get.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    // The body of a browser's simple request (text/plain) is JSON all the same.
    const plain = await fetch(`${base}/${DOCS}:beginTransaction`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'http://a.test', ...OWNER },
      body: '{}',
    });
    assert.equal(plain.status, 200);
  });

  it('judges ID tokens by the rules exactly as gRPC does; owner bypasses them', async () => {
    emulator.rules.load(RULES, 'rest.rules');
    const alice = { authorization: `Bearer ${mockToken('alice')}` };
    const bob = { authorization: `Bearer ${mockToken('bob')}` };
    const profile = `${root}/profiles/alice`;
    const fields = { owner: { stringValue: 'alice' } };
    // create through commit (what the web SDK sends): allowed for alice, not for bob.
    const write = (who: Record<string, string>, extra: Json = {}) =>
      rest(
        'POST',
        `${DOCS}:commit`,
        {
          writes: [
            {
              update: { name: `${DOCS}/profiles/alice`, fields: { ...fields, ...extra } },
              currentDocument: { exists: false },
            },
          ],
        },
        who,
      );
    const denied = await write(bob);
    assert.equal(denied.status, 403);
    assert.equal((denied.json.error as Json).status, 'PERMISSION_DENIED');
    const forbiddenField = await write(alice, { admin: { booleanValue: true } });
    assert.equal(forbiddenField.status, 403);
    assert.equal((await write(alice)).status, 200);
    // get
    assert.equal((await rest('GET', profile, undefined, alice)).status, 200);
    assert.equal((await rest('GET', profile, undefined, bob)).status, 403);
    assert.equal((await rest('GET', profile, undefined, {})).status, 403);
    assert.equal((await rest('GET', profile)).status, 200); // owner
    // batchGet: every document is judged.
    const bg = await rest(
      'POST',
      `${DOCS}:batchGet`,
      { documents: [`${DOCS}/profiles/alice`] },
      bob,
    );
    assert.equal(bg.status, 403);
    // list queries: judged by their constraints.
    const query = (ownerValue: string) => ({
      structuredQuery: {
        from: [{ collectionId: 'profiles' }],
        where: {
          fieldFilter: {
            field: { fieldPath: 'owner' },
            op: 'EQUAL',
            value: { stringValue: ownerValue },
          },
        },
      },
    });
    const mine = await rest('POST', `${DOCS}:runQuery`, query('alice'), alice);
    assert.equal(mine.status, 200, JSON.stringify(mine.json));
    assert.equal(mine.json.length, 1);
    assert.equal((await rest('POST', `${DOCS}:runQuery`, query('alice'), bob)).status, 403);
    const count = await rest(
      'POST',
      `${DOCS}:runAggregationQuery`,
      {
        structuredAggregationQuery: {
          structuredQuery: query('alice').structuredQuery,
          aggregations: [{ alias: 'n', count: {} }],
        },
      },
      alice,
    );
    assert.equal(count.status, 200);
    // The raw document methods are for admins only while rules are loaded (as on gRPC).
    const raw = await rest('PATCH', `${root}/open/x`, { fields: {} }, alice);
    assert.equal(raw.status, 403);
    assert.equal((await rest('PATCH', `${root}/open/x`, { fields: {} })).status, 200);
  });

  it('shares its port with gRPC: firebase-admin and REST see the same data', async () => {
    const saved = process.env.FIRESTORE_EMULATOR_HOST;
    // This suite's own emulator, not the stack's (the SDK reads the variable when it starts).
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
    const app: App = initializeApp({ projectId: PROJECT }, `rest-${RUN}`);
    try {
      const db = getFirestore(app);
      await db.doc(`${col('shared')}/viaGrpc`).set({ n: 1 });
      const got = await rest('GET', `${root}/${col('shared')}/viaGrpc`);
      assert.deepEqual(got.json.fields, { n: { integerValue: '1' } });
      await rest('PATCH', `${root}/${col('shared')}/viaRest`, {
        fields: { n: { integerValue: '2' } },
      });
      assert.equal((await db.doc(`${col('shared')}/viaRest`).get()).get('n'), 2);
    } finally {
      if (saved === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
      else process.env.FIRESTORE_EMULATOR_HOST = saved;
      await deleteApp(app);
    }
  });

  it('refuses a request body over 10 MiB with INVALID_ARGUMENT', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024 + 10);
    const res = await rest('POST', `${DOCS}:commit`, {
      writes: [{ update: { name: `${DOCS}/big/x`, fields: { s: { stringValue: big } } } }],
    });
    assert.equal(res.status, 400);
    assert.match(String((res.json.error as Json).message), /10 MiB/);
  });

  it('serves firebase/firestore/lite (the web SDK over REST): writes, queries, transactions, counts', async () => {
    const app = initializeClientApp({ projectId: PROJECT, apiKey: 'fake' }, `lite-${RUN}`);
    try {
      const db = lite.getFirestore(app);
      lite.connectFirestoreEmulator(db, '127.0.0.1', port);
      // Under open/ so that the rules a test before may have loaded allow it too.
      const items = lite.collection(db, 'open', RUN, 'lite');
      await lite.setDoc(lite.doc(items, 'a'), { n: 1, tag: 'x', at: lite.serverTimestamp() });
      await lite.setDoc(lite.doc(items, 'b'), { n: 2, tag: 'y' });
      await lite.updateDoc(lite.doc(items, 'b'), { n: lite.increment(5) });
      const got = await lite.getDoc(lite.doc(items, 'a'));
      assert.equal(got.get('n'), 1);
      assert.ok(got.get('at') instanceof lite.Timestamp);
      const found = await lite.getDocs(lite.query(items, lite.where('tag', '==', 'y')));
      assert.deepEqual(
        found.docs.map((d) => [d.id, d.get('n')]),
        [['b', 7]],
      );
      await lite.runTransaction(db, async (t) => {
        const a = await t.get(lite.doc(items, 'a'));
        t.update(lite.doc(items, 'a'), { n: (a.get('n') as number) + 10 });
      });
      assert.equal((await lite.getDoc(lite.doc(items, 'a'))).get('n'), 11);
      const count = await lite.getCount(items);
      assert.equal(count.data().count, 2);
      const sum = await lite.getAggregate(items, { total: lite.sum('n') });
      assert.equal(sum.data().total, 18);
      const batch = lite.writeBatch(db);
      batch.delete(lite.doc(items, 'a'));
      batch.set(lite.doc(items, 'c'), { n: 0 });
      await batch.commit();
      assert.deepEqual(
        (await lite.getDocs(items)).docs.map((d) => d.id),
        ['b', 'c'],
      );
    } finally {
      await deleteClientApp(app);
    }
  });

  it('judges a real Auth emulator ID token by the rules over REST', async function () {
    const authHost = process.env.FIREBASE_AUTH_EMULATOR_HOST;
    if (!authHost) {
      // Under the stack (cli.js test) this is always set; without it there is no Auth emulator.
      assert.fail('FIREBASE_AUTH_EMULATOR_HOST is not set: run through the stack (cli.js test)');
    }
    emulator.rules.load(RULES, 'rest.rules');
    const res = await fetch(
      `http://${authHost}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=any`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `rest-${RUN}@example.com`,
          password: 'secret123',
          returnSecureToken: true,
        }),
      },
    );
    assert.equal(res.status, 200);
    const { idToken, localId } = (await res.json()) as { idToken: string; localId: string };
    const me = { authorization: `Bearer ${idToken}` };
    const mine = await rest(
      'POST',
      `${DOCS}:commit`,
      {
        writes: [
          {
            update: { name: `${DOCS}/profiles/${localId}`, fields: {} },
            currentDocument: { exists: false },
          },
        ],
      },
      me,
    );
    assert.equal(mine.status, 200, JSON.stringify(mine.json));
    assert.equal((await rest('GET', `${root}/profiles/${localId}`, undefined, me)).status, 200);
    assert.equal((await rest('GET', `${root}/profiles/someone-else`, undefined, me)).status, 403);
  });

  it('reports REST writes to commit listeners (where triggers come from) like gRPC ones', async () => {
    const seen: string[] = [];
    const off = emulator.onCommit((event) => {
      for (const c of event.changes) {
        seen.push(`${c.before ? 'before' : '-'}/${c.after ? 'after' : '-'} ${c.name}`);
      }
    });
    try {
      await rest('PATCH', `${root}/${col('trig')}/a`, { fields: { n: { integerValue: '1' } } });
      await rest('POST', `${DOCS}:commit`, {
        writes: [{ delete: `${DOCS}/${col('trig')}/a` }],
      });
      const name = `${DOCS}/${col('trig')}/a`;
      assert.deepEqual(seen, [`-/after ${name}`, `before/- ${name}`]);
    } finally {
      off();
    }
  });

  it('checks queries against the index configuration, as on gRPC', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'rest-indexes-'));
    const file = join(dir, 'firestore.indexes.json');
    await fs.writeFile(file, JSON.stringify({ indexes: [], fieldOverrides: [] }));
    const checked = new FirestoreEmulator({
      projectId: PROJECT,
      log: () => undefined,
      indexes: { file, log: () => undefined },
    });
    const p = await checked.listen('127.0.0.1', 0);
    try {
      const res = await fetch(`http://127.0.0.1:${p}/v1/${DOCS}:runQuery`, {
        method: 'POST',
        headers: OWNER,
        body: JSON.stringify({
          structuredQuery: {
            from: [{ collectionId: 'c' }],
            where: {
              fieldFilter: { field: { fieldPath: 'a' }, op: 'EQUAL', value: { integerValue: '1' } },
            },
            orderBy: [{ field: { fieldPath: 'b' } }],
          },
        }),
      });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error: Json };
      assert.equal(body.error.status, 'FAILED_PRECONDITION');
      assert.match(String(body.error.message), /requires an index/);
    } finally {
      await checked.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
