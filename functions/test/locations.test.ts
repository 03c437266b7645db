// Locations: the ten defaults a new organisation gets from a trigger (exactly once), and the
// location routes with their unique names and delete-or-deactivate rule.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import functionsTest from 'firebase-functions-test';
import { Timestamp } from 'firebase-admin/firestore';
import { db } from '../src/data/firebase';
import { DEFAULT_LOCATIONS } from '../src/domain/locations';
import { organizationCreated } from '../src/triggers/organizationCreated';
import { call, createOrg, newUser, unique } from './support/api';
import { waitFor } from './support/wait';
import { upload as uploadCsv } from './support/equipment';

type Loc = { locationId: string; name: string; active: boolean; description: string };
type ErrorReply = { error: { code: string; message: string } };

async function locationNames(orgId: string): Promise<string[]> {
  const snap = await db().collection(`organizations/${orgId}/locations`).get();
  return snap.docs.map((d) => String(d.get('name'))).sort();
}

const DEFAULT_NAMES = DEFAULT_LOCATIONS.map((l) => l.name).sort();

describe('default locations trigger, in isolation (firebase-functions-test)', () => {
  // Hand it the stack's own project and bucket: with no config it would point the Admin SDK at
  // a made-up project, and the test would read and write a different database than the host.
  const fft = functionsTest(
    JSON.parse(process.env.FIREBASE_CONFIG ?? '{}') as { projectId: string },
  );
  const wrapped = fft.wrap(organizationCreated);
  after(() => fft.cleanup());

  function eventFor(orgId: string, overrides: Record<string, unknown> = {}) {
    const data = fft.firestore.makeDocumentSnapshot({ name: 'x' }, `organizations/${orgId}`);
    return {
      data,
      params: { orgId },
      id: `evt-${orgId}`,
      time: new Date().toISOString(),
      ...overrides,
    };
  }

  it('a duplicated event adds the ten locations once', async () => {
    const orgId = unique('org');
    // Written straight to Firestore, as any client could: the trigger does not care who wrote it.
    await db().doc(`organizations/${orgId}`).set({ name: 'Direct write' });
    const event = eventFor(orgId);
    await Promise.all([wrapped(event), wrapped(event)]);
    await wrapped(event);
    // The host also fired the real trigger for the write above; wait until it is done too.
    await waitFor(async () =>
      (await db().doc(`organizations/${orgId}`).get()).get('defaultLocationsAddedAt'),
    );
    assert.deepEqual(await locationNames(orgId), DEFAULT_NAMES);
  });

  it('does not re-add a default a person deleted, when the event comes again later', async () => {
    const orgId = unique('org');
    await db().doc(`organizations/${orgId}`).set({ name: 'x' });
    await wrapped(eventFor(orgId));
    await db().doc(`organizations/${orgId}/locations/wood-shop`).delete();
    await wrapped(eventFor(orgId));
    assert.deepEqual(
      await locationNames(orgId),
      DEFAULT_NAMES.filter((n) => n !== 'Wood Shop'),
    );
  });

  it('skips a default whose name a location already has', async () => {
    const orgId = unique('org');
    await db().doc(`organizations/${orgId}`).set({ name: 'x', defaultLocationsAddedAt: null });
    await db()
      .doc(`organizations/${orgId}/locations/mine`)
      .set({ name: 'TOOL CRIB', nameKey: 'tool crib' });
    await wrapped(eventFor(orgId));
    const names = await locationNames(orgId);
    assert.equal(names.length, 10);
    assert.ok(names.includes('TOOL CRIB') && !names.includes('Tool Crib'));
  });

  it('gives up on an event older than its retry window, writing nothing', async () => {
    const orgId = unique('stale');
    const hours = new Date(Date.now() - 2 * 3600_000).toISOString();
    await wrapped(eventFor(orgId, { time: hours }));
    assert.deepEqual(await locationNames(orgId), []);
  });

  it('an event for an organisation deleted since writes nothing', async () => {
    const orgId = unique('gone');
    await wrapped(eventFor(orgId));
    assert.deepEqual(await locationNames(orgId), []);
    assert.equal((await db().doc(`organizations/${orgId}`).get()).exists, false);
  });
});

