// firestore.rules for the scan ledger, through the real client SDK: each event type by each
// role, with self-service check-out off and on; exactly the allowed fields; a forged `by`, a
// createdAt that is not the request time; no update or delete by any client; another
// organisation; members read their own events, editors all.
import {
  assertFails,
  assertSucceeds,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import firebase from 'firebase/compat/app';
import { randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { db } from '../src/data/firebase';
import { ROLES, type Role } from '../src/domain/roles';
import { unique } from './support/api';
import { clientEnvironment } from './support/ledger';

type Actor = Role | 'signedOut' | 'stranger';
const ACTORS: Actor[] = ['signedOut', ...ROLES, 'stranger'];
const TYPES = ['seen', 'audit', 'move', 'checkout', 'checkin'] as const;
type Type = (typeof TYPES)[number];

const rank = (a: Actor) => (a === 'signedOut' || a === 'stranger' ? 0 : 5 - ROLES.indexOf(a));
const atLeast = (a: Actor, role: Role) => rank(a) >= 5 - ROLES.indexOf(role);

describe('security rules of the scan ledger (client apps)', function () {
  this.timeout(120_000);
  let env: RulesTestEnvironment;
  const orgId = unique('org');
  const selfOrg = unique('self');
  const otherOrg = unique('other');
  const uid = (actor: Actor) => `${actor}-${orgId}`;

  before(async () => {
    env = await clientEnvironment();
    const batch = db().batch();
    batch.set(db().doc(`organizations/${orgId}`), { name: 'Ledger rules', timeZone: 'UTC' });
    batch.set(db().doc(`organizations/${selfOrg}`), {
      name: 'Self-service',
      timeZone: 'UTC',
      selfServiceCheckout: true,
    });
    batch.set(db().doc(`organizations/${otherOrg}`), { name: 'Other', timeZone: 'UTC' });
    for (const org of [orgId, selfOrg]) {
      for (const role of ROLES) {
        batch.set(db().doc(`organizations/${org}/members/${uid(role)}`), { uid: uid(role), role });
      }
    }
    batch.set(db().doc(`organizations/${otherOrg}/members/${uid('stranger')}`), {
      uid: uid('stranger'),
      role: 'owner',
    });
    batch.set(db().doc(`organizations/${orgId}/scanEvents/of-viewer`), {
      type: 'seen',
      code: 'X',
      by: uid('viewer'),
      result: { status: 'refused', reason: 'unknown_code' },
    });
    batch.set(db().doc(`organizations/${orgId}/scanEvents/of-editor`), {
      type: 'seen',
      code: 'X',
      by: uid('editor'),
    });
    batch.set(db().doc(`organizations/${orgId}/equipment/CAM-1`), {
      name: 'Camera',
      category: 'CAMERA',
      lastSeenAt: Timestamp.now(),
      seenOrCreatedAt: Timestamp.now(),
    });
    await batch.commit();
  });

  after(async () => {
    await env?.cleanup();
  });

  const client = (actor: Actor) =>
    actor === 'signedOut'
      ? env.unauthenticatedContext().firestore()
      : env.authenticatedContext(uid(actor)).firestore();

  const event = (actor: Actor, type: Type, extra: Record<string, unknown> = {}) => ({
    type,
    code: 'SER-1',
    scannedAt: firebase.firestore.Timestamp.now(),
    by: uid(actor),
    createdAt: firebase.firestore.FieldValue.serverTimestamp(),
    ...(type === 'audit' ? { auditId: 'a1' } : {}),
    ...(type === 'move' ? { locationId: 'room' } : {}),
    ...extra,
  });
  const write = (actor: Actor, org: string, data: Record<string, unknown>) =>
    client(actor).doc(`organizations/${org}/scanEvents/${randomUUID()}`).set(data);

  /** Who may create each type without self-service: the custody routes' roles. */
  const mayCreate = (actor: Actor, type: Type) =>
    type === 'seen' || type === 'audit' ? atLeast(actor, 'viewer') : atLeast(actor, 'editor');

  for (const type of TYPES) {
    describe(`${type} events`, () => {
      for (const actor of ACTORS) {
        it(`${actor}: create ${mayCreate(actor, type) ? 'yes' : 'no'}`, async () => {
          const attempt = write(actor, orgId, event(actor, type));
          if (mayCreate(actor, type)) await assertSucceeds(attempt);
          else await assertFails(attempt);
        });
      }
    });
  }

  describe('self-service check-out (the organisation has selfServiceCheckout)', () => {
    for (const role of ['analyst', 'viewer'] as const) {
      it(`a ${role} checks out and in for themselves, not for someone else`, async () => {
        await assertSucceeds(write(role, selfOrg, event(role, 'checkout')));
        await assertSucceeds(
          write(role, selfOrg, event(role, 'checkout', { custodian: { uid: uid(role) } })),
        );
        await assertSucceeds(write(role, selfOrg, event(role, 'checkin')));
        await assertFails(
          write(role, selfOrg, event(role, 'checkout', { custodian: { name: 'Ana' } })),
        );
        await assertFails(
          write(role, selfOrg, event(role, 'checkout', { custodian: { uid: uid('owner') } })),
        );
        // Moving stays an editor's.
        await assertFails(write(role, selfOrg, event(role, 'move')));
      });
    }
    it('an editor checks out for anyone there too; a stranger for nobody', async () => {
      await assertSucceeds(
        write(
          'editor',
          selfOrg,
          event('editor', 'checkout', { custodian: { name: 'Ana', email: 'ana@example.com' } }),
        ),
      );
      await assertFails(write('stranger', selfOrg, event('stranger', 'checkout')));
    });
  });

  describe('the fields of an event', () => {
    const refused: Array<[string, Record<string, unknown>]> = [
      ['a forged by', { by: 'someone-else' }],
      ['createdAt not the request time', { createdAt: firebase.firestore.Timestamp.fromMillis(0) }],
      ['scannedAt not a timestamp', { scannedAt: '2026-12-01T10:00:00Z' }],
      ['a result written by the client', { result: { status: 'applied' } }],
      ['an extra field', { colour: 'red' }],
      ['an unknown type', { type: 'teleport' }],
      ['an empty code', { code: '' }],
      ['a code too long', { code: 'x'.repeat(201) }],
      ['an auditId that is not an id', { auditId: 'a/b' }],
      ['a custodian with extra fields', { custodian: { uid: 'x', role: 'owner' } }],
      ['a deviceId too long', { deviceId: 'd'.repeat(129) }],
    ];
    for (const [what, change] of refused) {
      it(`refuses ${what}`, async () => {
        await assertFails(write('owner', orgId, event('owner', 'seen', change)));
      });
    }
    it('accepts every optional field at once', async () => {
      await assertSucceeds(
        write(
          'owner',
          orgId,
          event('owner', 'checkout', {
            auditId: 'a1',
            checkoutId: 'c1',
            locationId: 'room',
            custodian: { name: 'Ana' },
            deviceId: 'scanner-7',
          }),
        ),
      );
    });
    it('refuses an audit scan without auditId and a move without locationId', async () => {
      const audit = event('owner', 'audit');
      delete (audit as Record<string, unknown>).auditId;
      await assertFails(write('owner', orgId, audit));
      const move = event('owner', 'move');
      delete (move as Record<string, unknown>).locationId;
      await assertFails(write('owner', orgId, move));
    });
    it('refuses a missing scannedAt and a scanId outside the id pattern', async () => {
      const noTime = event('owner', 'seen');
      delete (noTime as Record<string, unknown>).scannedAt;
      await assertFails(write('owner', orgId, noTime));
      await assertFails(
        client('owner')
          .doc(`organizations/${orgId}/scanEvents/${'x'.repeat(129)}`)
          .set(event('owner', 'seen')),
      );
    });
  });

  describe('after the write', () => {
    it('no client updates or deletes an event, not even its author or an owner', async () => {
      for (const actor of ['viewer', 'owner'] as const) {
        const ref = client(actor).doc(`organizations/${orgId}/scanEvents/of-viewer`);
        await assertFails(ref.update({ result: { status: 'applied' } }));
        await assertFails(ref.set(event('viewer', 'seen')));
        await assertFails(ref.delete());
      }
    });
    it("the items' lastSeen and lastAudited fields are server-owned", async () => {
      const item = client('owner').doc(`organizations/${orgId}/equipment/CAM-1`);
      const at = firebase.firestore.FieldValue.serverTimestamp();
      // A client's update stamps itself (docs/events.md#actors).
      const stamp = { updatedBy: uid('owner'), updatedVia: 'client' };
      for (const field of ['lastSeenAt', 'lastSeenLocationId', 'lastSeenBy', 'lastAuditedAt']) {
        await assertFails(item.update({ [field]: null, updatedAt: at, ...stamp }));
      }
      // The notSeenSince sort field: neither moved to the future nor removed by a client.
      await assertFails(item.update({ seenOrCreatedAt: at, updatedAt: at, ...stamp }));
      await assertFails(
        item.update({
          seenOrCreatedAt: firebase.firestore.FieldValue.delete(),
          updatedAt: at,
          ...stamp,
        }),
      );
      await assertSucceeds(item.update({ notes: 'fine', updatedAt: at, ...stamp }));
    });
    it('a member reads their own events; editors and up read all; strangers none', async () => {
      await assertSucceeds(
        client('viewer').doc(`organizations/${orgId}/scanEvents/of-viewer`).get(),
      );
      await assertFails(client('viewer').doc(`organizations/${orgId}/scanEvents/of-editor`).get());
      await assertSucceeds(
        client('viewer')
          .collection(`organizations/${orgId}/scanEvents`)
          .where('by', '==', uid('viewer'))
          .get(),
      );
      await assertFails(client('viewer').collection(`organizations/${orgId}/scanEvents`).get());
      await assertSucceeds(client('editor').collection(`organizations/${orgId}/scanEvents`).get());
      await assertFails(
        client('stranger').doc(`organizations/${orgId}/scanEvents/of-viewer`).get(),
      );
      await assertFails(write('stranger', orgId, event('stranger', 'seen')));
    });
  });
});
