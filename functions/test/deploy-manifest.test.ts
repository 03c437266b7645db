// What `firebase deploy` would learn from the built code: firebase-functions' own manifest
// discovery (its `firebase-functions` binary, the step the CLI runs before deploying), checked
// against the functions we mean to deploy. A function that would not deploy fails here.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Endpoint {
  platform: string;
  region: string;
  entryPoint: string;
  httpsTrigger?: Record<string, unknown>;
  eventTrigger?: {
    eventType: string;
    eventFilters: Record<string, string>;
    eventFilterPathPatterns?: Record<string, string>;
    retry: boolean;
  };
  scheduleTrigger?: { schedule: string; timeZone?: string | null };
  taskQueueTrigger?: {
    retryConfig?: Record<string, number | string | null>;
    rateLimits?: Record<string, number | string | null>;
  };
  timeoutSeconds?: number | null;
  availableMemoryMb?: number | null;
  cpu?: number | string | null;
  concurrency?: number | string | null;
  maxInstances?: number | string | null;
}

interface Manifest {
  specVersion: string;
  endpoints: Record<string, Endpoint>;
  params: Array<{ name: string; type: string; default?: unknown }>;
}

/** Every function the codebase deploys, with the trigger it must have. Extend it with each new one. */
const EXPECTED: Record<string, (e: Endpoint) => void> = {
  api: (e) => {
    assert.deepEqual(e.httpsTrigger, {});
    assert.equal(e.timeoutSeconds, 300);
  },
  organizationCreated: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.firestore.document.v1.created');
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: 'organizations/{orgId}',
    });
    assert.deepEqual(e.eventTrigger?.eventFilters, {
      database: '(default)',
      namespace: '(default)',
    });
    assert.equal(e.eventTrigger?.retry, true);
  },
  qrCodeCreated: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.firestore.document.v1.created');
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: 'organizations/{orgId}/qrCodes/{qrId}',
    });
    assert.equal(e.eventTrigger?.retry, true);
  },
  tagPoolCreated: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.firestore.document.v1.created');
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: 'organizations/{orgId}/tagPools/{poolId}',
    });
    assert.equal(e.eventTrigger?.retry, true);
    assert.equal(e.timeoutSeconds, 540);
  },
  equipmentImageSync: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.firestore.document.v1.written');
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: 'organizations/{orgId}/equipment/{assetId}',
    });
    assert.equal(e.eventTrigger?.retry, true);
  },
  // The import itself runs on a task queue: bounded dispatches, retries with backoff.
  equipmentImageImport: (e) => {
    assert.deepEqual(e.taskQueueTrigger?.rateLimits, {
      maxConcurrentDispatches: '{{ params.IMAGE_IMPORT_MAX_DISPATCHES }}',
      maxDispatchesPerSecond: null,
    });
    assert.deepEqual(e.taskQueueTrigger?.retryConfig, {
      maxAttempts: 12,
      maxDoublings: 5,
      maxBackoffSeconds: 60,
      maxRetrySeconds: null,
      minBackoffSeconds: 2,
    });
    assert.equal(e.timeoutSeconds, 120);
    assert.equal(e.availableMemoryMb, 1024);
    assert.equal(e.cpu, 1);
    assert.equal(e.concurrency, '{{ params.IMAGE_IMPORT_CONCURRENCY }}');
  },
  // Client-uploaded photos: Storage triggers on the default bucket (FIREBASE_CONFIG's at deploy).
  equipmentPhotoFinalized: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.storage.object.v1.finalized');
    assert.deepEqual(e.eventTrigger?.eventFilters, { bucket: 'demo-qr-assets.appspot.com' });
    assert.equal(e.eventTrigger?.retry, true);
    assert.equal(e.timeoutSeconds, 120);
    assert.equal(e.availableMemoryMb, 1024);
    assert.equal(e.concurrency, '{{ params.IMAGE_IMPORT_CONCURRENCY }}');
  },
  equipmentPhotoDeleted: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.storage.object.v1.deleted');
    assert.deepEqual(e.eventTrigger?.eventFilters, { bucket: 'demo-qr-assets.appspot.com' });
    assert.equal(e.eventTrigger?.retry, true);
  },
  cleanupExpiredQrCodes: (e) => {
    assert.equal(e.scheduleTrigger?.schedule, 'every 60 minutes');
    assert.equal(e.timeoutSeconds, 540);
  },
  batchCreated: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.firestore.document.v1.created');
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: 'organizations/{orgId}/orders/{orderId}/batches/{batchId}',
    });
    assert.equal(e.eventTrigger?.retry, true);
    assert.equal(e.timeoutSeconds, 540);
  },
  prepJobQueued: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.firestore.document.v1.written');
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: 'organizations/{orgId}/prepJobs/{jobId}',
    });
    // The sweeper, not event retries, picks up a job whose worker failed.
    assert.equal(e.eventTrigger?.retry, false);
    assert.equal(e.timeoutSeconds, 540);
  },
  sweepPrepJobs: (e) => {
    assert.equal(e.scheduleTrigger?.schedule, 'every 2 minutes');
    assert.equal(e.timeoutSeconds, 540);
  },
  custodySweep: (e) => {
    assert.equal(e.scheduleTrigger?.schedule, 'every 15 minutes');
    assert.equal(e.timeoutSeconds, 540);
  },
  equipmentCreated: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.firestore.document.v1.created');
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: 'organizations/{orgId}/equipment/{assetId}',
    });
    assert.equal(e.eventTrigger?.retry, true);
  },
  equipmentDeleted: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.firestore.document.v1.deleted');
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: 'organizations/{orgId}/equipment/{assetId}',
    });
    assert.equal(e.eventTrigger?.retry, true);
  },
  qrJobCreated: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.firestore.document.v1.created');
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: 'organizations/{orgId}/qrJobs/{jobId}',
    });
    assert.equal(e.eventTrigger?.retry, true);
    assert.equal(e.timeoutSeconds, 540);
  },
  scanEventCreated: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.firestore.document.v1.created');
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: 'organizations/{orgId}/scanEvents/{scanId}',
    });
    assert.equal(e.eventTrigger?.retry, true);
  },
  stockMovementCreated: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.firestore.document.v1.created');
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: 'organizations/{orgId}/stockItems/{sku}/movements/{movementId}',
    });
    assert.equal(e.eventTrigger?.retry, true);
  },
  reorderReceived: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.firestore.document.v1.updated');
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: 'organizations/{orgId}/reorders/{reorderId}',
    });
    assert.equal(e.eventTrigger?.retry, true);
  },
  stockItemImageSync: (e) => {
    assert.equal(e.eventTrigger?.eventType, 'google.cloud.firestore.document.v1.written');
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: 'organizations/{orgId}/stockItems/{sku}',
    });
    assert.equal(e.eventTrigger?.retry, true);
  },
  leadTimeSchedule: (e) => {
    assert.equal(e.scheduleTrigger?.schedule, 'every day 03:00');
    assert.equal(e.timeoutSeconds, 540);
  },
  backfillProductCodes: (e) => {
    assert.equal(e.scheduleTrigger?.schedule, 'every 60 minutes');
    assert.equal(e.timeoutSeconds, 540);
  },
};

