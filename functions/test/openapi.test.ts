// GET /openapi.json: every route the app serves is in it and nothing else, it
// validates as OpenAPI 3.1, it is public and cacheable, and the reply check that `call()` runs on
// every reply of the API tests can fail.
import { strict as assert } from 'node:assert';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApp } from '../src/http/app';
import { objectKeys } from '../src/domain/schemas/kit';
import { declaredRoutes } from '../src/http/declare';
import { buildOpenApiDocument, openApiPath } from '../src/http/openapi';
import { call } from './support/api';
import { checkReply } from './support/replyCheck';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every method + path the Express app serves, walking nested routers. */
function servedRoutes(): string[] {
  const app = createApp() as unknown as { router: { stack: Layer[] } };
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') found.push(`${method} ${openApiPath(layer.route.path)}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk(app.router.stack);
  return found;
}

function documented(doc: Record<string, unknown>): string[] {
  const paths = doc.paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method} ${path}`),
  );
}

describe('OpenAPI description (GET /openapi.json)', () => {
  const doc = buildOpenApiDocument();

  it('describes every route the app serves, and no route it does not serve', () => {
    const served = servedRoutes();
    const inDoc = documented(doc);
    assert.deepEqual(
      served.filter((r) => !inDoc.includes(r)),
      [],
      'served but not documented',
    );
    assert.deepEqual(
      inDoc.filter((r) => !served.includes(r)),
      [],
      'documented but not served',
    );
    assert.ok(served.length > 40, `only ${served.length} routes found: the walk is broken`);
  });

  it('documents exactly the body fields that the domain validators accept', () => {
    let checked = 0;
    for (const route of declaredRoutes) {
      const body = route.spec.body;
      const keys = body ? objectKeys(body.schema) : [];
      if (!body?.validate || keys.length === 0) continue;
      const where = `${route.method} ${route.path}`;
      for (const key of keys) {
        const result = body.validate({ [key]: null });
        const unknown = result.ok ? [] : result.errors.filter((e) => e.field === key);
        assert.ok(
          !unknown.some((e) => /known field/.test(e.message)),
          `${where}: ${key} is documented but the validator does not know it`,
        );
      }
      const extra = body.validate({ notAField: 1 });
      assert.ok(
        !extra.ok && extra.errors.some((e) => e.field === 'notAField'),
        `${where}: the validator accepts a field the document does not name`,
      );
      checked++;
    }
    assert.ok(checked >= 15, `only ${checked} bodies checked`);
  });

  it('marks the member, invitation and API-key routes people only, and no other', () => {
    const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
    const peopleOnly = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op['x-people-only'] === true)
        .map(([method]) => `${method} ${path}`),
    );
    assert.deepEqual(peopleOnly.sort(), [
      'delete /v1/orgs/{orgId}/api-keys/{keyId}',
      'delete /v1/orgs/{orgId}/invitations/{invitationId}',
      'delete /v1/orgs/{orgId}/members/{uid}',
      'get /v1/orgs/{orgId}/api-keys',
      'get /v1/orgs/{orgId}/invitations',
      'get /v1/orgs/{orgId}/members',
      'patch /v1/orgs/{orgId}/members/{uid}',
      'post /v1/orgs/{orgId}/api-keys',
      'post /v1/orgs/{orgId}/members',
    ]);
    const members = paths['/v1/orgs/{orgId}/members'].get;
    assert.match(String(members.description), /People only.*key_not_allowed/);
    assert.doesNotMatch(String(paths['/v1/orgs/{orgId}'].get.description), /People only/);
  });

  it('validates as OpenAPI 3.1', async () => {
    const result = await new Validator().validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(doc.openapi, '3.1.0');
  });

  it('documents the unknown-parameter rule and the error_correction alias on the image routes', () => {
    const paths = doc.paths as Record<string, { get: { parameters: { name: string }[] } }>;
    const names = paths['/v1/orgs/{orgId}/qr-codes/{qrId}/image'].get.parameters.map((p) => p.name);
    for (const name of ['format', 'size', 'ecc', 'error_correction', 'margin', 'dark', 'light']) {
      assert.ok(names.includes(name), `${name} is not documented`);
    }
  });

  it('is served publicly with an ETag, and answers a repeat with 304', async () => {
    const first = await call<Record<string, unknown>>('GET', '/openapi.json');
    assert.equal(first.status, 200);
    assert.equal(first.body.openapi, '3.1.0');
    assert.match(first.headers.get('cache-control') ?? '', /public/);
    const etag = first.headers.get('etag');
    assert.ok(etag);
    const again = await call('GET', '/openapi.json', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.deepEqual(
      Object.keys(first.body.paths as object).sort(),
      Object.keys(doc.paths as object).sort(),
    );
  });

  it('the reply check refuses a reply that differs from the document', async () => {
    await checkReply('GET', '/healthz', 200, 'application/json', {
      status: 'ok',
      time: new Date().toISOString(),
    });
    await assert.rejects(
      checkReply('GET', '/healthz', 200, 'application/json', { status: 'fine' }),
      /GET \/healthz -> 200 .*does not match its documented schema/,
    );
    await assert.rejects(
      checkReply('GET', '/healthz', 201, 'application/json', {}),
      /status 201 is not documented/,
    );
    await assert.rejects(
      checkReply('GET', '/healthz', 200, 'text/html', '<p>'),
      /content type text\/html is not documented/,
    );
  });
});
