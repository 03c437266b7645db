// Events through the local stack: API writes, API-key writes, CSV rows and client SDK writes
// each make their events once, with the right actor, via and field differences; a trigger
// delivered twice writes one event; the activity log's filters, paging, exports and roles.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import firebase from 'firebase/compat/app';
import functionsTest from 'firebase-functions-test';
import type { SignedIn } from 'emulator';
import type { ActivityEvent } from '../src/domain/events/model';
import { eventsEquipment } from '../src/triggers/events';
import { addMember, call, createOrg, newUser, unique } from './support/api';
import { upload } from './support/equipment';
import { eventOf, eventsOf } from './support/events';
import { functionUrl, projectId } from './support/stack';
import { waitFor } from './support/wait';

type Page = { events: ActivityEvent[]; nextPageToken: string | null };

const root = path.resolve(__dirname, '..', '..', '..');
const hostOf = (name: string) => {
  const v = process.env[name] ?? '';
  const i = v.lastIndexOf(':');
  return { host: v.slice(0, i), port: Number(v.slice(i + 1)) };
};

describe('events and the activity log (local stack)', function () {
  this.timeout(120_000);
  let owner: SignedIn;
  let editor: SignedIn;
  let viewer: SignedIn;
  let orgId: string;
  let keyId: string;
  let key: string;

  before(async () => {
    [owner, editor, viewer] = await Promise.all([
      newUser('owner'),
      newUser('editor'),
      newUser('viewer'),
    ]);
    orgId = await createOrg(owner, 'Events org');
    await addMember(orgId, owner, editor, 'editor');
    await addMember(orgId, owner, viewer, 'viewer');
    const made = await call('POST', `/v1/orgs/${orgId}/api-keys`, {
      token: owner.idToken,
      body: { name: 'script', role: 'editor' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    keyId = String(made.body.keyId);
    key = String(made.body.key);
  });

  const base = () => `/v1/orgs/${orgId}`;

  it('an API create, update and delete: created, qr_ready, updated with differences, deleted', async () => {
    const made = await call<{ assetId: string }>('POST', `${base()}/equipment`, {
      token: owner.idToken,
      body: { name: 'Camera A', category: 'CAMERA', serialNumber: 'S1' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const { assetId } = made.body;
    const created = await eventOf(orgId, assetId, 'equipment.created');
    assert.deepEqual(created.actor, { kind: 'user', id: owner.uid });
    assert.equal(created.via, 'api');
    assert.deepEqual(created.changes.name, [null, 'Camera A']);
    assert.deepEqual(created.subject, { kind: 'equipment', id: assetId });

    const ready = await eventOf(orgId, assetId, 'equipment.qr_ready');
    assert.deepEqual(ready.actor, { kind: 'system', id: null });
    assert.equal(ready.via, 'trigger');

    const patched = await call('PATCH', `${base()}/equipment/${assetId}`, {
      token: key,
      body: { name: 'Camera B', notes: 'dented' },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const updated = await eventOf(orgId, assetId, 'equipment.updated');
    assert.deepEqual(updated.actor, { kind: 'apiKey', id: keyId });
    assert.equal(updated.via, 'api');
    assert.deepEqual(updated.changes, { name: ['Camera A', 'Camera B'], notes: [null, 'dented'] });

    assert.equal(
      (await call('DELETE', `${base()}/equipment/${assetId}`, { token: owner.idToken })).status,
      204,
    );
    const deleted = await eventOf(orgId, assetId, 'equipment.deleted');
    assert.deepEqual(deleted.actor, { kind: 'user', id: owner.uid });
    assert.equal(deleted.via, 'api');

    // Each change once: no second event of any type.
    const all = await eventsOf(orgId, assetId);
    const types = all.map((e) => e.type).sort();
    assert.deepEqual(types, [
      'equipment.created',
      'equipment.deleted',
      'equipment.qr_ready',
      'equipment.updated',
    ]);
  });

  it('a client SDK create and update are the client’s, by its uid', async () => {
    const env: RulesTestEnvironment = await initializeTestEnvironment({
      projectId: projectId(),
      hub: hostOf('FIREBASE_EMULATOR_HUB'),
      firestore: { rules: fs.readFileSync(path.join(root, 'firestore.rules'), 'utf8') },
    });
    try {
      const client = env.authenticatedContext(editor.uid).firestore();
      const assetId = unique('CLIENT');
      const now = firebase.firestore.FieldValue.serverTimestamp();
      const ref = client.doc(`organizations/${orgId}/equipment/${assetId}`);
      await ref.set({
        name: 'Tripod',
        category: 'TRIPOD',
        createdBy: editor.uid,
        createdAt: now,
        updatedAt: now,
        source: 'client',
      });
      const created = await eventOf(orgId, assetId, 'equipment.created');
      assert.deepEqual(created.actor, { kind: 'client', id: editor.uid });
      assert.equal(created.via, 'client');
      await ref.update({
        notes: 'legs stiff',
        updatedAt: now,
        updatedBy: editor.uid,
        updatedVia: 'client',
      });
      const updated = await eventOf(orgId, assetId, 'equipment.updated');
      assert.deepEqual(updated.actor, { kind: 'client', id: editor.uid });
      assert.equal(updated.via, 'client');
      assert.deepEqual(updated.changes, { notes: [null, 'legs stiff'] });
    } finally {
      await env.cleanup();
    }
  });

  it('a CSV upload’s rows are via csv', async () => {
    const assetId = unique('CSV');
    const reply = await upload(
      orgId,
      editor.idToken,
      `assetId,name,category\n${assetId},Mic,AUDIO\n`,
    );
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const created = await eventOf(orgId, assetId, 'equipment.created');
    assert.deepEqual(created.actor, { kind: 'user', id: editor.uid });
    assert.equal(created.via, 'csv');
  });

  it('a check-out and check-in (issue 20): custody events, by the caller; the item’s own change is not an update', async () => {
    const made = await call<{ assetId: string }>('POST', `${base()}/equipment`, {
      token: editor.idToken,
      body: { name: 'Drone', category: 'OTHER' },
    });
    const { assetId } = made.body;
    const out = await call<{ checkoutId: string }>('POST', `${base()}/checkouts`, {
      token: editor.idToken,
      body: { assetIds: [assetId], custodian: { name: 'Ada' } },
    });
    assert.equal(out.status, 201, JSON.stringify(out.body));
    const checkedOut = await eventOf(orgId, out.body.checkoutId, 'custody.checked_out');
    assert.deepEqual(checkedOut.actor, { kind: 'user', id: editor.uid });
    assert.deepEqual(checkedOut.data.assetIds, [assetId]);
    const back = await call('POST', `${base()}/checkins`, {
      token: key,
      body: { assetIds: [assetId] },
    });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    const checkedIn = await eventOf(orgId, out.body.checkoutId, 'custody.checked_in');
    assert.deepEqual(checkedIn.actor, { kind: 'apiKey', id: keyId });
    assert.deepEqual(checkedIn.changes.status, ['open', 'returned']);
    // The item's status moved with it (stamped by the same caller), but custody is the event.
    const itemEvents = await eventsOf(orgId, assetId);
    const updates = itemEvents.filter((e) => e.type === 'equipment.updated');
    for (const u of updates) assert.ok(!('custody' in u.changes));
  });

  it('a tag claimed through the API: tag.assigned by the caller, unassigned by the system', async () => {
    const made = await call<{ assetId: string }>('POST', `${base()}/equipment`, {
      token: editor.idToken,
      body: { name: 'Tagged', category: 'OTHER' },
    });
    const code = unique('TAG').toUpperCase();
    const imported = await call('POST', `${base()}/tags/import`, {
      token: editor.idToken,
      body: { codes: [{ code }] },
    });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    const assigned = await call('POST', `${base()}/tags/${code}/assign`, {
      token: key,
      body: { assetId: made.body.assetId },
    });
    assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
    const events = await waitFor(async () => {
      const page = await call<Page>('GET', `${base()}/activity?type=tag.assigned`, {
        token: owner.idToken,
      });
      return page.body.events.find((e) => e.data.assetId === made.body.assetId);
    });
    assert.deepEqual(events.actor, { kind: 'apiKey', id: keyId });
    assert.equal(events.data.code, code);
  });

  it('member and key events are recorded for admins', async () => {
    const added = await eventOf(orgId, editor.uid, 'member.added');
    assert.deepEqual(added.actor, { kind: 'user', id: owner.uid });
    assert.equal(added.audience, 'admins');
    const keyMade = await eventOf(orgId, keyId, 'api_key.created');
    assert.equal(keyMade.data.role, 'editor');
    assert.ok(!('hash' in keyMade.data));
  });

  it('a role change, a removal and a key revocation name who did them', async () => {
    const temp = await newUser('temp');
    await addMember(orgId, owner, temp, 'viewer');
    await eventOf(orgId, temp.uid, 'member.added');
    const changed = await call('PATCH', `${base()}/members/${temp.uid}`, {
      token: owner.idToken,
      body: { role: 'analyst' },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const roleChanged = await eventOf(orgId, temp.uid, 'member.role_changed');
    assert.deepEqual(roleChanged.actor, { kind: 'user', id: owner.uid });
    assert.deepEqual(roleChanged.changes.role, ['viewer', 'analyst']);
    const removed = await call('DELETE', `${base()}/members/${temp.uid}`, { token: owner.idToken });
    assert.ok([200, 204].includes(removed.status), JSON.stringify(removed.body));
    const gone = await eventOf(orgId, temp.uid, 'member.removed');
    assert.deepEqual(gone.actor, { kind: 'user', id: owner.uid });
    assert.equal(gone.via, 'api');

    const made = await call('POST', `${base()}/api-keys`, {
      token: owner.idToken,
      body: { name: 'short-lived', role: 'viewer' },
    });
    const shortKey = String(made.body.keyId);
    assert.equal(
      (await call('DELETE', `${base()}/api-keys/${shortKey}`, { token: owner.idToken })).status,
      204,
    );
    const revoked = await eventOf(orgId, shortKey, 'api_key.revoked');
    assert.deepEqual(revoked.actor, { kind: 'user', id: owner.uid });
  });

  describe('a trigger delivered twice (firebase-functions-test)', () => {
    const fft = functionsTest(
      JSON.parse(process.env.FIREBASE_CONFIG ?? '{}') as { projectId: string },
    );
    after(() => fft.cleanup());

    it('writes one event', async () => {
      const wrapped = fft.wrap(eventsEquipment);
      const assetId = unique('TWICE');
      const docPath = `organizations/${orgId}/equipment/${assetId}`;
      const updateTime = new Date().toISOString();
      const before = fft.firestore.makeDocumentSnapshot({}, docPath);
      const after = fft.firestore.makeDocumentSnapshot(
        { name: 'Twice', category: 'OTHER', createdBy: owner.uid, source: 'api' },
        docPath,
        { updateTime, createTime: updateTime },
      );
      const event = {
        data: fft.makeChange(before, after),
        params: { orgId, id: assetId },
        time: updateTime,
        id: unique('evt'),
      };
      await wrapped(event);
      await wrapped(event);
      const events = await eventsOf(orgId, assetId);
      assert.deepEqual(
        events.map((e) => e.type),
        ['equipment.created'],
      );
    });
  });

  describe('GET /activity', () => {
    it('filters by type, subject and actor, newest first, with cursors', async () => {
      const list = (q: string, token = owner.idToken) =>
        call<Page>('GET', `${base()}/activity?${q}`, { token });
      const byType = await list('type=equipment.updated');
      assert.equal(byType.status, 200, JSON.stringify(byType.body));
      assert.ok(byType.body.events.length >= 2);
      assert.ok(byType.body.events.every((e) => e.type === 'equipment.updated'));

      const byActor = await list(`actor=${keyId}`);
      assert.ok(byActor.body.events.length >= 1);
      assert.ok(byActor.body.events.every((e) => e.actor.id === keyId));

      const everything = await list('limit=500');
      const ats = everything.body.events.map((e) => e.at);
      assert.deepEqual(ats, [...ats].sort().reverse());

      // Page by page, three at a time: the same events, none twice.
      const seen: string[] = [];
      let token: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof list>> = await list(
          `limit=3${token ? `&pageToken=${token}` : ''}`,
        );
        assert.equal(page.status, 200);
        seen.push(...page.body.events.map((e) => e.id));
        token = page.body.nextPageToken;
      } while (token);
      assert.deepEqual(
        seen,
        everything.body.events.map((e) => e.id),
      );

      const oldest = everything.body.events[everything.body.events.length - 1];
      const range = await list(
        `to=${encodeURIComponent(new Date(Date.parse(oldest.at) + 1).toISOString())}`,
      );
      assert.ok(range.body.events.some((e) => e.id === oldest.id));
      assert.ok(range.body.events.every((e) => e.at <= oldest.at));
    });

    it('an item’s history is its events', async () => {
      const made = await call<{ assetId: string }>('POST', `${base()}/equipment`, {
        token: editor.idToken,
        body: { name: 'Lens', category: 'LENS' },
      });
      const { assetId } = made.body;
      await eventOf(orgId, assetId, 'equipment.created');
      await eventOf(orgId, assetId, 'equipment.qr_ready');
      const history = await call<Page>('GET', `${base()}/equipment/${assetId}/history`, {
        token: viewer.idToken,
      });
      assert.equal(history.status, 200);
      assert.ok(history.body.events.length >= 1);
      assert.ok(history.body.events.every((e) => e.subject.id === assetId));
      const bySubject = await call<Page>(
        'GET',
        `${base()}/activity?subjectKind=equipment&subjectId=${assetId}`,
        {
          token: viewer.idToken,
        },
      );
      assert.deepEqual(
        bySubject.body.events.map((e) => e.id),
        history.body.events.map((e) => e.id),
      );
    });

    it('viewers do not see member and key events; admins do', async () => {
      const mine = await call<Page>('GET', `${base()}/activity?limit=500`, {
        token: viewer.idToken,
      });
      assert.equal(mine.status, 200);
      assert.ok(mine.body.events.length > 0);
      assert.ok(mine.body.events.every((e) => e.audience === 'members'));
      const members = await call<Page>('GET', `${base()}/activity?type=member.added`, {
        token: viewer.idToken,
      });
      assert.deepEqual(members.body.events, []);
      const admins = await call<Page>('GET', `${base()}/activity?type=member.added`, {
        token: owner.idToken,
      });
      assert.ok(admins.body.events.length >= 2);
    });

    it('refuses bad filters in words, another organisation and no token', async () => {
      for (const q of [
        'type=nope',
        'from=yesterday',
        'type=equipment.created&actor=x',
        'subjectId=A',
        'pageToken=zzz',
        'limit=0',
        'colour=red',
      ]) {
        const reply = await call('GET', `${base()}/activity?${q}`, { token: owner.idToken });
        assert.equal(reply.status, 400, q);
      }
      const stranger = await newUser('stranger');
      assert.equal(
        (await call('GET', `${base()}/activity`, { token: stranger.idToken })).status,
        403,
      );
      assert.equal((await call('GET', `${base()}/activity`)).status, 401);
    });

    it('exports NDJSON and CSV, streamed', async () => {
      const ndjson = await fetch(
        `${functionUrl('api')}${base()}/activity/export?type=equipment.created`,
        {
          headers: { authorization: `Bearer ${owner.idToken}` },
        },
      );
      assert.equal(ndjson.status, 200);
      assert.match(ndjson.headers.get('content-type') ?? '', /ndjson/);
      const lines = (await ndjson.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ActivityEvent);
      assert.ok(lines.length >= 3);
      assert.ok(lines.every((e) => e.type === 'equipment.created'));
      const csv = await fetch(
        `${functionUrl('api')}${base()}/activity/export?format=csv&type=equipment.created`,
        {
          headers: { authorization: `Bearer ${viewer.idToken}` },
        },
      );
      assert.equal(csv.status, 200);
      const bytes = Buffer.from(await csv.arrayBuffer());
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM');
      const rows = bytes.subarray(3).toString('utf8').trim().split('\r\n');
      assert.equal(rows[0], 'id,at,type,subjectKind,subjectId,actorKind,actorId,via,changes,data');
      assert.equal(rows.length, lines.length + 1);
    });
  });
});
