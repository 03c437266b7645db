// Manufacturing through the local stack, over real HTTP: a 10 000-code batch prepared by a prep
// job, 100-code links one at a time and 20 at once, and a 100 000-code batch generated with the
// stack process's peak memory. Each next to the same number of plain firebase-admin writes in
// the same run (BulkWriter for the background work, one WriteBatch for a link).
import { createRequire } from 'node:module';
import { median, round } from '../lib/measure.mjs';
import { pointSdksAt, startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const PROJECT = 'demo-qr-assets';
const PREP_UNITS = 10_000;
const LINK_UNITS = 100;
const LINK_RUNS = 20;
const CONCURRENT = 20;
const BIG_BATCH = 100_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms) => round(ms / 1000, 2);
const MiB = (bytes) => round(bytes / 2 ** 20, 0);

function client(stack, token) {
  const base = `http://${stack.functions}/${PROJECT}/us-central1/api`;
  const request = async (method, path, body) => {
    for (;;) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = await res.json();
      // The bench polls a lot: wait out the per-caller rate limit instead of failing.
      if (res.status === 429) {
        await sleep(1000 * (json.error?.details?.retryAfterSeconds ?? 1));
        continue;
      }
      if (res.status >= 300) {
        throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      }
      return json;
    }
  };
  return {
    post: (path, body) => request('POST', path, body),
    get: (path) => request('GET', path),
  };
}

/** Polls until `probe` answers truthy; returns the time since `start`. */
async function until(start, probe, timeoutMs = 600_000, pollMs = 50) {
  for (;;) {
    if (await probe()) return Number(process.hrtime.bigint() - start) / 1e6;
    if (Number(process.hrtime.bigint() - start) / 1e6 > timeoutMs) throw new Error('timed out');
    await sleep(pollMs);
  }
}

async function withStack(fn) {
  const stack = await startStackProcess();
  pointSdksAt(stack, PROJECT);
  const { signInAs } = require('../../emulator/lib/src/index.js');
  const { initializeApp, deleteApp } = require('firebase-admin/app');
  const { getFirestore } = require('firebase-admin/firestore');
  const app = initializeApp({ projectId: PROJECT }, `bench-mf-${Date.now()}`);
  try {
    const user = await signInAs(stack.auth, PROJECT, 'bench-maker@example.com');
    const api = client(stack, user.idToken);
    const orgId = `bench-${Date.now()}`;
    await api.post('/v1/orgs', { orgId, name: 'Bench factory' });
    const { orderId } = await api.post(`/v1/orgs/${orgId}/orders`, { name: 'Bench order' });
    return await fn({ stack, api, orgId, orderId, db: getFirestore(app) });
  } finally {
    await deleteApp(app);
    await stack.stop();
  }
}

