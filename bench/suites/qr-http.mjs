// The QR image endpoint over real HTTP on loopback, through the local stack's functions host,
// with autocannon: requests a second for a fresh render (a different size and colour every
// request, so no cache can answer) and for a 304 (If-None-Match with the current ETag), with 1 and 50
// connections, next to /healthz on the same host in the same run.
import autocannon from 'autocannon';
import { createRequire } from 'node:module';
import { round } from '../lib/measure.mjs';
import { startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const PROJECT = 'demo-qr-assets';
const DURATION_S = 5;

function load(url, connections, headers, setupRequest) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, connections, duration: DURATION_S, headers, setupRequest },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false });
  });
}

export async function run() {
  // The rate limits would answer most of these requests with 429: raise them for this run.
  const stack = await startStackProcess({
    RATE_LIMIT_PER_CALLER: '100000000',
    RATE_LIMIT_PER_ORG: '100000000',
  });
  const { signInAs } = require('../../emulator/lib/src/index.js');
  const base = `http://${stack.functions}/${PROJECT}/us-central1/api`;
  try {
    const user = await signInAs(stack.auth, PROJECT, 'bench-qr@example.com');
    const auth = { authorization: `Bearer ${user.idToken}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const orgId = `bench-qr-${Date.now()}`;
    await fetch(`${base}/v1/orgs`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ orgId, name: 'Bench' }),
    });
    const code = await (
      await fetch(`${base}/v1/orgs/${orgId}/qr-codes`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ url: 'https://example.com/bench', tracked: true }),
      })
    ).json();
    const image = `${base}/v1/orgs/${orgId}/qr-codes/${code.qrId}/image`;
    const first = await fetch(`${image}?size=300`, { headers: auth });
    const etag = first.headers.get('etag');
    await first.arrayBuffer();
    let n = 0;
    // A different size and colour every request: no two share an ETag, so the render cache
    // (which would answer a repeat) never does.
    const freshSize = (req) => {
      n += 1;
      const dark = (n % 0x7fffff).toString(16).padStart(6, '0');
      req.path = `${new URL(image).pathname}?size=${300 + (n % 1700)}&dark=${dark}`;
      return req;
    };
    const rows = [];
    for (const connections of [1, 50]) {
      const healthz = await load(`${base}/healthz`, connections, {});
      const render = await load(image, connections, auth, freshSize);
      const cached = await load(`${image}?size=300`, connections, {
        ...auth,
        'if-none-match': etag,
      });
      for (const [name, result] of [
        [`QR image render (PNG 300-1999 px), ${connections} connection(s)`, render],
        [`QR image 304 (If-None-Match), ${connections} connection(s)`, cached],
      ]) {
        const expected = name.includes('304') ? '304' : '200';
        const statuses = Object.keys(result.statusCodeStats ?? {});
        if (result.errors || statuses.some((s) => s !== expected)) {
          throw new Error(`${name}: ${result.errors} errors, statuses ${statuses.join(', ')}`);
        }
        rows.push({
          name,
          unit: 'req/s',
          value: round(result.requests.average, 0),
          anchor: `GET /healthz, ${connections} connection(s), same run`,
          anchorValue: round(healthz.requests.average, 0),
        });
      }
    }
    return rows;
  } finally {
    await stack.stop();
  }
}
