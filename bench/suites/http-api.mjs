// Latency of the `api` function's /healthz over real HTTP, next to a bare node:http server that
// answers the same JSON: the ratio is the cost of the functions wrapper, CORS and Express.
import { createRequire } from 'node:module';
import { medianMs, serve } from '../lib/measure.mjs';

const require = createRequire(import.meta.url);

export async function run() {
  const { api } = require('../../functions/lib/src/http/api.js');
  // Silence per-request logs while measuring; they go to stdout and would dominate the timing.
  const originalWrite = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true;
  const ours = await serve(api);
  const bare = await serve((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'ok', time: new Date().toISOString() }));
  });
  try {
    const get = (url) => async () => {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
    };
    const anchorValue = await medianMs(get(bare.url), { runs: 500, warmup: 50 });
    const value = await medianMs(get(ours.url), { runs: 500, warmup: 50 });
    return [
      {
        name: 'api GET /healthz, median latency',
        unit: 'ms',
        value,
        anchor: 'bare node:http JSON reply',
        anchorValue,
      },
    ];
  } finally {
    process.stdout.write = originalWrite;
    await ours.close();
    await bare.close();
  }
}
