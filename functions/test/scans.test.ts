// Scans and their timelines through the local stack: /s/{token} for tracked codes and equipment,
// per-day counters in the organisation's time zone, timelines, the interstitial before a
// destination outside the organisation's allow list, and the rate limits behind proxies.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { FieldValue } from 'firebase-admin/firestore';
import { db } from '../src/data/firebase';
import { createApp } from '../src/http/app';
import { recordScan } from '../src/data/scans';
import { dayKey } from '../src/domain/timeline';
import { addMember, call, createOrg, newUser, unique } from './support/api';
import { decodePng } from './support/qrDecode';
import { serve } from './support/httpServer';
import { checkReply } from './support/replyCheck';
import { functionUrl } from './support/stack';

type Timeline = {
  period: string;
  granularity: string;
  timeZone: string;
  points: Array<{ date: string; scans: number; humans?: number }>;
  total: number;
};

let address = 1;
/** A client address of its own for each scanner, so the per-address limit is per test. */
const newAddress = () => `198.51.100.${address++}`;

/** A scan as a phone or a script makes it; the reply is checked against GET /openapi.json. */
async function scan(scanUrl: string, headers: Record<string, string> = {}) {
  const path = new URL(scanUrl).pathname.replace(/^.*\/s\//, '/s/');
  const res = await fetch(`${functionUrl('api')}${path}`, {
    redirect: 'manual',
    headers: { 'x-forwarded-for': newAddress(), ...headers },
  });
  const type = res.headers.get('content-type');
  const text = await res.clone().text();
  const body: unknown = /json/.test(type ?? '') ? JSON.parse(text) : text;
  await checkReply('GET', path, res.status, type, body);
  return res;
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
    // The codes below point at example.com, which this organisation allows: they redirect.
    const patched = await call('PATCH', `/v1/orgs/${orgId}`, {
      token: owner.idToken,
      body: { timeZone, redirectAllowedHosts: ['example.com'] },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
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
    // fetch() says `user-agent: node`: a script, so a bot (scan-records.test.ts has people).
    assert.deepEqual(timeline.body.points.at(-1), {
      date: dayKey(new Date(), timeZone),
      scans: 3,
      humans: 0,
      bots: 3,
      visitors: 0,
    });
    assert.equal(timeline.body.total, 3);
    const ours = (
      await db().collection(`organizations/${orgId}/qrCodes/${code.qrId}/scanDays`).get()
    ).docs;
    assert.ok(ours.length >= 1);
    for (const doc of ours)
      assert.deepEqual(
        Object.keys(doc.data()).sort(),
        ['date', 'humanScans', 'scans', 'visitors'],
        'no address is stored',
      );
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

    it('with assetUrlTemplate set, a scan redirects there with the asset id, whatever the allow list', async () => {
      // A new organisation: its allow list is empty, but the template is its admins' own choice.
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

  describe('redirect allow list', () => {
    type Decision = { destination: string; host: string; allowed: boolean; interstitial: boolean };

    const trackedIn = async (org: string, url: string) => {
      const r = await call<{ qrId: string; scanUrl: string }>('POST', `/v1/orgs/${org}/qr-codes`, {
        token: owner.idToken,
        body: { url, tracked: true },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    };
    const setHosts = async (org: string, redirectAllowedHosts: string[]) => {
      const r = await call<{ redirectAllowedHosts: string[] | null }>('PATCH', `/v1/orgs/${org}`, {
        token: owner.idToken,
        body: { redirectAllowedHosts },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.redirectAllowedHosts;
    };
    const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

    it('a new organisation’s code to a host it has not listed opens the interstitial: a page for a person, the decision as JSON for a script, counted once each', async () => {
      const org = await createOrg(owner);
      const url = 'https://login.examp1e-bank.net/session?next=/account&a=1&b=<x>';
      const code = await trackedIn(org, url);

      const page = await scan(code.scanUrl, html);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('location'), null, 'no redirect');
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.equal(page.headers.get('cache-control'), 'no-store');
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
      const text = await page.text();
      assert.ok(text.includes('<h1>login.examp1e-bank.net</h1>'), 'the host, prominently');
      assert.ok(
        text.includes(
          'https://login.examp1e-bank.net/session?next=/account&#38;a=1&#38;b=&#60;x&#62;',
        ),
        'the full URL, escaped',
      );
      assert.match(
        text,
        /<a href="https:\/\/login\.examp1e-bank\.net\/session\?[^"]*"[^>]*>Continue/,
      );
      assert.doesNotMatch(text, /<x>|http-equiv|<script/i, 'escaped, no automatic redirect');

      const script = await scan(code.scanUrl, { accept: 'application/json' });
      assert.equal(script.status, 200);
      assert.equal(script.headers.get('referrer-policy'), 'no-referrer');
      assert.deepEqual((await script.json()) as Decision, {
        destination: url,
        host: 'login.examp1e-bank.net',
        allowed: false,
        interstitial: true,
      });
      const anything = await scan(code.scanUrl);
      assert.equal(anything.status, 200, 'a client that takes anything gets the JSON too');
      assert.equal(((await anything.json()) as Decision).allowed, false);

      const timeline = await call<Timeline>(
        'GET',
        `/v1/orgs/${org}/qr-codes/${code.qrId}/timeline?period=7d`,
        { token: owner.idToken },
      );
      assert.equal(timeline.body.total, 3);
    });

    it('listed hosts redirect at once: exact names in any case, *.wildcards (not the bare domain), an IDN as punycode; look-alikes do not', async () => {
      const org = await createOrg(owner);
      const stored = await setHosts(org, ['shop.example.net', '*.Example.ORG', 'bücher.example']);
      assert.deepEqual(stored, ['shop.example.net', '*.example.org', 'xn--bcher-kva.example']);
      const expect = async (url: string, status: number) => {
        const res = await scan((await trackedIn(org, url)).scanUrl, html);
        assert.equal(res.status, status, url);
        if (status === 302 && /^[\x20-\x7e]*$/.test(url)) {
          assert.equal(res.headers.get('location'), url);
        }
        if (status === 200) assert.match(await res.text(), /Continue to/, url);
      };
      await expect('https://shop.example.net/a?b=1', 302);
      await expect('https://SHOP.Example.NET/b', 302);
      await expect('https://a.b.example.org/deep', 302);
      await expect('https://bücher.example/x', 302);
      await expect('https://example.org/', 200);
      await expect('https://shop.example.net.evil.test/', 200);
      await expect('https://evilshop.example.net/', 200);
    });

    it('an organisation created before allow lists redirects anywhere until its admins set one; an empty list there means all again', async () => {
      const org = await createOrg(owner);
      // What an organisation written before this change looks like: neither field.
      await db().doc(`organizations/${org}`).update({
        redirectPolicy: FieldValue.delete(),
        redirectAllowedHosts: FieldValue.delete(),
      });
      const read = await call('GET', `/v1/orgs/${org}`, { token: owner.idToken });
      assert.equal(read.body.redirectAllowedHosts, null);
      const code = await trackedIn(org, 'https://anywhere.example.net/p');
      assert.equal((await scan(code.scanUrl, html)).status, 302);
      assert.deepEqual(await setHosts(org, ['example.com']), ['example.com']);
      const held = await scan(code.scanUrl, html);
      assert.equal(held.status, 200);
      assert.match(await held.text(), /<h1>anywhere\.example\.net<\/h1>/);
      assert.equal(await setHosts(org, []), null);
      const again = await scan(code.scanUrl, html);
      assert.equal(again.status, 302);
      assert.equal(again.headers.get('location'), 'https://anywhere.example.net/p');
    });
  });

  describe('rate limits', () => {
    const flood = (scanUrl: string, forwardedFor: string, count: number, base?: string) => {
      const path = new URL(scanUrl).pathname.replace(/^.*\/s\//, '/s/');
      return Promise.all(
        Array.from({ length: count }, () =>
          fetch(`${base ?? functionUrl('api')}${path}`, {
            redirect: 'manual',
            headers: { 'x-forwarded-for': forwardedFor },
          }),
        ),
      );
    };
    const statuses = (replies: Response[]) => replies.map((r) => r.status);

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
      // A batch, not one request: a bucket refills 2 tokens a second, and on a busy machine one
      // request may find a token; 15 need 7.5 s of refill, so a shared bucket refuses some.
      const spoofed = await flood(code.scanUrl, `${newAddress()}, ${me}`, 15);
      assert.ok(statuses(spoofed).includes(429), 'the forged entry picked no fresh bucket');
    });

    it('/s/ keys an IPv6 scanner by its /64, and an IPv4-mapped address as its IPv4 address', async () => {
      const code = await tracked();
      const first = await flood(code.scanUrl, '2001:db8:5ca0:1::1', 40);
      assert.ok(statuses(first).includes(429), 'the first address was limited');
      // The bucket is empty now; 15 more need 7.5 s of refill, so a shared bucket refuses some.
      const sameNet = await flood(code.scanUrl, '2001:db8:5ca0:1:ffff:ffff:ffff:fffe', 15);
      assert.ok(statuses(sameNet).includes(429), 'another address of the same /64 shares it');
      const otherNet = await flood(code.scanUrl, '2001:db8:5ca0:2::1', 15);
      assert.deepEqual(new Set(statuses(otherNet)), new Set([302]), 'the next /64 does not');

      const v4 = newAddress();
      assert.ok(statuses(await flood(code.scanUrl, v4, 40)).includes(429));
      const mapped = await flood(code.scanUrl, `::ffff:${v4}`, 15);
      assert.ok(statuses(mapped).includes(429), 'the IPv4-mapped form is the same scanner');
    });

    it('/s/ behind two proxies (TRUSTED_PROXY_HOPS=2, as behind Hosting) gives every scanner its own bucket; one hop would share the proxy’s', async () => {
      const code = await tracked();
      const edge = newAddress(); // the proxy in front (Hosting's CDN), the same for every scanner
      // One hop, the default, through the stack: the proxy's address is taken for the client's.
      assert.ok(statuses(await flood(code.scanUrl, `${newAddress()}, ${edge}`, 40)).includes(429));
      const neighbour = await flood(code.scanUrl, `${newAddress()}, ${edge}`, 15);
      assert.ok(statuses(neighbour).includes(429), 'with one hop, scanners share a bucket');

      const previous = process.env.TRUSTED_PROXY_HOPS;
      process.env.TRUSTED_PROXY_HOPS = '2';
      let app: ReturnType<typeof createApp>;
      try {
        app = createApp();
      } finally {
        if (previous === undefined) delete process.env.TRUSTED_PROXY_HOPS;
        else process.env.TRUSTED_PROXY_HOPS = previous;
      }
      const server = await serve(app);
      try {
        const busy = newAddress();
        const first = await flood(code.scanUrl, `${busy}, ${edge}`, 40, server.url);
        assert.ok(statuses(first).includes(429), 'the busy scanner was limited');
        assert.ok(statuses(first).filter((s) => s === 302).length >= 20, 'after its burst');
        const other = await flood(code.scanUrl, `${newAddress()}, ${edge}`, 15, server.url);
        assert.deepEqual(new Set(statuses(other)), new Set([302]), 'another scanner is not');
        // What a client writes into the header stays left of what the proxy appended.
        const spoofed = await flood(
          code.scanUrl,
          `${newAddress()}, ${busy}, ${edge}`,
          15,
          server.url,
        );
        assert.ok(statuses(spoofed).includes(429), 'a forged entry picks no fresh bucket');
      } finally {
        await server.close();
      }
    });

    it('/v1 refuses one caller beyond its burst with 429 rate_limited and Retry-After', async () => {
      const busy = await newUser('busy');
      const org = await createOrg(busy);
      // The bucket holds 100 (10 s of 600 a minute) and refills 10 a second: waves of 50 at once
      // empty it however slow the machine is, as long as it answers more than 10 a second.
      type Limited = Awaited<ReturnType<typeof call<{ error?: { code: string } }>>>;
      let limited: Limited[] = [];
      for (let wave = 0; wave < 30 && limited.length === 0; wave++) {
        const replies = await Promise.all(
          Array.from({ length: 50 }, () =>
            call<{ error?: { code: string } }>('GET', `/v1/orgs/${org}`, { token: busy.idToken }),
          ),
        );
        limited = replies.filter((r) => r.status === 429);
      }
      assert.ok(limited.length > 0, 'no 429 after 1 500 requests');
      assert.equal(limited[0].body.error?.code, 'rate_limited');
      assert.match(limited[0].headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      const other = await call('GET', `/v1/orgs/${orgId}`, { token: viewer.idToken });
      assert.equal(other.status, 200, 'another caller is not limited');
    });
  });
});
