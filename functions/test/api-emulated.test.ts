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
});
