// Scan records through the local stack: who scanned (a person, a link-preview bot, a mail
// scanner), one visitor per person and day, no address anywhere, the timeline's series, the
// limits and windows of tracked codes (HTML for a person, JSON for a script, and with a moved
// clock through the data layer), the record routes and their roles, analytics and the CSV
// export, and records turned off by SCAN_RECORDS.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { db } from '../src/data/firebase';
import { landScan } from '../src/data/scanLanding';
import { ensureEquipmentScanToken } from '../src/data/scanTokens';
import { scanReply } from '../src/domain/scanLanding';
import { classifyAgent } from '../src/domain/botDetect';
import { visitorId } from '../src/domain/scanRecords';
import { dayKey } from '../src/domain/timeline';
import { createApp } from '../src/http/app';
import { addMember, call, createOrg, newUser } from './support/api';
import { serve } from './support/httpServer';
import { checkReply } from './support/replyCheck';
import { functionUrl } from './support/stack';
import { AGENTS } from './support/scanAgents';

type Json = Record<string, unknown>;
type Record_ = {
  scanId: string;
  subject: { kind: string; id: string };
  outcome: string;
  bot: boolean;
  botKind: string | null;
  device: { family: string; os: string | null; browser: string | null };
  referrerHost: string | null;
  language: string | null;
  visitor: string | null;
};

let address = 1;
const newAddress = () => `203.0.113.${address++}`;

