// The organisation's business QR through the local stack: its image (a tracked scan URL made
// once, with ETag and 304), where its scans land (a page with the name, then the businessUrl an
// admin sets, whose host tracked codes may then redirect to at once), its timeline and records.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { addMember, call, createOrg, newUser } from './support/api';
import { decodePng } from './support/qrDecode';
import { checkReply } from './support/replyCheck';
import { functionUrl } from './support/stack';
import { AGENTS } from './support/scanAgents';

let address = 1;
const newAddress = () => `198.18.0.${address++}`;

async function scan(scanUrl: string, headers: Record<string, string> = {}) {
  const path = new URL(scanUrl).pathname.replace(/^.*\/s\//, '/s/');
  const res = await fetch(`${functionUrl('api')}${path}`, {
    redirect: 'manual',
    headers: { 'x-forwarded-for': newAddress(), 'user-agent': AGENTS.iphone, ...headers },
  });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  await checkReply('GET', path, res.status, type, /json/.test(type) ? JSON.parse(text) : text);
  return { status: res.status, text, location: res.headers.get('location') };
}

describe('business QR', function () {
  this.timeout(60_000);
  let owner: SignedIn;
  let editor: SignedIn;
  let viewer: SignedIn;
  let analyst: SignedIn;
  let orgId: string;

  before(async () => {
    [owner, editor, viewer, analyst] = await Promise.all(
      ['owner', 'editor', 'viewer', 'analyst'].map((r) => newUser(r)),
    );
    orgId = await createOrg(owner, 'Café <Zürich>');
    await addMember(orgId, owner, editor, 'editor');
    await addMember(orgId, owner, viewer, 'viewer');
    await addMember(orgId, owner, analyst, 'analyst');
  });

  const image = async (token: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${functionUrl('api')}/v1/orgs/${orgId}/qr-business/image`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
    return {
      status: res.status,
      etag: res.headers.get('etag'),
      body: Buffer.from(await res.arrayBuffer()),
    };
  };

  it('its image encodes one tracked scan URL that never changes; ETag and 304; viewers may fetch it', async () => {
    const first = await image(viewer.idToken);
    assert.equal(first.status, 200);
    const url = decodePng(first.body);
    assert.match(url, /\/s\/[A-Za-z0-9_-]{22}$/);
    const [a, b] = await Promise.all([image(owner.idToken), image(editor.idToken)]);
    assert.equal(decodePng(a.body), url);
    assert.equal(decodePng(b.body), url, 'concurrent first calls made one token');
    const cached = await image(viewer.idToken, { 'if-none-match': first.etag ?? '' });
    assert.equal(cached.status, 304);
    const svg = await call<string>('GET', `/v1/orgs/${orgId}/qr-business/image?format=svg`, {
      token: viewer.idToken,
    });
    assert.equal(svg.status, 200);
    assert.equal((await call('GET', `/v1/orgs/${orgId}/qr-business/image`)).status, 401);
  });

  it('lands on a page with the name, then on the businessUrl an admin sets; its host is allowed for tracked codes', async () => {
    const url = decodePng((await image(owner.idToken)).body);
    const page = await scan(url, { accept: 'text/html' });
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>Café &#60;Zürich&#62;<\/h1>/);

    const path = `/v1/orgs/${orgId}`;
    const http = await call('PATCH', path, {
      token: owner.idToken,
      body: { businessUrl: 'http://shop.example.com/' },
    });
    assert.equal(http.status, 400, 'https only');
    const byEditor = await call('PATCH', path, {
      token: editor.idToken,
      body: { businessUrl: 'https://shop.example.com/' },
    });
    assert.equal(byEditor.status, 403, 'admins set it');
    const set = await call<{ businessUrl: string }>('PATCH', path, {
      token: owner.idToken,
      body: { businessUrl: 'https://shop.example.com/welcome' },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.businessUrl, 'https://shop.example.com/welcome');
    const landed = await scan(url);
    assert.equal(landed.status, 302);
    assert.equal(landed.location, 'https://shop.example.com/welcome');

    // A new organisation allows no host; a tracked code to the business's host still goes straight.
    const code = await call<{ scanUrl: string }>('POST', `${path}/qr-codes`, {
      token: editor.idToken,
      body: { url: 'https://shop.example.com/sale', tracked: true },
    });
    assert.equal(code.status, 201);
    const direct = await scan(code.body.scanUrl);
    assert.equal(direct.status, 302);
    const elsewhere = await call<{ scanUrl: string }>('POST', `${path}/qr-codes`, {
      token: editor.idToken,
      body: { url: 'https://other.example.net/', tracked: true },
    });
    assert.equal(
      (await scan(elsewhere.body.scanUrl, { accept: 'text/html' })).status,
      200,
      'interstitial',
    );

    const cleared = await call<{ businessUrl: string | null }>('PATCH', path, {
      token: owner.idToken,
      body: { businessUrl: null },
    });
    assert.equal(cleared.body.businessUrl, null);
    assert.equal((await scan(url, { accept: 'text/html' })).status, 200);
  });

  it('its scans are counted and recorded: timeline for analysts and up', async () => {
    const url = decodePng((await image(owner.idToken)).body);
    const before = await call<{ total: number }>('GET', `/v1/orgs/${orgId}/qr-business/timeline`, {
      token: analyst.idToken,
    });
    assert.equal(before.status, 200);
    await scan(url);
    await scan(url, { 'user-agent': AGENTS.slack });
    const after = await call<{ total: number; humans: number; bots: number }>(
      'GET',
      `/v1/orgs/${orgId}/qr-business/timeline?period=7d`,
      { token: analyst.idToken },
    );
    assert.equal(after.body.total, before.body.total + 2);
    assert.ok(after.body.bots >= 1);
    const viewerTry = await call('GET', `/v1/orgs/${orgId}/qr-business/timeline`, {
      token: viewer.idToken,
    });
    assert.equal(viewerTry.status, 403);
    const analytics = await call<{ topCodes: { subject: { kind: string; id: string } }[] }>(
      'GET',
      `/v1/orgs/${orgId}/analytics`,
      { token: analyst.idToken },
    );
    assert.ok(
      analytics.body.topCodes.some((c) => c.subject.kind === 'business' && c.subject.id === orgId),
    );
  });
});