// Events (docs/events.md): one written-trigger per catalogue entry, and the delivery queue.
const EVENT_TRIGGERS: Record<string, string> = {
  eventsEquipment: 'equipment/{id}',
  eventsMembers: 'members/{id}',
  eventsApiKeys: 'apiKeys/{id}',
  eventsInvitations: 'invitations/{id}',
  eventsLocations: 'locations/{id}',
  eventsQrCodes: 'qrCodes/{id}',
  eventsTags: 'tags/{id}',
  eventsTagPools: 'tagPools/{id}',
  eventsMasters: 'masters/{id}',
  eventsOrders: 'orders/{id}',
  eventsCheckouts: 'checkouts/{id}',
  eventsBookings: 'bookings/{id}',
  eventsStockItems: 'stockItems/{id}',
  eventsStockMovements: 'stockItems/{sku}/movements/{id}',
  eventsReorders: 'reorders/{id}',
  eventsSuppliers: 'suppliers/{id}',
  eventsAudits: 'audits/{id}',
  eventsScanEvents: 'scanEvents/{id}',
  eventsWebhooks: 'webhooks/{id}',
};
for (const [name, documentPath] of Object.entries(EVENT_TRIGGERS)) {
  EXPECTED[name] = (e) => {
    // withAuthContext: in production the trigger learns which client app user wrote.
    assert.equal(
      e.eventTrigger?.eventType,
      'google.cloud.firestore.document.v1.written.withAuthContext',
    );
    assert.deepEqual(e.eventTrigger?.eventFilterPathPatterns, {
      document: `organizations/{orgId}/${documentPath}`,
    });
    assert.equal(e.eventTrigger?.retry, true);
  };
}
EXPECTED.sweepWebhookOutboxes = (e) => {
  assert.equal(e.scheduleTrigger?.schedule, 'every 5 minutes');
  assert.equal(e.timeoutSeconds, 300);
};
EXPECTED.deliverWebhooks = (e) => {
  assert.ok(e.taskQueueTrigger, 'a task queue function');
  const retry = e.taskQueueTrigger.retryConfig ?? {};
  assert.equal(retry.maxAttempts, 5);
  assert.equal(retry.minBackoffSeconds, 10);
  assert.equal(retry.maxBackoffSeconds, 300);
  const limits = e.taskQueueTrigger.rateLimits ?? {};
  assert.equal(limits.maxConcurrentDispatches, 50);
  assert.equal(limits.maxDispatchesPerSecond, 100);
};