describe('locations API', () => {
  let owner: SignedIn;
  let orgId: string;

  before(async () => {
    owner = await newUser('owner');
    orgId = await createOrg(owner);
  });

  it('a new organisation gets the ten default locations through the functions host', async () => {
    const list = await waitFor(async () => {
      const reply = await call<{ locations: Loc[] }>('GET', `/v1/orgs/${orgId}/locations`, {
        token: owner.idToken,
      });
      return reply.body.locations.length >= 10 ? reply.body.locations : undefined;
    });
    assert.deepEqual(list.map((l) => l.name).sort(), DEFAULT_NAMES);
    assert.ok(list.every((l) => l.active && l.description.length > 0));
  });

  it('names are unique ignoring case and spaces', async () => {
    const name = unique('Camera Shelf');
    const first = await call<Loc>('POST', `/v1/orgs/${orgId}/locations`, {
      token: owner.idToken,
      body: { name },
    });
    assert.equal(first.status, 201);
    const same = await call<ErrorReply>('POST', `/v1/orgs/${orgId}/locations`, {
      token: owner.idToken,
      body: { name: `  ${name.toUpperCase().replace(' ', '   ')} ` },
    });
    assert.equal(same.status, 409);
    const other = await call<Loc>('POST', `/v1/orgs/${orgId}/locations`, {
      token: owner.idToken,
      body: { name: unique('Bin') },
    });
    const rename = await call('PATCH', `/v1/orgs/${orgId}/locations/${other.body.locationId}`, {
      token: owner.idToken,
      body: { name: name.toLowerCase() },
    });
    assert.equal(rename.status, 409);
    const keep = await call('PATCH', `/v1/orgs/${orgId}/locations/${first.body.locationId}`, {
      token: owner.idToken,
      body: { name: name.toLowerCase() },
    });
    assert.equal(keep.status, 200, 'renaming to its own name in another case is fine');
  });

  it('two concurrent creates of one name: one wins', async () => {
    const name = unique('Race');
    const replies = await Promise.all(
      [1, 2, 3].map(() =>
        call('POST', `/v1/orgs/${orgId}/locations`, { token: owner.idToken, body: { name } }),
      ),
    );
    assert.deepEqual(replies.map((r) => r.status).sort(), [201, 409, 409]);
  });

  it('validates fields', async () => {
    for (const body of [
      {},
      { name: '' },
      { name: 'x'.repeat(101) },
      { name: 'ok', active: 'yes' },
      { name: 'ok', shelf: 3 },
    ]) {
      const reply = await call('POST', `/v1/orgs/${orgId}/locations`, {
        token: owner.idToken,
        body,
      });
      assert.equal(reply.status, 400, JSON.stringify(body));
    }
    assert.equal(
      (
        await call('PATCH', `/v1/orgs/${orgId}/locations/nope`, {
          token: owner.idToken,
          body: { name: 'a' },
        })
      ).status,
      404,
    );
  });

  it('DELETE removes an unused location, and deactivates one still in use, saying so', async () => {
    const unused = await call<Loc>('POST', `/v1/orgs/${orgId}/locations`, {
      token: owner.idToken,
      body: { name: unique('Unused') },
    });
    const gone = await call('DELETE', `/v1/orgs/${orgId}/locations/${unused.body.locationId}`, {
      token: owner.idToken,
    });
    assert.equal(gone.status, 200);
    assert.equal(gone.body.deleted, true);
    assert.equal(
      (await db().doc(`organizations/${orgId}/locations/${unused.body.locationId}`).get()).exists,
      false,
    );

    const used = await call<Loc>('POST', `/v1/orgs/${orgId}/locations`, {
      token: owner.idToken,
      body: { name: unique('Used') },
    });
    await db().doc(`organizations/${orgId}/equipment/CAMERA_test1234`).set({
      name: 'Camera',
      category: 'CAMERA',
      locationId: used.body.locationId,
      createdAt: Timestamp.now(),
    });
    const kept = await call<{
      deleted: boolean;
      deactivated: boolean;
      message: string;
      location: Loc;
    }>('DELETE', `/v1/orgs/${orgId}/locations/${used.body.locationId}`, { token: owner.idToken });
    assert.equal(kept.status, 200);
    assert.deepEqual(
      [kept.body.deleted, kept.body.deactivated, kept.body.location.active],
      [false, true, false],
    );
    assert.match(kept.body.message, /still used by equipment.*deactivated/);
    assert.equal(
      (await db().doc(`organizations/${orgId}/locations/${used.body.locationId}`).get()).get(
        'active',
      ),
      false,
    );
  });

  it('a deactivated location takes no new items: 409 naming it on create and patch, a failed CSV row; its items stay editable', async () => {
    const loc = await call<Loc>('POST', `/v1/orgs/${orgId}/locations`, {
      token: owner.idToken,
      body: { name: unique('Closed store') },
    });
    const id = loc.body.locationId;
    const off = await call('PATCH', `/v1/orgs/${orgId}/locations/${id}`, {
      token: owner.idToken,
      body: { active: false },
    });
    assert.equal(off.status, 200);
    type Refusal = { error: { code: string; message: string; details: Record<string, unknown> } };
    for (const body of [{ locationId: id }, { location: loc.body.name.toUpperCase() }]) {
      const refused = await call<Refusal>('POST', `/v1/orgs/${orgId}/equipment`, {
        token: owner.idToken,
        body: { name: 'Lamp', category: 'LIGHTING', ...body },
      });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'conflict');
      assert.equal(refused.body.error.details.reason, 'location_inactive');
      assert.equal(refused.body.error.details.locationId, id);
      assert.ok(refused.body.error.message.includes(loc.body.name), refused.body.error.message);
    }
    const item = await call<{ assetId: string }>('POST', `/v1/orgs/${orgId}/equipment`, {
      token: owner.idToken,
      body: { name: 'Lamp', category: 'LIGHTING' },
    });
    assert.equal(item.status, 201);
    const moved = await call<Refusal>('PATCH', `/v1/orgs/${orgId}/equipment/${item.body.assetId}`, {
      token: owner.idToken,
      body: { locationId: id },
    });
    assert.equal(moved.status, 409);
    assert.equal(moved.body.error.details.reason, 'location_inactive');

    const csv = `name,category,location\nGood lamp,LIGHTING,\nBad lamp,LIGHTING,${loc.body.name}\n`;
    const upload = await uploadCsv<{
      created: number;
      failed: { line: number; errors: string[] }[];
    }>(orgId, owner.idToken, csv);
    assert.equal(upload.status, 200, JSON.stringify(upload.body));
    assert.equal(upload.body.created, 1);
    assert.equal(upload.body.failed.length, 1);
    assert.equal(upload.body.failed[0].line, 3);
    assert.match(upload.body.failed[0].errors[0], /is deactivated/);

    // An item already there is kept and stays editable.
    await db()
      .doc(`organizations/${orgId}/equipment/${item.body.assetId}`)
      .update({ locationId: id });
    const renamed = await call('PATCH', `/v1/orgs/${orgId}/equipment/${item.body.assetId}`, {
      token: owner.idToken,
      body: { name: 'Old lamp' },
    });
    assert.equal(renamed.status, 200);
  });
});
