// Set-up for the scan ledger and audit tests: an organisation with members of each role, items
// with imported codes (written with the Admin SDK: the tests are about scans, not about making
// items), and client apps (the real client SDK under the project's rules, signed in as a member).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import type { SignedIn } from 'emulator';
import { FieldValue, Timestamp } from 'firebase-admin/firestore';
import { db } from '../../src/data/firebase';
import { codeKey } from '../../src/domain/tagCodes';
import { addMember, call, createOrg, newUser } from './api';
import { projectId } from './stack';
import { waitFor } from './wait';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const hostOf = (name: string) => {
  const v = process.env[name] ?? '';
  const i = v.lastIndexOf(':');
  return { host: v.slice(0, i), port: Number(v.slice(i + 1)) };
};

/** The client SDK environment with the project's own rules loaded. */
export function clientEnvironment(): Promise<RulesTestEnvironment> {
  return initializeTestEnvironment({
    projectId: projectId(),
    hub: hostOf('FIREBASE_EMULATOR_HUB'),
    firestore: { rules: fs.readFileSync(path.join(root, 'firestore.rules'), 'utf8') },
  });
}

export interface LedgerOrg {
  orgId: string;
  owner: SignedIn;
  editor: SignedIn;
  viewer: SignedIn;
}

/** An organisation with an owner, an editor and a viewer, and locations `room` and `store`. */
export async function ledgerOrg(): Promise<LedgerOrg> {
  const [owner, editor, viewer] = await Promise.all([
    newUser('owner'),
    newUser('editor'),
    newUser('viewer'),
  ]);
  const orgId = await createOrg(owner, 'Ledger org');
  await addMember(orgId, owner, editor, 'editor');
  await addMember(orgId, owner, viewer, 'viewer');
  const batch = db().batch();
  for (const [id, active] of [
    ['room', true],
    ['store', true],
    ['closed', false],
  ] as const) {
    batch.set(db().doc(`organizations/${orgId}/locations/${id}`), {
      name: id,
      nameKey: id,
      active,
    });
  }
  // Items written here get no QR render (the tests do not need one, and 20 000 renders would
  // be the whole run): the QR trigger marks items past the item quota `refused`.
  batch.set(db().doc(`quotaOverrides/${orgId}`), { items: 0 });
  await batch.commit();
  return { orgId, owner, editor, viewer };
}

export interface SeedItem {
  assetId: string;
  locationId: string;
  category?: string;
  name?: string;
}

/** The code printed on a seeded item (an imported code in the organisation's code index). */
export const codeOf = (assetId: string): string => `SER-${assetId}`;

/** Items and their imported codes, with BulkWriter. */
export async function seedItems(orgId: string, items: SeedItem[]): Promise<void> {
  const writer = db().bulkWriter({ throttling: false });
  const now = Timestamp.now();
  for (const item of items) {
    void writer.set(db().doc(`organizations/${orgId}/equipment/${item.assetId}`), {
      name: item.name ?? `Item ${item.assetId}`,
      category: item.category ?? 'CAMERA',
      locationId: item.locationId,
      createdAt: now,
      updatedAt: now,
      createdBy: 'seed',
      source: 'api',
    });
    const code = codeOf(item.assetId);
    void writer.set(db().doc(`organizations/${orgId}/tags/${codeKey(code)}`), {
      code,
      kind: 'imported',
      assetId: item.assetId,
    });
  }
  await writer.close();
}

export interface EventResult {
  status: string;
  reason?: string;
  message?: string;
  itemId?: string;
  appliedAt?: Timestamp;
}

/** The event's result, once the ledger has written it. */
export function resultOf(orgId: string, scanId: string, timeoutMs = 30_000): Promise<EventResult> {
  return waitFor(
    async () =>
      (await db().doc(`organizations/${orgId}/scanEvents/${scanId}`).get()).get('result') as
        EventResult | undefined,
    { timeoutMs, intervalMs: 100 },
  );
}

/** POST .../scan-events, expecting 200; the results. */
export async function sendEvents(
  orgId: string,
  token: string,
  events: Array<Record<string, unknown>>,
): Promise<Array<Record<string, unknown>>> {
  const reply = await call<{ results: Array<Record<string, unknown>> }>(
    'POST',
    `/v1/orgs/${orgId}/scan-events`,
    { token, body: { events } },
  );
  if (reply.status !== 200) {
    throw new Error(`scan-events: ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  return reply.body.results;
}

/** What firebase-functions-test makes document snapshots with. */
interface SnapshotMaker {
  firestore: {
    makeDocumentSnapshot(data: Record<string, unknown>, path: string): unknown;
  };
}

/**
 * A scan event the functions host never delivers (a trigger that has not run yet): made with a
 * result (the host's trigger skips it), then the result removed by an update (no create event).
 * Returns the create event to deliver by hand to the wrapped trigger.
 */
export async function undeliveredEvent(
  fft: SnapshotMaker,
  orgId: string,
  scanId: string,
  fields: Record<string, unknown>,
) {
  const ref = db().doc(`organizations/${orgId}/scanEvents/${scanId}`);
  await ref.set({ ...fields, result: { status: 'placeholder' } });
  await ref.update({ result: FieldValue.delete() });
  return {
    ref,
    event: {
      data: fft.firestore.makeDocumentSnapshot(fields, ref.path),
      params: { orgId, scanId },
      time: new Date().toISOString(),
    },
  };
}
