// Manufacturing end to end through the local stack: orders, a 1 000-code batch generated in the
// background, codes (list, CSV, QR), prep jobs with exclude lists, masters and the link from
// the queue, forward-only statuses, and who may do what.
import { strict as assert } from 'node:assert';
import { waitFor } from './support/wait';
import { db } from '../src/data/firebase';
import type { SignedIn } from 'emulator';
import { addMember, call, createOrg, newUser } from './support/api';
import { decodePng } from './support/qrDecode';
import { publicBaseUrl } from '../src/config';
import { functionUrl } from './support/stack';
import {
  batchCodeDocs,
  get,
  newOrder,
  post,
  queueEntries,
  readyBatch,
  waitForJob,
  type Json,
} from './support/manufacturing';

type ErrorReply = { error: { code: string; message: string; details?: Json } };

interface LinkReply {
  masterCodeInfo: {
    masterCode: string;
    caseNumber: number;
    expectedUnits: number;
    actualUnits: number;
  };
  linkedCodes: string[];
  linkedCount: number;
  consumedCount: number;
  fromQueue: boolean;
}

describe('manufacturing: a 1 000-code batch end to end', function () {
  this.timeout(120_000);
  let owner: SignedIn;
  let orgId: string;
  let orderId: string;
  let batchId: string;
  const base = () => `/v1/orgs/${orgId}`;

  before(async () => {
    owner = await newUser('owner');
    orgId = await createOrg(owner);
    orderId = await newOrder(owner, orgId);
  });

  it('generates the batch in the background, with progress, unique unguessable codes in sequence', async () => {
    const created = await post<Json>(
      owner.idToken,
      `${base()}/orders/${orderId}/batches`,
      { units: 1000, prefix: 'AC-' },
      202,
    );
    assert.equal(created.status, 'generating');
    batchId = String(created.batchId);
    const batch = await waitFor(
      async () => {
        const b = await get<Json>(owner.idToken, `${base()}/orders/${orderId}/batches/${batchId}`);
        assert.ok(Number(b.generatedCount) <= 1000);
        assert.ok(Number(b.progress) >= 0 && Number(b.progress) <= 100);
        if (b.status === 'ready') return b;
        assert.equal(b.status, 'generating');
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    assert.equal(batch.units, 1000);
    assert.equal(batch.generatedCount, 1000);
    assert.equal(batch.progress, 100);
    assert.equal(batch.codeSecret, undefined, 'the batch secret never leaves the server');
    // Nor is it in the batch document, which client rules let members read.
    const stored = await db()
      .doc(`organizations/${orgId}/orders/${orderId}/batches/${batchId}`)
      .get();
    assert.equal(stored.get('codeSecret'), undefined);
    const secret = await db().doc(`batchSecrets/${orgId}~${orderId}~${batchId}`).get();
    assert.match(String(secret.get('secret')), /.{16,}/);
    const codes = await batchCodeDocs(orgId, batchId);
    assert.equal(codes.size, 1000);
    const seqs = [...codes.values()].map((c) => c.seq).sort((a, b) => a - b);
    assert.deepEqual(
      seqs,
      Array.from({ length: 1000 }, (_, i) => i + 1),
    );
    for (const [code, c] of codes) {
      assert.match(code, /^AC-[0-9A-HJKMNP-TV-Z]{20}$/);
      assert.equal(c.status, 'generated');
    }
  });

  it('pages through the codes, filters by status, and streams them all as CSV', async () => {
    const seen: string[] = [];
    let pageToken: string | null = null;
    do {
      const q: string = pageToken ? `&pageToken=${pageToken}` : '';
      const page: { codes: { code: string; seq: number }[]; nextPageToken: string | null } =
        await get(
          owner.idToken,
          `${base()}/orders/${orderId}/batches/${batchId}/codes?limit=300${q}`,
        );
      seen.push(...page.codes.map((c) => c.code));
      if (page.codes.length > 1) assert.ok(page.codes[0]!.seq < page.codes[1]!.seq);
      pageToken = page.nextPageToken;
    } while (pageToken);
    assert.equal(seen.length, 1000);
    assert.equal(new Set(seen).size, 1000);
    const packed = await get<{ codes: unknown[] }>(
      owner.idToken,
      `${base()}/orders/${orderId}/batches/${batchId}/codes?status=packed`,
    );
    assert.equal(packed.codes.length, 0);
    const bad = await call<ErrorReply>(
      'GET',
      `${base()}/orders/${orderId}/batches/${batchId}/codes?status=lost`,
      {
        token: owner.idToken,
      },
    );
    assert.equal(bad.status, 400);

    const csv = await call<string>(
      'GET',
      `${base()}/orders/${orderId}/batches/${batchId}/codes.csv`,
      {
        token: owner.idToken,
      },
    );
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    assert.equal(lines[0], 'seq,code,status,masterCode,statusChangedAt,url');
    assert.match(
      lines[1].split(',')[5],
      /^https?:\/\/.*\/u\/[A-Za-z0-9_-]+$/,
      'what the label encodes',
    );
    assert.equal(lines.length, 1001);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(',')[1]),
      seen,
      'the CSV holds every code once, in sequence order',
    );
  });

  it("renders a unit code's QR image on demand, with ETag and 304", async () => {
    const code = [...(await batchCodeDocs(orgId, batchId)).entries()].find(
      ([, c]) => c.seq === 7,
    )![0];
    const path = `${base()}/orders/${orderId}/batches/${batchId}/codes/${code}/qr`;
    const reply = await call<string>('GET', path, { token: owner.idToken });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'image/png');
    const png = await rawPng(path, owner.idToken);
    // A consumer's phone opens the code's page (issue 24): the label encodes its /u/ URL.
    assert.equal(decodePng(png), `${publicBaseUrl()}/u/${code}`);
    const etag = reply.headers.get('etag') ?? '';
    const again = await call('GET', path, {
      token: owner.idToken,
      headers: { 'if-none-match': etag },
    });
    assert.equal(again.status, 304);
    const elsewhere = await call<ErrorReply>(
      'GET',
      `${base()}/orders/${orderId}/batches/other-batch/codes/${code}/qr`,
      { token: owner.idToken },
    );
    assert.equal(elsewhere.status, 404);
  });

  let jobId: string;
  it('prepares the batch with an exclude list that has unknown codes', async () => {
    const codes = [...(await batchCodeDocs(orgId, batchId)).entries()].sort(
      (a, b) => a[1].seq - b[1].seq,
    );
    const excluded = [codes[0]![0], codes[10]![0], codes[999]![0]];
    const created = await post<Json>(
      owner.idToken,
      `${base()}/prep-jobs`,
      {
        orderId,
        batchId,
        excludeCodes: [...excluded, excluded[0], 'NOT-A-CODE', 'bad code!', ' '],
      },
      202,
    );
    assert.equal(created.status, 'queued');
    assert.equal(created.excludeCount, 3);
    assert.deepEqual(created.unknownExcludeCodes, ['bad code!', 'NOT-A-CODE']);
    jobId = String(created.jobId);
    const job = await waitForJob(owner, orgId, jobId);
    assert.equal(job.progress, 100);
    assert.equal(job.preparedCount, 997);
    assert.equal(job.remainingToPrepare, 0);
    assert.equal(job.totalAvailableInBatch, 1000);
    assert.deepEqual(job.resultSummary, {
      prepared: 997,
      duplicates: 0,
      invalid: 0,
      totalAvailable: 1000,
      excludedCount: 3,
    });
    const entries = await queueEntries(orgId, batchId);
    assert.equal(entries.length, 997);
    assert.ok(entries.every((e) => e.status === 'prepared' && !excluded.includes(e.code)));
    const logs = await get<{ logs: { level: string; message: string; at: string }[] }>(
      owner.idToken,
      `${base()}/prep-jobs/${jobId}/logs`,
    );
    assert.ok(logs.logs.some((l) => l.level === 'warn' && /2 exclude codes/.test(l.message)));
    assert.ok(
      logs.logs.some((l) => l.level === 'info' && /^completed: 997 prepared/.test(l.message)),
    );
    assert.ok(logs.logs.every((l) => typeof l.at === 'string'));
  });

  it('links from the queue in sequence order; refuses over-filling and a short queue', async () => {
    const master = await post<Json>(
      owner.idToken,
      `${base()}/masters`,
      { orderId, expectedUnits: 300 },
      201,
    );
    assert.equal(master.caseNumber, 1);
    assert.equal(master.actualUnits, 0);
    const masterCode = String(master.masterCode);
    assert.match(masterCode, /^M[0-9A-HJKMNP-TV-Z]{20}$/);
    const link = (body: Json) =>
      call<LinkReply & ErrorReply>('POST', `${base()}/masters/${masterCode}/link-from-queue`, {
        token: owner.idToken,
        body: { orderId, batchId, ...body },
      });
    const first = await link({ targetUnits: 240 });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.linkedCount, 240);
    assert.equal(first.body.consumedCount, 240);
    assert.equal(first.body.fromQueue, true);
    assert.deepEqual(first.body.masterCodeInfo, {
      masterCode,
      caseNumber: 1,
      expectedUnits: 300,
      actualUnits: 240,
    });
    const codes = await batchCodeDocs(orgId, batchId);
    // The head of the queue: sequence numbers 2..241 except the excluded 11.
    const expected = [...codes.entries()]
      .filter(([, c]) => c.seq >= 2 && c.seq <= 242 && c.seq !== 11)
      .sort((a, b) => a[1].seq - b[1].seq)
      .map(([code]) => code);
    assert.deepEqual(first.body.linkedCodes, expected);
    for (const code of expected) {
      assert.equal(codes.get(code)?.status, 'packed');
      assert.equal(codes.get(code)?.masterCode, masterCode);
    }

    const over = await link({ targetUnits: 61 });
    assert.equal(over.status, 409);
    assert.equal(over.body.error.details?.reason, 'overfill');
    const partial = await link({ targetUnits: 100, allowPartial: true });
    assert.equal(partial.status, 200);
    assert.equal(partial.body.linkedCount, 60);
    assert.equal(partial.body.masterCodeInfo.actualUnits, 300);
    const full = await link({ targetUnits: 1, allowPartial: true });
    assert.equal(full.status, 409);

    const shown = await get<{ actualUnits: number; linkedCodes: { code: string }[] }>(
      owner.idToken,
      `${base()}/masters/${masterCode}`,
    );
    assert.equal(shown.actualUnits, 300);
    assert.deepEqual(
      shown.linkedCodes.map((c) => c.code),
      [...first.body.linkedCodes, ...partial.body.linkedCodes],
    );

    // 997 - 300 = 697 left in the queue.
    const big = await post<Json>(
      owner.idToken,
      `${base()}/masters`,
      { orderId, expectedUnits: 5000 },
      201,
    );
    assert.equal(big.caseNumber, 2);
    const linkBig = (body: Json) =>
      call<LinkReply & ErrorReply>(
        'POST',
        `${base()}/masters/${String(big.masterCode)}/link-from-queue`,
        {
          token: owner.idToken,
          body: { orderId, batchId, ...body },
        },
      );
    for (let i = 0; i < 2; i += 1) assert.equal((await linkBig({ targetUnits: 240 })).status, 200);
    const short = await linkBig({ targetUnits: 240 });
    assert.equal(short.status, 409);
    assert.equal(short.body.error.details?.reason, 'queue_short');
    assert.equal(short.body.error.details?.available, 217);
    const rest = await linkBig({ targetUnits: 240, allowPartial: true });
    assert.equal(rest.status, 200);
    assert.equal(rest.body.linkedCount, 217);
    const entries = await queueEntries(orgId, batchId);
    assert.equal(entries.filter((e) => e.status === 'consumed').length, 997);
    const after = await batchCodeDocs(orgId, batchId);
    assert.equal([...after.values()].filter((c) => c.status === 'packed').length, 997);
  });

  it('validates bodies and case numbers', async () => {
    const badBatch = await call<ErrorReply>('POST', `${base()}/orders/${orderId}/batches`, {
      token: owner.idToken,
      body: { units: 100_001, prefix: 'a/b' },
    });
    assert.equal(badBatch.status, 400);
    assert.match(badBatch.body.error.message, /units/);
    assert.match(badBatch.body.error.message, /prefix/);
    const zero = await call('POST', `${base()}/orders/${orderId}/batches`, {
      token: owner.idToken,
      body: { units: 0 },
    });
    assert.equal(zero.status, 400);
    const noOrder = await call('POST', `${base()}/orders/nope/batches`, {
      token: owner.idToken,
      body: { units: 5 },
    });
    assert.equal(noOrder.status, 404);
    const badLink = await call<ErrorReply>('POST', `${base()}/masters/MXYZ/link-from-queue`, {
      token: owner.idToken,
      body: { orderId, batchId, targetUnits: 501 },
    });
    assert.equal(badLink.status, 400);
    const taken = await call<ErrorReply>('POST', `${base()}/masters`, {
      token: owner.idToken,
      body: { orderId, expectedUnits: 10, caseNumber: 2 },
    });
    assert.equal(taken.status, 409);
    const picked = await post<Json>(
      owner.idToken,
      `${base()}/masters`,
      { orderId, expectedUnits: 10, caseNumber: 7 },
      201,
    );
    assert.equal(picked.caseNumber, 7);
    const next = await post<Json>(
      owner.idToken,
      `${base()}/masters`,
      { orderId, expectedUnits: 10 },
      201,
    );
    assert.equal(next.caseNumber, 8);
    const dupOrder = await call('POST', `${base()}/orders`, {
      token: owner.idToken,
      body: { orderId, name: 'again' },
    });
    assert.equal(dupOrder.status, 409);
    const notReady = await call<ErrorReply>('POST', `${base()}/prep-jobs`, {
      token: owner.idToken,
      body: { orderId, batchId: 'missing' },
    });
    assert.equal(notReady.status, 404);
  });
});

