// Bulk CSV upload and export through the local stack: the seed's 137-item upload until every PNG
// is in Storage and decodes, each spreadsheet dialect, each bad row and bad file with its reply,
// two uploads at once, and export -> upload back changing nothing.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SignedIn } from 'emulator';
import { CATEGORIES } from '../src/domain/equipment';
import { db } from '../src/data/firebase';
import { addMember, call, newUser, unique } from './support/api';
import {
  decodePng,
  orgWithLocations,
  qrPngPath,
  storedObject,
  upload,
  waitForQr,
} from './support/equipment';
import { serve, type NodeHandler } from './support/httpServer';
import { functionUrl } from './support/stack';
import { createApp } from '../src/http/app';

interface UploadReply {
  total: number;
  created: number;
  updated: number;
  failed: { line: number; errors: string[] }[];
  ignoredColumns: string[];
}
type ErrorReply = { error: { code: string; message: string; details?: Record<string, unknown> } };

const LOCATION_NAMES = ['Wood Shop', 'tool crib', 'WOOD SHOP', 'wood-shop', ''];

/** An inventory like the seed's: 137 items over every category, locations in any case. */
function seedCsv(count = 137): string {
  const lines = ['Name,Category,Serial Number,Brand,Model,Location,Notes'];
  for (let i = 0; i < count; i++) {
    const category = CATEGORIES[i % CATEGORIES.length];
    lines.push(
      [
        `${category.toLowerCase()} item ${i}`,
        category.toLowerCase(),
        `SN-${1000 + i}`,
        i % 3 === 0 ? 'Sony' : 'Canon',
        `M${i}`,
        LOCATION_NAMES[i % LOCATION_NAMES.length],
        i % 10 === 0 ? '"Needs a ""gentle"" touch, see manual"' : '',
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function items(orgId: string): Promise<FirebaseFirestore.QueryDocumentSnapshot[]> {
  return (await db().collection(`organizations/${orgId}/equipment`).get()).docs;
}

describe('equipment bulk upload', function () {
  this.timeout(120_000);
  let owner: SignedIn;
  // A fresh owner for each test's organisation: one person may create ORGS_PER_USER (10).
  beforeEach(async () => {
    owner = await newUser('up-owner');
  });

  it("the seed's 137 items: answered with the counts; every PNG lands in Storage and decodes", async () => {
    const orgId = await orgWithLocations(owner);
    const reply = await upload<UploadReply>(orgId, owner.idToken, seedCsv());
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, {
      total: 137,
      created: 137,
      updated: 0,
      failed: [],
      ignoredColumns: [],
    });
    const docs = await items(orgId);
    assert.equal(docs.length, 137);
    const first = docs.find((d) => d.get('serialNumber') === 'SN-1000');
    assert.equal(first?.get('category'), 'CAMERA');
    assert.equal(first?.get('locationId'), 'wood-shop');
    assert.equal(first?.get('notes'), 'Needs a "gentle" touch, see manual');
    assert.equal(first?.get('source'), 'csv');
    const crib = docs.find((d) => d.get('serialNumber') === 'SN-1001');
    assert.equal(crib?.get('locationId'), 'tool-crib');
    const none = docs.find((d) => d.get('serialNumber') === 'SN-1004');
    assert.equal(none?.get('locationId'), undefined);

    await Promise.all(docs.map((d) => waitForQr(orgId, d.id, 60_000)));
    for (const doc of await items(orgId)) {
      const { bytes } = await storedObject(qrPngPath(orgId, doc.id));
      assert.equal(decodePng(bytes), doc.get('scanUrl'));
    }
  });

  it('reads comma, semicolon and tab files; BOM, CRLF, Windows-1252; quotes and blank lines', async () => {
    const orgId = await orgWithLocations(owner);
    const semicolon =
      '\uFEFFnaam;NAME;category;serial_number;notes\r\n' +
      '\r\n' +
      'x;"Lens; wide";LENS;"SN ""7""";"line one\r\nline two"\r\n' +
      ';=1+2;Other;;@mention\r\n';
    const r1 = await upload<UploadReply>(orgId, owner.idToken, semicolon);
    assert.equal(r1.status, 200, JSON.stringify(r1.body));
    assert.deepEqual(r1.body, {
      total: 2,
      created: 2,
      updated: 0,
      failed: [],
      ignoredColumns: ['naam'],
    });

    const tab = Buffer.concat([
      Buffer.from('Name\tCategory\tBrand\tModel\n', 'latin1'),
      Buffer.from('Caf\xe9 light\tlighting\tK\x80nig\tPro \x93X\x94\n', 'latin1'),
      Buffer.from('\n\nPlain\tAUDIO\t\t\n', 'latin1'),
    ]);
    const r2 = await upload<UploadReply>(orgId, owner.idToken, tab);
    assert.equal(r2.status, 200, JSON.stringify(r2.body));
    assert.equal(r2.body.created, 2);

    const byName = new Map((await items(orgId)).map((d) => [d.get('name') as string, d.data()]));
    assert.equal(byName.get('Lens; wide')?.serialNumber, 'SN "7"');
    assert.equal(byName.get('Lens; wide')?.notes, 'line one\r\nline two');
    // Text that a spreadsheet would run is stored exactly as written.
    assert.equal(byName.get('=1+2')?.category, 'OTHER');
    assert.equal(byName.get('=1+2')?.notes, '@mention');
    assert.equal(byName.get('Café light')?.brand, 'K€nig');
    assert.equal(byName.get('Café light')?.model, 'Pro “X”');
    assert.ok(byName.has('Plain'));
  });

  it('the example file in docs/api.md uploads as the docs say', async () => {
    const orgId = await orgWithLocations(owner);
    const file = fs.readFileSync(path.resolve(__dirname, '../../../docs/examples/equipment.csv'));
    const reply = await upload<UploadReply>(orgId, owner.idToken, file);
    assert.deepEqual(reply.body, {
      total: 6,
      created: 6,
      updated: 0,
      failed: [],
      ignoredColumns: [],
    });
    const byName = new Map((await items(orgId)).map((d) => [d.get('name') as string, d.data()]));
    assert.equal(
      byName.get('Rode NTG4+')?.notes,
      'Comes with "dead cat" windscreen\nand a shock mount',
    );
    assert.equal(byName.get('Sony A7 III')?.imageUrl, 'https://example.com/a7iii.jpg');
    assert.equal(byName.get('Aputure 300d II')?.locationId, 'main-workshop');
    assert.equal(byName.get('SanDisk 1 TB SSD')?.notes, '=backup drive (stored as written)');
  });

  it('reports each bad row with its line and reasons, and saves every valid row', async () => {
    const orgId = await orgWithLocations(owner);
    const csv = [
      'name,category,location,serialNumber,Colour,colour ',
      'Good one,camera,wood shop,,red,', // line 2
      ',LENS,,,,', // 3: no name
      `${'n'.repeat(201)},LENS,,,,`, // 4: name too long
      'Odd,SPACESHIP,,,,', // 5: unknown category
      'Lost,AUDIO,Moon base,,,', // 6: unknown location
      '"Multi', // 7-8: a quoted name over two lines, then too many cells
      'line",OTHER,,,,,extra',
      'Last good,TRIPOD,,SN-9,,', // 9
    ].join('\n');
    const reply = await upload<UploadReply>(orgId, owner.idToken, csv);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.total, 7);
    assert.equal(reply.body.created, 2);
    assert.deepEqual(reply.body.ignoredColumns, ['Colour', 'colour ']);
    assert.deepEqual(
      reply.body.failed.map((f) => f.line),
      [3, 4, 5, 6, 7],
    );
    const reasons = new Map(reply.body.failed.map((f) => [f.line, f.errors.join(' | ')]));
    assert.match(reasons.get(3) ?? '', /name: is required/);
    assert.match(reasons.get(4) ?? '', /name: must be at most 200 characters/);
    assert.match(reasons.get(5) ?? '', /category: must be one of/);
    assert.match(reasons.get(6) ?? '', /location: no location named "Moon base"/);
    assert.match(reasons.get(7) ?? '', /7 cells but the header has 6 columns/);
    const names = (await items(orgId)).map((d) => d.get('name')).sort();
    assert.deepEqual(names, ['Good one', 'Last good']);
  });

  it('refuses files that are empty, not text, or lack a required column (400 naming the columns)', async () => {
    const orgId = await orgWithLocations(owner);
    const cases: [string, string | Buffer][] = [
      ['empty', ''],
      ['blank', '\r\n\r\n  \n'],
      ['not_text', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
      ['missing_columns', 'name,brand\nA,B\n'],
    ];
    for (const [problem, content] of cases) {
      const reply = await upload<ErrorReply>(orgId, owner.idToken, content);
      assert.equal(reply.status, 400, problem);
      assert.equal(reply.body.error.details?.problem, problem === 'blank' ? 'empty' : problem);
      assert.match(reply.body.error.message, /required columns: name, category/);
      assert.match(reply.body.error.message, /optional columns: serialNumber, brand, model/);
    }
    assert.equal((await items(orgId)).length, 0);
  });

  it('413 above the row limit and above the size limit, with the limit', async () => {
    const orgId = await orgWithLocations(owner);
    const rows = `name,category\n${'x,OTHER\n'.repeat(50_001)}`;
    const tooMany = await upload<ErrorReply>(orgId, owner.idToken, rows);
    assert.equal(tooMany.status, 413);
    assert.deepEqual(tooMany.body.error.details, { limit: 'rows', max: 50_000 });

    const big = Buffer.alloc(20 * 1024 * 1024 + 10, 'a');
    Buffer.from('name,category,notes\nx,OTHER,').copy(big);
    const tooBig = await upload<ErrorReply>(orgId, owner.idToken, big);
    assert.equal(tooBig.status, 413);
    assert.deepEqual(tooBig.body.error.details, { limit: 'bytes', max: 20 * 1024 * 1024 });
    // Refused as a whole: no row was saved.
    assert.equal((await items(orgId)).length, 0);
  });

  it('415 for a body that is not multipart; 400 for a multipart body without "file"', async () => {
    const orgId = await orgWithLocations(owner);
    const url = `${functionUrl('api')}/v1/orgs/${orgId}/equipment/bulk-upload`;
    const csv = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.idToken}`, 'content-type': 'text/csv' },
      body: 'name,category\nx,OTHER\n',
    });
    assert.equal(csv.status, 415);
    assert.match(((await csv.json()) as ErrorReply).error.message, /multipart\/form-data.*"file"/);
    const wrongField = await upload<ErrorReply>(orgId, owner.idToken, 'name,category\n', {
      field: 'csv',
    });
    assert.equal(wrongField.status, 400);
    assert.match(wrongField.body.error.message, /no "file" part/);
    const noBoundary = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.idToken}`, 'content-type': 'multipart/form-data' },
      body: 'x',
    });
    assert.equal(noBoundary.status, 400);
  });

  it('without a platform-buffered body (plain Express), busboy reads the request stream', async () => {
    const orgId = await orgWithLocations(owner);
    const server = await serve(createApp() as unknown as NodeHandler);
    const saved = process.env.EQUIPMENT_UPLOAD_MAX_ROWS;
    try {
      const post = async (csv: string) => {
        const form = new FormData();
        form.append('note', 'a field before the file is skipped');
        form.append('file', new Blob([csv], { type: 'text/csv' }), 'e.csv');
        const res = await fetch(`${server.url}/v1/orgs/${orgId}/equipment/bulk-upload`, {
          method: 'POST',
          headers: { authorization: `Bearer ${owner.idToken}` },
          body: form,
        });
        return { status: res.status, body: (await res.json()) as UploadReply & ErrorReply };
      };
      const ok = await post(seedCsv(40));
      assert.equal(ok.status, 200);
      assert.equal(ok.body.created, 40);
      process.env.EQUIPMENT_UPLOAD_MAX_ROWS = '30';
      const over = await post(seedCsv(31));
      assert.equal(over.status, 413);
      assert.deepEqual(over.body.error.details, { limit: 'rows', max: 30 });
    } finally {
      if (saved === undefined) delete process.env.EQUIPMENT_UPLOAD_MAX_ROWS;
      else process.env.EQUIPMENT_UPLOAD_MAX_ROWS = saved;
      await server.close();
    }
  });

  it('two uploads into one organisation at once both succeed', async () => {
    const orgId = await orgWithLocations(owner);
    const editor = await newUser('up-editor');
    await addMember(orgId, owner, editor, 'editor');
    const [a, b] = await Promise.all([
      upload<UploadReply>(orgId, owner.idToken, seedCsv(300)),
      upload<UploadReply>(orgId, editor.idToken, seedCsv(200)),
    ]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(a.body.created, 300);
    assert.equal(b.body.created, 200);
    assert.equal((await items(orgId)).length, 500);
  });

  it('rows with an assetId update that item, or create it under that id', async () => {
    const orgId = await orgWithLocations(owner);
    const created = await call<{ assetId: string }>('POST', `/v1/orgs/${orgId}/equipment`, {
      token: owner.idToken,
      body: { name: 'Old name', category: 'LENS', brand: 'Zeiss', location: 'wood shop' },
    });
    const newId = unique('LENS');
    const csv = `assetId,name,category,brand,location\n${created.body.assetId},New name,LENS,,TOOL CRIB\n${newId},Brand new,lens,Sigma,\n`;
    const reply = await upload<UploadReply>(orgId, owner.idToken, csv);
    assert.deepEqual(
      { created: reply.body.created, updated: reply.body.updated, failed: reply.body.failed },
      { created: 1, updated: 1, failed: [] },
    );
    const updated = (
      await db().doc(`organizations/${orgId}/equipment/${created.body.assetId}`).get()
    ).data();
    assert.equal(updated?.name, 'New name');
    assert.equal(updated?.brand, undefined, 'an empty cell clears the field');
    assert.equal(updated?.locationId, 'tool-crib');
    assert.equal(updated?.createdBy, owner.uid);
    const fresh = (await db().doc(`organizations/${orgId}/equipment/${newId}`).get()).data();
    assert.equal(fresh?.brand, 'Sigma');
    assert.equal(fresh?.category, 'LENS');
  });

  it('export streams every item; uploading the export back changes nothing', async () => {
    const orgId = await orgWithLocations(owner);
    // The seed's columns (name, category, serial, brand, model, location, notes), and two rows
    // whose cells a spreadsheet would run as formulas or that start with a quote.
    const csv =
      seedCsv(600) +
      '=HYPERLINK("http://x"),OTHER,,+brand,,tool crib,"-notes, with comma\nand a line"\n' +
      "'80s lens,LENS,,@at,,,'=quoted\n";
    const first = await upload<UploadReply>(orgId, owner.idToken, csv);
    assert.equal(first.body.created, 602);
    const docs = await items(orgId);
    await Promise.all(docs.map((d) => waitForQr(orgId, d.id, 60_000)));
    const before = new Map((await items(orgId)).map((d) => [d.id, d]));

    const res = await fetch(`${functionUrl('api')}/v1/orgs/${orgId}/equipment/export.csv`, {
      headers: { authorization: `Bearer ${owner.idToken}` },
    });
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM, for Excel');
    const exported = bytes.subarray(3).toString('utf8');
    const lines = exported.split('\r\n');
    assert.equal(
      lines[0],
      'name,category,serialNumber,brand,model,location,notes,imageUrl,assetId,scanUrl,qrCodeUrl',
    );
    // Formula cells are neutralised on export (OWASP), names of locations are written.
    assert.ok(exported.includes(`"'=HYPERLINK(""http://x"")",OTHER,,'+brand,,Tool Crib,`));
    const row = lines.find((l) => l.startsWith("'80s lens"));
    assert.ok(row?.includes(",'@at,,,'=quoted,"), row);

    const again = await upload<UploadReply>(orgId, owner.idToken, bytes);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, {
      total: 602,
      created: 0,
      updated: 602,
      failed: [],
      ignoredColumns: [],
    });
    const after = await items(orgId);
    assert.equal(after.length, 602);
    for (const doc of after) {
      const old = before.get(doc.id);
      assert.ok(old, doc.id);
      assert.ok(doc.updateTime.isEqual(old.updateTime), `${doc.id} was written again`);
    }
    const hyperlink = after.find(
      (d) => d.get('category') === 'OTHER' && d.get('brand') === '+brand',
    );
    assert.equal(hyperlink?.get('name'), '=HYPERLINK("http://x")');
    assert.equal(hyperlink?.get('notes'), '-notes, with comma\nand a line');
  });
});
