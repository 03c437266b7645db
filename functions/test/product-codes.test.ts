// Product codes through the local stack: unit codes by /u/ and by GS1 Digital Link (a GTIN with
// a wrong check digit refused at order creation), the page and JSON a scan opens, the first
// human scan moving the status, the copy warning, an unknown code's page, redeem exactly once
// under 20 concurrent tries, the redemption secret, and master cases (their QR, their /u/ page,
// one batch only).
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { publicBaseUrl } from '../src/config';
import { db } from '../src/data/firebase';
import { gtinCheckDigit, gtinProblem } from '../src/domain/gs1';
import { call, createOrg, newUser } from './support/api';
import { readyBatch, waitForJob } from './support/manufacturing';
import { decodePng } from './support/qrDecode';
import { checkReply } from './support/replyCheck';
import { runProductCodeBackfill } from '../src/data/productCodeBackfill';
import { functionsOrigin, functionUrl } from './support/stack';
import { AGENTS } from './support/scanAgents';

type Json = Record<string, unknown>;

/**
 * Runs the backfill from its saved cursor until it is done, a bounded part at a time as the
 * schedule does: the walk covers every organisation's codes in the stack, other tests' too.
 */
async function backfillToTheEnd() {
  const total = { phase: 'codes' as string, pages: 0, visited: 0, written: 0 };
  for (let part = 0; part < 200 && total.phase !== 'done'; part++) {
    const run = await runProductCodeBackfill({ pageSize: 250, maxPages: 40 });
    total.phase = run.phase;
    total.pages += run.pages;
    total.visited += run.visited;
    total.written += run.written;
  }
  return total;
}

let address = 1;
const newAddress = () => `192.0.2.${address++}`;

