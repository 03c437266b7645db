// Audits through the local stack: two auditors scanning 300 expected items at once (one through
// the bulk API, one writing scan events with the client SDK), 10 missing, 5 unexpected and 3
// unknown codes, overlapping scans counted once; complete refused while an event is pending;
// complete with both apply options; the lists, the CSV and PDF reports; roles.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import firebase from 'firebase/compat/app';
import functionsTest from 'firebase-functions-test';
import { Timestamp } from 'firebase-admin/firestore';
import { db } from '../src/data/firebase';
import { scanEventCreated } from '../src/triggers/scanEventsCreated';
import { call } from './support/api';
import {
  clientEnvironment,
  codeOf,
  ledgerOrg,
  resultOf,
  seedItems,
  sendEvents,
  undeliveredEvent,
  type LedgerOrg,
} from './support/ledger';
import { requireTools, tempDir, textRuns } from './support/pdfTools';
import { functionUrl } from './support/stack';

type Counts = { found: number; missing: number; unexpected: number; unknown: number };
type AuditReply = {
  auditId: string;
  status: string;
  expected: number;
  counts: Counts;
  byAuditor: Record<string, number>;
  completion: { lastAudited: number; moved: number; markedMissing: number };
};

const pad = (k: number) => String(k).padStart(3, '0');
const expectedIds = Array.from({ length: 300 }, (_, k) => `EXP-${pad(k)}`);
const unexpectedIds = Array.from({ length: 5 }, (_, k) => `UNX-${k}`);
const unknownCodes = ['NOPE-1', 'NOPE-2', 'NOPE-3'];

