// The project's own firestore.rules and storage.rules, role by role, through the real client SDK
// (@firebase/rules-unit-testing's contexts) against the local stack's rules engine: every
// collection times signed out, each role, and a member of another organisation, times get, list,
// create, update and delete; then equipment's field checks and Storage's photo uploads.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import firebase from 'firebase/compat/app';
import { Timestamp } from 'firebase-admin/firestore';
import { strict as assert } from 'node:assert';
import { db } from '../src/data/firebase';
import { bucket } from '../src/data/storage';
import { ROLES, type Role } from '../src/domain/roles';
import { unique } from './support/api';
import { decodePng } from './support/qrDecode';
import { waitFor } from './support/wait';
import { projectId } from './support/stack';

type Actor = Role | 'signedOut' | 'stranger';
const ACTORS: Actor[] = ['signedOut', ...ROLES, 'stranger'];
type Op = 'get' | 'list' | 'create' | 'update' | 'delete';

/** One document of each manufacturing collection (paths under the organisation). */
const manufacturingDocs = [
  'orders/o1',
  'orders/o1/batches/b1',
  'orders/o1/cases/1',
  'codes/C0DE1',
  'masters/M1',
  'prepJobs/j1',
  'prepJobs/j1/logs/l1',
  'preparedCodes/o1~b1~C0DE1',
];

const stockDocs = [
  'stockItems/SKU1',
  'stockItems/SKU1/movements/m1',
  'stockItems/SKU1/suppliers/sup1',
  'suppliers/sup1',
  'reorders/r1',
];

const root = path.resolve(__dirname, '..', '..', '..');
const hostOf = (name: string) => {
  const v = process.env[name] ?? '';
  const i = v.lastIndexOf(':');
  return { host: v.slice(0, i), port: Number(v.slice(i + 1)) };
};