const functionsDir = path.resolve(__dirname, '..', '..');

function discover(): Promise<Manifest> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-')), 'functions.json');
  // The package's exports map hides lib/bin, so find it beside the package's main module.
  const main = require.resolve('firebase-functions', { paths: [functionsDir] });
  const root = main.slice(0, main.lastIndexOf(`${path.sep}lib${path.sep}`));
  const bin = path.join(root, 'lib', 'bin', 'firebase-functions.js');
  // As the CLI runs it: in the functions folder, with no emulator variables, so loading the
  // code must not need a database.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    FUNCTIONS_MANIFEST_OUTPUT_PATH: out,
    GCLOUD_PROJECT: 'demo-qr-assets',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin], {
      cwd: functionsDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`manifest discovery failed (${code}): ${stderr}`));
      const manifest = JSON.parse(fs.readFileSync(out, 'utf8')) as Manifest;
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
      resolve(manifest);
    });
  });
}

describe('deploy manifest (firebase-functions discovery)', function () {
  this.timeout(60_000);
  let manifest: Manifest;

  before(async () => {
    manifest = await discover();
  });

  it('lists exactly the functions we deploy', () => {
    assert.equal(manifest.specVersion, 'v1alpha1');
    assert.deepEqual(Object.keys(manifest.endpoints).sort(), Object.keys(EXPECTED).sort());
  });

  for (const [name, check] of Object.entries(EXPECTED)) {
    it(`${name}: 2nd gen, in the REGION param, with its trigger`, () => {
      const endpoint = manifest.endpoints[name];
      assert.ok(endpoint, `${name} is not in the manifest`);
      assert.equal(endpoint.platform, 'gcfv2');
      assert.equal(endpoint.region, '{{ params.REGION }}');
      assert.equal(endpoint.entryPoint, name);
      check(endpoint);
    });
  }

  /** The param that bounds each function's instances: a bound on what a flood can cost. */
  const MAX_INSTANCES: Record<string, string> = {
    api: 'API_MAX_INSTANCES',
    equipmentImageImport: 'IMAGE_IMPORT_MAX_INSTANCES',
    equipmentPhotoFinalized: 'IMAGE_IMPORT_MAX_INSTANCES',
  };
  for (const name of Object.keys(EXPECTED)) {
    const param = MAX_INSTANCES[name] ?? 'TRIGGER_MAX_INSTANCES';
    it(`${name}: maxInstances is the ${param} param`, () => {
      assert.equal(manifest.endpoints[name]?.maxInstances, `{{ params.${param} }}`);
    });
  }

  it('the instance params have their documented defaults', () => {
    const params = Object.fromEntries(manifest.params.map((p) => [p.name, p]));
    assert.equal(params.API_MAX_INSTANCES?.default, 100);
    assert.equal(params.TRIGGER_MAX_INSTANCES?.default, 20);
    assert.equal(params.IMAGE_IMPORT_MAX_DISPATCHES?.default, 20);
  });

  it('declares its params with defaults (the secret has none, by design)', () => {
    const params = Object.fromEntries(manifest.params.map((p) => [p.name, p]));
    assert.equal(params.REGION?.default, 'us-central1');
    assert.equal(params.SCAN_HASH_SECRET?.type, 'secret');
    for (const p of manifest.params) {
      if (p.type !== 'secret') assert.notEqual(p.default, undefined, `${p.name} has no default`);
    }
  });

  describe('PUBLIC_BASE_URL: a deploy that would print codes nobody can open is refused', () => {
    const script = path.join(functionsDir, 'scripts', 'check-deploy-params.mjs');
    const root = path.resolve(functionsDir, '..');

    /** Runs the predeploy check against a functions folder holding `files`. */
    function check(files: Record<string, string>): Promise<{ code: number | null; out: string }> {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-params-'));
      for (const [name, text] of Object.entries(files))
        fs.writeFileSync(path.join(dir, name), text);
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [script], {
          env: { PATH: process.env.PATH, RESOURCE_DIR: dir, GCLOUD_PROJECT: 'my-project' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        child.on('error', reject);
        child.on('exit', (code) => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve({ code, out });
        });
      });
    }

    it('firebase.json runs the check before every functions deploy', () => {
      const config = JSON.parse(fs.readFileSync(path.join(root, 'firebase.json'), 'utf8')) as {
        functions: Array<{ predeploy?: string[] }>;
      };
      const hooks = config.functions[0].predeploy ?? [];
      assert.ok(hooks[0]?.includes('scripts/check-deploy-params.mjs'), JSON.stringify(hooks));
    });

    it('unset (the local default would be used): refused, saying where to set it', async () => {
      const r = await check({ '.env.local': 'PUBLIC_BASE_URL=https://assets.example.com\n' });
      assert.equal(r.code, 1);
      assert.match(r.out, /PUBLIC_BASE_URL is not set/);
      assert.match(r.out, /functions\/\.env\.my-project/);
    });

    for (const url of [
      'http://127.0.0.1:5001/demo-qr-assets/us-central1/api',
      'https://localhost/api',
      'https://[::1]:8443',
      'http://assets.example.com',
    ]) {
      it(`${url}: refused`, async () => {
        const r = await check({ '.env.my-project': `PUBLIC_BASE_URL=${url}\n` });
        assert.equal(r.code, 1, r.out);
        assert.match(r.out, /Deploy refused/);
      });
    }

    it('a public https URL in .env.<projectId> (or .env) passes', async () => {
      assert.equal(
        (await check({ '.env.my-project': 'PUBLIC_BASE_URL=https://assets.example.com' })).code,
        0,
      );
      assert.equal((await check({ '.env': 'PUBLIC_BASE_URL="https://qr.example.org/s"' })).code, 0);
    });
  });
});