describe('audits', function () {
  this.timeout(300_000);
  let env: RulesTestEnvironment;
  let org: LedgerOrg;
  let orgId: string;
  let auditId: string;
  const fft = functionsTest(
    JSON.parse(process.env.FIREBASE_CONFIG ?? '{}') as { projectId: string },
  );
  const wrapped = fft.wrap(scanEventCreated);

  before(async () => {
    env = await clientEnvironment();
    org = await ledgerOrg();
    orgId = org.orgId;
    await seedItems(orgId, [
      ...expectedIds.map((assetId) => ({ assetId, locationId: 'room', category: 'CAMERA' })),
      ...unexpectedIds.map((assetId) => ({ assetId, locationId: 'store', category: 'CAMERA' })),
      // Same room, another category: not expected by an audit of cameras.
      { assetId: 'LENS-1', locationId: 'room', category: 'LENS' },
    ]);
  });

  after(async () => {
    fft.cleanup();
    await env?.cleanup();
  });

  const get = (token = org.viewer.idToken) =>
    call<AuditReply>('GET', `/v1/orgs/${orgId}/audits/${auditId}`, { token });

  it('a viewer may not start an audit; an editor snapshots the expected items', async () => {
    const refused = await call('POST', `/v1/orgs/${orgId}/audits`, {
      token: org.viewer.idToken,
      body: { name: 'No' },
    });
    assert.equal(refused.status, 403);
    const bad = await call('POST', `/v1/orgs/${orgId}/audits`, {
      token: org.editor.idToken,
      body: { name: '', filter: { category: 'DRONE' }, dueAt: 'friday' },
    });
    assert.equal(bad.status, 400);
    const created = await call<AuditReply>('POST', `/v1/orgs/${orgId}/audits`, {
      token: org.editor.idToken,
      body: {
        name: 'Stocktake',
        locationId: 'room',
        filter: { category: 'camera' },
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    auditId = created.body.auditId;
    assert.equal(created.body.status, 'open');
    assert.equal(created.body.expected, 300);
    assert.deepEqual(created.body.counts, { found: 0, missing: 300, unexpected: 0, unknown: 0 });
  });

  it('two auditors scanning at once: exact counts, an item scanned twice counts once', async () => {
    // Auditor A (the viewer) through the bulk API; auditor B (the editor) with the client SDK.
    // They overlap on 50 found items, one unexpected item and one unknown code.
    const scan = (code: string) => ({
      scanId: randomUUID(),
      type: 'audit',
      auditId,
      code,
      scannedAt: new Date().toISOString(),
    });
    const aCodes = [
      ...expectedIds.slice(0, 170).map(codeOf),
      ...unexpectedIds.slice(0, 3).map(codeOf),
      ...unknownCodes.slice(0, 2),
    ];
    const bCodes = [
      ...expectedIds.slice(120, 290).map(codeOf),
      ...unexpectedIds.slice(2).map(codeOf),
      ...unknownCodes.slice(1),
    ];
    const aBatches: Array<Array<Record<string, unknown>>> = [];
    for (let i = 0; i < aCodes.length; i += 60) aBatches.push(aCodes.slice(i, i + 60).map(scan));
    const phone = env.authenticatedContext(org.editor.uid).firestore();
    const bIds = bCodes.map(() => randomUUID());
    const [aResults] = await Promise.all([
      Promise.all(aBatches.map((events) => sendEvents(orgId, org.viewer.idToken, events))),
      Promise.all(
        bCodes.map((code, k) =>
          phone.doc(`organizations/${orgId}/scanEvents/${bIds[k]}`).set({
            type: 'audit',
            auditId,
            code,
            scannedAt: firebase.firestore.Timestamp.now(),
            by: org.editor.uid,
            createdAt: firebase.firestore.FieldValue.serverTimestamp(),
          }),
        ),
      ),
    ]);
    const bResults = await Promise.all(bIds.map((id) => resultOf(orgId, id, 120_000)));
    const statuses = [
      ...aResults.flat().map((r) => String(r.status)),
      ...bResults.map((r) => r.status),
    ];
    assert.equal(statuses.length, aCodes.length + bCodes.length);
    assert.equal(statuses.filter((s) => s === 'applied').length, 298);
    assert.equal(statuses.filter((s) => s === 'duplicate').length, 52);

    const view = await get();
    assert.equal(view.status, 200);
    assert.equal(view.body.expected, 300);
    assert.deepEqual(view.body.counts, { found: 290, missing: 10, unexpected: 5, unknown: 3 });
    const credited = Object.values(view.body.byAuditor).reduce((a, b) => a + b, 0);
    assert.equal(credited, 298);
    assert.deepEqual(
      Object.keys(view.body.byAuditor).sort(),
      [org.editor.uid, org.viewer.uid].sort(),
    );
  });

  it('the lists page through found, missing, unexpected (with where each belongs) and unknown', async () => {
    const missing: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const q: string = `state=missing&limit=4${token ? `&pageToken=${token}` : ''}`;
      const page = await call<{ items: Array<{ assetId: string }>; nextPageToken: string | null }>(
        'GET',
        `/v1/orgs/${orgId}/audits/${auditId}/items?${q}`,
        { token: org.viewer.idToken },
      );
      assert.equal(page.status, 200);
      missing.push(...page.body.items.map((i) => i.assetId));
      token = page.body.nextPageToken;
      pages += 1;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(missing, expectedIds.slice(290));
    const unexpected = await call<{ items: Array<{ assetId: string; locationId: string }> }>(
      'GET',
      `/v1/orgs/${orgId}/audits/${auditId}/items?state=unexpected`,
      { token: org.viewer.idToken },
    );
    assert.deepEqual(
      unexpected.body.items.map((i) => [i.assetId, i.locationId]),
      unexpectedIds.map((id) => [id, 'store']),
    );
    const unknown = await call<{ items: Array<{ code: string; assetId: string | null }> }>(
      'GET',
      `/v1/orgs/${orgId}/audits/${auditId}/items?state=unknown`,
      { token: org.viewer.idToken },
    );
    assert.deepEqual(unknown.body.items.map((i) => i.code).sort(), unknownCodes);
    assert.ok(unknown.body.items.every((i) => i.assetId === null));
    const bad = await call('GET', `/v1/orgs/${orgId}/audits/${auditId}/items?state=lost`, {
      token: org.viewer.idToken,
    });
    assert.equal(bad.status, 400);
  });

  it('a report of an audit still open is refused (409 audit_open)', async () => {
    const csv = await call<{ error: { details: { reason: string } } }>(
      'GET',
      `/v1/orgs/${orgId}/audits/${auditId}/report.csv`,
      { token: org.viewer.idToken },
    );
    assert.equal(csv.status, 409);
    assert.equal(csv.body.error.details.reason, 'audit_open');
  });

  it('complete is refused while a ledger event of the audit is not applied, then succeeds with both options', async () => {
    // One missing item is checked out: marking missing leaves it alone (it is out, not lost).
    const [out] = await sendEvents(orgId, org.editor.idToken, [
      {
        scanId: randomUUID(),
        type: 'checkout',
        code: codeOf(expectedIds[299]),
        custodian: { name: 'Ana' },
        scannedAt: new Date().toISOString(),
      },
    ]);
    assert.equal(out.status, 'applied');

    // An event that reached Firestore but whose trigger has not run yet: made with a result
    // (so the host's trigger skips it), then the result removed by an update (no new event).
    const scanId = randomUUID();
    const at = Timestamp.now();
    const fields = {
      type: 'audit',
      auditId,
      code: codeOf(expectedIds[0]),
      scannedAt: at,
      by: org.viewer.uid,
      createdAt: at,
    };
    const { ref, event } = await undeliveredEvent(fft, orgId, scanId, fields);
    const body = { apply: { moveUnexpectedHere: true, markMissing: true } };
    const pending = await call<{ error: { details: { reason: string; pending: number } } }>(
      'POST',
      `/v1/orgs/${orgId}/audits/${auditId}/complete`,
      { token: org.editor.idToken, body },
    );
    assert.equal(pending.status, 409);
    assert.deepEqual(pending.body.error.details, { reason: 'scans_pending', pending: 1 });

    await wrapped(event);
    assert.equal((await ref.get()).get('result.status'), 'duplicate');

    const viewerTry = await call('POST', `/v1/orgs/${orgId}/audits/${auditId}/complete`, {
      token: org.viewer.idToken,
      body,
    });
    assert.equal(viewerTry.status, 403);
    const done = await call<AuditReply>('POST', `/v1/orgs/${orgId}/audits/${auditId}/complete`, {
      token: org.editor.idToken,
      body,
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.status, 'completed');
    assert.deepEqual(done.body.counts, { found: 290, missing: 10, unexpected: 5, unknown: 3 });
    assert.deepEqual(done.body.completion, {
      ...done.body.completion,
      lastAudited: 290,
      moved: 5,
      markedMissing: 9,
    });

    const item = async (id: string) =>
      (await db().doc(`organizations/${orgId}/equipment/${id}`).get()).data()!;
    assert.ok((await item(expectedIds[0])).lastAuditedAt instanceof Timestamp);
    assert.ok((await item(expectedIds[289])).lastAuditedAt instanceof Timestamp);
    assert.equal((await item(expectedIds[290])).lastAuditedAt, undefined);
    assert.equal((await item(expectedIds[290])).status, 'missing');
    assert.equal((await item(expectedIds[299])).status, 'checked_out');
    for (const id of unexpectedIds) assert.equal((await item(id)).locationId, 'room');
    assert.equal((await item('LENS-1')).locationId, 'room');

    const again = await call<{ error: { details: { reason: string } } }>(
      'POST',
      `/v1/orgs/${orgId}/audits/${auditId}/complete`,
      { token: org.editor.idToken, body: {} },
    );
    assert.equal(again.status, 409);
    assert.equal(again.body.error.details.reason, 'audit_completed');
    const [late] = await sendEvents(orgId, org.viewer.idToken, [
      {
        scanId: randomUUID(),
        type: 'audit',
        auditId,
        code: codeOf(expectedIds[295]),
        scannedAt: new Date().toISOString(),
      },
    ]);
    assert.equal(late.status, 'refused');
    assert.equal(late.reason, 'audit_completed');
    const [nowhere] = await sendEvents(orgId, org.viewer.idToken, [
      {
        scanId: randomUUID(),
        type: 'audit',
        auditId: 'no-such-audit',
        code: codeOf(expectedIds[1]),
        scannedAt: new Date().toISOString(),
      },
    ]);
    assert.equal(nowhere.reason, 'audit_not_found');
  });

  it('the CSV report lists every item once with its state', async () => {
    const res = await fetch(`${functionUrl('api')}/v1/orgs/${orgId}/audits/${auditId}/report.csv`, {
      headers: { authorization: `Bearer ${org.viewer.idToken}` },
    });
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /text\/csv/);
    const lines = (await res.text())
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    assert.equal(lines[0], 'state,assetId,code,name,category,locationId,scannedBy,scannedAt');
    assert.equal(lines.length, 1 + 290 + 10 + 5 + 3);
    const byState = (s: string) => lines.filter((l) => l.startsWith(`${s},`)).length;
    assert.deepEqual(
      [byState('found'), byState('missing'), byState('unexpected'), byState('unknown')],
      [290, 10, 5, 3],
    );
    assert.ok(
      lines.some((l) =>
        l.startsWith(`unexpected,UNX-0,${codeOf('UNX-0')},Item UNX-0,CAMERA,store,`),
      ),
    );
    assert.ok(
      lines.includes(`missing,${expectedIds[290]},,Item ${expectedIds[290]},CAMERA,room,,`),
    );
  });

  it('the PDF report: a summary page, then the lists (text read back with pdf.js)', async () => {
    await requireTools();
    const res = await fetch(`${functionUrl('api')}/v1/orgs/${orgId}/audits/${auditId}/report.pdf`, {
      headers: { authorization: `Bearer ${org.viewer.idToken}` },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    const file = path.join(tempDir('audit-report'), 'report.pdf');
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const runs = await textRuns(file);
    const page = (n: number) =>
      runs
        .filter((r) => r.page === n)
        .map((r) => r.text)
        .join(' ');
    assert.match(page(1), /Audit report: Stocktake/);
    assert.match(page(1), /Found 290/);
    assert.match(page(1), /Missing 10/);
    assert.match(page(1), /Unexpected 5/);
    assert.match(page(1), /Unknown 3/);
    const all = runs.map((r) => r.text).join(' ');
    assert.match(all, /Missing \(expected, not scanned\): 10/);
    assert.match(all, /Unexpected \(scanned here, belongs elsewhere\): 5/);
    for (const id of [
      ...expectedIds.slice(290),
      ...unexpectedIds,
      expectedIds[0],
      expectedIds[289],
    ]) {
      assert.ok(
        runs.some((r) => r.text === id),
        `${id} in the PDF`,
      );
    }
    for (const code of unknownCodes)
      assert.ok(
        runs.some((r) => r.text === code),
        code,
      );
  });
});
