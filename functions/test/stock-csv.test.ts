// Stock CSV through the local stack: the upload's guarantees (a dialect other than commas,
// per-line errors, every valid row saved, no quantity changed by a file) and an export that is
// formula-safe and uploads back unchanged.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { call, newUser } from './support/api';
import { orgWithLocations } from './support/equipment';
import { functionUrl } from './support/stack';

type Result = {
  total: number;
  created: number;
  updated: number;
  failed: { line: number; errors: string[] }[];
  ignoredColumns: string[];
};
type Item = {
  sku: string;
  name: string;
  quantityOnHand: number;
  reorderPoint: number | null;
  unit: string;
  locationId: string | null;
  description: string | null;
};

async function upload(
  orgId: string,
  token: string,
  csv: string,
): Promise<{ status: number; body: Result }> {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from(csv, 'utf8')], { type: 'text/csv' }), 'stock.csv');
  const res = await fetch(`${functionUrl('api')}/v1/orgs/${orgId}/stock-items/bulk-upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as Result };
}

async function exported(orgId: string, token: string): Promise<string> {
  const res = await fetch(`${functionUrl('api')}/v1/orgs/${orgId}/stock-items/export.csv`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/csv/);
  // fetch's text() drops the BOM; the file has one (Excel needs it).
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
}

describe('stock CSV upload and export', function () {
  this.timeout(120_000);
  let owner: SignedIn;
  let orgId: string;

  before(async () => {
    owner = await newUser('stock-csv');
    // The rows name a default location (Wood Shop), which a trigger adds after the create.
    orgId = await orgWithLocations(owner, 'CSV');
  });

  const items = async () =>
    (
      await call<{ items: Item[] }>('GET', `/v1/orgs/${orgId}/stock-items?active=all&limit=500`, {
        token: owner.idToken,
      })
    ).body.items;

  it('saves every valid row of a semicolon file and reports each bad one by line', async () => {
    const csv = [
      'Name;SKU;Unit;Quantity On Hand;Reorder Point;Location;Description;Colour',
      'Sandpaper P120;SAND-120;sheet;40;10;Wood Shop;"120 grit; 230 × 280 mm";grey',
      'Solder;;m;5;;;;',
      ';NO-NAME;each;1;;;;',
      'Filament;FIL-1;bucket;1;;;;',
      'Rags;RAG-1;kg;-3;;;;',
      'Glue;GLUE-1;each;2;1;Nowhere;;',
      '=HYPERLINK("http://x");FORMULA-1;each;0;;;;',
    ].join('\r\n');
    const reply = await upload(orgId, owner.idToken, csv);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.total, 7);
    assert.equal(reply.body.created, 3, JSON.stringify(reply.body));
    assert.deepEqual(
      reply.body.failed.map((f) => f.line),
      [4, 5, 6, 7],
    );
    assert.match(reply.body.failed[0].errors.join(), /name: is required/);
    assert.match(reply.body.failed[1].errors.join(), /unit: must be one of/);
    assert.match(reply.body.failed[2].errors.join(), /quantityOnHand/);
    assert.match(reply.body.failed[3].errors.join(), /location/);
    assert.deepEqual(reply.body.ignoredColumns, ['Colour']);
    const all = await items();
    const sand = all.find((i) => i.sku === 'SAND-120');
    assert.ok(sand);
    assert.equal(sand.quantityOnHand, 40);
    assert.equal(sand.reorderPoint, 10);
    assert.equal(sand.description, '120 grit; 230 × 280 mm');
    assert.ok(sand.locationId);
    assert.ok(all.some((i) => i.name === 'Solder' && /^STK-/.test(i.sku)));
    // The starting quantity is a movement, as from the JSON route.
    const history = await call<{ movements: { reason: string; delta: number }[] }>(
      'GET',
      `/v1/orgs/${orgId}/stock-items/SAND-120/movements`,
      { token: owner.idToken },
    );
    assert.deepEqual(
      history.body.movements.map((m) => [m.reason, m.delta]),
      [['adjusted', 40]],
    );
  });

  it('a file never changes stock: another quantity for an existing sku fails, naming what is on hand', async () => {
    const reply = await upload(
      orgId,
      owner.idToken,
      'name,sku,quantityOnHand,reorderPoint\nSandpaper P120,SAND-120,99,12\n',
    );
    assert.equal(reply.body.updated, 0);
    assert.match(reply.body.failed[0].errors.join(), /SAND-120 has 40 on hand/);
    const same = await upload(
      orgId,
      owner.idToken,
      'name,sku,quantityOnHand,reorderPoint\nSandpaper P120,SAND-120,40,12\n',
    );
    assert.equal(same.body.updated, 1);
    assert.equal((await items()).find((i) => i.sku === 'SAND-120')?.reorderPoint, 12);
  });

  it('exports formula-safe CSV that uploads back unchanged', async () => {
    const before = await items();
    const text = await exported(orgId, owner.idToken);
    assert.ok(text.startsWith('\uFEFFname,sku,description,unit,location,quantityOnHand'));
    // The formula cell is neutralised in the file...
    assert.match(text, /'=HYPERLINK/);
    const again = await upload(orgId, owner.idToken, text);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body.failed, []);
    assert.equal(again.body.updated, before.length);
    assert.equal(again.body.created, 0);
    const after = await items();
    const shape = (list: Item[]) =>
      list.map(({ sku, name, quantityOnHand, reorderPoint, unit, locationId, description }) => ({
        sku,
        name,
        quantityOnHand,
        reorderPoint,
        unit,
        locationId,
        description,
      }));
    assert.deepEqual(shape(after), shape(before));
    // ...and comes back as written.
    assert.ok(after.some((i) => i.name === '=HYPERLINK("http://x")'));
  });

  it('refuses a file without a name column, naming the columns; viewers may not upload', async () => {
    const reply = await upload(orgId, owner.idToken, 'sku,unit\nA,each\n');
    assert.equal(reply.status, 400);
    assert.match(JSON.stringify(reply.body), /required columns: name/);
    const viewer = await newUser('csv-viewer');
    assert.equal((await upload(orgId, viewer.idToken, 'name\nx\n')).status, 403);
  });
});
