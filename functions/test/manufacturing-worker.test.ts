// The prepared queue under pressure: 20 concurrent link requests, two prep jobs on one batch at
// once (with links running meanwhile), a worker that dies mid-run and is replaced after its
// lease runs out, cancel and retry, a code changed behind the queue's back, the sweeper as a
// schedule, and retention.
import { strict as assert } from 'node:assert';
import { Timestamp } from 'firebase-admin/firestore';
import type { SignedIn } from 'emulator';
import { db } from '../src/data/firebase';
import { newJobDocument } from '../src/data/manufacturing/prepJobs';
import { runPrepJob } from '../src/data/manufacturing/prepWorker';
import { sweepPrep } from '../src/data/manufacturing/sweep';
import { call, createOrg, newUser } from './support/api';
import {
  batchCodeDocs,
  get,
  newOrder,
  post,
  queueEntries,
  preparedBatch,
  readyBatch,
  waitForJob,
  type Json,
} from './support/manufacturing';
import { functionsOrigin } from './support/stack';
import { waitFor } from './support/wait';

type ErrorReply = { error: { code: string; message: string; details?: Json } };
type LinkReply = {
  linkedCodes: string[];
  linkedCount: number;
  masterCodeInfo: { masterCode: string; actualUnits: number; expectedUnits: number };
} & Partial<ErrorReply>;

/** The ids of a batch's codes in sequence order. */
async function codesInOrder(orgId: string, batchId: string): Promise<string[]> {
  return [...(await batchCodeDocs(orgId, batchId)).entries()]
    .sort((a, b) => a[1].seq - b[1].seq)
    .map(([code]) => code);
}

/**
 * Checks what must hold whatever ran concurrently: each queue entry is one code; each consumed
 * entry's code is packed into that entry's master; each packed code has exactly one consumed
 * entry; every master's count is the number of codes that name it, and within its capacity.
 */
async function checkInvariants(orgId: string, batchId: string) {
  const codes = await batchCodeDocs(orgId, batchId);
  const entries = await queueEntries(orgId, batchId);
  assert.equal(new Set(entries.map((e) => e.code)).size, entries.length, 'one entry per code');
  const consumed = entries.filter((e) => e.status === 'consumed');
  for (const e of consumed) {
    const code = codes.get(e.code);
    assert.equal(code?.status, 'packed', `${e.code} consumed but ${code?.status}`);
    assert.equal(code?.masterCode, e.masterCode);
  }
  const packed = [...codes.entries()].filter(([, c]) => c.status === 'packed');
  assert.equal(packed.length, consumed.length, 'every packed code came from exactly one entry');
  const perMaster = new Map<string, number>();
  for (const [, c] of packed) perMaster.set(c.masterCode!, (perMaster.get(c.masterCode!) ?? 0) + 1);
  for (const [masterCode, count] of perMaster) {
    const m = (await db().doc(`organizations/${orgId}/masters/${masterCode}`).get()).data()!;
    assert.equal(m.actualUnits, count, `master ${masterCode} counts its codes`);
    assert.ok(count <= Number(m.expectedUnits), `master ${masterCode} over-filled`);
  }
  return {
    consumed: consumed.length,
    prepared: entries.filter((e) => e.status === 'prepared').length,
    perMaster,
  };
}

/** A job already claimed by a worker that is gone (its lease ran out a second ago). */
async function insertAbandonedJob(
  orgId: string,
  orderId: string,
  batchId: string,
  units: number,
  excludeCodes: string[] = [],
): Promise<string> {
  const ref = db().collection(`organizations/${orgId}/prepJobs`).doc();
  await ref.create({
    ...newJobDocument({
      orderId,
      batchId,
      units,
      excludeCodes,
      unknownExcludeCodes: [],
      unknownExcludeCount: 0,
      totalAvailableInBatch: units,
      createdBy: 'test',
    }),
    // Written as running, so the prepJobQueued trigger leaves it alone.
    status: 'running',
    leaseOwner: 'a-worker-that-died',
    claimableAt: Timestamp.fromMillis(Date.now() - 1000),
  });
  return ref.id;
}

const jobDoc = async (orgId: string, jobId: string) =>
  (await db().doc(`organizations/${orgId}/prepJobs/${jobId}`).get()).data()!;

