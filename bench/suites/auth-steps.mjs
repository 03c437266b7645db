// Where the time of an authorised request goes (issue 27): the authorised GET of an item, its QR
// image (PNG 300 px) and the image's 304, next to /healthz on the same host in the same run, at 1
// and 32 connections, with warm caches. Each request's Server-Timing header (token, role,
// resource, render) gives the p50 and p99 of each step. Then the Firestore reads of the GET (the
// local Firestore's per-document read counter), and the render cache's hit ratio and the bytes
// it holds for a dashboard that shows 50 codes over and over, with a few other sizes mixed in.
import * as http from 'node:http';
import { createRequire } from 'node:module';
import { round } from '../lib/measure.mjs';
import { startStackProcess } from '../lib/stack-client.mjs';

const require = createRequire(import.meta.url);
const PROJECT = 'demo-qr-assets';
const STEPS = ['token', 'role', 'resource', 'render'];

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One request on a keep-alive agent: status, wall time, Server-Timing steps, body bytes. */
function request(agent, url, headers) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.get(url, { agent, headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => (bytes += chunk.length));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const steps = {};
        const header = res.headers['server-timing'];
        for (const part of (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',')) {
          const m = /^\s*(\w+);dur=([\d.]+)(?:;desc="(\w+)")?/.exec(part);
          if (m) steps[m[1]] = { dur: Number(m[2]), desc: m[3] };
        }
        resolve({ status: res.statusCode, ms, steps, bytes, etag: res.headers.etag });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** `total` requests over `connections` closed loops, after `warmup` each; the replies. */
async function load(url, connections, headers, { total, warmup = 20 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        for (let i = 0; i < warmup; i++) await request(agent, url, headers);
      }),
    );
    const replies = [];
    let left = total;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (left-- > 0) replies.push(await request(agent, url, headers));
      }),
    );
    return replies;
  } finally {
    agent.destroy();
  }
}

function summary(replies, expected, name) {
  const bad = replies.filter((r) => r.status !== expected);
  if (bad.length) throw new Error(`${name}: ${bad.length} replies were not ${expected}`);
  const sorted = (values) => values.sort((a, b) => a - b);
  const wall = sorted(replies.map((r) => r.ms));
  const steps = {};
  for (const step of STEPS) {
    const durs = sorted(replies.filter((r) => r.steps[step]).map((r) => r.steps[step].dur));
    if (durs.length) steps[step] = { p50: percentile(durs, 50), p99: percentile(durs, 99) };
  }
  return { p50: percentile(wall, 50), p99: percentile(wall, 99), steps };
}

