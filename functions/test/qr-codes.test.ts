// Standalone QR codes through the local stack: create, read, list, images with ETags, the PNG
// trigger, expiry (410 before any cleanup) and the hourly cleanup run twice and twice at once.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import functionsTest from 'firebase-functions-test';
import { Timestamp } from 'firebase-admin/firestore';
import { db } from '../src/data/firebase';
import { removeQrCode } from '../src/data/qrCodes';
import { bucket } from '../src/data/storage';
import { removeExpiredQrCodes as cleanupExpired } from '../src/data/qrCodes';
import { qrCodeCreated } from '../src/triggers/qrCodeCreated';
import { addMember, call, createOrg, newUser, unique } from './support/api';
import { decodePng, decodeSvg } from './support/qrDecode';
import { functionsOrigin } from './support/stack';
import { waitFor } from './support/wait';

type ErrorReply = { error: { code: string; message: string; details?: Record<string, unknown> } };
interface Created {
  qrId: string;
  data: string;
  tracked: boolean;
  scanUrl?: string;
  expiresAt?: string;
  imageUrl: string;
}

async function getBytes(path: string, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${functionsOrigin()}/demo-qr-assets/us-central1/api${path}`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Makes a code look expired, as time would. */
async function expire(orgId: string, qrId: string): Promise<void> {
  await db()
    .doc(`organizations/${orgId}/qrCodes/${qrId}`)
    .update({ expiresAt: Timestamp.fromMillis(Date.now() - 1000) });
}

describe('standalone QR codes', function () {
  this.timeout(60_000);
  let owner: SignedIn;
  let viewer: SignedIn;
  let orgId: string;

  before(async () => {
    owner = await newUser('owner');
    viewer = await newUser('viewer');
    orgId = await createOrg(owner);
    await addMember(orgId, owner, viewer, 'viewer');
  });

  const create = (body: unknown, token = owner.idToken) =>
    call<Created & ErrorReply>('POST', `/v1/orgs/${orgId}/qr-codes`, { token, body });

  it('a static code: 201 with its image route; the trigger stores a PNG that decodes to its data', async () => {
    const reply = await create({ data: 'WIFI:T:WPA;S:Lab;P:secret;;', label: 'Lab wifi' });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const { qrId, data, tracked, imageUrl } = reply.body;
    assert.deepEqual(
      { data, tracked, scanUrl: reply.body.scanUrl, expiresAt: reply.body.expiresAt },
      {
        data: 'WIFI:T:WPA;S:Lab;P:secret;;',
        tracked: false,
        scanUrl: undefined,
        expiresAt: undefined,
      },
    );
    assert.ok(imageUrl.endsWith(`/v1/orgs/${orgId}/qr-codes/${qrId}/image`));
    const doc = await waitFor(async () => {
      const snap = await db().doc(`organizations/${orgId}/qrCodes/${qrId}`).get();
      return snap.get('pngUrl') ? snap : undefined;
    });
    assert.equal(doc.get('pngPath'), `organizations/${orgId}/qrCodes/${qrId}/qr.png`);
    const png = await fetch(String(doc.get('pngUrl')));
    assert.equal(png.status, 200);
    assert.equal(decodePng(Buffer.from(await png.arrayBuffer())), data);
    const [meta] = await bucket()
      .file(String(doc.get('pngPath')))
      .getMetadata();
    assert.equal(meta.cacheControl, 'public, max-age=86400');
    assert.equal(meta.contentType, 'image/png');
  });

  it('a tracked, expiring code encodes its scan URL (an unguessable token) and says when it expires', async () => {
    const before = Date.now();
    const reply = await create({
      url: 'https://example.com/menu',
      tracked: true,
      expiresInHours: 24,
    });
    assert.equal(reply.status, 201);
    assert.match(reply.body.scanUrl ?? '', /\/s\/[A-Za-z0-9_-]{22}$/);
    assert.equal(reply.body.data, reply.body.scanUrl);
    const expires = Date.parse(reply.body.expiresAt ?? '');
    assert.ok(Math.abs(expires - (before + 24 * 3600_000)) < 10_000);
    const image = await getBytes(
      `/v1/orgs/${orgId}/qr-codes/${reply.body.qrId}/image`,
      viewer.idToken,
    );
    assert.equal(decodePng(image.bytes), reply.body.scanUrl);
  });

  it('refuses bad input, naming every field, and text too long for a code', async () => {
    const bad = await create({ url: 'ftp://x', tracked: 'yes', expiresInHours: 0, extra: 1 });
    assert.equal(bad.status, 400);
    const fields = ((bad.body.error.details?.errors ?? []) as Array<{ field: string }>)
      .map((e) => e.field)
      .sort();
    assert.deepEqual(fields, ['expiresInHours', 'extra', 'tracked', 'url']);
    for (const body of [
      {},
      { data: '' },
      { data: 'a', url: 'https://x.example' },
      { data: 'x', tracked: true },
      { url: 'https://x.example', expiresInHours: 8761 },
      { url: 'https://x.example', expiresInHours: 1.5 },
    ]) {
      const reply = await create(body);
      assert.equal(reply.status, 400, JSON.stringify(body));
    }
    const long = await create({ data: 'x'.repeat(3000) });
    assert.equal(long.status, 400);
    assert.match(long.body.error.message, /\d+/);
  });

  it('viewers read; editors and up create; others are refused', async () => {
    assert.equal((await create({ data: 'x' }, viewer.idToken)).status, 403);
    const made = await create({ data: 'hello' });
    const read = await call('GET', `/v1/orgs/${orgId}/qr-codes/${made.body.qrId}`, {
      token: viewer.idToken,
    });
    assert.equal(read.status, 200);
    assert.equal(read.body.data, 'hello');
    assert.equal(
      (
        await call('DELETE', `/v1/orgs/${orgId}/qr-codes/${made.body.qrId}`, {
          token: viewer.idToken,
        })
      ).status,
      403,
    );
    const outsider = await newUser('outsider');
    assert.equal(
      (
        await call('GET', `/v1/orgs/${orgId}/qr-codes/${made.body.qrId}`, {
          token: outsider.idToken,
        })
      ).status,
      403,
    );
    assert.equal(
      (await call('GET', `/v1/orgs/${orgId}/qr-codes/nope`, { token: viewer.idToken })).status,
      404,
    );
  });

  it('an expired code is 410 gone, before any cleanup ran, for metadata and image', async () => {
    const made = await create({ url: 'https://example.com', tracked: true, expiresInHours: 1 });
    await expire(orgId, made.body.qrId);
    const meta = await call<ErrorReply>('GET', `/v1/orgs/${orgId}/qr-codes/${made.body.qrId}`, {
      token: owner.idToken,
    });
    assert.equal(meta.status, 410);
    assert.equal(meta.body.error.code, 'gone');
    const image = await getBytes(
      `/v1/orgs/${orgId}/qr-codes/${made.body.qrId}/image`,
      owner.idToken,
    );
    assert.equal(image.res.status, 410);
    assert.ok((await db().doc(`organizations/${orgId}/qrCodes/${made.body.qrId}`).get()).exists);
  });

  it('lists newest first with cursor pagination, and expired=false leaves expired codes out', async () => {
    const org = await createOrg(owner);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await call<Created>('POST', `/v1/orgs/${org}/qr-codes`, {
        token: owner.idToken,
        body: { data: `code ${i}` },
      });
      ids.push(r.body.qrId);
    }
    await expire(org, ids[5]);
    await expire(org, ids[2]);
    const walk = async (query: string) => {
      const seen: string[] = [];
      let token: string | null = null;
      do {
        const qs: string = token ? `${query}&pageToken=${token}` : query;
        const page = await call<{ qrCodes: Array<{ qrId: string }>; nextPageToken: string | null }>(
          'GET',
          `/v1/orgs/${org}/qr-codes?${qs}`,
          { token: owner.idToken },
        );
        assert.equal(page.status, 200, JSON.stringify(page.body));
        assert.ok(page.body.qrCodes.length <= 2);
        seen.push(...page.body.qrCodes.map((c) => c.qrId));
        token = page.body.nextPageToken;
      } while (token);
      return seen;
    };
    assert.deepEqual(await walk('limit=2'), [...ids].reverse());
    assert.deepEqual(
      await walk('limit=2&expired=false'),
      [...ids].reverse().filter((id) => id !== ids[5] && id !== ids[2]),
    );
    for (const q of ['limit=0', 'limit=501', 'limit=abc', 'expired=maybe', 'pageToken=garbage']) {
      const r = await call('GET', `/v1/orgs/${org}/qr-codes?${q}`, { token: owner.idToken });
      assert.equal(r.status, 400, q);
    }
  });

  it('DELETE removes the document, its Storage objects and its scan token', async () => {
    const made = await create({ url: 'https://example.com/x', tracked: true });
    const path = `organizations/${orgId}/qrCodes/${made.body.qrId}/qr.png`;
    await waitFor(async () => (await bucket().file(path).exists())[0]);
    const token = String(made.body.scanUrl).split('/').pop() ?? '';
    assert.ok((await db().doc(`scanTokens/${token}`).get()).exists);
    const del = await call('DELETE', `/v1/orgs/${orgId}/qr-codes/${made.body.qrId}`, {
      token: owner.idToken,
    });
    assert.equal(del.status, 204);
    assert.equal((await bucket().file(path).exists())[0], false);
    assert.equal((await db().doc(`scanTokens/${token}`).get()).exists, false);
    assert.equal(
      (
        await call('DELETE', `/v1/orgs/${orgId}/qr-codes/${made.body.qrId}`, {
          token: owner.idToken,
        })
      ).status,
      404,
    );
  });

  describe('images on the fly', () => {
    let qrId: string;
    let text: string;
    before(async () => {
      const made = await create({ data: 'https://example.com/asset/42?ref=label' });
      qrId = made.body.qrId;
      text = made.body.data;
    });
    const image = (query: string, headers: Record<string, string> = {}) =>
      getBytes(`/v1/orgs/${orgId}/qr-codes/${qrId}/image${query}`, viewer.idToken, headers);

    it('PNG and SVG at any size, level, margin and colours decode to the text', async () => {
      for (const query of [
        '',
        '?size=101&ecc=H&margin=0',
        '?size=2000&ecc=L&margin=16',
        '?format=svg&size=333&ecc=Q',
        '?dark=1a237e&light=transparent',
        '?format=svg&dark=%23004d40&light=%23fffde7',
      ]) {
        const { res, bytes } = await image(query);
        assert.equal(res.status, 200, `${query}: ${bytes.toString()}`);
        const svg = query.includes('format=svg');
        assert.equal(
          res.headers.get('content-type'),
          svg ? 'image/svg+xml; charset=utf-8' : 'image/png',
        );
        assert.equal(svg ? decodeSvg(bytes.toString()) : decodePng(bytes), text, query);
      }
    });

    it('a strong ETag of exactly what goes into the image; If-None-Match is a 304 with no body', async () => {
      const first = await image('?size=300');
      const etag = first.res.headers.get('etag') ?? '';
      assert.match(etag, /^"[A-Za-z0-9_-]{43}"$/);
      assert.match(first.res.headers.get('cache-control') ?? '', /private, max-age=\d+/);
      const again = await image('?size=300', {
        'if-none-match': etag,
        'cache-control': 'no-cache',
      });
      assert.equal(again.res.status, 304);
      assert.equal(again.bytes.length, 0);
      assert.equal(again.res.headers.get('etag'), etag);
      const listed = await image('?size=300', { 'if-none-match': `"other", W/${etag}` });
      assert.equal(listed.res.status, 304);
      const other = await image('?size=301', { 'if-none-match': etag });
      assert.equal(other.res.status, 200);
      assert.notEqual(other.res.headers.get('etag'), etag);
      const svg = await image('?format=svg&size=300');
      assert.notEqual(svg.res.headers.get('etag'), etag);
    });

    it('download=true names the file', async () => {
      const { res } = await image('?download=true&format=svg');
      assert.match(
        res.headers.get('content-disposition') ?? '',
        /^attachment; filename="?qr-[A-Za-z0-9]+\.svg"?$/,
      );
    });

    it('every invalid option is a 400 that names it', async () => {
      const cases: Array<[string, string]> = [
        ['?size=99', 'size'],
        ['?size=2001', 'size'],
        ['?size=3e2', 'size'],
        ['?ecc=X', 'ecc'],
        ['?margin=17', 'margin'],
        ['?dark=red', 'dark'],
        ['?light=%23ggg000', 'light'],
        ['?dark=000000&light=000000', 'light'],
        ['?format=gif', 'format'],
        ['?download=maybe', 'download'],
        ['?size=100&size=200', 'size'],
      ];
      for (const [query, field] of cases) {
        const { res, bytes } = await image(query);
        assert.equal(res.status, 400, query);
        const body = JSON.parse(bytes.toString()) as ErrorReply;
        assert.equal(body.error.details?.field, field, query);
        assert.match(body.error.message, new RegExp(field), query);
      }
    });

    it('text too long for the chosen level is a 400 that says the limit', async () => {
      const made = await create({ data: 'y'.repeat(1500) });
      const { res, bytes } = await getBytes(
        `/v1/orgs/${orgId}/qr-codes/${made.body.qrId}/image?ecc=H`,
        owner.idToken,
      );
      assert.equal(res.status, 400);
      const body = JSON.parse(bytes.toString()) as ErrorReply;
      assert.equal(body.error.details?.limit, 1273);
      assert.match(body.error.message, /1273/);
    });
  });
});

describe('QR PNG trigger in isolation (firebase-functions-test)', () => {
  const fft = functionsTest(
    JSON.parse(process.env.FIREBASE_CONFIG ?? '{}') as { projectId: string },
  );
  const wrapped = fft.wrap(qrCodeCreated);
  after(() => fft.cleanup());

  it('a duplicated event uploads once, and both deliveries write the same URL', async () => {
    const orgId = unique('org');
    const qrId = unique('code');
    const path = `organizations/${orgId}/qrCodes/${qrId}`;
    // The document exists without a PNG, as the trigger first sees it (not written through the
    // host's trigger: straight into an event).
    await db().doc(path).set({ data: 'duplicate me' }, { merge: true });
    const event = {
      data: fft.firestore.makeDocumentSnapshot({ data: 'duplicate me' }, path),
      params: { orgId, qrId },
      id: unique('evt'),
      time: new Date().toISOString(),
    };
    // The host fired the real trigger for the write above too: three deliveries in all.
    await Promise.all([wrapped(event), wrapped(event)]);
    const [meta] = await bucket().file(`${path}/qr.png`).getMetadata();
    await wrapped(event);
    const [after] = await bucket().file(`${path}/qr.png`).getMetadata();
    assert.equal(after.generation, meta.generation, 'the object was not uploaded again');
    const url = String((await db().doc(path).get()).get('pngUrl'));
    assert.ok(url.includes(String(meta.metadata?.firebaseStorageDownloadTokens)));
    assert.equal(decodePng(Buffer.from(await (await fetch(url)).arrayBuffer())), 'duplicate me');
  });

  it('a code deleted before its PNG was stored leaves no object behind', async () => {
    const orgId = unique('org');
    const qrId = unique('code');
    const path = `organizations/${orgId}/qrCodes/${qrId}`;
    await wrapped({
      data: fft.firestore.makeDocumentSnapshot({ data: 'gone already' }, path),
      params: { orgId, qrId },
      time: new Date().toISOString(),
    });
    assert.equal((await bucket().file(`${path}/qr.png`).exists())[0], false);
  });
});

describe('hourly cleanup of expired codes', function () {
  this.timeout(60_000);
  let owner: SignedIn;

  before(async () => {
    owner = await newUser('owner');
  });

  async function expiredCodes(orgId: string, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await call<Created>('POST', `/v1/orgs/${orgId}/qr-codes`, {
        token: owner.idToken,
        body: { url: `https://example.com/${i}`, tracked: true, expiresInHours: 1 },
      });
      ids.push(r.body.qrId);
    }
    for (const id of ids) {
      await waitFor(
        async () =>
          (await bucket().file(`organizations/${orgId}/qrCodes/${id}/qr.png`).exists())[0],
      );
      await expire(orgId, id);
    }
    return ids;
  }

  it('removes expired codes of every organisation with their objects and tokens; keeps the rest', async () => {
    const a = await createOrg(owner);
    const b = await createOrg(owner);
    const gone = [
      ...(await expiredCodes(a, 3)).map((id) => [a, id]),
      ...(await expiredCodes(b, 2)).map((id) => [b, id]),
    ];
    const kept = await call<Created>('POST', `/v1/orgs/${a}/qr-codes`, {
      token: owner.idToken,
      body: { data: 'keep', expiresInHours: 5 },
    });
    const forever = await call<Created>('POST', `/v1/orgs/${a}/qr-codes`, {
      token: owner.idToken,
      body: { data: 'forever' },
    });
    // Through the functions host, as Cloud Scheduler would run it.
    const run = await fetch(`${functionsOrigin()}/_schedules/cleanupExpiredQrCodes/run`, {
      method: 'POST',
    });
    assert.equal(run.status, 200, await run.text());
    for (const [org, id] of gone) {
      assert.equal((await db().doc(`organizations/${org}/qrCodes/${id}`).get()).exists, false);
      assert.equal(
        (await bucket().file(`organizations/${org}/qrCodes/${id}/qr.png`).exists())[0],
        false,
      );
    }
    const tokens = await db().collection('scanTokens').where('orgId', 'in', [a, b]).get();
    assert.equal(tokens.size, 0);
    for (const id of [kept.body.qrId, forever.body.qrId]) {
      assert.ok((await db().doc(`organizations/${a}/qrCodes/${id}`).get()).exists);
    }
    const again = await cleanupExpired();
    assert.equal(again.removed, 0);
  });

  it('two runs at once remove each code once and fail on nothing', async () => {
    const org = await createOrg(owner);
    const ids = await expiredCodes(org, 6);
    // Both resolve: neither run fails on what the other removed.
    await Promise.all([cleanupExpired(), cleanupExpired()]);
    for (const id of ids) {
      assert.equal((await db().doc(`organizations/${org}/qrCodes/${id}`).get()).exists, false);
      assert.equal(
        (await bucket().file(`organizations/${org}/qrCodes/${id}/qr.png`).exists())[0],
        false,
      );
    }
  });

  it('of two removals racing for one code, exactly one removes it', async () => {
    const org = await createOrg(owner);
    const [id] = await expiredCodes(org, 1);
    const snap = await db().doc(`organizations/${org}/qrCodes/${id}`).get();
    const results = await Promise.all([
      removeQrCode(org, snap),
      removeQrCode(org, snap),
      removeQrCode(org, snap),
    ]);
    assert.deepEqual(results.sort(), [false, false, true]);
  });
});