describe('manufacturing: the prepared queue under concurrency', function () {
  this.timeout(180_000);
  let owner: SignedIn;
  let orgId: string;
  let orderId: string;

  before(async () => {
    owner = await newUser('owner');
    orgId = await createOrg(owner);
    orderId = await newOrder(owner, orgId);
  });

  const newMaster = async (expectedUnits: number) =>
    String(
      (
        await post<Json>(
          owner.idToken,
          `/v1/orgs/${orgId}/masters`,
          { orderId, expectedUnits },
          201,
        )
      ).masterCode,
    );

  it('20 concurrent link requests on one queue: every code consumed once, every master exact', async () => {
    const batchId = await preparedBatch(owner, orgId, orderId, 1000);
    const masters: string[] = [];
    for (let i = 0; i < 9; i += 1) masters.push(await newMaster(100));
    const small = await newMaster(60);
    // Two requests of 50 for each master: the nine 100-unit masters fill up exactly; the
    // 60-unit one takes one request and must refuse the other.
    const requests = [...masters, small].flatMap((m) => [m, m]);
    const replies = await Promise.all(
      requests.map((m) =>
        call<LinkReply>('POST', `/v1/orgs/${orgId}/masters/${m}/link-from-queue`, {
          token: owner.idToken,
          body: { orderId, batchId, targetUnits: 50 },
        }),
      ),
    );
    const ok = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status !== 200);
    assert.equal(ok.length, 19, JSON.stringify(refused.map((r) => r.body)));
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.status, 409);
    assert.equal(refused[0]!.body.error?.details?.reason, 'overfill');
    const linked = ok.flatMap((r) => r.body.linkedCodes);
    assert.equal(linked.length, 950);
    assert.equal(new Set(linked).size, 950, 'no code linked twice');
    const state = await checkInvariants(orgId, batchId);
    assert.equal(state.consumed, 950);
    assert.equal(state.prepared, 50);
    for (const m of masters) assert.equal(state.perMaster.get(m), 100);
    assert.equal(state.perMaster.get(small), 50);
    // Within each reply the codes are a run of the queue in sequence order.
    const order = await codesInOrder(orgId, batchId);
    const position = new Map(order.map((c, i) => [c, i]));
    for (const r of ok) {
      const seqs = r.body.linkedCodes.map((c) => position.get(c)!);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
      );
    }
  });

  it('two prep jobs on one batch at once, with links running meanwhile', async () => {
    const batchId = await readyBatch(owner, orgId, orderId, 600);
    const [a, b] = await Promise.all(
      [0, 1].map(() =>
        post<Json>(owner.idToken, `/v1/orgs/${orgId}/prep-jobs`, { orderId, batchId }, 202),
      ),
    );
    const masters = [await newMaster(40), await newMaster(40), await newMaster(40)];
    // Each master is filled 10 at a time while the jobs are still filling the queue.
    await Promise.all(
      masters.map(async (m) => {
        for (let filled = 0; filled < 40;) {
          const r = await call<LinkReply>(
            'POST',
            `/v1/orgs/${orgId}/masters/${m}/link-from-queue`,
            {
              token: owner.idToken,
              body: { orderId, batchId, targetUnits: 10, allowPartial: true },
            },
          );
          if (r.status === 200) filled = r.body.masterCodeInfo.actualUnits;
          else assert.equal(r.body.error?.details?.reason, 'queue_short');
        }
      }),
    );
    const jobs = [
      await waitForJob(owner, orgId, String(a!.jobId)),
      await waitForJob(owner, orgId, String(b!.jobId)),
    ];
    const prepared = jobs.reduce((n, j) => n + j.resultSummary!.prepared, 0);
    assert.equal(prepared, 600, 'between them the jobs queued every code once');
    for (const j of jobs) {
      const s = j.resultSummary!;
      // A code is prepared by one job; the other finds it queued (duplicate) or already
      // packed by a link (invalid).
      assert.equal(s.prepared + s.duplicates + s.invalid, 600);
    }
    const entries = await queueEntries(orgId, batchId);
    assert.equal(entries.length, 600);
    assert.deepEqual(
      entries.map((e) => e.seq).sort((x, y) => x - y),
      Array.from({ length: 600 }, (_, i) => i + 1),
    );
    const state = await checkInvariants(orgId, batchId);
    assert.equal(state.consumed, 120);
  });

  it('a worker that dies mid-run is replaced after its lease runs out: no duplicate, no gap', async () => {
    const batchId = await readyBatch(owner, orgId, orderId, 100);
    const codes = await codesInOrder(orgId, batchId);
    const excluded = [codes[4]!, codes[50]!];
    const jobId = await insertAbandonedJob(orgId, orderId, batchId, 100, excluded);

    // Worker A takes the expired lease, commits three pages of 7, then stops answering.
    let wake!: () => void;
    const frozen = new Promise<void>((resolve) => (wake = resolve));
    const workerA = runPrepJob(orgId, jobId, {
      pageSize: 7,
      workerId: 'worker-a',
      afterPage: (pages) => (pages === 3 ? frozen : undefined),
    });
    await waitFor(async () => (await jobDoc(orgId, jobId)).checkpointSeq === 21);
    assert.equal((await jobDoc(orgId, jobId)).leaseOwner, 'worker-a');
    assert.equal(await runPrepJob(orgId, jobId), 'not_claimable', 'the lease is still held');
    assert.equal((await queueEntries(orgId, batchId)).length, 20);

    // The sweeper runs two minutes later (its clock ahead of the lease) and finishes the job.
    const sweep = await sweepPrep({ now: Date.now() + 120_000, retentionDays: 7, pageSize: 7 });
    assert.equal(sweep.jobs[`${orgId}/${jobId}`], 'completed');

    // Worker A wakes up: the job is no longer its own, and it writes nothing.
    wake();
    assert.equal(await workerA, 'lease_lost');

    const entries = await queueEntries(orgId, batchId);
    assert.equal(entries.length, 98);
    assert.deepEqual(
      entries.map((e) => e.seq).sort((x, y) => x - y),
      Array.from({ length: 100 }, (_, i) => i + 1).filter((s) => s !== 5 && s !== 51),
    );
    const job = await get<Json>(owner.idToken, `/v1/orgs/${orgId}/prep-jobs/${jobId}`);
    assert.equal(job.status, 'completed');
    assert.equal(job.preparedCount, 98);
    assert.deepEqual(job.resultSummary, {
      prepared: 98,
      duplicates: 0,
      invalid: 0,
      totalAvailable: 100,
      excludedCount: 2,
    });
    const logs = await get<{ logs: { level: string; message: string }[] }>(
      owner.idToken,
      `/v1/orgs/${orgId}/prep-jobs/${jobId}/logs`,
    );
    assert.ok(
      logs.logs.some(
        (l) => l.level === 'warn' && /resumed after sequence number 21/.test(l.message),
      ),
      JSON.stringify(logs.logs),
    );
  });

  it('cancel stops a running worker at its next page; retry resumes after the checkpoint', async () => {
    const batchId = await readyBatch(owner, orgId, orderId, 60);
    const jobId = await insertAbandonedJob(orgId, orderId, batchId, 60);
    const cancel = () =>
      call<Json & ErrorReply>('POST', `/v1/orgs/${orgId}/prep-jobs/${jobId}/cancel`, {
        token: owner.idToken,
      });
    const retry = () =>
      call<Json & ErrorReply>('POST', `/v1/orgs/${orgId}/prep-jobs/${jobId}/retry`, {
        token: owner.idToken,
      });
    assert.equal((await retry()).status, 409, 'a running job is not retried');
    const outcome = await runPrepJob(orgId, jobId, {
      pageSize: 7,
      afterPage: async (pages) => {
        if (pages === 2) assert.equal((await cancel()).status, 200);
      },
    });
    assert.equal(outcome, 'cancelled');
    const cancelled = await get<Json>(owner.idToken, `/v1/orgs/${orgId}/prep-jobs/${jobId}`);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.preparedCount, 14);
    assert.equal((await queueEntries(orgId, batchId)).length, 14);
    assert.equal((await cancel()).status, 409, 'cancelled already');
    assert.equal(await runPrepJob(orgId, jobId), 'not_claimable');

    const retried = await retry();
    assert.equal(retried.status, 200);
    assert.equal(retried.body.status, 'queued');
    // The prepJobQueued trigger starts it again.
    const done = await waitForJob(owner, orgId, jobId);
    assert.equal(done.preparedCount, 60);
    assert.equal(done.resultSummary?.prepared, 60);
    assert.equal(done.resultSummary?.duplicates, 0);
    const entries = await queueEntries(orgId, batchId);
    assert.deepEqual(
      entries.map((e) => e.seq).sort((x, y) => x - y),
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    assert.equal((await retry()).status, 409, 'a completed job is not retried');
    assert.equal((await cancel()).status, 409, 'a completed job is not cancelled');
    const missing = await call('POST', `/v1/orgs/${orgId}/prep-jobs/nope/cancel`, {
      token: owner.idToken,
    });
    assert.equal(missing.status, 404);
  });

  it("a code that left `generated` behind the queue's back is skipped and its entry invalidated", async () => {
    const batchId = await preparedBatch(owner, orgId, orderId, 5);
    const codes = await codesInOrder(orgId, batchId);
    // A client app (not the API) marks the first code shipped; its queue entry still says prepared.
    await db().doc(`organizations/${orgId}/codes/${codes[0]}`).update({ status: 'shipped' });
    const master = await newMaster(2);
    const linked = await post<LinkReply>(
      owner.idToken,
      `/v1/orgs/${orgId}/masters/${master}/link-from-queue`,
      { orderId, batchId, targetUnits: 2 },
    );
    assert.deepEqual(linked.linkedCodes, [codes[1], codes[2]]);
    const entries = await queueEntries(orgId, batchId);
    assert.equal(entries.find((e) => e.code === codes[0])?.status, 'invalid');
    const again = await post<Json>(
      owner.idToken,
      `/v1/orgs/${orgId}/prep-jobs`,
      { orderId, batchId },
      202,
    );
    const second = await waitForJob(owner, orgId, String(again.jobId));
    assert.deepEqual(second.resultSummary, {
      prepared: 0,
      duplicates: 2,
      invalid: 3,
      totalAvailable: 2,
      excludedCount: 0,
    });
  });

  it('the sweeper schedule, run by the functions host, picks up an abandoned job', async () => {
    const batchId = await readyBatch(owner, orgId, orderId, 30);
    const jobId = await insertAbandonedJob(orgId, orderId, batchId, 30);
    const res = await fetch(`${functionsOrigin()}/_schedules/sweepPrepJobs/run`, {
      method: 'POST',
    });
    const body = (await res.json()) as { outcome: string };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.outcome, 'ok');
    const job = await get<Json>(owner.idToken, `/v1/orgs/${orgId}/prep-jobs/${jobId}`);
    assert.equal(job.status, 'completed');
    assert.equal((await queueEntries(orgId, batchId)).length, 30);
  });

  it('retention: completed jobs with their logs and consumed entries go after PREP_RETENTION_DAYS', async () => {
    const batchId = await readyBatch(owner, orgId, orderId, 10);
    const job = await post<Json>(
      owner.idToken,
      `/v1/orgs/${orgId}/prep-jobs`,
      { orderId, batchId },
      202,
    );
    const jobId = String(job.jobId);
    await waitForJob(owner, orgId, jobId);
    const master = await newMaster(4);
    await post(owner.idToken, `/v1/orgs/${orgId}/masters/${master}/link-from-queue`, {
      orderId,
      batchId,
      targetUnits: 4,
    });
    const day = 86_400_000;
    await sweepPrep({ now: Date.now() + 6 * day, retentionDays: 7 });
    assert.ok((await db().doc(`organizations/${orgId}/prepJobs/${jobId}`).get()).exists);
    assert.equal((await queueEntries(orgId, batchId)).length, 10);

    const swept = await sweepPrep({ now: Date.now() + 8 * day, retentionDays: 7 });
    assert.ok(swept.removedJobs >= 1 && swept.removedEntries >= 4);
    assert.equal((await db().doc(`organizations/${orgId}/prepJobs/${jobId}`).get()).exists, false);
    const logs = await db().collection(`organizations/${orgId}/prepJobs/${jobId}/logs`).get();
    assert.equal(logs.size, 0, 'the logs went with the job');
    const left = await queueEntries(orgId, batchId);
    assert.equal(left.length, 6);
    assert.ok(left.every((e) => e.status === 'prepared'));
    // Packed codes keep their master: only the queue's bookkeeping is gone.
    const codes = await batchCodeDocs(orgId, batchId);
    assert.equal([...codes.values()].filter((c) => c.masterCode === master).length, 4);
  });
});