export async function run() {
  const stack = await startStackProcess({
    RATE_LIMIT_PER_CALLER: '100000000',
    RATE_LIMIT_PER_ORG: '100000000',
  });
  const { signInAs } = require('../../emulator/lib/src/index.js');
  const base = `http://${stack.functions}/${PROJECT}/us-central1/api`;
  const reads = async (path) => {
    const name = `projects/${PROJECT}/databases/(default)/documents/${path}`;
    const res = await fetch(`http://${stack.firestore}/emulator/v1/${name}:reads`);
    return (await res.json()).reads;
  };
  try {
    const user = await signInAs(stack.auth, PROJECT, 'bench-steps@example.com');
    const auth = { authorization: `Bearer ${user.idToken}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const orgId = `bench-steps-${Date.now()}`;
    const post = async (path, body) => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    await post('/v1/orgs', { orgId, name: 'Bench' });
    const assetIds = [];
    for (let i = 0; i < 50; i++) {
      assetIds.push(
        (await post(`/v1/orgs/${orgId}/equipment`, { name: `Lens ${i}`, category: 'LENS' }))
          .assetId,
      );
    }
    const [assetId] = assetIds;
    const item = `${base}/v1/orgs/${orgId}/equipment/${assetId}`;
    const image = `${item}/qr?size=300`;
    const first = await request(new http.Agent(), image, auth);
    const etag = first.etag;

    const rows = [];
    const sizes = { 1: 400, 32: 1600 };
    for (const connections of [1, 32]) {
      const opts = { total: sizes[connections] };
      const healthz = summary(await load(`${base}/healthz`, connections, {}, opts), 200, 'healthz');
      const anchor = `GET /healthz p50, ${connections} connection(s), same run`;
      const targets = [
        [
          'GET /v1/orgs/{orgId}/equipment/{assetId}',
          await load(item, connections, auth, opts),
          200,
        ],
        [
          'QR image PNG 300 px (render cache warm)',
          await load(image, connections, auth, opts),
          200,
        ],
        [
          'QR image 304 (If-None-Match)',
          await load(image, connections, { ...auth, 'if-none-match': etag }, opts),
          304,
        ],
      ];
      rows.push({
        name: `GET /healthz p99, ${connections} connection(s)`,
        unit: 'ms',
        value: round(healthz.p99),
      });
      for (const [name, replies, expected] of targets) {
        const s = summary(replies, expected, name);
        rows.push({
          name: `${name}, ${connections} conn, p50`,
          unit: 'ms',
          value: round(s.p50),
          anchor,
          anchorValue: round(healthz.p50),
        });
        rows.push({ name: `${name}, ${connections} conn, p99`, unit: 'ms', value: round(s.p99) });
        for (const [step, t] of Object.entries(s.steps)) {
          rows.push({
            name: `  step ${step} (${name}, ${connections} conn), p50 / p99`,
            unit: 'ms',
            value: `${round(t.p50)} / ${round(t.p99)}`,
          });
        }
      }
    }

    // Firestore reads of the GET in the steady state, from the local Firestore's own counter.
    const agent = new http.Agent({ keepAlive: true });
    const itemDoc = `organizations/${orgId}/equipment/${assetId}`;
    const memberDoc = `organizations/${orgId}/members/${user.uid}`;
    const before = [await reads(itemDoc), await reads(memberDoc)];
    const N = 100;
    for (let i = 0; i < N; i++) await request(agent, item, auth);
    const after = [await reads(itemDoc), await reads(memberDoc)];
    rows.push({
      name: 'GET equipment/{assetId}: Firestore document reads per request (item + member)',
      unit: 'reads',
      value: round((after[0] - before[0] + after[1] - before[1]) / N, 2),
    });

    // A dashboard of 50 codes at 300 px, loaded 20 times, with 1 request in 10 at another size
    // (a print preview, a zoom): what share of the renders the cache answers.
    const extraSizes = [150, 600, 1200];
    let hits = 0;
    let misses = 0;
    let repeatHits = 0;
    let repeatTotal = 0;
    const seen = new Set();
    const held = new Map();
    for (let load = 0; load < 20; load++) {
      for (let i = 0; i < assetIds.length; i++) {
        const size = (load * 50 + i) % 10 === 9 ? extraSizes[(load + i) % 3] : 300;
        const url = `${base}/v1/orgs/${orgId}/equipment/${assetIds[i]}/qr?size=${size}`;
        const reply = await request(agent, url, auth);
        if (reply.status !== 200) throw new Error(`dashboard image: ${reply.status}`);
        const hit = reply.steps.render?.desc === 'hit';
        if (hit) hits++;
        else misses++;
        if (seen.has(url)) {
          repeatTotal++;
          if (hit) repeatHits++;
        }
        seen.add(url);
        held.set(reply.etag, reply.bytes);
      }
    }
    agent.destroy();
    rows.push({
      name: 'render cache hit ratio, dashboard mix (50 codes x 20 loads, 10 % other sizes)',
      unit: '%',
      value: round((100 * hits) / (hits + misses), 1),
    });
    rows.push({
      name: 'render cache hit ratio, repeated images only',
      unit: '%',
      value: round((100 * repeatHits) / repeatTotal, 1),
    });
    rows.push({
      name: 'render cache memory held (distinct images rendered, cap 32 MiB)',
      unit: 'KiB',
      value: round([...held.values()].reduce((a, b) => a + b, 0) / 1024, 1),
    });
    return rows;
  } finally {
    await stack.stop();
  }
}
