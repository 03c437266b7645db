// The `api` function as deployed code runs it: loaded by the local stack's functions host and
// reached at its emulator URL.
import { strict as assert } from 'node:assert';
import { functionUrl } from './support/stack';

describe('api function in the local stack', () => {
  it('answers /healthz at its emulator URL', async () => {
    const res = await fetch(`${functionUrl('api')}/healthz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string };
    assert.equal(body.status, 'ok');
  });

  it('replies with the JSON error shape for an unknown route', async () => {
    const res = await fetch(`${functionUrl('api')}/nope`, { method: 'DELETE' });
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'not_found');
  });

  it('refuses a JSON body over the limit with 413 before authentication, though the host parsed it', async () => {
    // The host parses bodies as Cloud Functions does (req.body and req.rawBody are set before
    // the app runs), so express.json's limit alone would never see this body.
    const res = await fetch(`${functionUrl('api')}/v1/orgs/some-org/qr-codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' },
      body: JSON.stringify({ url: 'https://example.com', label: 'x'.repeat(1024 * 1024) }),
    });
    assert.equal(res.status, 413);
    const body = (await res.json()) as { error: { code: string; details: unknown } };
    assert.equal(body.error.code, 'payload_too_large');
    assert.deepEqual(body.error.details, { limit: 'bytes', max: 1024 * 1024 });
  });
});