describe('manufacturing: statuses move only forwards', function () {
  this.timeout(60_000);

  it('refuses every backward or repeated change, packs only by linking, and drops the queue entry of a code that left generated', async () => {
    const owner = await newUser('owner');
    const orgId = await createOrg(owner);
    const orderId = await newOrder(owner, orgId);
    const batchId = await readyBatch(owner, orgId, orderId, 6);
    const codes = [...(await batchCodeDocs(orgId, batchId)).entries()]
      .sort((a, b) => a[1].seq - b[1].seq)
      .map(([code]) => code);
    const job = await post<Json>(
      owner.idToken,
      `/v1/orgs/${orgId}/prep-jobs`,
      { orderId, batchId },
      202,
    );
    await waitForJob(owner, orgId, String(job.jobId));
    const set = (code: string, status: string) =>
      call<Json & ErrorReply>(
        'PATCH',
        `/v1/orgs/${orgId}/orders/${orderId}/batches/${batchId}/codes/${code}`,
        {
          token: owner.idToken,
          body: { status },
        },
      );
    const [first, second] = codes as [string, string];
    assert.equal((await set(first, 'packed')).status, 409, 'packing needs a master case');
    assert.equal((await set(first, 'generated')).status, 409, 'already generated');
    const shipped = await set(first, 'shipped');
    assert.equal(shipped.status, 200);
    assert.equal(shipped.body.status, 'shipped');
    for (const back of ['generated', 'packed', 'shipped']) {
      const reply = await set(first, back);
      assert.equal(reply.status, 409, `shipped -> ${back}`);
      assert.equal(reply.body.error.details?.status, 'shipped');
    }
    assert.equal((await set(first, 'redeemed')).status, 200, 'skipping ahead is allowed');
    assert.equal((await set(first, 'scanned')).status, 409);
    assert.equal((await set(first, 'lost')).status, 400);
    // The shipped code's queue entry is no longer prepared, so a link skips it.
    const master = await post<Json>(
      owner.idToken,
      `/v1/orgs/${orgId}/masters`,
      { orderId, expectedUnits: 2 },
      201,
    );
    const linked = await post<LinkReply>(
      owner.idToken,
      `/v1/orgs/${orgId}/masters/${String(master.masterCode)}/link-from-queue`,
      { orderId, batchId, targetUnits: 2 },
    );
    assert.deepEqual(linked.linkedCodes, [second, codes[2]]);
    for (const back of ['generated', 'packed']) {
      assert.equal((await set(second, back)).status, 409, `packed -> ${back}`);
    }
    assert.equal((await set(second, 'shipped')).status, 200);
    const final = await batchCodeDocs(orgId, batchId);
    assert.equal(final.get(first)?.status, 'redeemed');
    assert.equal(final.get(second)?.status, 'shipped');
    assert.equal(
      final.get(second)?.masterCode,
      String(master.masterCode),
      'shipping keeps the case',
    );
    const entries = await queueEntries(orgId, batchId);
    assert.equal(entries.find((e) => e.code === first)?.status, 'invalid');
  });
});