async function open(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: unknown,
) {
  const res = await fetch(`${functionUrl('api')}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      'x-forwarded-for': newAddress(),
      'user-agent': AGENTS.iphone,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  const parsed: unknown = /json/.test(type) ? JSON.parse(text) : text;
  await checkReply(method, path, res.status, type, parsed);
  return { status: res.status, type, text, body: parsed as Json };
}

const pathOf = (url: string) => url.slice(publicBaseUrl().length);

describe('product codes', function () {
  this.timeout(120_000);
  let owner: SignedIn;
  let orgId: string;
  const base = () => `/v1/orgs/${orgId}`;

  before(async () => {
    owner = await newUser('owner');
    orgId = await createOrg(owner);
  });

  const order = async (body: Json) => {
    const r = await call<Json>('POST', `${base()}/orders`, { token: owner.idToken, body });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };

  /** The batch's codes.csv rows as objects. */
  const csvRows = async (orderId: string, batchId: string) => {
    const csv = await call<string>(
      'GET',
      `${base()}/orders/${orderId}/batches/${batchId}/codes.csv`,
      {
        token: owner.idToken,
      },
    );
    assert.equal(csv.status, 200);
    const [head, ...lines] = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    const columns = head.split(',');
    return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], v])));
  };

  it('GTINs: the check digit is computed, and an order with a wrong one is refused', async () => {
    assert.equal(gtinCheckDigit('400638133393'), 1);
    assert.equal(gtinProblem('4006381333931'), undefined);
    assert.equal(gtinProblem('96385074'), undefined, 'GTIN-8');
    assert.match(gtinProblem('4006381333932') ?? '', /check digit/);
    assert.match(gtinProblem('40063813339') ?? '', /8, 12, 13 or 14/);
    const bad = await call<{
      error: { details: { errors: { field: string; message: string }[] } };
    }>('POST', `${base()}/orders`, {
      token: owner.idToken,
      body: { name: 'Bad', gtin: '4006381333932' },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.error.details.errors.map((e) => e.field),
      ['gtin'],
    );
    assert.match(bad.body.error.details.errors[0].message, /should be 1/);
  });

  it('a unit by /u/: its page and JSON, the first human scan moves it to scanned, records say unit', async () => {
    const o = await order({ name: 'Spring run', sku: 'TEA-01', productName: 'Green tea 100 g' });
    const orderId = String(o.orderId);
    const batchId = await readyBatch(owner, orgId, orderId, 3);
    const rows = await csvRows(orderId, batchId);
    assert.equal(rows.length, 3);
    const [first, second] = rows;
    assert.equal(first.url, `${publicBaseUrl()}/u/${first.code}`);
    // The label encodes the same URL.
    const qr = await fetch(
      `${functionUrl('api')}${base()}/orders/${orderId}/batches/${batchId}/codes/${first.code}/qr`,
      { headers: { authorization: `Bearer ${owner.idToken}` } },
    );
    assert.equal(decodePng(Buffer.from(await qr.arrayBuffer())), first.url);

    const shipped = await call<Json>(
      'PATCH',
      `${base()}/orders/${orderId}/batches/${batchId}/codes/${first.code}`,
      { token: owner.idToken, body: { status: 'shipped' } },
    );
    assert.equal(shipped.status, 200);
    // A link preview first: it moves nothing.
    const bot = await open(pathOf(first.url), { 'user-agent': AGENTS.whatsapp });
    assert.equal(bot.status, 200);
    assert.equal(bot.body.firstScannedAt, null);
    assert.equal(bot.body.status, 'shipped');

    const json = await open(pathOf(first.url));
    assert.equal(json.status, 200);
    assert.equal(json.body.genuine, true);
    assert.deepEqual(json.body.product, { name: 'Green tea 100 g', sku: 'TEA-01', gtin: null });
    assert.deepEqual(json.body.order, { name: 'Spring run' });
    assert.equal(json.body.status, 'scanned');
    assert.ok(typeof json.body.firstScannedAt === 'string');
    assert.equal(json.body.warning, null);
    const unit = await call<Json>(
      'GET',
      `${base()}/orders/${orderId}/batches/${batchId}/codes/${first.code}`,
      { token: owner.idToken },
    );
    assert.equal(unit.body.status, 'scanned');

    // A later scan keeps the first time.
    const again = await open(pathOf(first.url));
    assert.equal(again.body.firstScannedAt, json.body.firstScannedAt);

    // A generated unit (never shipped) keeps its status but has its first scan.
    const page = await open(pathOf(second.url), { accept: 'text/html' });
    assert.equal(page.status, 200);
    assert.match(page.type, /text\/html/);
    assert.match(page.text, /Green tea 100 g/);
    assert.match(page.text, /Genuine/);
    const fresh = await open(pathOf(second.url));
    assert.equal(fresh.body.status, 'generated');

    const records = await call<{ scans: { subject: Json; bot: boolean }[] }>(
      'GET',
      `${base()}/analytics`,
      { token: owner.idToken },
    );
    assert.equal(records.status, 200);
    const top = (records.body as unknown as { topCodes: { key: string; scans: number }[] })
      .topCodes;
    assert.ok(top.some((c) => c.key === `unit:${first.code}` && c.scans === 3));
  });

  it('warns when more distinct visitors than the param scanned one unit', async () => {
    const o = await order({ name: 'Copied' });
    const batchId = await readyBatch(owner, orgId, String(o.orderId), 1);
    const [row] = await csvRows(String(o.orderId), batchId);
    for (let i = 0; i < 3; i++) {
      const r = await open(pathOf(row.url));
      assert.equal(r.body.warning, null, `visitor ${i + 1} of 3`);
    }
    const fourth = await open(pathOf(row.url));
    assert.match(String(fourth.body.warning), /scanned by 4 different people/);
    const html = await open(pathOf(row.url), { accept: 'text/html' });
    assert.match(html.text, /role="alert"/);
  });

  it('an unknown code: a page that says so, and JSON genuine false', async () => {
    const page = await open('/u/NOTACODE0000000000000', { accept: 'text/html' });
    assert.equal(page.status, 404);
    assert.match(page.text, /not a code of this manufacturer/);
    const json = await open('/u/NOTACODE0000000000000');
    assert.deepEqual(json.body, { genuine: false, warning: 'not a code of this manufacturer' });
    const hostile = await open('/u/..%2F..%2Fetc');
    assert.equal(hostile.status, 404);
    const link = await open('/01/04006381333931/21/NOTACODE');
    assert.equal(link.status, 404);
  });

  it('GS1 Digital Link: a GTIN order’s units encode /01/{gtin}/21/{serial}, which resolves; another GTIN does not', async () => {
    const o = await order({ name: 'EAN run', gtin: '4006381333931', productName: 'Pen' });
    assert.equal(o.gtin, '4006381333931');
    const orderId = String(o.orderId);
    const batchId = await readyBatch(owner, orgId, orderId, 2);
    const [row] = await csvRows(orderId, batchId);
    assert.equal(row.url, `${publicBaseUrl()}/01/04006381333931/21/${row.code}`);
    const json = await open(pathOf(row.url));
    assert.equal(json.status, 200);
    assert.deepEqual(json.body.product, { name: 'Pen', sku: null, gtin: '4006381333931' });
    // The short form of the same GTIN is the same product.
    assert.equal((await open(`/01/4006381333931/21/${row.code}`)).status, 200);
    // /u/ resolves it too (a printed /u/ label stays good).
    assert.equal((await open(`/u/${row.code}`)).status, 200);
    assert.equal((await open(`/01/00000000000000/21/${row.code}`)).status, 404, 'a GTIN of 0s');
    assert.equal((await open(`/01/96385074/21/${row.code}`)).status, 404, 'another product');
    assert.equal((await open(`/01/4006381333932/21/${row.code}`)).status, 404, 'bad check digit');
  });

  it('20 concurrent redeems: one succeeds, the others 409 already_redeemed with when', async () => {
    const o = await order({ name: 'Loyalty' });
    const batchId = await readyBatch(owner, orgId, String(o.orderId), 1);
    const [row] = await csvRows(String(o.orderId), batchId);
    assert.equal(row.redemptionSecret, undefined, 'no secrets for this order');
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => open(`/u/${row.code}/redeem`, {}, 'POST', {})),
    );
    const ok = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 409);
    assert.equal(ok.length, 1, JSON.stringify(replies.map((r) => r.status)));
    assert.equal(refused.length, 19);
    const redeemedAt = ok[0].body.redeemedAt;
    for (const r of refused) {
      const error = r.body.error as { details: Json };
      assert.equal(error.details.reason, 'already_redeemed');
      assert.equal(error.details.redeemedAt, redeemedAt);
    }
    const view = await open(`/u/${row.code}`);
    assert.equal(view.body.status, 'redeemed');
    assert.equal(view.body.redeemedAt, redeemedAt);
    assert.equal((await open('/u/NOTACODE0000000000000/redeem', {}, 'POST', {})).status, 404);
  });

  it('an order with redemption secrets: none or a wrong one is 403, the printed one redeems', async () => {
    const o = await order({ name: 'Warranty', redemptionSecret: true });
    assert.equal(o.redemptionSecret, true);
    const batchId = await readyBatch(owner, orgId, String(o.orderId), 2);
    const [row, other] = await csvRows(String(o.orderId), batchId);
    assert.match(row.redemptionSecret, /^[0-9A-Z]{10}$/);
    assert.notEqual(row.redemptionSecret, other.redemptionSecret);
    const none = await open(`/u/${row.code}/redeem`, {}, 'POST', {});
    assert.equal(none.status, 403);
    assert.equal(
      (none.body.error as { details: Json }).details.reason,
      'redemption_secret_required',
    );
    const wrong = await open(`/u/${row.code}/redeem`, {}, 'POST', {
      secret: other.redemptionSecret,
    });
    assert.equal(wrong.status, 403);
    assert.equal((wrong.body.error as { details: Json }).details.reason, 'redemption_secret_wrong');
    // As a person types it: lower case, with a dash.
    const typed =
      `${row.redemptionSecret.slice(0, 5)}-${row.redemptionSecret.slice(5)}`.toLowerCase();
    const good = await open(`/u/${row.code}/redeem`, {}, 'POST', { secret: typed });
    assert.equal(good.status, 200, JSON.stringify(good.body));
    const extra = await open(`/u/${row.code}/redeem`, {}, 'POST', { secret: 'x', other: 1 });
    assert.equal(extra.status, 400, 'unknown fields are refused');
  });

  it('a master case for one batch: its QR encodes /u/{masterCode}, which opens its page; another batch’s link is 409', async () => {
    const o = await order({ name: 'Cases', productName: 'Mug' });
    const orderId = String(o.orderId);
    const [batchA, batchB] = [
      await readyBatch(owner, orgId, orderId, 1),
      await readyBatch(owner, orgId, orderId, 1),
    ];
    const master = await call<Json>('POST', `${base()}/masters`, {
      token: owner.idToken,
      body: { orderId, expectedUnits: 5, batchId: batchA },
    });
    assert.equal(master.status, 201, JSON.stringify(master.body));
    assert.equal(master.body.batchId, batchA);
    const masterCode = String(master.body.masterCode);
    assert.equal(master.body.scanUrl, `${publicBaseUrl()}/u/${masterCode}`);
    const qr = await fetch(`${functionUrl('api')}${base()}/masters/${masterCode}/qr`, {
      headers: { authorization: `Bearer ${owner.idToken}` },
    });
    assert.equal(qr.status, 200);
    const etag = qr.headers.get('etag') ?? '';
    assert.equal(decodePng(Buffer.from(await qr.arrayBuffer())), master.body.scanUrl);
    const cached = await call('GET', `${base()}/masters/${masterCode}/qr`, {
      token: owner.idToken,
      headers: { 'if-none-match': etag },
    });
    assert.equal(cached.status, 304);
    const page = await open(`/u/${masterCode}`);
    assert.equal(page.status, 200);
    assert.equal(page.body.kind, 'master');
    assert.deepEqual(page.body.product, { name: 'Mug', sku: null, gtin: null });

    const link = await call<{ error: { details: Json } }>(
      'POST',
      `${base()}/masters/${masterCode}/link-from-queue`,
      { token: owner.idToken, body: { orderId, batchId: batchB, targetUnits: 1 } },
    );
    assert.equal(link.status, 409);
    assert.deepEqual(link.body.error.details, {
      reason: 'batch_mismatch',
      masterBatchId: batchA,
      batchId: batchB,
    });
    const missing = await call('POST', `${base()}/masters`, {
      token: owner.idToken,
      body: { orderId, expectedUnits: 5, batchId: 'no-such-batch' },
    });
    assert.equal(missing.status, 404);
  });

  it('GET /prep-jobs lists jobs newest first, by status, order and batch, with a cursor', async () => {
    const o = await order({ name: 'Prep' });
    const orderId = String(o.orderId);
    const batchId = await readyBatch(owner, orgId, orderId, 2);
    const jobIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const job = await call<{ jobId: string }>('POST', `${base()}/prep-jobs`, {
        token: owner.idToken,
        body: { orderId, batchId },
      });
      assert.equal(job.status, 202, JSON.stringify(job.body));
      jobIds.push(job.body.jobId);
      await waitForJob(owner, orgId, job.body.jobId);
    }
    type Page = { jobs: { jobId: string; status: string }[]; nextPageToken: string | null };
    const all = await call<Page>('GET', `${base()}/prep-jobs?batchId=${batchId}`, {
      token: owner.idToken,
    });
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.deepEqual(
      all.body.jobs.map((j) => j.jobId),
      [...jobIds].reverse(),
    );
    const first = await call<Page>(
      'GET',
      `${base()}/prep-jobs?orderId=${orderId}&status=completed&limit=2`,
      { token: owner.idToken },
    );
    assert.deepEqual(
      first.body.jobs.map((j) => j.jobId),
      [jobIds[2], jobIds[1]],
    );
    assert.ok(first.body.nextPageToken);
    const rest = await call<Page>(
      'GET',
      `${base()}/prep-jobs?orderId=${orderId}&status=completed&limit=2&pageToken=${first.body.nextPageToken}`,
      { token: owner.idToken },
    );
    assert.deepEqual(
      rest.body.jobs.map((j) => j.jobId),
      [jobIds[0]],
    );
    const failed = await call<Page>(
      'GET',
      `${base()}/prep-jobs?orderId=${orderId}&batchId=${batchId}&status=failed`,
      { token: owner.idToken },
    );
    assert.deepEqual(failed.body.jobs, []);
    const recent = await call<Page>('GET', `${base()}/prep-jobs?limit=1`, { token: owner.idToken });
    assert.deepEqual(
      recent.body.jobs.map((j) => j.jobId),
      [jobIds[2]],
    );
    const bad = await call('GET', `${base()}/prep-jobs?status=done`, { token: owner.idToken });
    assert.equal(bad.status, 400);
  });

  it('a unit made before the /u/ lookup resolves once its label URL is handed out (codes.csv, QR)', async () => {
    const o = await order({ name: 'Old run' });
    const orderId = String(o.orderId);
    const batchId = await readyBatch(owner, orgId, orderId, 2);
    const [a, b] = await csvRows(orderId, batchId);
    // As a unit generated before issue 24: no lookup.
    await Promise.all([a, b].map((r) => db().doc(`productCodes/${r.code}`).delete()));
    assert.equal((await open(`/u/${a.code}`)).status, 404);
    await csvRows(orderId, batchId);
    assert.equal((await open(`/u/${a.code}`)).status, 200, 'after codes.csv');
    await db().doc(`productCodes/${b.code}`).delete();
    const qr = await call(
      'GET',
      `${base()}/orders/${orderId}/batches/${batchId}/codes/${b.code}/qr`,
      {
        token: owner.idToken,
      },
    );
    assert.equal(qr.status, 200);
    assert.equal((await open(`/u/${b.code}`)).status, 200, 'after its QR');
  });

  it('units and masters made before the lookup resolve after the backfill, which writes each missing lookup once', async () => {
    const o = await order({ name: 'Older run', productName: 'Jar' });
    const orderId = String(o.orderId);
    const batchId = await readyBatch(owner, orgId, orderId, 3);
    const [a, b, c] = await csvRows(orderId, batchId);
    const master = await call<Json>('POST', `${base()}/masters`, {
      token: owner.idToken,
      body: { orderId, expectedUnits: 3, batchId },
    });
    assert.equal(master.status, 201, JSON.stringify(master.body));
    const masterCode = String(master.body.masterCode);
    // As codes made before issue 24: no lookups. b's code is held by another organisation.
    await Promise.all(
      [a.code, c.code, masterCode].map((k) => db().doc(`productCodes/${k}`).delete()),
    );
    await db().doc(`productCodes/${b.code}`).set({ orgId: 'someone-else', kind: 'unit' });
    assert.equal((await open(`/u/${a.code}`)).status, 404, 'no lookup, no query: a 404');
    assert.equal((await open(`/u/${masterCode}`)).status, 404);
    assert.equal((await open(`/u/${a.code}/redeem`, {}, 'POST', {})).status, 404);

    // From the start, in small pages, through every organisation's codes and masters.
    await db().doc('scheduleState/productCodeBackfill').delete();
    const run = await backfillToTheEnd();
    assert.equal(run.phase, 'done');
    assert.ok(run.pages >= 1, `pages ${run.pages}`);
    assert.ok(run.written >= 3, `written ${run.written}`);
    const lookup = async (k: string) => (await db().doc(`productCodes/${k}`).get()).data();
    assert.deepEqual(await lookup(a.code), { orgId, kind: 'unit' });
    assert.deepEqual(await lookup(c.code), { orgId, kind: 'unit' });
    assert.deepEqual(await lookup(masterCode), { orgId, kind: 'master' });
    assert.deepEqual(await lookup(b.code), { orgId: 'someone-else', kind: 'unit' }, 'left');
    const state = (await db().doc('scheduleState/productCodeBackfill').get()).data() ?? {};
    assert.equal(state.phase, 'done');
    assert.equal(state.written, run.written);

    const unit = await open(`/u/${a.code}`);
    assert.equal(unit.status, 200);
    assert.equal(unit.body.genuine, true);
    assert.equal(unit.body.kind, 'unit');
    assert.equal((unit.body.product as Json).name, 'Jar');
    const box = await open(`/u/${masterCode}`);
    assert.equal(box.status, 200);
    assert.equal(box.body.kind, 'master');
    const redeemed = await open(`/u/${c.code}/redeem`, {}, 'POST', {});
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));

    // Done: a run is one read and does nothing. Walked again from the start: nothing twice.
    assert.deepEqual(await runProductCodeBackfill(), {
      phase: 'done',
      pages: 0,
      visited: 0,
      written: 0,
    });
    await db().doc('scheduleState/productCodeBackfill').delete();
    const again = await backfillToTheEnd();
    assert.equal(again.written, 0);
    assert.ok(again.visited >= run.visited);

    // A walk that stops part-way resumes from its cursor, and the schedule runs on the host.
    await db().doc(`productCodes/${a.code}`).delete();
    await db().doc('scheduleState/productCodeBackfill').delete();
    const part = await runProductCodeBackfill({ pageSize: 1, maxPages: 1 });
    assert.equal(part.phase, 'codes');
    assert.equal(part.pages, 1);
    const cursor = (await db().doc('scheduleState/productCodeBackfill').get()).get('after');
    assert.match(String(cursor), /^organizations\/[^/]+\/codes\/[^/]+$/);
    // Each scheduled run does a bounded part; the whole stack's codes (every test's) may need more.
    for (let run = 0; run < 50; run++) {
      const hosted = await fetch(`${functionsOrigin()}/_schedules/backfillProductCodes/run`, {
        method: 'POST',
      });
      assert.equal(hosted.status, 200, await hosted.text());
      const phase = (await db().doc('scheduleState/productCodeBackfill').get()).get('phase');
      if (phase === 'done') break;
    }
    assert.equal((await db().doc('scheduleState/productCodeBackfill').get()).get('phase'), 'done');
    assert.deepEqual(await lookup(a.code), { orgId, kind: 'unit' });
  });

  it('an unknown code, scanned or redeemed, writes nothing', async () => {
    const count = async () => ({
      lookups: (await db().collection('productCodes').count().get()).data().count,
      scans: (await db().collectionGroup('scans').count().get()).data().count,
      totals: (await db().collectionGroup('scanTotals').count().get()).data().count,
    });
    const before = await count();
    const codes = ['NOTACODE0000000000001', 'ZZZZZZZZZZZZZZZZZZZZ', 'M0000000000000000000A'];
    for (const k of codes) {
      assert.equal((await open(`/u/${k}`)).status, 404);
      assert.equal((await open(`/u/${k}`, { accept: 'text/html' })).status, 404);
      assert.equal((await open(`/u/${k}/redeem`, {}, 'POST', {})).status, 404);
      assert.equal((await open(`/01/04006381333931/21/${k}`)).status, 404);
      assert.equal((await db().doc(`productCodes/${k}`).get()).exists, false);
    }
    assert.deepEqual(await count(), before);
  });
});
