// The equipment routes through the local stack: create (with Idempotency-Key), read, list with
// filters and pages, change, delete (with the item's Storage objects and scan token), regenerate,
// roles and other organisations, and the order of fixed and asset-id routes.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { db } from '../src/data/firebase';
import { addMember, call, newUser, unique } from './support/api';
import {
  assertQrStored,
  decodePng,
  equipmentDoc,
  objectExists,
  orgWithLocations,
  qrPngPath,
  storedObject,
  waitForQr,
} from './support/equipment';
import { documentReads, functionUrl } from './support/stack';

type ErrorReply = { error: { code: string; message: string; details?: Record<string, unknown> } };
type Item = Record<string, unknown> & { assetId: string };
type Page = { equipment: Item[]; nextPageToken: string | null };

describe('equipment API', function () {
  this.timeout(60_000);
  let owner: SignedIn;
  let orgId: string;
  const base = () => `/v1/orgs/${orgId}/equipment`;

  before(async () => {
    owner = await newUser('eq-owner');
    orgId = await orgWithLocations(owner);
  });

  async function create(body: Record<string, unknown>, headers: Record<string, string> = {}) {
    return call<{ assetId: string; qrCodeGenerating: boolean } & ErrorReply>('POST', base(), {
      token: owner.idToken,
      body,
      headers,
    });
  }

  it('creates an item (201 at once), and the trigger gives it a QR code that decodes', async () => {
    const reply = await create({
      name: '  Sony A7 III ',
      category: 'camera',
      serialNumber: 'SN-1',
      location: 'wood shop',
      notes: '=SUM(A1)\n  kept as written ',
    });
    assert.equal(reply.status, 201);
    assert.equal(reply.body.qrCodeGenerating, true);
    assert.match(reply.body.assetId, /^CAMERA_[0-9a-z]{8}$/);
    const item = await call<Item>('GET', `${base()}/${reply.body.assetId}`, {
      token: owner.idToken,
    });
    assert.equal(item.status, 200);
    assert.equal(item.body.name, 'Sony A7 III');
    assert.equal(item.body.category, 'CAMERA');
    assert.equal(item.body.locationId, 'wood-shop');
    assert.equal(item.body.notes, '=SUM(A1)\n  kept as written ');
    assert.equal(item.body.source, 'api');
    assert.equal(item.body.createdBy, owner.uid);
    // The item lists its tag codes (tags.test.ts assigns some); a new item has none.
    assert.deepEqual(item.body.tags, []);
    await assertQrStored(orgId, reply.body.assetId);
    // The on-demand image route encodes the same URL as the stored PNG.
    const png = await fetch(`${functionUrl('api')}${base()}/${reply.body.assetId}/qr`, {
      headers: { authorization: `Bearer ${owner.idToken}` },
    });
    assert.equal(png.status, 200);
    const data = (await equipmentDoc(orgId, reply.body.assetId).get()).data();
    assert.equal(decodePng(Buffer.from(await png.arrayBuffer())), data?.scanUrl);
  });

  it('the image route reads the item without a transaction once it has its token, and a 304 writes nothing', async () => {
    const reply = await create({ name: 'Tripod', category: 'TRIPOD' });
    const assetId = reply.body.assetId;
    await waitForQr(orgId, assetId);
    const path = `organizations/${orgId}/equipment/${assetId}`;
    const url = `${functionUrl('api')}${base()}/${assetId}/qr`;
    const auth = { authorization: `Bearer ${owner.idToken}` };
    const before = await documentReads(path);
    const updated = (await equipmentDoc(orgId, assetId).get()).updateTime;
    const first = await fetch(url, { headers: auth });
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag') ?? '';
    const again = await fetch(url, { headers: { ...auth, 'if-none-match': etag } });
    assert.equal(again.status, 304);
    const after = await documentReads(path);
    assert.equal(
      after.transactionalReads,
      before.transactionalReads,
      'no transaction locked the item',
    );
    // Only the read this test made for updateTime: a scan URL never changes, so the instance
    // keeps it (issue 27), and the local host's one instance learned it when the item's QR
    // trigger made the stored PNG. Neither the 200 nor the 304 reads the item.
    assert.equal(after.reads - before.reads, 1);
    const now = (await equipmentDoc(orgId, assetId).get()).updateTime;
    assert.ok(updated && now?.isEqual(updated), 'the item was not written');
  });

  it('names every invalid field in details', async () => {
    const reply = await create({
      name: 'x'.repeat(201),
      category: 'SPACESHIP',
      imageUrl: 'ftp://example.com/a.png',
      serialNumber: 'y'.repeat(101),
      colour: 'red',
    });
    assert.equal(reply.status, 400);
    const fields = (reply.body.error.details?.errors as { field: string }[]).map((e) => e.field);
    assert.deepEqual(fields.sort(), ['category', 'colour', 'imageUrl', 'name', 'serialNumber']);
  });

  it('refuses an unknown location, and 409 for an asset id that is taken', async () => {
    const unknown = await create({ name: 'Lens', category: 'LENS', location: 'Moon base' });
    assert.equal(unknown.status, 400);
    assert.equal((unknown.body.error.details?.errors as { field: string }[])[0].field, 'location');
    const badId = await create({ name: 'Lens', category: 'LENS', locationId: 'nowhere' });
    assert.equal(badId.status, 400);
    const assetId = unique('LENS');
    assert.equal((await create({ name: 'Lens', category: 'LENS', assetId })).status, 201);
    const again = await create({ name: 'Other', category: 'LENS', assetId });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'conflict');
  });

  it('Idempotency-Key: a retry gets the first reply, a different body with the key 422', async () => {
    const key = unique('key');
    const body = { name: 'Rode NTG', category: 'AUDIO', brand: 'Rode' };
    const replies = await Promise.all([
      create(body, { 'Idempotency-Key': key }),
      create({ brand: 'Rode', category: 'AUDIO', name: 'Rode NTG' }, { 'Idempotency-Key': key }),
    ]);
    assert.deepEqual(
      replies.map((r) => r.status),
      [201, 201],
    );
    assert.equal(replies[0].body.assetId, replies[1].body.assetId);
    const third = await create(body, { 'Idempotency-Key': key });
    assert.equal(third.status, 201);
    assert.equal(third.body.assetId, replies[0].body.assetId);
    assert.equal(third.headers.get('idempotent-replayed'), 'true');
    const items = await db()
      .collection(`organizations/${orgId}/equipment`)
      .where('name', '==', 'Rode NTG')
      .get();
    assert.equal(items.size, 1);

    const badKey = await create(body, { 'Idempotency-Key': 'x'.repeat(256) });
    assert.equal(badKey.status, 400);
    const changed = await create({ ...body, name: 'Rode NTG 2' }, { 'Idempotency-Key': key });
    assert.equal(changed.status, 422);
    assert.equal(changed.body.error.code, 'unprocessable');
    // Another caller's key is another key.
    const editor = await newUser('eq-editor');
    await addMember(orgId, owner, editor, 'editor');
    const other = await call<{ assetId: string }>('POST', base(), {
      token: editor.idToken,
      body,
      headers: { 'Idempotency-Key': key },
    });
    assert.equal(other.status, 201);
    assert.notEqual(other.body.assetId, replies[0].body.assetId);
  });

  it('patches fields (null clears), 404 for an unknown item', async () => {
    const { body } = await create({ name: 'Tripod', category: 'TRIPOD', brand: 'Manfrotto' });
    const patched = await call<Item>('PATCH', `${base()}/${body.assetId}`, {
      token: owner.idToken,
      body: { brand: null, model: '055', location: 'TOOL CRIB', category: 'accessory' },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.brand, null);
    assert.equal(patched.body.model, '055');
    assert.equal(patched.body.locationId, 'tool-crib');
    assert.equal(patched.body.category, 'ACCESSORY');
    const cleared = await call<Item>('PATCH', `${base()}/${body.assetId}`, {
      token: owner.idToken,
      body: { locationId: null },
    });
    assert.equal(cleared.body.locationId, null);
    const bad = await call<ErrorReply>('PATCH', `${base()}/${body.assetId}`, {
      token: owner.idToken,
      body: { assetId: 'X', name: '' },
    });
    assert.equal(bad.status, 400);
    const missing = await call('PATCH', `${base()}/NOPE_12345678`, {
      token: owner.idToken,
      body: { name: 'x' },
    });
    assert.equal(missing.status, 404);
  });

  it('deletes an item with its PNG and scan token', async () => {
    const { body } = await create({ name: 'Drive', category: 'STORAGE' });
    const data = await waitForQr(orgId, body.assetId);
    assert.ok(await objectExists(qrPngPath(orgId, body.assetId)));
    const reply = await call('DELETE', `${base()}/${body.assetId}`, { token: owner.idToken });
    assert.equal(reply.status, 204);
    assert.equal(reply.body, '');
    assert.equal((await equipmentDoc(orgId, body.assetId).get()).exists, false);
    assert.equal(await objectExists(qrPngPath(orgId, body.assetId)), false);
    assert.equal(
      (
        await db()
          .doc(`scanTokens/${String(data.scanToken)}`)
          .get()
      ).exists,
      false,
    );
    const scan = await fetch(`${functionUrl('api')}/s/${String(data.scanToken)}`, {
      redirect: 'manual',
    });
    assert.equal(scan.status, 404);
    assert.equal(
      (await call('DELETE', `${base()}/${body.assetId}`, { token: owner.idToken })).status,
      404,
    );
  });

  it('regenerates a code now, replacing the PNG; the scan URL stays', async () => {
    const { body } = await create({ name: 'Light', category: 'LIGHTING' });
    const first = await waitForQr(orgId, body.assetId);
    const reply = await call<{ assetId: string; qrCodeUrl: string; scanUrl: string }>(
      'POST',
      `${base()}/${body.assetId}/generate-qr`,
      { token: owner.idToken },
    );
    assert.equal(reply.status, 200);
    assert.equal(reply.body.scanUrl, first.scanUrl);
    assert.notEqual(reply.body.qrCodeUrl, first.qrCodeUrl);
    const { bytes } = await storedObject(qrPngPath(orgId, body.assetId));
    assert.equal(decodePng(bytes), first.scanUrl);
    const after = (await equipmentDoc(orgId, body.assetId).get()).data();
    assert.equal(after?.qrCodeUrl, reply.body.qrCodeUrl);
    const none = await call('POST', `${base()}/NOPE_12345678/generate-qr`, {
      token: owner.idToken,
    });
    assert.equal(none.status, 404);
  });

  it('lists with filters (category, locationId, qr) and opaque page tokens', async () => {
    const listOrg = await orgWithLocations(owner, 'List org');
    const path = `/v1/orgs/${listOrg}/equipment`;
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      const reply = await call<{ assetId: string }>('POST', path, {
        token: owner.idToken,
        body: {
          name: `Item ${i}`,
          category: i < 4 ? 'LENS' : 'AUDIO',
          ...(i % 2 === 0 ? { locationId: 'wood-shop' } : {}),
        },
      });
      made.push(reply.body.assetId);
    }
    // A failed code, as the trigger leaves it after its last attempt.
    const failedId = made[6];
    await Promise.all(made.map((id) => waitForQr(listOrg, id)));
    await db()
      .doc(`organizations/${listOrg}/equipment/${failedId}`)
      .update({ qrStatus: 'failed', qrCodeGenerated: false, qrCodeError: 'test' });

    const seen: string[] = [];
    let token: string | null = null;
    do {
      const query: string = token ? `&pageToken=${token}` : '';
      const page: { status: number; body: Page } = await call<Page>(
        'GET',
        `${path}?limit=3${query}`,
        { token: owner.idToken },
      );
      assert.equal(page.status, 200);
      assert.ok(page.body.equipment.length <= 3);
      seen.push(...page.body.equipment.map((e) => e.assetId));
      token = page.body.nextPageToken;
    } while (token);
    assert.deepEqual(seen, [...made].sort());

    const ids = async (query: string) =>
      (await call<Page>('GET', `${path}?${query}`, { token: owner.idToken })).body.equipment
        .map((e) => e.assetId)
        .sort();
    assert.deepEqual(await ids('category=lens'), made.slice(0, 4).sort());
    assert.deepEqual(
      await ids('locationId=wood-shop'),
      [made[0], made[2], made[4], made[6]].sort(),
    );
    assert.deepEqual(await ids('category=AUDIO&locationId=wood-shop'), [made[4], made[6]].sort());
    assert.deepEqual(await ids('qr=failed'), [failedId]);
    assert.deepEqual(await ids('qr=ready&category=AUDIO'), [made[4], made[5]].sort());
    assert.deepEqual(await ids('qr=missing'), []);

    const bad = await call<ErrorReply>('GET', `${path}?qr=maybe`, { token: owner.idToken });
    assert.equal(bad.status, 400);
    const tooMany = await call('GET', `${path}?limit=501`, { token: owner.idToken });
    assert.equal(tooMany.status, 400);
    const forged = await call('GET', `${path}?pageToken=abc`, { token: owner.idToken });
    assert.equal(forged.status, 400);
    const page1 = await call<Page>('GET', `${path}?limit=1&category=LENS`, {
      token: owner.idToken,
    });
    const mixed = await call('GET', `${path}?pageToken=${page1.body.nextPageToken}`, {
      token: owner.idToken,
    });
    assert.equal(mixed.status, 400);
  });

  it('fixed paths are not captured by /equipment/:assetId', async () => {
    const exported = await call('GET', `${base()}/export.csv`, { token: owner.idToken });
    assert.equal(exported.status, 200);
    assert.match(String(exported.headers.get('content-type')), /text\/csv/);
    const job = await call<ErrorReply>('GET', `${base()}/qr-jobs/nope`, { token: owner.idToken });
    assert.equal(job.status, 404);
    assert.match(job.body.error.message, /QR job/);
    const upload = await call<ErrorReply>('POST', `${base()}/bulk-upload`, {
      token: owner.idToken,
      body: { file: 'x' },
    });
    assert.equal(upload.status, 415);
  });

  it('roles: a viewer reads but cannot write; another organisation is refused', async () => {
    const viewer = await newUser('eq-viewer');
    await addMember(orgId, owner, viewer, 'viewer');
    assert.equal((await call('GET', base(), { token: viewer.idToken })).status, 200);
    const denied = await call('POST', base(), {
      token: viewer.idToken,
      body: { name: 'x', category: 'OTHER' },
    });
    assert.equal(denied.status, 403);
    for (const path of ['/bulk-upload', '/batch-generate-qr', '/OTHER_12345678/generate-qr']) {
      assert.equal(
        (await call('POST', `${base()}${path}`, { token: viewer.idToken, body: {} })).status,
        403,
      );
    }
    const stranger = await newUser('eq-stranger');
    assert.equal((await call('GET', base(), { token: stranger.idToken })).status, 403);
    assert.equal(
      (await call('GET', `${base()}/export.csv`, { token: stranger.idToken })).status,
      403,
    );
    assert.equal((await call('GET', base())).status, 401);
  });
});
