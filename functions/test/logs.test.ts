// The catalogue of log events (src/logs.ts): every event is documented in docs/operations.md,
// and the main failures fire the event they should, with its fixed fields.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import functionsTest from 'firebase-functions-test';
import { LOG_EVENTS } from '../src/logs';
import { db } from '../src/data/firebase';
import { bucket } from '../src/data/storage';
import { equipmentCreated } from '../src/triggers/equipmentCreated';
import { qrCodeCreated } from '../src/triggers/qrCodeCreated';
import { unique } from './support/api';
import { captureLogs, eventsOf } from './support/logCapture';
import { waitFor } from './support/wait';

const root = path.resolve(__dirname, '../../..');
const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();

describe('log events', function () {
  this.timeout(60_000);
  const fft = functionsTest(
    JSON.parse(process.env.FIREBASE_CONFIG ?? '{}') as { projectId: string },
  );
  after(() => fft.cleanup());

  it('docs/operations.md lists every event of the catalogue, and no other', () => {
    const docs = readFileSync(path.join(root, 'docs/operations.md'), 'utf8');
    const section = docs.slice(docs.indexOf('## Logs'), docs.indexOf('## Rate limits'));
    // The event column: the first cell of each row, which may name two events.
    const firstCells = section.split('\n').map((line) => /^\| ([^|]+)\|/.exec(line)?.[1] ?? '');
    const documented = new Set(
      firstCells.flatMap((cell) =>
        [...cell.matchAll(/`([a-z_]+(?:\.[a-z_]+)+)`/g)].map((m) => m[1]),
      ),
    );
    const missing = LOG_EVENTS.filter((e) => !documented.has(e));
    assert.deepEqual(missing, [], 'events without a row in docs/operations.md');
    const catalogue = new Set<string>(LOG_EVENTS);
    const unknown = [...documented].filter((e) => !catalogue.has(e));
    assert.deepEqual(unknown, [], 'documented events that logs.ts does not have');
  });

  it('a QR trigger event retried for over an hour fires trigger.gave_up and marks the item failed', async () => {
    const [orgId, assetId] = [unique('org'), unique('ITEM')];
    const ref = db().doc(`organizations/${orgId}/equipment/${assetId}`);
    await ref.set({ name: 'Late lens', category: 'LENS' });
    // The stack's own trigger fires on this create and makes the code; wait for it, then take the
    // code away again by an update (which fires no create), so only the stale event below acts.
    await waitFor(async () => (await ref.get()).get('qrCodeGenerated') === true);
    await ref.update({ qrCodeGenerated: false, qrStatus: 'pending' });
    const event = {
      data: fft.firestore.makeDocumentSnapshot({ name: 'Late lens' }, ref.path),
      params: { orgId, assetId },
      id: unique('evt'),
      time: hoursAgo(2),
    };
    const logs = await captureLogs(() => fft.wrap(equipmentCreated)(event));
    const gaveUp = logs.find((e) => e.event === 'trigger.gave_up');
    assert.ok(gaveUp, `events: ${eventsOf(logs).join(', ')}`);
    assert.equal(gaveUp.severity, 'ERROR');
    assert.equal(gaveUp.trigger, 'equipmentCreated');
    assert.equal(gaveUp.eventId, event.id);
    assert.deepEqual(gaveUp.params, { orgId, assetId });
    const item = (await ref.get()).data();
    assert.equal(item?.qrStatus, 'failed');
    assert.match(String(item?.qrCodeError), /within an hour/);
    assert.ok(!eventsOf(logs).includes('equipment.qr.stored'), 'no QR work on a stale event');
  });

  it('a Storage failure of the QR trigger fires equipment.qr.attempt_failed with the error shape', async () => {
    const [orgId, assetId] = [unique('org'), unique('ITEM')];
    const ref = db().doc(`organizations/${orgId}/equipment/${assetId}`);
    // The stack's own trigger fires on this create too: with 50 attempts recorded it gives up at
    // once (its limit is 3), and this process, allowed 100, makes attempt 51 alone.
    await ref.set({ name: 'Unlucky mic', category: 'AUDIO', qrCodeAttempts: 50 });
    // An object without a download token at the PNG's path: the create-only upload is refused.
    await bucket()
      .file(`organizations/${orgId}/equipment/${assetId}/qr.png`)
      .save(Buffer.from('not a QR code'), { resumable: false, contentType: 'text/plain' });
    const event = {
      data: fft.firestore.makeDocumentSnapshot({ name: 'Unlucky mic' }, ref.path),
      params: { orgId, assetId },
      id: unique('evt'),
      time: new Date().toISOString(),
    };
    process.env.EQUIPMENT_QR_MAX_ATTEMPTS = '100';
    const logs = await captureLogs(() => fft.wrap(equipmentCreated)(event)).finally(
      () => delete process.env.EQUIPMENT_QR_MAX_ATTEMPTS,
    );
    const failed = logs.find((e) => e.event === 'equipment.qr.attempt_failed');
    assert.ok(failed, `events: ${eventsOf(logs).join(', ')}`);
    assert.equal(failed.severity, 'WARNING');
    assert.equal(failed.attempts, 51);
    const error = failed.error as { name?: unknown; message?: unknown };
    assert.equal(typeof error.name, 'string');
    assert.match(String(error.message), /pre-?condition/i);
  });

  it('a stale event with nothing to do is not given up: a stored code logs nothing', async () => {
    const [orgId, qrId] = [unique('org'), unique('qr')];
    const event = {
      data: fft.firestore.makeDocumentSnapshot(
        { data: 'https://example.com', pngPath: 'already/there.png' },
        `organizations/${orgId}/qrCodes/${qrId}`,
      ),
      params: { orgId, qrId },
      id: unique('evt'),
      time: hoursAgo(3),
    };
    const logs = await captureLogs(() => fft.wrap(qrCodeCreated)(event));
    assert.deepEqual(eventsOf(logs), []);
  });
});
