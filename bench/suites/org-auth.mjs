// The cost of sign-in and role checks: an authorised GET /v1/orgs/{orgId} over real HTTP on
// loopback, through the local stack's functions host, next to /healthz on the same host in the
// same run. Then the parts, timed one by one from this process, to say where the time goes.
import { createRequire } from 'node:module';
import { medianMs } from '../lib/measure.mjs';
import { pointSdksAt, startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const PROJECT = 'demo-qr-assets';

export async function run() {
  // 330 requests from one caller in a few seconds: raise the rate limits, or they answer 429.
  const stack = await startStackProcess({
    RATE_LIMIT_PER_CALLER: '100000000',
    RATE_LIMIT_PER_ORG: '100000000',
  });
  pointSdksAt(stack, PROJECT);
  const { signInAs } = require('../../emulator/lib/src/index.js');
  const { initializeApp, deleteApp } = require('firebase-admin/app');
  const { getAuth } = require('firebase-admin/auth');
  const { getFirestore } = require('firebase-admin/firestore');
  const app = initializeApp({ projectId: PROJECT }, `bench-auth-${Date.now()}`);
  const base = `http://${stack.functions}/${PROJECT}/us-central1/api`;
  try {
    const user = await signInAs(stack.auth, PROJECT, 'bench-owner@example.com');
    const orgId = `bench-${Date.now()}`;
    const post = async (path, token, body) => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    await post('/v1/orgs', user.idToken, { orgId, name: 'Bench org' });
    const { key } = await post(`/v1/orgs/${orgId}/api-keys`, user.idToken, {
      name: 'bench',
      role: 'viewer',
    });
    const get = (path, token) => async () => {
      const res = await fetch(`${base}${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    };
    const opts = { runs: 300, warmup: 30 };
    const healthz = await medianMs(get('/healthz'), opts);
    const withToken = await medianMs(get(`/v1/orgs/${orgId}`, user.idToken), opts);
    const withKey = await medianMs(get(`/v1/orgs/${orgId}`, key), opts);

    // The parts, from this process against the same emulators.
    const auth = getAuth(app);
    const db = getFirestore(app);
    const verify = await medianMs(() => auth.verifyIdToken(user.idToken), opts);
    const verifyRevoked = await medianMs(() => auth.verifyIdToken(user.idToken, true), opts);
    const memberRead = await medianMs(
      () => db.doc(`organizations/${orgId}/members/${user.uid}`).get(),
      opts,
    );
    const anchor = 'GET /healthz, same host, same run';
    return [
      {
        name: 'GET /v1/orgs/{orgId} with an ID token, median',
        unit: 'ms',
        value: withToken,
        anchor,
        anchorValue: healthz,
      },
      {
        name: 'GET /v1/orgs/{orgId} with an API key, median',
        unit: 'ms',
        value: withKey,
        anchor,
        anchorValue: healthz,
      },
      { name: 'part: verifyIdToken, signature and claims only', unit: 'ms', value: verify },
      {
        name: 'part: verifyIdToken with checkRevoked (one Auth getUser)',
        unit: 'ms',
        value: verifyRevoked,
      },
      { name: 'part: member document read', unit: 'ms', value: memberRead },
    ];
  } finally {
    await deleteApp(app);
    await stack.stop();
  }
}