describe('manufacturing: roles and organisations', function () {
  this.timeout(60_000);
  let owner: SignedIn;
  let orgId: string;
  let orderId: string;
  let batchId: string;
  let masterCode: string;
  const users: Record<string, SignedIn> = {};

  before(async () => {
    owner = await newUser('owner');
    orgId = await createOrg(owner);
    for (const role of ['editor', 'analyst', 'viewer']) {
      users[role] = await newUser(role);
      await addMember(orgId, owner, users[role]!, role);
    }
    users.outsider = await newUser('outsider');
    orderId = await newOrder(owner, orgId);
    batchId = await readyBatch(owner, orgId, orderId, 3);
    const master = await post<Json>(
      owner.idToken,
      `/v1/orgs/${orgId}/masters`,
      { orderId, expectedUnits: 3 },
      201,
    );
    masterCode = String(master.masterCode);
  });

  const writes = () => [
    { path: `/v1/orgs/${orgId}/orders`, body: { name: 'x' } },
    { path: `/v1/orgs/${orgId}/orders/${orderId}/batches`, body: { units: 1 } },
    { path: `/v1/orgs/${orgId}/masters`, body: { orderId, expectedUnits: 1 } },
    { path: `/v1/orgs/${orgId}/prep-jobs`, body: { orderId, batchId } },
    {
      path: `/v1/orgs/${orgId}/masters/${masterCode}/link-from-queue`,
      body: { orderId, batchId, targetUnits: 1 },
    },
  ];
  const reads = () => [
    `/v1/orgs/${orgId}/orders/${orderId}`,
    `/v1/orgs/${orgId}/orders/${orderId}/batches/${batchId}`,
    `/v1/orgs/${orgId}/orders/${orderId}/batches/${batchId}/codes`,
    `/v1/orgs/${orgId}/orders/${orderId}/batches/${batchId}/codes.csv`,
    `/v1/orgs/${orgId}/masters/${masterCode}`,
  ];

  it('a viewer and an analyst read but do not write', async () => {
    for (const role of ['viewer', 'analyst']) {
      for (const path of reads()) {
        const reply = await call('GET', path, { token: users[role]!.idToken });
        assert.equal(reply.status, 200, `${role} GET ${path}`);
      }
      for (const w of writes()) {
        const reply = await call<ErrorReply>('POST', w.path, {
          token: users[role]!.idToken,
          body: w.body,
        });
        assert.equal(reply.status, 403, `${role} POST ${w.path}`);
        assert.equal(reply.body.error.code, 'permission_denied');
      }
    }
  });

  it('an editor writes', async () => {
    const expected = [201, 202, 201, 202, 409];
    for (const [i, w] of writes().entries()) {
      const reply = await call('POST', w.path, { token: users.editor!.idToken, body: w.body });
      // The link finds the queue empty or not yet prepared: 409 once past the role check.
      if (i === 4)
        assert.ok([200, 409].includes(reply.status), `editor POST ${w.path}: ${reply.status}`);
      else assert.equal(reply.status, expected[i], `editor POST ${w.path}`);
    }
  });

  it('another organisation is refused, and nothing is sent without a token', async () => {
    const otherOwner = await newUser('other');
    const otherOrg = await createOrg(otherOwner);
    for (const path of reads()) {
      const outsider = await call<ErrorReply>('GET', path, { token: users.outsider!.idToken });
      assert.equal(outsider.status, 403, path);
      const foreignOwner = await call('GET', path, { token: otherOwner.idToken });
      assert.equal(foreignOwner.status, 403, path);
      assert.equal((await call('GET', path)).status, 401, path);
    }
    // The other organisation's owner, in their own organisation, cannot reach this batch either.
    const cross = await call('GET', `/v1/orgs/${otherOrg}/orders/${orderId}/batches/${batchId}`, {
      token: otherOwner.idToken,
    });
    assert.equal(cross.status, 404);
    const crossLink = await call(
      'POST',
      `/v1/orgs/${otherOrg}/masters/${masterCode}/link-from-queue`,
      {
        token: otherOwner.idToken,
        body: { orderId, batchId, targetUnits: 1 },
      },
    );
    assert.equal(crossLink.status, 404);
  });
});

/** The image's bytes (the test helper decodes only JSON and text). */
async function rawPng(path: string, token: string): Promise<Buffer> {
  const res = await fetch(`${functionUrl('api')}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}
