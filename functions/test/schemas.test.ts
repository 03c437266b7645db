// The validation kit through the local stack: error_correction as another name for ecc, unknown
// and repeated query parameters, the bare-array batch-generate-qr, a body sent to a route that
// takes none, and path ids; then the kit's words for zod's issues, without the stack.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { z } from 'zod';
import { ID_RULE } from '../src/domain/ids';
import { check, idSchema } from '../src/domain/schemas/kit';
import { call, createOrg, newUser } from './support/api';
import { functionUrl } from './support/stack';
import { waitFor } from './support/wait';

interface ErrorReply {
  error: {
    code: string;
    message: string;
    details?: { field?: string; errors?: { field: string; message: string }[] };
  };
}

describe('validation kit over HTTP', function () {
  this.timeout(60_000);
  let owner: SignedIn;
  let orgId: string;
  let qrId: string;
  let assetId: string;

  const image = async (path: string, query: string) => {
    const res = await fetch(`${functionUrl('api')}/v1/orgs/${orgId}${path}?${query}`, {
      headers: { authorization: `Bearer ${owner.idToken}` },
    });
    return {
      status: res.status,
      etag: res.headers.get('etag'),
      bytes: Buffer.from(await res.arrayBuffer()),
    };
  };

  before(async () => {
    owner = await newUser('schemas');
    orgId = await createOrg(owner);
    const code = await call<{ qrId: string }>('POST', `/v1/orgs/${orgId}/qr-codes`, {
      token: owner.idToken,
      body: { data: 'schemas test' },
    });
    assert.equal(code.status, 201);
    qrId = code.body.qrId;
    const item = await call<{ assetId: string }>('POST', `/v1/orgs/${orgId}/equipment`, {
      token: owner.idToken,
      body: { name: 'Tripod', category: 'tripod' },
    });
    assert.equal(item.status, 201);
    assetId = item.body.assetId;
  });

  for (const path of [() => `/qr-codes/${qrId}/image`, () => `/equipment/${assetId}/qr`]) {
    it(`error_correction=H draws what ecc=H draws, not the default level (${path().split('/')[1]})`, async () => {
      const alias = await image(path(), 'error_correction=H&format=svg');
      const ecc = await image(path(), 'ecc=H&format=svg');
      const plain = await image(path(), 'format=svg');
      assert.equal(alias.status, 200);
      assert.equal(alias.etag, ecc.etag);
      assert.ok(alias.bytes.equals(ecc.bytes));
      assert.notEqual(alias.etag, plain.etag);
      assert.ok(!alias.bytes.equals(plain.bytes), 'level H drew the same image as level M');
    });
  }

  it('a bad error_correction is a 400 that names it as the caller spelled it', async () => {
    const reply = await call<ErrorReply>(
      'GET',
      `/v1/orgs/${orgId}/qr-codes/${qrId}/image?error_correction=Z`,
      { token: owner.idToken },
    );
    assert.equal(reply.status, 400);
    assert.equal(reply.body.error.details?.field, 'error_correction');
    assert.match(reply.body.error.message, /^error_correction must be one of L, M, Q or H/);
  });

  it('ecc and error_correction together are refused', async () => {
    const reply = await call<ErrorReply>(
      'GET',
      `/v1/orgs/${orgId}/qr-codes/${qrId}/image?ecc=H&error_correction=H`,
      { token: owner.idToken },
    );
    assert.equal(reply.status, 400);
    assert.match(reply.body.error.message, /given twice/);
  });

  it('an unknown query parameter is a 400 that names the known ones', async () => {
    const reply = await call<ErrorReply>('GET', `/v1/orgs/${orgId}/qr-codes?limt=5`, {
      token: owner.idToken,
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.error.code, 'invalid_argument');
    assert.deepEqual(reply.body.error.details?.errors, [
      {
        field: 'limt',
        message: 'is not a known query parameter (allowed: limit, expired, pageToken)',
      },
    ]);
    const image = await call<ErrorReply>(
      'GET',
      `/v1/orgs/${orgId}/qr-codes/${qrId}/image?colour=red`,
      { token: owner.idToken },
    );
    assert.equal(image.status, 400);
    assert.match(
      image.body.error.message,
      /colour is not a known query parameter \(allowed: .*ecc.*error_correction/,
    );
  });

  it('a query parameter given twice is refused; a bad value names its range', async () => {
    const twice = await call<ErrorReply>('GET', `/v1/orgs/${orgId}/qr-codes?limit=1&limit=2`, {
      token: owner.idToken,
    });
    assert.equal(twice.status, 400);
    assert.equal(twice.body.error.message, 'limit must be given once, as plain text');
    const range = await call<ErrorReply>('GET', `/v1/orgs/${orgId}/qr-codes?limit=0`, {
      token: owner.idToken,
    });
    assert.equal(range.status, 400);
    assert.equal(range.body.error.message, 'limit must be a whole number from 1 to 500');
    assert.equal(range.body.error.details?.field, 'limit');
  });

  it('batch-generate-qr takes a bare JSON array of asset ids, as {"assetIds": [...]}', async () => {
    const path = `/v1/orgs/${orgId}/equipment/batch-generate-qr`;
    const started = await call<{ jobId: string }>('POST', path, {
      token: owner.idToken,
      body: [assetId, assetId],
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const job = await waitFor(async () => {
      const reply = await call<{ status: string; total: number; done: number }>(
        'GET',
        `/v1/orgs/${orgId}/equipment/qr-jobs/${started.body.jobId}`,
        { token: owner.idToken },
      );
      return reply.body.status === 'done' ? reply.body : undefined;
    });
    assert.equal(job.total, 1);
    assert.equal(job.done, 1);
    const bad = await call<ErrorReply>('POST', path, { token: owner.idToken, body: ['a/b'] });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details?.errors?.[0], {
      field: 'assetIds[0]',
      message: ID_RULE,
    });
    const empty = await call<ErrorReply>('POST', path, { token: owner.idToken, body: [] });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.details?.errors?.[0].message, 'must list 1 to 500 ids');
  });

  it('a body sent to a route that takes none is refused, not lost', async () => {
    const reply = await call<ErrorReply>(
      'POST',
      `/v1/orgs/${orgId}/equipment/${assetId}/generate-qr`,
      { token: owner.idToken, body: { size: 600 } },
    );
    assert.equal(reply.status, 400);
    assert.match(reply.body.error.message, /takes no request body/);
  });

  it('a bad path id says the id rule, in details.errors too', async () => {
    const reply = await call<ErrorReply>('GET', `/v1/orgs/${orgId}/equipment/a.b`, {
      token: owner.idToken,
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.error.message, `The assetId in the path ${ID_RULE}`);
    assert.deepEqual(reply.body.error.details?.errors, [{ field: 'assetId', message: ID_RULE }]);
  });
});

describe('validation kit: zod issues in plain words', () => {
  const schema = z.strictObject({
    name: z.string().max(3),
    count: z.number().int().min(1),
    kind: z.enum(['a', 'b']),
    tags: z.array(idSchema).max(2),
    on: z.boolean().optional(),
  });
  const errorsOf = (value: unknown) => {
    const parsed = check(schema, value);
    assert.equal(parsed.ok, false);
    return parsed.ok ? [] : parsed.errors;
  };

  it('names every field with words a person reads', () => {
    assert.deepEqual(
      errorsOf({ name: 'four', count: 0, kind: 'c', tags: ['x', 'y', 'z'], on: 1 }),
      [
        { field: 'name', message: 'is 4 characters long (at most 3)' },
        { field: 'count', message: 'must be at least 1' },
        { field: 'kind', message: 'must be one of a, b' },
        { field: 'tags', message: 'lists 3 items (at most 2)' },
        { field: 'on', message: 'must be true or false' },
      ],
    );
  });

  it('says a missing field is required, a wrong type what it must be, an unknown one the known', () => {
    assert.deepEqual(errorsOf({ count: '1', kind: 'a', tags: ['ok', 'no/slash'], extra: 1 }), [
      { field: 'name', message: 'is required' },
      { field: 'count', message: 'must be a number' },
      { field: 'tags[1]', message: ID_RULE },
      { field: 'extra', message: 'is not a known field (allowed: name, count, kind, tags, on)' },
    ]);
  });

  it('the id rule: empty, too long, or a character outside it', () => {
    const words = (value: string) => {
      const parsed = check(idSchema, value);
      return parsed.ok ? [] : parsed.errors;
    };
    assert.deepEqual(words(''), [{ field: '', message: 'is empty' }]);
    assert.deepEqual(words('x'.repeat(129)), [
      { field: '', message: 'is 129 characters long (at most 128)' },
    ]);
    assert.deepEqual(words('..'), [{ field: '', message: ID_RULE }]);
    assert.deepEqual(words('ok_1-2'), []);
  });
});
