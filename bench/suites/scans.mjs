// Scans over real HTTP on loopback through the local stack's functions host, with autocannon:
// GET /s/{token} of a tracked code (record, counters, visitor set: three writes and a read
// per scan) and GET /u/{code} of a unit code (the same plus the code's reads), each with scan
// records on (SCAN_RECORDS=true, the default) and off, next to /healthz in the same run.
// Requests a second and the median latency, 10 connections, a phone's user agent from
// rotating addresses (so every scan counts as a person; a new visitor about every tenth).
import autocannon from 'autocannon';
import { createRequire } from 'node:module';
import { round } from '../lib/measure.mjs';
import { startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const PROJECT = 'demo-qr-assets';
const DURATION_S = 5;
const CONNECTIONS = 10;
const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

function load(url, headers, setupRequest) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, connections: CONNECTIONS, duration: DURATION_S, headers, setupRequest },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false });
  });
}

async function waitFor(probe, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function measure(records) {
  const stack = await startStackProcess({
    RATE_LIMIT_PER_CALLER: '100000000',
    RATE_LIMIT_PER_ORG: '100000000',
    RATE_LIMIT_PER_SCANNER: '100000000',
    SCAN_RECORDS: String(records),
  });
  const { signInAs } = require('../../emulator/lib/src/index.js');
  const base = `http://${stack.functions}/${PROJECT}/us-central1/api`;
  try {
    const user = await signInAs(stack.auth, PROJECT, `bench-scans-${records}@example.com`);
    const json = { authorization: `Bearer ${user.idToken}`, 'content-type': 'application/json' };
    const post = async (path, body) =>
      (
        await fetch(`${base}${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) })
      ).json();
    const orgId = `bench-scans-${Date.now()}`;
    await post('/v1/orgs', { orgId, name: 'Bench' });
    await fetch(`${base}/v1/orgs/${orgId}`, {
      method: 'PATCH',
      headers: json,
      body: JSON.stringify({ redirectAllowedHosts: ['example.com'] }),
    });
    const code = await post(`/v1/orgs/${orgId}/qr-codes`, {
      url: 'https://example.com/bench',
      tracked: true,
    });
    const { orderId } = await post(`/v1/orgs/${orgId}/orders`, {
      name: 'Bench',
      productName: 'Pen',
    });
    const { batchId } = await post(`/v1/orgs/${orgId}/orders/${orderId}/batches`, { units: 1 });
    const batchPath = `${base}/v1/orgs/${orgId}/orders/${orderId}/batches/${batchId}`;
    await waitFor(
      async () => (await (await fetch(batchPath, { headers: json })).json()).status === 'ready',
    );
    const unit = (await (await fetch(`${batchPath}/codes`, { headers: json })).json()).codes[0]
      .code;

    let n = 0;
    const rotate = (req) => {
      n += 1;
      req.headers = { ...req.headers, 'x-forwarded-for': `10.9.${(n >> 4) & 255}.${n & 15}` };
      return req;
    };
    const phone = { 'user-agent': PHONE, accept: 'application/json' };
    const healthz = await load(`${base}/healthz`, {});
    const s = await load(`${base}/s/${code.scanUrl.split('/s/')[1]}`, phone, rotate);
    const u = await load(`${base}/u/${unit}`, phone, rotate);
    const rows = [];
    const label = records ? 'records on' : 'records off (SCAN_RECORDS=false)';
    for (const [name, result, expected] of [
      [`GET /s/{token} (tracked code, 302), ${label}`, s, '302'],
      [`GET /u/{code} (unit page JSON), ${label}`, u, '200'],
    ]) {
      const statuses = Object.keys(result.statusCodeStats ?? {});
      if (result.errors || statuses.some((st) => st !== expected)) {
        throw new Error(`${name}: ${result.errors} errors, statuses ${statuses.join(', ')}`);
      }
      rows.push({
        name: `${name}, ${CONNECTIONS} connections`,
        unit: 'req/s',
        value: round(result.requests.average, 0),
        anchor: `GET /healthz, ${CONNECTIONS} connections, same run`,
        anchorValue: round(healthz.requests.average, 0),
      });
      rows.push({
        name: `${name}, p50 latency, ${CONNECTIONS} connections`,
        unit: 'ms',
        value: result.latency.p50,
        anchor: `GET /healthz p50, ${CONNECTIONS} connections, same run`,
        anchorValue: healthz.latency.p50,
      });
    }
    return rows;
  } finally {
    await stack.stop();
  }
}

export async function run() {
  return [...(await measure(true)), ...(await measure(false))];
}