async function scan(
  scanUrl: string,
  headers: Record<string, string>,
  base = functionUrl('api'),
): Promise<{ status: number; type: string; text: string; body: unknown; location: string | null }> {
  const path = new URL(scanUrl).pathname.replace(/^.*\/s\//, '/s/');
  const res = await fetch(`${base}${path}`, { redirect: 'manual', headers });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  const body: unknown = /json/.test(type) ? JSON.parse(text) : text;
  await checkReply('GET', path, res.status, type, body);
  return { status: res.status, type, text, body, location: res.headers.get('location') };
}

describe('scan records', function () {
  this.timeout(90_000);
  let owner: SignedIn;
  let analyst: SignedIn;
  let viewer: SignedIn;
  let orgId: string;
  const timeZone = 'Europe/Berlin';

  before(async () => {
    owner = await newUser('owner');
    analyst = await newUser('analyst');
    viewer = await newUser('viewer');
    orgId = await createOrg(owner);
    const patched = await call('PATCH', `/v1/orgs/${orgId}`, {
      token: owner.idToken,
      body: { timeZone, redirectAllowedHosts: ['example.com'] },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await addMember(orgId, owner, analyst, 'analyst');
    await addMember(orgId, owner, viewer, 'viewer');
  });

  const tracked = async (extra: Json = {}) => {
    const r = await call<{ qrId: string; scanUrl: string } & Json>(
      'POST',
      `/v1/orgs/${orgId}/qr-codes`,
      { token: owner.idToken, body: { url: 'https://example.com/p', tracked: true, ...extra } },
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };

  const records = async (qrId: string, token = analyst.idToken) => {
    const r = await call<{ scans: Record_[]; nextPageToken: string | null }>(
      'GET',
      `/v1/orgs/${orgId}/qr-codes/${qrId}/scans?limit=100`,
      { token },
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.scans;
  };

  it('the classifier tells people, link previews and mail scanners apart', () => {
    assert.deepEqual(classifyAgent(AGENTS.iphone), { bot: false, botKind: null });
    assert.deepEqual(classifyAgent(AGENTS.android), { bot: false, botKind: null });
    for (const ua of [AGENTS.slack, AGENTS.whatsapp, AGENTS.facebook]) {
      assert.deepEqual(classifyAgent(ua), { bot: true, botKind: 'linkPreview' }, ua);
    }
    for (const ua of [AGENTS.barracuda, AGENTS.mimecast, AGENTS.outlookSafeLinks]) {
      assert.deepEqual(classifyAgent(ua), { bot: true, botKind: 'mailScanner' }, ua);
    }
    assert.deepEqual(classifyAgent(undefined), { bot: true, botKind: 'crawler' });
    assert.equal(classifyAgent('Googlebot/2.1 (+http://www.google.com/bot.html)').bot, true);
  });

  it('records a browser, a link-preview bot and a mail scanner with the right flags, and bots use up no maxScans', async () => {
    const code = await tracked({ maxScans: 1 });
    const iphoneAddress = newAddress();
    for (const ua of [AGENTS.slack, AGENTS.barracuda, AGENTS.whatsapp]) {
      const bot = await scan(code.scanUrl, { 'user-agent': ua, 'x-forwarded-for': newAddress() });
      assert.equal(bot.status, 302, `${ua} lands (a preview shows the page) without a scan`);
    }
    const person = await scan(code.scanUrl, {
      'user-agent': AGENTS.iphone,
      'x-forwarded-for': iphoneAddress,
      referer: 'https://news.example.org/article/42?utm=x',
      'accept-language': 'de-CH,de;q=0.9,en;q=0.8',
    });
    assert.equal(person.status, 302, 'the limit of 1 is still there for the first person');
    const second = await scan(code.scanUrl, {
      'user-agent': AGENTS.android,
      'x-forwarded-for': newAddress(),
      accept: 'application/json',
    });
    assert.equal(second.status, 403);
    const error = (second.body as { error: { code: string; details: Json } }).error;
    assert.equal(error.code, 'permission_denied');
    assert.deepEqual(error.details, { reason: 'scan_limit_reached', maxScans: 1 });
    const page = await scan(code.scanUrl, {
      'user-agent': AGENTS.android,
      'x-forwarded-for': newAddress(),
      accept: 'text/html',
    });
    assert.equal(page.status, 403);
    assert.match(page.type, /text\/html/);
    assert.match(page.text, /This code has reached its scan limit/);
    // A bot still lands after the limit: it never counted.
    const lateBot = await scan(code.scanUrl, {
      'user-agent': AGENTS.mimecast,
      'x-forwarded-for': newAddress(),
    });
    assert.equal(lateBot.status, 302);

    const list = await records(code.qrId);
    assert.equal(list.length, 7);
    const byOutcome = (outcome: string) => list.filter((r) => r.outcome === outcome);
    assert.equal(byOutcome('limitReached').length, 2);
    const human = list.find((r) => !r.bot && r.outcome === 'redirect');
    assert.ok(human);
    assert.deepEqual(human.subject, { kind: 'code', id: code.qrId });
    assert.deepEqual(human.device, { family: 'mobile', os: 'iOS', browser: 'Mobile Safari' });
    assert.equal(human.referrerHost, 'news.example.org');
    assert.equal(human.language, 'de-CH');
    assert.match(human.visitor ?? '', /^[0-9a-f]{16}$/);
    const kinds = list.filter((r) => r.bot).map((r) => r.botKind);
    assert.deepEqual(
      kinds.sort(),
      ['linkPreview', 'linkPreview', 'mailScanner', 'mailScanner'].sort(),
    );
    for (const r of list.filter((x) => x.bot)) assert.equal(r.device.family, 'bot');
    // Newest first.
    assert.equal(list[0].botKind, 'mailScanner');
  });

  it('the same address and agent twice a day is one visitor, the next day another, and no record holds the address', async () => {
    const code = await tracked();
    const ip = newAddress();
    const headers = { 'user-agent': AGENTS.android, 'x-forwarded-for': ip };
    assert.equal((await scan(code.scanUrl, headers)).status, 302);
    assert.equal((await scan(code.scanUrl, headers)).status, 302);
    const other = { 'user-agent': AGENTS.android, 'x-forwarded-for': newAddress() };
    assert.equal((await scan(code.scanUrl, other)).status, 302);
    const list = await records(code.qrId);
    assert.equal(list.length, 3);
    assert.equal(new Set(list.map((r) => r.visitor)).size, 2, 'two people, three scans');

    const today = dayKey(new Date(), timeZone);
    const timeline = await call<{ points: Json[]; visitors: number; humans: number }>(
      'GET',
      `/v1/orgs/${orgId}/qr-codes/${code.qrId}/timeline?period=7d`,
      { token: analyst.idToken },
    );
    assert.deepEqual(timeline.body.points.at(-1), {
      date: today,
      scans: 3,
      humans: 3,
      bots: 0,
      visitors: 2,
    });

    // Nothing the scan stored anywhere holds the address or the agent.
    const qrPath = `organizations/${orgId}/qrCodes/${code.qrId}`;
    const stored = [
      ...(await db().collection(`organizations/${orgId}/scans`).get()).docs,
      ...(await db().collection(`${qrPath}/scanDays`).get()).docs,
      ...(await db().collection(`${qrPath}/scanVisitors`).get()).docs,
    ].map((d) => `${d.id} ${JSON.stringify(d.data())}`);
    assert.ok(stored.length >= 5);
    for (const text of stored) {
      assert.ok(!text.includes(ip), text);
      assert.ok(!text.includes('Pixel 8') && !text.includes('AppleWebKit'), text);
    }

    // The next day (a moved clock, through the data layer): the same person is a new visitor
    // with an id unrelated to yesterday's.
    const previous = process.env.SCAN_HASH_SECRET;
    process.env.SCAN_HASH_SECRET = 'test-secret';
    try {
      const token = code.scanUrl.split('/s/')[1];
      const facts = {
        userAgent: AGENTS.android,
        address: ip,
        referer: undefined,
        acceptLanguage: undefined,
        country: undefined,
      };
      const tomorrow = new Date(Date.now() + 86_400_000);
      const dayAfter = dayKey(tomorrow, timeZone);
      await landScan(token, tomorrow, facts);
      await landScan(token, tomorrow, facts);
      const shards = await db()
        .collection(`${qrPath}/scanDays`)
        .where('date', '==', dayAfter)
        .get();
      const sum = (field: string) => shards.docs.reduce((n, d) => n + Number(d.get(field) ?? 0), 0);
      assert.deepEqual([sum('scans'), sum('humanScans'), sum('visitors')], [2, 2, 1]);
      assert.notEqual(
        visitorId('test-secret', today, ip, AGENTS.android),
        visitorId('test-secret', dayAfter, ip, AGENTS.android),
      );
    } finally {
      if (previous === undefined) delete process.env.SCAN_HASH_SECRET;
      else process.env.SCAN_HASH_SECRET = previous;
    }
  });

  it('the timeline (JSON and SVG) has people, bots and visitors', async () => {
    const code = await tracked();
    await scan(code.scanUrl, { 'user-agent': AGENTS.iphone, 'x-forwarded-for': newAddress() });
    await scan(code.scanUrl, { 'user-agent': AGENTS.facebook, 'x-forwarded-for': newAddress() });
    await scan(code.scanUrl, { 'user-agent': AGENTS.mimecast, 'x-forwarded-for': newAddress() });
    const path = `/v1/orgs/${orgId}/qr-codes/${code.qrId}/timeline?period=30d`;
    const json = await call<Json>('GET', path, { token: analyst.idToken });
    assert.deepEqual(
      [json.body.total, json.body.humans, json.body.bots, json.body.visitors],
      [3, 1, 2, 1],
    );
    const svg = await call<string>('GET', `${path}&format=svg`, { token: analyst.idToken });
    assert.equal(svg.status, 200);
    assert.match(svg.body, /3 scans \(1 human, 2 bots\), 1 visitor/);
    assert.match(svg.body, /class="bots"/);
    assert.match(svg.body, /class="visitors"/);
  });

  it('windows and limits: set at creation and by PATCH, a page in plain words and JSON, 403 and 410', async () => {
    const soon = new Date(Date.now() + 40 * 86_400_000);
    const code = await tracked({ validFrom: soon.toISOString() });
    assert.equal(code.validFrom, soon.toISOString());
    const early = await scan(code.scanUrl, {
      'user-agent': AGENTS.iphone,
      'x-forwarded-for': newAddress(),
      accept: 'text/html',
    });
    assert.equal(early.status, 403);
    const day = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      day: 'numeric',
      month: 'long',
      year: 'numeric',
    }).format(soon);
    assert.ok(early.text.includes(`This code is not active until ${day}`), early.text);
    const earlyJson = await scan(code.scanUrl, {
      'user-agent': AGENTS.iphone,
      'x-forwarded-for': newAddress(),
    });
    assert.equal(earlyJson.status, 403);
    assert.equal(
      (earlyJson.body as { error: { details: Json } }).error.details.reason,
      'not_yet_valid',
    );

    const base = `/v1/orgs/${orgId}/qr-codes/${code.qrId}`;
    const past = new Date(Date.now() - 60_000).toISOString();
    const bad = await call<Json>('PATCH', base, {
      token: owner.idToken,
      body: { validUntil: past },
    });
    assert.equal(bad.status, 400, 'validUntil before the stored validFrom');
    const moved = await call<Json>('PATCH', base, {
      token: owner.idToken,
      body: { validFrom: null, validUntil: past, maxScans: 5 },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(
      [moved.body.validFrom, moved.body.validUntil, moved.body.maxScans],
      [null, past, 5],
    );
    const over = await scan(code.scanUrl, {
      'user-agent': AGENTS.iphone,
      'x-forwarded-for': newAddress(),
      accept: 'text/html',
    });
    assert.equal(over.status, 410);
    assert.match(over.text, /This code expired on /);
    const overJson = await scan(code.scanUrl, { 'x-forwarded-for': newAddress() });
    assert.equal(overJson.status, 410);
    assert.equal((overJson.body as { error: { code: string } }).error.code, 'gone');
    // The code itself is still there (validUntil is not expiresAt).
    assert.equal((await call('GET', base, { token: viewer.idToken })).status, 200);

    const editor = await call<Json>('PATCH', base, {
      token: viewer.idToken,
      body: { maxScans: 1 },
    });
    assert.equal(editor.status, 403, 'a viewer may not change a code');
    const badBody = await call<Json>('PATCH', base, {
      token: owner.idToken,
      body: { maxScans: 0, validFrom: 'tomorrow' },
    });
    assert.equal(badBody.status, 400);
    const staticCode = await call<Json>('POST', `/v1/orgs/${orgId}/qr-codes`, {
      token: owner.idToken,
      body: { data: 'hello', maxScans: 3 },
    });
    assert.equal(staticCode.status, 400, 'a static code is never seen scanned');
  });

  it('a moved clock: before, inside and after the window, and the reply each gets', async () => {
    const from = new Date('2030-03-01T00:00:00+01:00');
    const until = new Date('2030-04-01T00:00:00+02:00');
    const code = await tracked({ validFrom: from.toISOString(), validUntil: until.toISOString() });
    const token = code.scanUrl.split('/s/')[1];
    const facts = {
      userAgent: AGENTS.iphone,
      address: '192.0.2.1',
      referer: undefined,
      acceptLanguage: undefined,
      country: undefined,
    };
    const before = await landScan(token, new Date('2030-02-28T12:00:00Z'), facts);
    const html = scanReply(before, 'html');
    assert.ok(html.kind === 'html' && html.status === 403);
    assert.match(html.html, /This code is not active until 1 March 2030/);
    const during = await landScan(token, new Date('2030-03-15T12:00:00Z'), facts);
    assert.equal(scanReply(during, 'json').kind, 'redirect');
    const after = await landScan(token, new Date('2030-04-01T00:00:00+02:00'), facts);
    const gone = scanReply(after, 'json');
    assert.ok(gone.kind === 'error' && gone.error.code === 'gone');
    assert.equal(gone.error.message, 'This code expired on 1 April 2030');
  });

  it('record routes: analysts and up, a viewer 403, pages with a cursor, equipment too', async () => {
    const code = await tracked();
    for (let i = 0; i < 3; i++) {
      await scan(code.scanUrl, { 'user-agent': AGENTS.iphone, 'x-forwarded-for': newAddress() });
    }
    const path = `/v1/orgs/${orgId}/qr-codes/${code.qrId}/scans`;
    assert.equal((await call('GET', path, { token: viewer.idToken })).status, 403);
    assert.equal((await call('GET', path)).status, 401);
    const first = await call<{ scans: Record_[]; nextPageToken: string }>(
      'GET',
      `${path}?limit=2`,
      { token: owner.idToken },
    );
    assert.equal(first.status, 200);
    assert.equal(first.body.scans.length, 2);
    assert.ok(first.body.nextPageToken);
    const rest = await call<{ scans: Record_[]; nextPageToken: string | null }>(
      'GET',
      `${path}?limit=2&pageToken=${first.body.nextPageToken}`,
      { token: analyst.idToken },
    );
    assert.equal(rest.body.scans.length, 1);
    const ids = [...first.body.scans, ...rest.body.scans].map((r) => r.scanId);
    assert.equal(new Set(ids).size, 3);
    const badToken = await call('GET', `${path}?pageToken=nonsense`, { token: analyst.idToken });
    assert.equal(badToken.status, 400);
    const missing = await call('GET', `/v1/orgs/${orgId}/qr-codes/nope/scans`, {
      token: analyst.idToken,
    });
    assert.equal(missing.status, 404);

    const item = await call<{ assetId: string }>('POST', `/v1/orgs/${orgId}/equipment`, {
      token: owner.idToken,
      body: { name: 'Camera', category: 'camera' },
    });
    assert.equal(item.status, 201, JSON.stringify(item.body));
    const { scanUrl } = await ensureEquipmentScanToken(orgId, item.body.assetId);
    const landed = await scan(scanUrl, {
      'user-agent': AGENTS.android,
      'x-forwarded-for': newAddress(),
    });
    assert.equal(landed.status, 200, 'the item page');
    const itemScans = await call<{ scans: Record_[] }>(
      'GET',
      `/v1/orgs/${orgId}/equipment/${item.body.assetId}/scans`,
      { token: analyst.idToken },
    );
    assert.equal(itemScans.status, 200);
    assert.equal(itemScans.body.scans.length, 1);
    assert.deepEqual(itemScans.body.scans[0].subject, { kind: 'item', id: item.body.assetId });
    assert.equal(itemScans.body.scans[0].outcome, 'page');
    assert.equal(
      (
        await call('GET', `/v1/orgs/${orgId}/equipment/${item.body.assetId}/scans`, {
          token: viewer.idToken,
        })
      ).status,
      403,
    );
  });

  it('analytics for a window and the streamed CSV export', async () => {
    const code = await tracked();
    await scan(code.scanUrl, {
      'user-agent': AGENTS.iphone,
      'x-forwarded-for': newAddress(),
      'accept-language': 'fr-FR',
      referer: 'https://ref.example.net/x',
    });
    await scan(code.scanUrl, { 'user-agent': AGENTS.slack, 'x-forwarded-for': newAddress() });
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const a = await call<{
      scans: number;
      humans: number;
      topCodes: { key: string; scans: number }[];
      languages: { key: string }[];
      referrers: { key: string }[];
      devices: { key: string }[];
    }>('GET', `/v1/orgs/${orgId}/analytics?from=${from}&to=${to}`, { token: analyst.idToken });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.ok(a.body.scans >= 2);
    assert.equal((a.body as unknown as { truncated: boolean }).truncated, false);
    assert.ok(a.body.topCodes.some((c) => c.key === `code:${code.qrId}` && c.scans === 2));
    assert.ok(a.body.languages.some((l) => l.key === 'fr-FR'));
    assert.ok(a.body.referrers.some((r) => r.key === 'ref.example.net'));
    assert.ok(a.body.devices.some((d) => d.key === 'bot'));
    const viewerTry = await call('GET', `/v1/orgs/${orgId}/analytics`, { token: viewer.idToken });
    assert.equal(viewerTry.status, 403);
    const wrong = await call('GET', `/v1/orgs/${orgId}/analytics?from=${to}&to=${from}`, {
      token: analyst.idToken,
    });
    assert.equal(wrong.status, 400);

    const csv = await call<string>('GET', `/v1/orgs/${orgId}/scans.csv?from=${from}&to=${to}`, {
      token: analyst.idToken,
    });
    assert.equal(csv.status, 200);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    assert.equal(lines[0].split(',')[0], 'scanId');
    assert.ok(lines.length - 1 >= 2);
    assert.ok(lines.some((l) => l.includes(code.qrId) && l.includes('linkPreview')));
  });

  it('SCAN_RECORDS=false writes no records, and the counters still count', async () => {
    const code = await tracked();
    const previous = process.env.SCAN_RECORDS;
    process.env.SCAN_RECORDS = 'false';
    const server = await serve(createApp());
    try {
      for (let i = 0; i < 2; i++) {
        const r = await scan(
          code.scanUrl,
          { 'user-agent': AGENTS.iphone, 'x-forwarded-for': newAddress() },
          server.url,
        );
        assert.equal(r.status, 302);
      }
    } finally {
      await server.close();
      if (previous === undefined) delete process.env.SCAN_RECORDS;
      else process.env.SCAN_RECORDS = previous;
    }
    assert.equal((await records(code.qrId)).length, 0);
    const timeline = await call<{ total: number; humans: number }>(
      'GET',
      `/v1/orgs/${orgId}/qr-codes/${code.qrId}/timeline?period=7d`,
      { token: analyst.idToken },
    );
    assert.deepEqual([timeline.body.total, timeline.body.humans], [2, 2]);
  });
});
