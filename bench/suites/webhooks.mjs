// Events and webhooks through the local stack (functions host, Firestore, the Cloud Tasks
// emulator), with the local params of functions/.env.local (batch window 1 s):
// - 1 000 equipment documents written at once (one BulkWriter: the writes a 1 000-row CSV
//   upload makes): the time until the last of their 1 000 equipment.created events is in the
//   activity log, next to the writes alone;
// - (each phase waits for the previous one's QR codes, rendered by their own trigger)
// - the same with a webhook subscribed to equipment.created and a local receiver: events
//   delivered per second, and the requests they took (batches of at most 100);
// - the added latency from a change (one item written, commit acknowledged) to its delivery at
//   the receiver, one change at a time: p50 and p95 of 40.
import * as http from 'node:http';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { round } from '../lib/measure.mjs';
import { pointSdksAt, startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const PROJECT = 'demo-qr-assets';
const ROWS = 1000;
const SINGLES = 40;
const PORTS = [9471, 9472, 9473, 9474];

async function receiver(onEvents) {
  for (const port of PORTS) {
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        onEvents(body.type === 'batch' ? body.events : [body]);
        res.writeHead(204).end();
      });
    });
    try {
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      return { server, url: `http://127.0.0.1:${port}/bench` };
    } catch {
      // taken; try the next
    }
  }
  throw new Error('no port of WEBHOOK_ALLOWED_HOSTS in functions/.env.local is free');
}

const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;
const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

export async function run() {
  const stack = await startStackProcess();
  pointSdksAt(stack, PROJECT);
  const { initializeApp, deleteApp } = require('firebase-admin/app');
  const { getFirestore, Timestamp } = require('firebase-admin/firestore');
  const app = initializeApp({ projectId: PROJECT }, `bench-webhooks-${Date.now()}`);
  const db = getFirestore(app);
  const received = new Map();
  let requests = 0;
  const { server, url } = await receiver((events) => {
    requests++;
    const at = process.hrtime.bigint();
    for (const e of events) if (!received.has(e.subject.id)) received.set(e.subject.id, at);
  });

  async function writeRows(orgId, prefix) {
    const writer = db.bulkWriter();
    const now = Timestamp.now();
    for (let i = 0; i < ROWS; i++) {
      void writer.create(db.doc(`organizations/${orgId}/equipment/${prefix}${i}`), {
        name: `Item ${i}`,
        category: 'OTHER',
        createdBy: 'bench',
        source: 'csv',
        createdAt: now,
        updatedAt: now,
      });
    }
    await writer.close();
  }
  async function waitForLogged(orgId, count) {
    const q = db
      .collection(`organizations/${orgId}/activity`)
      .where('type', '==', 'equipment.created');
    for (;;) {
      if ((await q.count().get()).data().count >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  // Each new item also gets its QR code rendered by its own trigger: let that finish before the
  // next phase, so that one phase's QR work does not slow the next one down.
  async function waitForQr(orgId, count) {
    const q = db
      .collection(`organizations/${orgId}/equipment`)
      .where('qrCodeGenerated', '==', true);
    for (;;) {
      if ((await q.count().get()).data().count >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  async function webhookFor(orgId) {
    const ref = db.collection(`organizations/${orgId}/webhooks`).doc();
    const now = Timestamp.now();
    await db.doc(`webhookSecrets/${orgId}~${ref.id}`).set({
      current: `whsec_${randomBytes(32).toString('base64')}`,
      previous: null,
      previousUntil: null,
    });
    await ref.set({
      url,
      events: ['equipment.created'],
      active: true,
      failingSince: null,
      createdAt: now,
      createdBy: 'bench',
      updatedAt: now,
    });
  }

  try {
    // 1. The log alone.
    const logOrg = `bench-events-${Date.now()}`;
    let start = process.hrtime.bigint();
    await writeRows(logOrg, 'L');
    const writesMs = ms(start);
    await waitForLogged(logOrg, ROWS);
    const loggedMs = ms(start);
    await waitForQr(logOrg, ROWS);

    // 2. With a webhook.
    const hookOrg = `bench-hook-${Date.now()}`;
    await webhookFor(hookOrg);
    start = process.hrtime.bigint();
    await writeRows(hookOrg, 'H');
    while ([...received.keys()].filter((k) => k.startsWith('H')).length < ROWS) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const deliveredMs = ms(start);
    const bulkRequests = requests;
    await waitForQr(hookOrg, ROWS);

    // 3. One change at a time: change -> delivery.
    const latencies = [];
    for (let i = 0; i < SINGLES; i++) {
      const id = `S${i}`;
      const t0 = process.hrtime.bigint();
      await db
        .doc(`organizations/${hookOrg}/equipment/${id}`)
        .create({ name: id, category: 'OTHER', createdBy: 'bench', source: 'api' });
      while (!received.has(id)) await new Promise((resolve) => setTimeout(resolve, 10));
      latencies.push(Number(received.get(id) - t0) / 1e6);
    }
    return [
      {
        name: `${ROWS} rows written: last equipment.created event logged`,
        unit: 'ms',
        value: round(loggedMs, 0),
        anchor: 'the writes alone (BulkWriter)',
        anchorValue: round(writesMs, 0),
      },
      {
        name: `${ROWS} rows written: events logged per second`,
        unit: 'events/s',
        value: round((ROWS * 1000) / loggedMs, 1),
      },
      {
        name: `${ROWS} rows, one webhook: events delivered per second`,
        unit: 'events/s',
        value: round((ROWS * 1000) / deliveredMs, 1),
        anchor: 'requests it took',
        anchorValue: bulkRequests,
      },
      {
        name: 'change to delivery, one at a time (batch window 1 s): p50',
        unit: 'ms',
        value: round(pct(latencies, 50), 0),
      },
      {
        name: 'change to delivery, one at a time (batch window 1 s): p95',
        unit: 'ms',
        value: round(pct(latencies, 95), 0),
      },
    ];
  } finally {
    await deleteApp(app);
    await stack.stop();
    await new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    });
  }
}
