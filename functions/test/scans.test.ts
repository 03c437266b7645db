// Scans and their timelines through the local stack: /s/{token} for tracked codes and equipment,
// per-day counters in the organisation's time zone, timelines, and the rate limits.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { db } from '../src/data/firebase';
import { recordScan } from '../src/data/scans';
import { dayKey } from '../src/domain/timeline';
import { addMember, call, createOrg, newUser, unique } from './support/api';
import { decodePng } from './support/qrDecode';
import { functionUrl } from './support/stack';

type Timeline = {
  period: string;
  granularity: string;
  timeZone: string;
  points: Array<{ date: string; scans: number }>;
  total: number;
};

let address = 1;
/** A client address of its own for each scanner, so the per-address limit is per test. */
const newAddress = () => `198.51.100.${address++}`;

async function scan(scanUrl: string, headers: Record<string, string> = {}) {
  const path = new URL(scanUrl).pathname.replace(/^.*\/s\//, '/s/');
  return fetch(`${functionUrl('api')}${path}`, {
    redirect: 'manual',
    headers: { 'x-forwarded-for': newAddress(), ...headers },
  });
}

function daysAgo(days: number, timeZone: string): string {
  return dayKey(new Date(Date.now() - days * 86_400_000), timeZone);
}

describe('scans', function () {
  this.timeout(60_000);
  let owner: SignedIn;
  let analyst: SignedIn;
  let viewer: SignedIn;
  let orgId: string;
  const timeZone = 'Pacific/Kiritimati'; // UTC+14: its day starts 14 hours before UTC's

  before(async () => {
    owner = await newUser('owner');
    analyst = await newUser('analyst');
    viewer = await newUser('viewer');
    orgId = await createOrg(owner);
    await call('PATCH', `/v1/orgs/${orgId}`, { token: owner.idToken, body: { timeZone } });
    await addMember(orgId, owner, analyst, 'analyst');
    await addMember(orgId, owner, viewer, 'viewer');
  });

  const tracked = async (url = 'https://example.com/landing', expiresInHours?: number) => {
    const r = await call<{ qrId: string; scanUrl: string }>('POST', `/v1/orgs/${orgId}/qr-codes`, {
      token: owner.idToken,
      body: { url, tracked: true, expiresInHours },
    });
    assert.equal(r.status, 201);
    return r.body;
  };

  it('a tracked code redirects (302) to its url, and counts the scan for today in the organisation’s zone', async () => {
    const code = await tracked('https://example.com/landing?x=1');
    for (let i = 0; i < 3; i++) {
      const res = await scan(code.scanUrl);
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), 'https://example.com/landing?x=1');
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
    const timeline = await call<Timeline>(
      'GET',
      `/v1/orgs/${orgId}/qr-codes/${code.qrId}/timeline?period=7d`,
      {
        token: analyst.idToken,
      },
    );
    assert.equal(timeline.status, 200);
    assert.equal(timeline.body.timeZone, timeZone);
    assert.equal(timeline.body.points.length, 7);
    assert.deepEqual(timeline.body.points.at(-1), { date: dayKey(new Date(), timeZone), scans: 3 });
    assert.equal(timeline.body.total, 3);
    const ours = (
      await db().collection(`organizations/${orgId}/qrCodes/${code.qrId}/scanDays`).get()
    ).docs;
    assert.ok(ours.length >= 1);
    for (const doc of ours)
      assert.deepEqual(Object.keys(doc.data()).sort(), ['date', 'scans'], 'no address is stored');
  });

  it('a burst of concurrent scans on one code loses none', async () => {
    const code = await tracked();
    const replies = await Promise.all(Array.from({ length: 40 }, () => scan(code.scanUrl)));
    assert.ok(replies.every((r) => r.status === 302));
    const timeline = await call<Timeline>(
      'GET',
      `/v1/orgs/${orgId}/qr-codes/${code.qrId}/timeline?period=7d`,
      {
        token: analyst.idToken,
      },
    );
    assert.equal(timeline.body.total, 40);
  });

  it('unknown tokens are 404; an expired code is 410; a person gets a page, a script JSON', async () => {
    const missing = await fetch(`${functionUrl('api')}/s/${'A'.repeat(22)}`, {
      headers: { accept: 'application/json', 'x-forwarded-for': newAddress() },
    });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'not_found');
    const garbage = await fetch(`${functionUrl('api')}/s/..%2F..%2Fetc`, {
      headers: { 'x-forwarded-for': newAddress() },
    });
    assert.equal(garbage.status, 404);
    const code = await tracked('https://example.com/promo', 1);
    await db()
      .doc(`organizations/${orgId}/qrCodes/${code.qrId}`)
      .update({ expiresAt: new Date(Date.now() - 1000) });
    const expired = await scan(code.scanUrl, { accept: 'text/html' });
    assert.equal(expired.status, 410);
    assert.match(expired.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await expired.text(), /expired/);
  });

  describe('equipment', () => {
    let assetId: string;
    before(async () => {
      assetId = unique('CAMERA');
      await db()
        .doc(`organizations/${orgId}/equipment/${assetId}`)
        .set({ name: 'Sony <A7> "IV"', category: 'CAMERA' });
    });

    it('its QR image works from the document alone, and encodes a scan URL that lands on a minimal page', async () => {
      const res = await fetch(
        `${functionUrl('api')}/v1/orgs/${orgId}/equipment/${assetId}/qr?size=400`,
        {
          headers: { authorization: `Bearer ${viewer.idToken}` },
        },
      );
      assert.equal(res.status, 200);
      const scanUrl = decodePng(Buffer.from(await res.arrayBuffer()));
      assert.match(scanUrl, /\/s\/[A-Za-z0-9_-]{22}$/);
      assert.equal(
        (await db().doc(`organizations/${orgId}/equipment/${assetId}`).get()).get('scanUrl'),
        scanUrl,
      );
      const page = await scan(scanUrl);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /Sony &#60;A7&#62; &#34;IV&#34;/);
      assert.ok(html.includes(assetId));
      assert.doesNotMatch(html, /<A7>/);
      // The same URL on a second image request: printed labels never change.
      const again = await fetch(`${functionUrl('api')}/v1/orgs/${orgId}/equipment/${assetId}/qr`, {
        headers: { authorization: `Bearer ${viewer.idToken}` },
      });
      assert.equal(decodePng(Buffer.from(await again.arrayBuffer())), scanUrl);
    });

    it('with assetUrlTemplate set, a scan redirects there with the asset id', async () => {
      const org = await createOrg(owner);
      await call('PATCH', `/v1/orgs/${org}`, {
        token: owner.idToken,
        body: { assetUrlTemplate: 'https://inventory.example.com/a/{assetId}?from=qr' },
      });
      await db()
        .doc(`organizations/${org}/equipment/LENS_x1`)
        .set({ name: 'Lens', category: 'LENS' });
      const img = await fetch(`${functionUrl('api')}/v1/orgs/${org}/equipment/LENS_x1/qr`, {
        headers: { authorization: `Bearer ${owner.idToken}` },
      });
      const res = await scan(decodePng(Buffer.from(await img.arrayBuffer())));
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), 'https://inventory.example.com/a/LENS_x1?from=qr');
      const timeline = await call<Timeline>(
        'GET',
        `/v1/orgs/${org}/equipment/LENS_x1/timeline?period=30d`,
        { token: owner.idToken },
      );
      assert.equal(timeline.status, 200);
      assert.equal(timeline.body.total, 1);
      assert.equal(timeline.body.points.length, 30);
    });

    it('the image and timeline of a missing item are 404', async () => {
      const res = await call('GET', `/v1/orgs/${orgId}/equipment/NOPE_1/qr`, {
        token: viewer.idToken,
      });
      assert.equal(res.status, 404);
      const t = await call('GET', `/v1/orgs/${orgId}/equipment/NOPE_1/timeline`, {
        token: analyst.idToken,
      });
      assert.equal(t.status, 404);
    });
  });

  describe('timelines', () => {
    it('days in the organisation’s zone with gaps filled; 1y in ISO weeks; SVG; analyst and up', async () => {
      const code = await tracked();
      const target = { orgId, kind: 'qrCode' as const, id: code.qrId };
      await recordScan(target, daysAgo(0, timeZone));
      await recordScan(target, daysAgo(2, timeZone));
      await recordScan(target, daysAgo(2, timeZone));
      await recordScan(target, daysAgo(40, timeZone));
      await recordScan(target, daysAgo(400, timeZone));
      const get = (query: string, token = analyst.idToken) =>
        call<Timeline>('GET', `/v1/orgs/${orgId}/qr-codes/${code.qrId}/timeline${query}`, {
          token,
        });

      const week = await get('?period=7d');
      assert.deepEqual(
        week.body.points.map((p) => p.scans),
        [0, 0, 0, 0, 2, 0, 1],
      );
      assert.equal(week.body.points[6].date, daysAgo(0, timeZone));
      assert.equal(week.body.granularity, 'day');
      assert.equal((await get('?period=30d')).body.total, 3);
      assert.equal((await get('?period=90d')).body.points.length, 90);
      assert.equal((await get('?period=90d')).body.total, 4);
      const year = await get('?period=1y');
      assert.equal(year.body.granularity, 'week');
      assert.ok(
        year.body.points.length === 53 || year.body.points.length === 54,
        String(year.body.points.length),
      );
      for (const p of year.body.points)
        assert.equal(new Date(`${p.date}T00:00:00Z`).getUTCDay(), 1, 'weeks start on Monday');
      assert.equal(year.body.total, 4);

      const svg = await fetch(
        `${functionUrl('api')}/v1/orgs/${orgId}/qr-codes/${code.qrId}/timeline?period=7d&format=svg`,
        {
          headers: { authorization: `Bearer ${analyst.idToken}` },
        },
      );
      assert.equal(svg.status, 200);
      assert.match(svg.headers.get('content-type') ?? '', /image\/svg\+xml/);
      const text = await svg.text();
      assert.equal((text.match(/<rect /g) ?? []).length >= 7, true);
      assert.doesNotMatch(text, /<script/);

      assert.equal((await get('?period=7d', viewer.idToken)).status, 403);
      assert.equal((await get('?period=2w')).status, 400);
      assert.equal((await get('?format=png')).status, 400);
    });

    it('an expired code keeps its history', async () => {
      const code = await tracked('https://example.com', 1);
      await recordScan({ orgId, kind: 'qrCode', id: code.qrId }, daysAgo(1, timeZone));
      await db()
        .doc(`organizations/${orgId}/qrCodes/${code.qrId}`)
        .update({ expiresAt: new Date(Date.now() - 1000) });
      const t = await call<Timeline>(
        'GET',
        `/v1/orgs/${orgId}/qr-codes/${code.qrId}/timeline?period=7d`,
        { token: analyst.idToken },
      );
      assert.equal(t.status, 200);
      assert.equal(t.body.total, 1);
    });
  });

  describe('rate limits', () => {
    it('/s/ refuses one address beyond its burst with 429 and Retry-After; other addresses go on', async () => {
      const code = await tracked();
      const me = newAddress();
      const replies = await Promise.all(
        Array.from({ length: 40 }, () => scan(code.scanUrl, { 'x-forwarded-for': me })),
      );
      const limited = replies.filter((r) => r.status === 429);
      assert.ok(limited.length > 0, 'some requests were limited');
      assert.ok(replies.filter((r) => r.status === 302).length >= 20, 'the burst allowance passed');
      assert.match(limited[0].headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      assert.equal((await scan(code.scanUrl)).status, 302, 'another address is not limited');
      // An address a client writes into X-Forwarded-For itself is not believed: only the entry
      // the front end appends (the last) counts.
      const spoofed = await scan(code.scanUrl, { 'x-forwarded-for': `${newAddress()}, ${me}` });
      assert.equal(spoofed.status, 429);
    });

    it('/v1 refuses one caller beyond its burst with 429 rate_limited and Retry-After', async () => {
      const busy = await newUser('busy');
      const org = await createOrg(busy);
      const replies = await Promise.all(
        Array.from({ length: 140 }, () =>
          call<{ error?: { code: string } }>('GET', `/v1/orgs/${org}`, { token: busy.idToken }),
        ),
      );
      const limited = replies.filter((r) => r.status === 429);
      assert.ok(limited.length > 0);
      assert.equal(limited[0].body.error?.code, 'rate_limited');
      assert.match(limited[0].headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      const other = await call('GET', `/v1/orgs/${orgId}`, { token: viewer.idToken });
      assert.equal(other.status, 200, 'another caller is not limited');
    });
  });
});