describe('security rules of the project (client apps)', function () {
  this.timeout(60_000);
  let env: RulesTestEnvironment;
  const orgId = unique('org');
  const otherOrg = unique('other');
  const uid = (actor: Actor) => `${actor}-${orgId}`;

  before(async () => {
    env = await initializeTestEnvironment({
      projectId: projectId(),
      hub: hostOf('FIREBASE_EMULATOR_HUB'),
      // The files as they are deployed, loaded for this run.
      firestore: { rules: fs.readFileSync(path.join(root, 'firestore.rules'), 'utf8') },
      storage: { rules: fs.readFileSync(path.join(root, 'storage.rules'), 'utf8') },
    });
    const batch = db().batch();
    batch.set(db().doc(`organizations/${orgId}`), { name: 'Rules org', timeZone: 'UTC' });
    batch.set(db().doc(`organizations/${otherOrg}`), { name: 'Other org', timeZone: 'UTC' });
    for (const role of ROLES) {
      batch.set(db().doc(`organizations/${orgId}/members/${uid(role)}`), { uid: uid(role), role });
    }
    batch.set(db().doc(`organizations/${otherOrg}/members/${uid('stranger')}`), {
      uid: uid('stranger'),
      role: 'owner',
    });
    batch.set(db().doc(`organizations/${orgId}/apiKeys/k1`), {
      name: 'k',
      role: 'admin',
      hash: 'x',
    });
    batch.set(db().doc(`organizations/${orgId}/invitations/inv1`), {
      invitationId: 'inv1',
      email: `${uid('viewer')}@example.com`,
      role: 'admin',
      status: 'pending',
    });
    batch.set(db().doc(`scanTokens/${unique('tok')}`), { orgId, kind: 'qrCode', id: 'q1' });
    batch.set(db().doc(`batchSecrets/${orgId}~o1~b1`), { secret: 'x', orgId });
    batch.set(db().doc(`organizations/${orgId}/usage/2026-12-01`), { unitsPerDay: 5 });
    batch.set(db().doc(`quotaOverrides/${orgId}`), { items: 1000 });
    batch.set(db().doc(`userUsage/${uid('owner')}`), { organizationsCreated: 1 });
    batch.set(db().doc(`organizations/${orgId}/locations/shelf`), {
      name: 'Shelf',
      nameKey: 'shelf',
    });
    batch.set(db().doc(`organizations/${orgId}/locations/closed`), {
      name: 'Closed',
      nameKey: 'closed',
      active: false,
    });
    batch.set(db().doc(`organizations/${otherOrg}/locations/theirs`), {
      name: 'Theirs',
      nameKey: 'theirs',
    });
    batch.set(db().doc(`organizations/${orgId}/qrCodes/q1`), { data: 'x', tracked: false });
    batch.set(db().doc(`organizations/${orgId}/qrCodes/q1/scanDays/2026-12-01~0`), {
      date: '2026-12-01',
      scans: 3,
    });
    batch.set(db().doc(`organizations/${orgId}/equipment/CAM_1`), {
      name: 'Camera',
      category: 'CAMERA',
      createdBy: 'someone',
      createdAt: Timestamp.now(),
      updatedAt: Timestamp.now(),
      source: 'api',
      qrCodeUrl: 'https://example.com/qr.png',
    });
    for (const doc of manufacturingDocs)
      batch.set(db().doc(`organizations/${orgId}/${doc}`), { seq: 1 });
    // Events (docs/events.md): a members' event, an admins' event, a webhook and its parts.
    batch.set(db().doc(`organizations/${orgId}/activity/e_members`), {
      type: 'equipment.created',
      audience: 'members',
    });
    batch.set(db().doc(`organizations/${orgId}/activity/e_admins`), {
      type: 'member.added',
      audience: 'admins',
    });
    for (const doc of ['webhooks/w1', 'webhooks/w1/deliveries/d1', 'webhooks/w1/outbox/e1'])
      batch.set(db().doc(`organizations/${orgId}/${doc}`), { url: 'https://example.com' });
    batch.set(db().doc(`webhookSecrets/${orgId}~w1`), { current: 'whsec_x' });
    batch.set(db().doc(`organizations/${orgId}/deletionNotes/equipment~x`), { by: 'u' });
    batch.set(db().doc(`organizations/${orgId}/migrations/seenOrCreatedAt`), { done: true });
    batch.set(db().doc(`organizations/${orgId}/equipment/CAM_1/scanDays/2026-12-01~0`), {
      date: '2026-12-01',
      scans: 1,
    });
    // Custody (issue 20): a checkout, a booking and an item's booking index.
    batch.set(db().doc(`organizations/${orgId}/checkouts/co1`), {
      status: 'open',
      assetIds: ['CAM_1'],
    });
    batch.set(db().doc(`organizations/${orgId}/bookings/bk1`), {
      status: 'reserved',
      assetIds: ['CAM_1'],
    });
    batch.set(db().doc(`organizations/${orgId}/bookingIndex/CAM_1`), { holds: {} });
    batch.set(db().doc(`organizations/${orgId}/scanEvents/e1`), { type: 'seen', by: 'someone' });
    batch.set(db().doc(`organizations/${orgId}/audits/a1`), { name: 'Audit', status: 'open' });
    batch.set(db().doc(`organizations/${orgId}/audits/a1/items/CAM_1`), { state: 'missing' });
    // Scan records and what stays server-side (issue 24).
    batch.set(db().doc(`organizations/${orgId}/scans/s1`), { subjectKey: 'code:q1', bot: false });
    batch.set(db().doc(`organizations/${orgId}/qrCodes/q1/scanVisitors/2026-12-01~abc`), {
      day: '2026-12-01',
    });
    batch.set(db().doc(`organizations/${orgId}/qrCodes/q1/scanTotals/humans`), { count: 1 });
    batch.set(db().doc(`productCodes/rules-${orgId}`), { orgId, kind: 'unit' });
    batch.set(db().doc(`redemptionSecrets/${orgId}~o1`), { key: 'k' });
    for (const doc of stockDocs) batch.set(db().doc(`organizations/${orgId}/${doc}`), { seq: 1 });
    await batch.commit();
  });

  after(async () => {
    await env?.cleanup();
  });

  function client(actor: Actor) {
    return actor === 'signedOut'
      ? env.unauthenticatedContext().firestore()
      : env.authenticatedContext(uid(actor)).firestore();
  }

  const now = () => firebase.firestore.FieldValue.serverTimestamp();
  /** What a client app stamps on an update, for its event (docs/events.md#actors). */
  const stamp = (actor: Actor) => ({ updatedBy: uid(actor), updatedVia: 'client' });
  const newItem = (actor: Actor, extra: Record<string, unknown> = {}) => ({
    name: 'Tripod',
    category: 'TRIPOD',
    createdBy: uid(actor),
    createdAt: now(),
    updatedAt: now(),
    source: 'client',
    ...extra,
  });

  /** What each actor may do to a collection, as the contract in issue 14 and docs say. */
  interface Case {
    name: string;
    doc: string;
    list: string;
    allowed: Partial<Record<Op, (actor: Actor) => boolean>>;
    create?: (actor: Actor) => Record<string, unknown>;
    update?: (actor: Actor) => Record<string, unknown>;
  }

  const rank = (actor: Actor) =>
    actor === 'signedOut' || actor === 'stranger' ? 0 : 5 - ROLES.indexOf(actor);
  const atLeast = (role: Role) => (actor: Actor) => rank(actor) >= 5 - ROLES.indexOf(role);
  const never = () => false;

  const readOnly = (doc: string): Case => ({
    name: `manufacturing: ${doc.split('/').slice(-2, -1)[0]}`,
    doc: `organizations/${orgId}/${doc}`,
    list: `organizations/${orgId}/${doc.split('/').slice(0, -1).join('/')}`,
    allowed: { get: atLeast('viewer'), list: atLeast('viewer') },
  });

  // Stock (issue 21): members read; no client writes any of it (a quantity and its movements,
  // a receipt and its stock, are changed together by the API only).
  const stockCase = (doc: string): Case => ({
    ...readOnly(doc),
    name: `stock: ${doc.split('/').slice(-2, -1)[0]}`,
    create: () => ({ seq: 2 }),
    update: () => ({ seq: 3 }),
  });

  const cases: Case[] = [
    ...manufacturingDocs.map(readOnly),
    ...stockDocs.map(stockCase),
    {
      name: 'organisation',
      doc: `organizations/${orgId}`,
      list: 'organizations',
      allowed: { get: atLeast('viewer'), list: never },
    },
    {
      name: 'member documents',
      doc: `organizations/${orgId}/members/${uid('owner')}`,
      list: `organizations/${orgId}/members`,
      allowed: { get: atLeast('admin'), list: atLeast('admin') },
    },
    {
      name: 'API keys',
      doc: `organizations/${orgId}/apiKeys/k1`,
      list: `organizations/${orgId}/apiKeys`,
      allowed: {},
    },
    {
      // The id is the bearer of the right to join: no client reads one; the API lists them.
      name: 'invitations',
      doc: `organizations/${orgId}/invitations/inv1`,
      list: `organizations/${orgId}/invitations`,
      allowed: {},
    },
    { name: 'scan tokens', doc: 'scanTokens/any', list: 'scanTokens', allowed: {} },
    // Abuse and cost controls: only the functions (and the operator, with the Admin SDK) see them.
    {
      name: 'daily usage counters',
      doc: `organizations/${orgId}/usage/2026-12-01`,
      list: `organizations/${orgId}/usage`,
      allowed: {},
      create: () => ({ unitsPerDay: 0 }),
      update: () => ({ unitsPerDay: 0 }),
    },
    {
      name: 'quota overrides',
      doc: `quotaOverrides/${orgId}`,
      list: 'quotaOverrides',
      allowed: {},
      create: () => ({ items: 1_000_000 }),
      update: () => ({ items: 1_000_000 }),
    },
    {
      name: 'organisations created per user',
      doc: `userUsage/${uid('owner')}`,
      list: 'userUsage',
      allowed: {},
      create: () => ({ organizationsCreated: 0 }),
      update: () => ({ organizationsCreated: 0 }),
    },
    {
      name: 'batch secrets',
      doc: `batchSecrets/${orgId}~o1~b1`,
      list: 'batchSecrets',
      allowed: {},
    },
    {
      name: 'locations',
      doc: `organizations/${orgId}/locations/shelf`,
      list: `organizations/${orgId}/locations`,
      allowed: { get: atLeast('viewer'), list: atLeast('viewer') },
    },
    {
      name: 'standalone QR codes',
      doc: `organizations/${orgId}/qrCodes/q1`,
      list: `organizations/${orgId}/qrCodes`,
      allowed: { get: atLeast('viewer'), list: atLeast('viewer') },
    },
    {
      name: 'scan counters of a code',
      doc: `organizations/${orgId}/qrCodes/q1/scanDays/2026-12-01~0`,
      list: `organizations/${orgId}/qrCodes/q1/scanDays`,
      allowed: { get: atLeast('analyst'), list: atLeast('analyst') },
    },
    {
      name: 'scan counters of an item',
      doc: `organizations/${orgId}/equipment/CAM_1/scanDays/2026-12-01~0`,
      list: `organizations/${orgId}/equipment/CAM_1/scanDays`,
      allowed: { get: atLeast('analyst'), list: atLeast('analyst') },
    },
    {
      name: 'scan records',
      doc: `organizations/${orgId}/scans/s1`,
      list: `organizations/${orgId}/scans`,
      allowed: { get: atLeast('analyst'), list: atLeast('analyst') },
    },
    {
      name: 'visitor ids of a day (server only)',
      doc: `organizations/${orgId}/qrCodes/q1/scanVisitors/2026-12-01~abc`,
      list: `organizations/${orgId}/qrCodes/q1/scanVisitors`,
      allowed: {},
    },
    {
      name: 'a limited code’s human scans (server only)',
      doc: `organizations/${orgId}/qrCodes/q1/scanTotals/humans`,
      list: `organizations/${orgId}/qrCodes/q1/scanTotals`,
      allowed: {},
    },
    {
      name: 'product code lookups (server only)',
      doc: `productCodes/rules-${orgId}`,
      list: `productCodes`,
      allowed: {},
    },
    {
      name: 'redemption keys (server only)',
      doc: `redemptionSecrets/${orgId}~o1`,
      list: `redemptionSecrets`,
      allowed: {},
    },
    {
      name: 'equipment',
      doc: `organizations/${orgId}/equipment/CAM_1`,
      list: `organizations/${orgId}/equipment`,
      allowed: {
        get: atLeast('viewer'),
        list: atLeast('viewer'),
        create: atLeast('editor'),
        update: atLeast('editor'),
        delete: atLeast('editor'),
      },
      create: (actor) => newItem(actor),
      update: (actor) => ({ notes: 'checked', updatedAt: now(), ...stamp(actor) }),
    },
    // Events: members read the log (member and key events: admins); nobody writes it, and no
    // client reaches webhooks, their deliveries, outboxes or secrets.
    {
      name: 'activity: a members’ event',
      doc: `organizations/${orgId}/activity/e_members`,
      list: `organizations/${orgId}/activity`,
      // An unfiltered list could hold admins' events: only admins may run it.
      allowed: { get: atLeast('viewer'), list: atLeast('admin') },
    },
    {
      name: 'activity: an admins’ event (members, keys)',
      doc: `organizations/${orgId}/activity/e_admins`,
      list: `organizations/${orgId}/activity`,
      allowed: { get: atLeast('admin'), list: atLeast('admin') },
    },
    {
      name: 'webhooks',
      doc: `organizations/${orgId}/webhooks/w1`,
      list: `organizations/${orgId}/webhooks`,
      allowed: {},
    },
    {
      name: 'webhook deliveries',
      doc: `organizations/${orgId}/webhooks/w1/deliveries/d1`,
      list: `organizations/${orgId}/webhooks/w1/deliveries`,
      allowed: {},
    },
    {
      name: 'webhook outbox',
      doc: `organizations/${orgId}/webhooks/w1/outbox/e1`,
      list: `organizations/${orgId}/webhooks/w1/outbox`,
      allowed: {},
    },
    {
      name: 'webhook secrets',
      doc: `webhookSecrets/${orgId}~w1`,
      list: 'webhookSecrets',
      allowed: {},
    },
    {
      name: 'deletion notes',
      doc: `organizations/${orgId}/deletionNotes/equipment~x`,
      list: `organizations/${orgId}/deletionNotes`,
      allowed: {},
    },
    {
      name: 'data migrations (server only)',
      doc: `organizations/${orgId}/migrations/seenOrCreatedAt`,
      list: `organizations/${orgId}/migrations`,
      allowed: {},
    },
    {
      name: 'checkouts',
      doc: `organizations/${orgId}/checkouts/co1`,
      list: `organizations/${orgId}/checkouts`,
      allowed: { get: atLeast('viewer'), list: atLeast('viewer') },
      create: () => ({ status: 'open', assetIds: ['CAM_1'] }),
      update: () => ({ status: 'returned' }),
    },
    {
      name: 'bookings',
      doc: `organizations/${orgId}/bookings/bk1`,
      list: `organizations/${orgId}/bookings`,
      allowed: { get: atLeast('viewer'), list: atLeast('viewer') },
      create: () => ({ status: 'reserved', assetIds: ['CAM_1'] }),
      update: () => ({ status: 'cancelled' }),
    },
    {
      name: 'booking index of an item',
      doc: `organizations/${orgId}/bookingIndex/CAM_1`,
      list: `organizations/${orgId}/bookingIndex`,
      allowed: {},
      create: () => ({ holds: {} }),
      update: () => ({ holds: {} }),
    },
    // The scan ledger: per-type roles and fields in ledger-rules.test.ts. The event seeded here
    // is someone else's, so only editors and up read it.
    {
      name: 'scan events',
      doc: `organizations/${orgId}/scanEvents/e1`,
      list: `organizations/${orgId}/scanEvents`,
      allowed: { get: atLeast('editor'), list: atLeast('editor'), create: atLeast('viewer') },
      create: (actor) => ({
        type: 'seen',
        code: 'SER-1',
        scannedAt: firebase.firestore.Timestamp.now(),
        by: uid(actor),
        createdAt: now(),
      }),
      update: () => ({ result: { status: 'applied' } }),
    },
    {
      name: 'audits',
      doc: `organizations/${orgId}/audits/a1`,
      list: `organizations/${orgId}/audits`,
      allowed: { get: atLeast('viewer'), list: atLeast('viewer') },
      create: () => ({ name: 'Audit', status: 'open' }),
      update: () => ({ status: 'completed' }),
    },
    {
      name: 'audit items',
      doc: `organizations/${orgId}/audits/a1/items/CAM_1`,
      list: `organizations/${orgId}/audits/a1/items`,
      allowed: { get: atLeast('viewer'), list: atLeast('viewer') },
      create: () => ({ state: 'found' }),
      update: () => ({ state: 'found' }),
    },
  ];

  for (const c of cases) {
    describe(c.name, () => {
      for (const actor of ACTORS) {
        it(`${actor}: ${(['get', 'list', 'create', 'update', 'delete'] as Op[]).map((op) => `${op} ${c.allowed[op]?.(actor) ? 'yes' : 'no'}`).join(', ')}`, async () => {
          const fs = client(actor);
          const expect = async (op: Op, attempt: Promise<unknown>) => {
            if (c.allowed[op]?.(actor)) await assertSucceeds(attempt);
            else await assertFails(attempt);
          };
          await expect('get', fs.doc(c.doc).get());
          await expect('list', fs.collection(c.list).get());
          const fresh = `${c.list}/${unique('new')}`;
          await expect('create', fs.doc(fresh).set(c.create?.(actor) ?? { name: 'x' }));
          // Update and delete work on a document of their own, so one actor's success does not
          // change what the next one sees.
          const target = `${c.list}/${unique('t')}`;
          const seed = (await db().doc(c.doc).get()).data() ?? {};
          await db().doc(target).set(seed);
          await expect('update', fs.doc(target).update(c.update?.(actor) ?? { name: 'changed' }));
          await expect('delete', fs.doc(target).delete());
        });
      }
    });
  }

  describe('member documents: each member reads their own', () => {
    for (const role of ROLES) {
      it(`${role} reads their own member document; a member of another organisation reads none`, async () => {
        await assertSucceeds(
          client(role)
            .doc(`organizations/${orgId}/members/${uid(role)}`)
            .get(),
        );
      });
    }
    it('nobody writes a member document, not even their own (that would make anyone owner)', async () => {
      for (const role of ROLES) {
        await assertFails(
          client(role)
            .doc(`organizations/${orgId}/members/${uid(role)}`)
            .update({ role: 'owner' }),
        );
      }
      await assertFails(
        client('stranger')
          .doc(`organizations/${orgId}/members/${uid('stranger')}`)
          .set({ role: 'owner' }),
      );
    });
  });

  describe('equipment written by a client', () => {
    const path = () => `organizations/${orgId}/equipment/${unique('ITEM')}`;
    const editor = () => client('editor');

    it('accepts exactly the client fields, with the optional ones at their limits', async () => {
      await assertSucceeds(
        editor()
          .doc(path())
          .set(
            newItem('editor', {
              serialNumber: 's'.repeat(100),
              brand: 'b'.repeat(100),
              model: 'm'.repeat(100),
              notes: 'n'.repeat(2000),
              imageUrl: `https://example.com/${'i'.repeat(2000)}`,
              locationId: 'shelf',
              name: 'N'.repeat(200),
            }),
          ),
      );
    });

    const refused: Array<[string, Record<string, unknown>]> = [
      ['a name too long', { name: 'N'.repeat(201) }],
      ['an empty name', { name: '' }],
      ['a name that is not a string', { name: 42 }],
      ['an unknown category', { category: 'DRONE' }],
      ['a lower-case category', { category: 'camera' }],
      ['a serial number too long', { serialNumber: 's'.repeat(101) }],
      ['a brand too long', { brand: 'b'.repeat(101) }],
      ['a model of the wrong type', { model: ['x'] }],
      ['notes too long', { notes: 'n'.repeat(2001) }],
      ['an imageUrl that is not http(s)', { imageUrl: 'javascript:alert(1)' }],
      ['an imageUrl too long', { imageUrl: `https://e.com/${'i'.repeat(2040)}` }],
      ['a locationId of another organisation', { locationId: 'theirs' }],
      ['a locationId that does not exist', { locationId: 'nowhere' }],
      ['a deactivated location', { locationId: 'closed' }],
      ['an extra key', { colour: 'black' }],
      ['a server field (qrCodeUrl)', { qrCodeUrl: 'https://evil.example/qr.png' }],
      ['a server field (scanUrl)', { scanUrl: 'https://evil.example/s/x' }],
      ['createdBy of another user', { createdBy: 'someone-else' }],
      ['createdAt not the request time', { createdAt: firebase.firestore.Timestamp.fromMillis(0) }],
      ['updatedAt not the request time', { updatedAt: new Date() }],
      ['source other than client', { source: 'api' }],
      // The quota's mark is the trigger's: a client cannot write an item as already ready.
      ['a server field (qrStatus)', { qrStatus: 'ready' }],
      ['a server field (lastSeenAt)', { lastSeenAt: new Date() }],
      ['a server field (lastAuditedAt)', { lastAuditedAt: new Date() }],
      // The notSeenSince sort field: an app could otherwise hide an item from a stocktake.
      ['a server field (seenOrCreatedAt)', { seenOrCreatedAt: new Date() }],
      ['a server field (quotaExceeded)', { quotaExceeded: false }],
      // The photo trigger's list: an app uploads photos to Storage, it never writes the list.
      ['a server field (photos)', { photos: [] }],
    ];
    for (const [what, change] of refused) {
      it(`refuses ${what}`, async () => {
        await assertFails(editor().doc(path()).set(newItem('editor', change)));
      });
    }
    it('refuses a missing name or category', async () => {
      const noName: Record<string, unknown> = newItem('editor');
      delete noName.name;
      await assertFails(editor().doc(path()).set(noName));
      const noCategory: Record<string, unknown> = newItem('editor');
      delete noCategory.category;
      await assertFails(editor().doc(path()).set(noCategory));
    });
    it('refuses an id outside the pattern', async () => {
      await assertFails(
        editor()
          .doc(`organizations/${orgId}/equipment/${'x'.repeat(129)}`)
          .set(newItem('editor')),
      );
    });

    it('updates only the client fields, with updatedAt the request time; server fields stay', async () => {
      const doc = `organizations/${orgId}/equipment/CAM_1`;
      const st = stamp('editor');
      await assertSucceeds(
        editor()
          .doc(doc)
          .update({ name: 'Camera A', updatedAt: now(), ...st }),
      );
      await assertFails(
        editor()
          .doc(doc)
          .update({ name: 'Camera B', ...st }),
      );
      await assertFails(editor().doc(doc).update({ source: 'client', updatedAt: now() }));
      await assertFails(editor().doc(doc).update({ photos: [], updatedAt: now() }));
      // The stamp is the caller's own uid and says client, or the update is refused: an item
      // last written by the API must be stamped anew.
      await db().doc(doc).update({ updatedBy: 'apiKey:k1', updatedVia: 'api' });
      await assertFails(editor().doc(doc).update({ name: 'Camera C', updatedAt: now() }));
      await assertFails(
        editor()
          .doc(doc)
          .update({ name: 'Camera D', updatedAt: now(), ...st, updatedBy: uid('owner') }),
      );
      await assertFails(
        editor()
          .doc(doc)
          .update({ name: 'Camera E', updatedAt: now(), ...st, updatedVia: 'api' }),
      );
      await assertFails(
        editor()
          .doc(doc)
          .update({ qrCodeUrl: 'https://evil.example', updatedAt: now(), ...st }),
      );
      await assertFails(
        editor()
          .doc(doc)
          .update({ createdBy: uid('editor'), updatedAt: now(), ...st }),
      );
      await assertFails(
        editor()
          .doc(doc)
          .update({ source: 'client', updatedAt: now(), ...st }),
      );
      await assertFails(
        editor()
          .doc(doc)
          .update({ name: 'x'.repeat(201), updatedAt: now(), ...st }),
      );
      await assertFails(
        editor()
          .doc(doc)
          .update({ locationId: 'theirs', updatedAt: now(), ...st }),
      );
      await assertFails(
        editor()
          .doc(doc)
          .update({ locationId: 'closed', updatedAt: now(), ...st }),
      );
    });

    it('custody and status are server-owned: a client neither sets nor changes them', async () => {
      const doc = `organizations/${orgId}/equipment/CAM_1`;
      const custody = { checkoutId: 'co1', custodian: { uid: uid('editor') } };
      await assertFails(editor().doc(doc).update({ status: 'available', updatedAt: now() }));
      await assertFails(editor().doc(doc).update({ status: 'checked_out', updatedAt: now() }));
      await assertFails(editor().doc(doc).update({ custody, updatedAt: now() }));
      const fresh = `organizations/${orgId}/equipment/${unique('c')}`;
      await assertFails(
        editor()
          .doc(fresh)
          .set(newItem('editor', { status: 'checked_out', custody })),
      );
      await assertFails(
        editor()
          .doc(fresh)
          .set(newItem('editor', { status: 'available' })),
      );
      await assertSucceeds(editor().doc(fresh).set(newItem('editor')));
    });

    it('an item at a location deactivated since stays editable', async () => {
      const doc = `organizations/${orgId}/equipment/${unique('AT_CLOSED')}`;
      await db()
        .doc(doc)
        .set({ name: 'Old', category: 'OTHER', locationId: 'closed', createdBy: uid('editor') });
      const st = stamp('editor');
      await assertSucceeds(
        editor()
          .doc(doc)
          .update({ name: 'Old, renamed', updatedAt: now(), ...st }),
      );
      await assertSucceeds(
        editor()
          .doc(doc)
          .update({ locationId: 'shelf', updatedAt: now(), ...st }),
      );
    });

    it('a list query for another organisation’s items is refused', async () => {
      await assertFails(client('stranger').collection(`organizations/${orgId}/equipment`).get());
      await assertSucceeds(
        client('stranger').collection(`organizations/${otherOrg}/equipment`).get(),
      );
    });
  });

  describe('what client writes set off', () => {
    it('a client-created item gets its QR PNG; a client-deleted item loses its Storage objects and scan token', async () => {
      const assetId = unique('CLIENT');
      const docPath = `organizations/${orgId}/equipment/${assetId}`;
      await assertSucceeds(
        client('editor')
          .doc(docPath)
          .set(newItem('editor', { name: 'Client tripod' })),
      );
      const item = await waitFor(async () => {
        const snap = await db().doc(docPath).get();
        return snap.get('qrCodeGenerated') === true ? snap : undefined;
      });
      const png = await fetch(String(item.get('qrCodeUrl')));
      assert.equal(decodePng(Buffer.from(await png.arrayBuffer())), item.get('scanUrl'));
      const photo = `${docPath}/photos/side.jpg`;
      await assertSucceeds(
        new Promise((resolve, reject) => {
          env
            .authenticatedContext(uid('editor'))
            .storage()
            .ref(photo)
            .put(new Uint8Array(100), { contentType: 'image/jpeg' })
            .then(resolve, reject);
        }),
      );
      const token = String(item.get('scanToken'));
      assert.ok((await db().doc(`scanTokens/${token}`).get()).exists);

      await assertSucceeds(client('editor').doc(docPath).delete());
      await waitFor(async () => {
        const [files] = await bucket().getFiles({ prefix: `${docPath}/` });
        const tokenGone = !(await db().doc(`scanTokens/${token}`).get()).exists;
        return files.length === 0 && tokenGone;
      });
    });

    it('an item a client writes past the item quota is marked refused and gets no QR code', async () => {
      // The operator's override sets the limit at the items there are now: one more is over.
      const items = (await db().collection(`organizations/${orgId}/equipment`).count().get()).data()
        .count;
      await db().doc(`quotaOverrides/${orgId}`).set({ items });
      try {
        const assetId = unique('OVER');
        const docPath = `organizations/${orgId}/equipment/${assetId}`;
        // The rules cannot count: the write itself is allowed, and small (its fields are bounded).
        await assertSucceeds(client('editor').doc(docPath).set(newItem('editor')));
        const item = await waitFor(async () => {
          const snap = await db().doc(docPath).get();
          return snap.get('qrStatus') === 'refused' ? snap : undefined;
        });
        assert.equal(item.get('quotaExceeded'), true);
        assert.equal(item.get('qrCodeGenerated'), false);
        assert.match(
          String(item.get('qrCodeError')),
          new RegExp(`holds ${items + 1} items and may hold ${items}`),
        );
        assert.equal(item.get('scanToken'), undefined);
        assert.equal(item.get('qrCodeUrl'), undefined);
        const [files] = await bucket().getFiles({ prefix: `${docPath}/` });
        assert.deepEqual(files, []);
        // The client cannot clear the mark itself.
        await assertFails(client('editor').doc(docPath).update({ qrStatus: 'pending' }));
      } finally {
        await db().doc(`quotaOverrides/${orgId}`).delete();
      }
    });
  });

  describe('Storage', () => {
    const photo = (assetId: string, name = 'front.jpg') =>
      `organizations/${orgId}/equipment/${assetId}/photos/${name}`;
    const storage = (actor: Actor) =>
      actor === 'signedOut'
        ? env.unauthenticatedContext().storage()
        : env.authenticatedContext(uid(actor)).storage();
    const bytes = (n: number) => new Uint8Array(n);
    const upload = (
      actor: Actor,
      path: string,
      size: number,
      contentType: string,
    ): Promise<unknown> =>
      new Promise((resolve, reject) => {
        storage(actor).ref(path).put(bytes(size), { contentType }).then(resolve, reject);
      });

    before(async () => {
      await env.withSecurityRulesDisabled(async (ctx) => {
        const put = (p: string) =>
          ctx
            .storage()
            .ref(p)
            .put(bytes(10), { contentType: 'image/png' })
            .then(() => undefined);
        await put(`organizations/${orgId}/equipment/CAM_1/qr.png`);
        await put(`organizations/${otherOrg}/equipment/X/qr.png`);
      });
    });

    it('members read objects under their organisation’s prefix; nobody else does', async () => {
      for (const actor of ACTORS) {
        const read = storage(actor)
          .ref(`organizations/${orgId}/equipment/CAM_1/qr.png`)
          .getMetadata();
        if (rank(actor) >= 1) await assertSucceeds(read);
        else await assertFails(read);
      }
      await assertFails(
        storage('owner').ref(`organizations/${otherOrg}/equipment/X/qr.png`).getMetadata(),
      );
    });

    it('editors upload PNG, JPEG and WebP photos of an existing item, and delete them', async () => {
      for (const [type, name] of [
        ['image/png', 'a.png'],
        ['image/jpeg', 'b.jpg'],
        ['image/webp', 'c.webp'],
      ]) {
        await assertSucceeds(upload('editor', photo('CAM_1', name), 1000, type));
      }
      await assertSucceeds(storage('editor').ref(photo('CAM_1', 'a.png')).delete());
    });

    it('a photo may name its uploader (uploadedBy metadata) only as the caller', async () => {
      const put = (uploadedBy: string) =>
        new Promise((resolve, reject) => {
          storage('editor')
            .ref(photo('CAM_1', `by-${uploadedBy}.jpg`))
            .put(bytes(100), { contentType: 'image/jpeg', customMetadata: { uploadedBy } })
            .then(resolve, reject);
        });
      await assertSucceeds(put(uid('editor')));
      await assertFails(put(uid('owner')));
    });

    it('refuses 10 MB + 1 byte, a text file, a missing item, a viewer, and any other path', async () => {
      await assertSucceeds(
        upload('editor', photo('CAM_1', 'max.jpg'), 10 * 1024 * 1024, 'image/jpeg'),
      );
      await assertFails(
        upload('editor', photo('CAM_1', 'big.jpg'), 10 * 1024 * 1024 + 1, 'image/jpeg'),
      );
      await assertFails(upload('editor', photo('CAM_1', 'notes.txt'), 10, 'text/plain'));
      await assertFails(upload('editor', photo('NO_SUCH_ITEM'), 10, 'image/jpeg'));
      await assertFails(upload('viewer', photo('CAM_1', 'v.jpg'), 10, 'image/jpeg'));
      await assertFails(
        upload('owner', `organizations/${orgId}/equipment/CAM_1/qr.png`, 10, 'image/png'),
      );
      await assertFails(upload('stranger', photo('CAM_1', 's.jpg'), 10, 'image/jpeg'));
    });
  });
});
