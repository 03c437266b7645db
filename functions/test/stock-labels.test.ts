// Bin labels and scans of stock items: the labels route prints stockItemIds with tracked scan
// URLs that decode; a scan opens the organisation's page ({sku} in assetUrlTemplate) or a
// minimal page with name, unit and quantity on hand.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SignedIn } from 'emulator';
import { db } from '../src/data/firebase';
import { call, createOrg, newUser } from './support/api';
import { decodeAll, renderPage, requireTools, tempDir } from './support/pdfTools';
import { functionUrl } from './support/stack';

async function pdf(
  orgId: string,
  token: string,
  body: unknown,
): Promise<{ status: number; file?: string; text?: string }> {
  const res = await fetch(`${functionUrl('api')}/v1/orgs/${orgId}/labels`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.headers.get('content-type') !== 'application/pdf')
    return { status: res.status, text: await res.text() };
  const file = path.join(tempDir('stock-labels'), 'bins.pdf');
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return { status: res.status, file };
}

describe('stock bin labels and scans', function () {
  this.timeout(120_000);
  let owner: SignedIn;
  let orgId: string;
  const skus = ['BIN-SAND-120', 'BIN-SOLDER'];

  before(async () => {
    await requireTools();
    owner = await newUser('bins');
    orgId = await createOrg(owner, 'Bins');
    for (const [sku, name] of [
      [skus[0], 'Sandpaper P120'],
      [skus[1], 'Solder 0.8 mm'],
    ]) {
      const r = await call('POST', `/v1/orgs/${orgId}/stock-items`, {
        token: owner.idToken,
        body: { sku, name, unit: 'sheet', quantityOnHand: 7 },
      });
      assert.equal(r.status, 201);
    }
  });

  const scanUrlOf = async (sku: string) =>
    String((await db().doc(`organizations/${orgId}/stockItems/${sku}`).get()).get('scanUrl'));

  it('prints bin labels whose codes decode to each item’s tracked scan URL', async () => {
    const r = await pdf(orgId, owner.idToken, { stockItemIds: skus, template: 'avery-l7160' });
    assert.equal(r.status, 200, r.text);
    const [found] = await decodeAll([await renderPage(r.file!, 1, 300)]);
    const urls = await Promise.all(skus.map(scanUrlOf));
    for (const url of urls) assert.match(url, /\/s\/[A-Za-z0-9_-]{22}$/);
    assert.deepEqual([...found].sort(), [...urls].sort());
    // The token is kept: a second PDF prints the same URLs.
    await pdf(orgId, owner.idToken, { stockItemIds: skus, template: 'avery-l7160' });
    assert.deepEqual(await Promise.all(skus.map(scanUrlOf)), urls);
  });

  it('a missing sku is a 404 naming it; stockItemIds with assetIds is a 400', async () => {
    const missing = await pdf(orgId, owner.idToken, {
      stockItemIds: ['NOPE'],
      template: 'avery-l7160',
    });
    assert.equal(missing.status, 404);
    assert.match(missing.text ?? '', /NOPE/);
    const both = await pdf(orgId, owner.idToken, {
      stockItemIds: skus,
      assetIds: ['x'],
      template: 'avery-l7160',
    });
    assert.equal(both.status, 400);
  });

  it('a scan opens a minimal page with name, unit and on-hand, or the {sku} template', async () => {
    await pdf(orgId, owner.idToken, { stockItemIds: [skus[0]], template: 'avery-l7160' });
    // The label's URL, reached on this stack's port (PUBLIC_BASE_URL names the default one).
    const url = `${functionUrl('api')}/s/${(await scanUrlOf(skus[0])).split('/s/')[1]}`;
    const page = await fetch(url, { headers: { accept: 'text/html' }, redirect: 'manual' });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Sandpaper P120/);
    assert.match(html, /On hand: <strong>7<\/strong> sheet/);
    const set = await call('PATCH', `/v1/orgs/${orgId}`, {
      token: owner.idToken,
      body: { assetUrlTemplate: 'https://stock.example.com/bins/{sku}' },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const redirect = await fetch(url, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), `https://stock.example.com/bins/${skus[0]}`);
  });
});
