// What the custody and booking tests share: an organisation in Europe/Berlin with members of
// each role, items written with the Admin SDK, and typed replies.
import type { SignedIn } from 'emulator';
import { db } from '../../src/data/firebase';
import { equipmentRef } from '../../src/data/paths';
import { addMember, call, newUser, unique } from './api';

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export interface CheckoutReply {
  checkoutId: string;
  status: string;
  assetIds: string[];
  custodian: Record<string, string>;
  dueAt: string | null;
  bookingId: string | null;
  unavailable: Array<Record<string, unknown>>;
}

export interface CheckinReply {
  returned: string[];
  notCheckedOut: string[];
  unknownCodes: string[];
  checkouts: Array<{ checkoutId: string; status: string }>;
}

export interface BookingReply {
  bookingId: string;
  status: string;
  assetIds: string[];
  from: string;
  to: string;
  custodian: Record<string, string>;
  checkoutIds: string[];
}

export type UnavailableItem = {
  assetId?: string;
  code?: string;
  reason: string;
  checkoutId?: string;
  bookingId?: string;
  until?: string | null;
};

export interface Room {
  orgId: string;
  owner: SignedIn;
  editor: SignedIn;
  viewer: SignedIn;
  stranger: SignedIn;
}

/** An organisation in Europe/Berlin with an editor and a viewer, and a stranger outside it. */
export async function newRoom(): Promise<Room> {
  const [owner, editor, viewer, stranger] = await Promise.all([
    newUser('owner'),
    newUser('editor'),
    newUser('viewer'),
    newUser('stranger'),
  ]);
  const orgId = unique('room');
  const made = await call('POST', '/v1/orgs', {
    token: owner.idToken,
    body: { orgId, name: 'Equipment room', timeZone: 'Europe/Berlin' },
  });
  if (made.status !== 201) throw new Error(`org: ${made.status} ${JSON.stringify(made.body)}`);
  await addMember(orgId, owner, editor, 'editor');
  await addMember(orgId, owner, viewer, 'viewer');
  return { orgId, owner, editor, viewer, stranger };
}

/** `count` items of `category` written directly; their ids, `${prefix}-1` and on. */
export async function addItems(
  orgId: string,
  prefix: string,
  count: number,
  category = 'CAMERA',
): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
  const writer = db().bulkWriter();
  for (const id of ids) {
    void writer.set(equipmentRef(orgId).doc(id), { name: `Item ${id}`, category, source: 'api' });
  }
  await writer.close();
  return ids;
}

export const inHours = (hours: number): string =>
  new Date(Date.now() + hours * 3_600_000).toISOString();
