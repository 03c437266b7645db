// The `api` function over real HTTP: health probe and every error reply of the shared shape.
import { strict as assert } from 'node:assert';
import { Router } from 'express';
import { api } from '../src/http/api';
import { createApp, routers } from '../src/http/app';
import { serve, type NodeHandler, type RunningServer } from './support/httpServer';

interface ErrorReply {
  error: { code: string; message: string; details?: unknown };
}

async function jsonOf(res: Response): Promise<unknown> {
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return res.json();
}

describe('api function over HTTP', () => {
  let server: RunningServer;

  before(async () => {
    server = await serve(api as unknown as NodeHandler);
  });
  after(() => server.close());

  it('GET /healthz answers ok', async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    const body = (await jsonOf(res)) as { status: string; time: string };
    assert.equal(body.status, 'ok');
    assert.ok(!Number.isNaN(Date.parse(body.time)));
  });

  it('an unknown route is a JSON 404', async () => {
    const res = await fetch(`${server.url}/no/such/route`);
    assert.equal(res.status, 404);
    const body = (await jsonOf(res)) as ErrorReply;
    assert.equal(body.error.code, 'not_found');
    assert.match(body.error.message, /GET \/no\/such\/route/);
  });

  it('malformed JSON is a 400 that says so', async () => {
    const res = await fetch(`${server.url}/healthz`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": "Camera", ',
    });
    assert.equal(res.status, 400);
    const body = (await jsonOf(res)) as ErrorReply;
    assert.equal(body.error.code, 'invalid_argument');
    assert.match(body.error.message, /not valid JSON/);
  });

  it('a body over the limit is a 413 with the limit in details', async () => {
    const big = JSON.stringify({ notes: 'x'.repeat(1024 * 1024 + 10) });
    const res = await fetch(`${server.url}/healthz`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    assert.equal(res.status, 413);
    const body = (await jsonOf(res)) as ErrorReply;
    assert.equal(body.error.code, 'payload_too_large');
    assert.deepEqual(body.error.details, { limit: 'bytes', max: 1024 * 1024 });
  });

  it('answers CORS preflight requests', async () => {
    const res = await fetch(`${server.url}/healthz`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    assert.ok(res.status === 204 || res.status === 200);
    assert.ok(res.headers.get('access-control-allow-origin'));
  });
});

describe('api error handler', () => {
  let server: RunningServer;

  before(async () => {
    const failing = Router();
    failing.get('/explode', () => {
      throw new Error('database password is hunter2');
    });
    failing.get('/explode-async', async () => {
      await Promise.resolve();
      throw new TypeError('cannot read properties of undefined');
    });
    server = await serve(createApp([...routers, failing]) as unknown as NodeHandler);
  });
  after(() => server.close());

  for (const path of ['/explode', '/explode-async']) {
    it(`an unexpected error on ${path} is a 500 without internals`, async () => {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 500);
      const text = await res.text();
      const body = JSON.parse(text) as ErrorReply;
      assert.deepEqual(body, { error: { code: 'internal', message: 'Internal error' } });
      assert.doesNotMatch(text, /hunter2|at .*\.js|TypeError/);
    });
  }
});