/** `count` plain creates through an unthrottled BulkWriter, as the worker's documents look. */
async function plainBulkCreates(db, path, count) {
  const start = process.hrtime.bigint();
  const bulk = db.bulkWriter({ throttling: false });
  for (let i = 1; i <= count; i++) {
    void bulk.create(db.collection(path).doc(`c${i}`), {
      orderId: 'o',
      batchId: 'b',
      code: `CODE${String(i).padStart(16, '0')}`,
      seq: i,
      status: 'prepared',
      createdAt: new Date(),
    });
    if (i % 1000 === 0) await bulk.flush();
  }
  await bulk.close();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function batchReady(api, orgId, orderId, units) {
  const start = process.hrtime.bigint();
  const { batchId } = await api.post(`/v1/orgs/${orgId}/orders/${orderId}/batches`, { units });
  const ms = await until(start, async () => {
    const b = await api.get(`/v1/orgs/${orgId}/orders/${orderId}/batches/${batchId}`);
    if (b.status === 'failed') throw new Error(`batch failed: ${b.errorMessage}`);
    return b.status === 'ready';
  });
  return { batchId, ms };
}

async function jobDone(api, orgId, jobId, pollMs = 50) {
  const start = process.hrtime.bigint();
  return until(
    start,
    async () => {
      const job = await api.get(`/v1/orgs/${orgId}/prep-jobs/${jobId}`);
      if (job.status === 'failed') throw new Error(`job failed: ${job.errorMessage}`);
      return job.status === 'completed';
    },
    600_000,
    pollMs,
  );
}

/** A batch of `units` codes, generated and prepared (for the anchor's separate queues). */
async function preparedBatch(api, orgId, orderId, units) {
  const { batchId } = await batchReady(api, orgId, orderId, units);
  const { jobId } = await api.post(`/v1/orgs/${orgId}/prep-jobs`, { orderId, batchId });
  await jobDone(api, orgId, jobId, 250);
  return batchId;
}

async function prepAndLink() {
  return withStack(async ({ api, orgId, orderId, db }) => {
    const { batchId } = await batchReady(api, orgId, orderId, PREP_UNITS);
    const start = process.hrtime.bigint();
    const { jobId } = await api.post(`/v1/orgs/${orgId}/prep-jobs`, { orderId, batchId });
    await jobDone(api, orgId, jobId);
    const prepMs = Number(process.hrtime.bigint() - start) / 1e6;
    const prepAnchorMs = await plainBulkCreates(db, `scratch/${orgId}/prepared`, PREP_UNITS);

    const newMaster = async () =>
      (await api.post(`/v1/orgs/${orgId}/masters`, { orderId, expectedUnits: LINK_UNITS }))
        .masterCode;
    const link = async (masterCode, fromBatch = batchId) => {
      const t = process.hrtime.bigint();
      const reply = await api.post(`/v1/orgs/${orgId}/masters/${masterCode}/link-from-queue`, {
        orderId,
        batchId: fromBatch,
        targetUnits: LINK_UNITS,
      });
      return { ms: Number(process.hrtime.bigint() - t) / 1e6, tries: reply.tries };
    };
    // Warm-up, then 20 links one after another.
    await link(await newMaster());
    const single = [];
    for (let i = 0; i < LINK_RUNS; i++) single.push((await link(await newMaster())).ms);
    // The anchor: one WriteBatch of the same 201 updates a link commits, from this process.
    const anchorTimes = [];
    const codes = await db
      .collection(`scratch/${orgId}/prepared`)
      .limit(LINK_UNITS * 2)
      .get();
    for (let i = 0; i < LINK_RUNS; i++) {
      const t = process.hrtime.bigint();
      const batch = db.batch();
      for (const doc of codes.docs) batch.update(doc.ref, { status: 'consumed', run: i });
      batch.set(db.doc(`scratch/${orgId}/masters/m`), { actualUnits: i });
      await batch.commit();
      anchorTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    // The anchor: as many links at once, each from its own batch's queue (no contention).
    const own = [];
    for (let i = 0; i < CONCURRENT; i++) {
      own.push(await preparedBatch(api, orgId, orderId, LINK_UNITS));
    }
    const newMasters = async () => {
      const list = [];
      for (let i = 0; i < CONCURRENT; i++) list.push(await newMaster());
      return list;
    };
    const apart = await newMasters();
    const ta = process.hrtime.bigint();
    await Promise.all(apart.map((m, i) => link(m, own[i])));
    const apartMs = Number(process.hrtime.bigint() - ta) / 1e6;
    const masters = await newMasters();
    const t = process.hrtime.bigint();
    const together = await Promise.all(masters.map((m) => link(m)));
    const concurrentMs = Number(process.hrtime.bigint() - t) / 1e6;
    const tries = together.map((r) => r.tries);
    return {
      prepMs,
      prepAnchorMs,
      singleMs: median(single),
      anchorMs: median(anchorTimes),
      concurrentMs,
      apartMs,
      maxTries: Math.max(...tries),
      meanTries: tries.reduce((a, b) => a + b, 0) / tries.length,
    };
  });
}

async function bigBatch() {
  return withStack(async ({ stack, api, orgId, orderId }) => {
    const before = await stack.peakRss();
    const { ms } = await batchReady(api, orgId, orderId, BIG_BATCH);
    return { ms, before, peak: await stack.peakRss() };
  });
}

async function bigAnchor() {
  return withStack(async ({ stack, orgId, db }) => {
    const before = await stack.peakRss();
    const ms = await plainBulkCreates(db, `scratch/${orgId}/codes`, BIG_BATCH);
    return { ms, before, peak: await stack.peakRss() };
  });
}

export async function run() {
  const p = await prepAndLink();
  const big = await bigBatch();
  const anchor = await bigAnchor();
  return [
    {
      name: `prep job, ${PREP_UNITS} codes queued (POST to completed, goal < 20 s)`,
      unit: 's',
      value: seconds(p.prepMs),
      anchor: `${PREP_UNITS} plain BulkWriter creates from the bench process`,
      anchorValue: seconds(p.prepAnchorMs),
    },
    {
      name: `link-from-queue, ${LINK_UNITS} codes, median of ${LINK_RUNS} (goal < 1 s)`,
      unit: 'ms',
      value: round(p.singleMs, 0),
      anchor: `one WriteBatch of ${LINK_UNITS * 2 + 1} updates from the bench process`,
      anchorValue: round(p.anchorMs, 0),
    },
    {
      name: `${CONCURRENT} concurrent ${LINK_UNITS}-code links on one queue, all done`,
      unit: 'ms',
      value: round(p.concurrentMs, 0),
      anchor: `${CONCURRENT} concurrent links, each from its own batch's queue`,
      anchorValue: round(p.apartMs, 0),
    },
    {
      name: `${CONCURRENT} concurrent links: tries per link, mean (max ${p.maxTries})`,
      unit: 'tries',
      value: round(p.meanTries, 2),
    },
    {
      name: `batch of ${BIG_BATCH} codes generated (POST to ready)`,
      unit: 's',
      value: seconds(big.ms),
      anchor: `${BIG_BATCH} plain BulkWriter creates, fresh stack`,
      anchorValue: seconds(anchor.ms),
    },
    {
      name: `batch of ${BIG_BATCH} codes: stack process peak RSS (${MiB(big.before)} MiB before)`,
      unit: 'MiB',
      value: MiB(big.peak),
      anchor: `peak RSS of the plain creates' stack (${MiB(anchor.before)} MiB before)`,
      anchorValue: MiB(anchor.peak),
    },
  ];
}
