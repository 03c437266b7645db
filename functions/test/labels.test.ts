// Label PDFs through the local stack, checked with independent tools (support/pdfTools.ts): every
// label of every built-in template is rendered by pdf.js at 300 dpi and read by ZXing; each code
// sits where the template's grid puts it (within 0.5 mm); no text leaves its label; names in
// Japanese, Arabic and Cyrillic print as written and come back out of the PDF's text; Avery
// 22805 matches the measured sheet; startPosition and offsetMm move what they should; a
// template too small for 0.35 mm modules is refused with advice.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SignedIn } from 'emulator';
import { db } from '../src/data/firebase';
import { equipmentRef } from '../src/data/paths';
import { fitQr } from '../src/domain/labels/layout';
import { layoutAt } from '../src/domain/labels/pdf';
import {
  BUILT_IN_TEMPLATES,
  labelsPerPage,
  type LabelTemplate,
} from '../src/domain/labels/templates';
import { addMember, call, createOrg, newUser } from './support/api';
import {
  crop,
  darkBox,
  decodeAll,
  pageCount,
  renderPage,
  requireTools,
  tempDir,
  textRuns,
  type Gray,
  type Rect,
} from './support/pdfTools';
import { functionUrl } from './support/stack';

const DPI = 300;
const PX_PER_MM = DPI / 25.4;

/** Writes `n` items straight into Firestore (the equipment API is another branch's). */
async function seedItems(
  orgId: string,
  n: number,
  prefix = 'item',
  name = (i: number) => `Camera body number ${i} with a long descriptive name that cannot fit`,
): Promise<string[]> {
  const writer = db().bulkWriter();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${prefix}-${String(i).padStart(5, '0')}`;
    ids.push(id);
    void writer.set(equipmentRef(orgId).doc(id), {
      name: name(i),
      category: i % 2 === 0 ? 'CAMERA' : 'LENS',
      serialNumber: `SN-${i}-${'X'.repeat(i % 7)}`,
      source: 'api',
    });
  }
  await writer.close();
  return ids;
}

async function scanUrls(orgId: string, ids: string[]): Promise<string[]> {
  const snaps = await db().getAll(...ids.map((id) => equipmentRef(orgId).doc(id)));
  return snaps.map((s) => String(s.get('scanUrl')));
}

/** POSTs to /labels; a PDF is streamed to a file, anything else parsed as JSON. */
async function labelsPdf(
  orgId: string,
  token: string,
  body: unknown,
): Promise<{
  status: number;
  file?: string;
  json?: { error: { message: string; details?: Record<string, unknown> } };
  headers: Headers;
}> {
  const res = await fetch(`${functionUrl('api')}/v1/orgs/${orgId}/labels`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.headers.get('content-type') !== 'application/pdf') {
    return { status: res.status, json: (await res.json()) as never, headers: res.headers };
  }
  const file = path.join(tempDir('labels'), 'labels.pdf');
  const out = fs.createWriteStream(file);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return { status: res.status, file, headers: res.headers };
}

/** The label's rectangle from the template's numbers, in pixels: the test's own grid. */
function gridCell(t: LabelTemplate, slot: number, offset = { x: 0, y: 0 }): Rect {
  const column = slot % t.columns;
  const row = Math.floor(slot / t.columns);
  return {
    x: (t.marginLeftMm + column * t.pitchXMm + offset.x) * PX_PER_MM,
    y: (t.marginTopMm + row * t.pitchYMm + offset.y) * PX_PER_MM,
    width: t.labelWidthMm * PX_PER_MM,
    height: t.labelHeightMm * PX_PER_MM,
  };
}

interface Expectation {
  page: number;
  slot: number;
  text: string;
  lines: string[];
}

/**
 * Renders each page once, decodes every expected label from its own grid cell, and checks the
 * symbol's position against the grid within 0.5 mm.
 */
async function checkLabels(
  file: string,
  t: LabelTemplate,
  expected: Expectation[],
  options: {
    startPosition: number;
    offsetMm: { x: number; y: number };
    errorCorrection: 'L' | 'M' | 'Q' | 'H';
  },
): Promise<Map<number, Gray>> {
  // The server chose the level for this template; the same URL length gives the same choice.
  const qr = fitQr(t, expected[0].text)!;
  assert.equal(qr.errorCorrection, options.errorCorrection, `${t.id}: error correction`);
  const pages = new Map<number, Gray>();
  for (const p of new Set(expected.map((e) => e.page)))
    pages.set(p, await renderPage(file, p + 1, DPI));
  const crops = expected.map((e) =>
    crop(pages.get(e.page)!, gridCell(t, e.slot, options.offsetMm)),
  );
  const decoded = await decodeAll(crops);
  expected.forEach((e, i) => {
    assert.deepEqual(
      decoded[i],
      [e.text],
      `${t.id}: label ${i} (page ${e.page + 1}, slot ${e.slot})`,
    );
  });
  for (const [i, e] of expected.entries()) {
    const { layout } = layoutAt(
      t,
      i,
      { qrText: e.text, lines: e.lines.map((text) => ({ text, bold: false })) },
      { startPosition: options.startPosition, offsetMm: options.offsetMm, qr },
    );
    const cell = gridCell(t, e.slot, options.offsetMm);
    // Where the first module should be: the grid's corner plus the symbol's place on the label.
    const want = {
      x: cell.x + (layout.qr.x - layout.box.x) * PX_PER_MM,
      y: cell.y + (layout.qr.y - layout.box.y) * PX_PER_MM,
      side: layout.qr.matrix.size * layout.qr.moduleMm * PX_PER_MM,
    };
    // Search a little around it (less than the 4-module quiet zone, so no text is caught).
    const pad = 1 * PX_PER_MM;
    const found = darkBox(pages.get(e.page)!, {
      x: want.x - pad,
      y: want.y - pad,
      width: want.side + 2 * pad,
      height: want.side + 2 * pad,
    });
    assert.ok(found, `${t.id}: no symbol found at label ${i}`);
    const mm = (px: number) => px / PX_PER_MM;
    const off = [
      found.x - want.x,
      found.y - want.y,
      found.width - want.side,
      found.height - want.side,
    ].map((d) => Math.abs(mm(d)));
    assert.ok(
      off.every((d) => d <= 0.5),
      `${t.id}: label ${i} symbol off by ${off.map((d) => d.toFixed(2)).join(', ')} mm (x, y, width, height)`,
    );
    // And the symbol lies inside its label.
    assert.ok(
      found.x >= cell.x && found.y >= cell.y,
      `${t.id}: label ${i} symbol starts outside its label`,
    );
    assert.ok(
      found.x + found.width <= cell.x + cell.width + 1 &&
        found.y + found.height <= cell.y + cell.height + 1,
      `${t.id}: label ${i} symbol ends outside its label`,
    );
  }
  return pages;
}

/**
 * Every piece of text pdf.js finds (its box from the font's ascent to its descent) lies inside
 * one of the labels of its page. Returns how many pieces there were.
 */
async function checkTextInsideLabels(
  file: string,
  t: LabelTemplate,
  offset = { x: 0, y: 0 },
): Promise<number> {
  const runs = await textRuns(file);
  const cells = Array.from({ length: labelsPerPage(t) }, (_, s) => gridCell(t, s, offset)).map(
    (c) => ({
      x: c.x / PX_PER_MM,
      y: c.y / PX_PER_MM,
      width: c.width / PX_PER_MM,
      height: c.height / PX_PER_MM,
    }),
  );
  const eps = 0.01;
  for (const w of runs) {
    const inside = cells.some(
      (c) =>
        w.x >= c.x - eps &&
        w.y >= c.y - eps &&
        w.x + w.width <= c.x + c.width + eps &&
        w.y + w.height <= c.y + c.height + eps,
    );
    assert.ok(
      inside,
      `${t.id}: the text "${w.text}" on page ${w.page} (${JSON.stringify(w)}) leaves its label`,
    );
  }
  return runs.length;
}

describe('label PDFs', function () {
  this.timeout(600_000);
  let owner: SignedIn;
  let viewer: SignedIn;
  let orgId: string;
  let ids: string[];

  before(async () => {
    await requireTools();
    owner = await newUser('owner');
    viewer = await newUser('viewer');
    orgId = await createOrg(owner);
    await addMember(orgId, owner, viewer, 'viewer');
    ids = await seedItems(orgId, 78);
  });

  it('GET /v1/label-templates lists every built-in template with its dimensions', async () => {
    const r = await call<{
      templates: Array<LabelTemplate & { labelsPerPage: number }>;
      minModuleMm: number;
    }>('GET', '/v1/label-templates', { token: viewer.idToken });
    assert.equal(r.status, 200);
    assert.equal(r.body.minModuleMm, 0.35);
    const byId = new Map(r.body.templates.map((t) => [t.id, t]));
    for (const [id, perPage, w, h] of [
      ['avery-l7160', 21, 63.5, 38.1],
      ['avery-l7163', 14, 99.1, 38.1],
      ['avery-l7651', 65, 38.1, 21.2],
      ['avery-5160', 30, 66.675, 25.4],
      ['avery-5163', 10, 101.6, 50.8],
      ['avery-22805', 24, 38.1, 38.1],
      ['brother-dk-11204', 1, 54, 17],
      ['brother-dk-11201', 1, 90, 29],
      ['dymo-30334', 1, 57.15, 31.75],
    ] as const) {
      const t = byId.get(id);
      assert.ok(t, id);
      assert.deepEqual([t.labelsPerPage, t.labelWidthMm, t.labelHeightMm], [perPage, w, h], id);
    }
    assert.equal(r.body.templates.length, BUILT_IN_TEMPLATES.length);
    assert.equal((await call('GET', '/v1/label-templates')).status, 401);
  });

  for (const template of BUILT_IN_TEMPLATES) {
    it(`${template.id}: every label scans, sits on the grid, and keeps its text inside`, async () => {
      const perPage = labelsPerPage(template);
      // A full sheet; label printers get two labels, so two pages.
      const n = perPage === 1 ? 2 : perPage;
      const chosen = ids.slice(0, n);
      const fields = ['name', 'assetId', 'serialNumber'];
      const r = await labelsPdf(orgId, viewer.idToken, {
        assetIds: chosen,
        template: template.id,
        fields,
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const ec = r.headers.get('x-error-correction') as 'L' | 'M' | 'Q' | 'H';
      assert.match(ec, /^[LMQH]$/);
      assert.equal(await pageCount(r.file!), perPage === 1 ? 2 : 1);
      const urls = await scanUrls(orgId, chosen);
      const options = { startPosition: 1, offsetMm: { x: 0, y: 0 }, errorCorrection: ec };
      const expected = urls.map((text, i) => {
        const slot = i % perPage;
        return { page: Math.floor(i / perPage), slot, text, lines: [] };
      });
      await checkLabels(r.file!, template, expected, options);
      const pieces = await checkTextInsideLabels(r.file!, template);
      assert.ok(pieces >= n, `${template.id}: expected text on every label, found ${pieces}`);
    });
  }

  it('names in Japanese, Arabic, Cyrillic and Greek print as written and are found in the text', async () => {
    const names = [
      '日本のカメラ',
      'كاميرا القاهرة',
      'Камера Москва',
      'Κάμερα Αθήνα',
      'Lens 日本 Жук',
    ];
    // Their own organisation: the other tests count this organisation's items by category.
    const scriptOrg = await createOrg(owner);
    const scripts = await seedItems(scriptOrg, names.length, 'script', (i) => names[i]);
    const t = BUILT_IN_TEMPLATES.find((x) => x.id === 'avery-l7160')!;
    const r = await labelsPdf(scriptOrg, owner.idToken, { assetIds: scripts, template: t.id });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const runs = await textRuns(r.file!);
    const texts = runs.map((x) => x.text);
    for (const name of [names[0], names[2], names[3]]) {
      assert.ok(texts.includes(name), `"${name}" is in the PDF's text: ${JSON.stringify(texts)}`);
    }
    // Arabic comes out right to left, in logical order (pdf.js reorders what was drawn). pdf.js
    // sees a space where shaping moves a letter's dots (a jump in the glyph positions), so the
    // letters are compared without spaces, in order: words drawn left to right would come out
    // swapped.
    const arabic = runs.find((x) => x.dir === 'rtl');
    assert.ok(arabic, `an Arabic piece of text: ${JSON.stringify(texts)}`);
    assert.equal(arabic.text.replace(/\s/g, ''), names[1].replace(/\s/g, ''));
    assert.ok(!texts.some((x) => x.includes('?')), 'no character printed as "?"');
    // A line in three scripts is three pieces in three fonts on one baseline, left to right.
    const mixed = runs.filter((x) => ['Lens', '日本', 'Жук'].includes(x.text.trim()));
    assert.deepEqual(
      mixed.map((x) => x.text.trim()),
      ['Lens', '日本', 'Жук'],
      JSON.stringify(runs.filter((x) => x.page === 1)),
    );
    assert.ok(mixed.every((x) => Math.abs(x.baseline - mixed[0].baseline) < 0.01));
    assert.ok(mixed[0].x < mixed[1].x && mixed[1].x < mixed[2].x);
    await checkTextInsideLabels(r.file!, t);
    const urls = await scanUrls(scriptOrg, scripts);
    await checkLabels(
      r.file!,
      t,
      urls.map((text, slot) => ({ page: 0, slot, text, lines: [] })),
      {
        startPosition: 1,
        offsetMm: { x: 0, y: 0 },
        errorCorrection: r.headers.get('x-error-correction') as 'H',
      },
    );
  });

  it('avery-22805: every code is centred on the measured sheet (0.78125 in side, 1.8125 in pitch)', async () => {
    // The sheet as measured (issue 26), in inches, independent of the template's own numbers:
    // 4 columns of 1.5 in squares, 0.78125 in from the left edge, 1.8125 in apart; 6 rows,
    // 0.5 in from the top, 1.7 in apart. 2 × 0.78125 + 3 × 1.8125 + 1.5 = 8.5 in, the Letter width.
    const IN = 25.4;
    assert.equal(2 * 0.78125 + 3 * 1.8125 + 1.5, 8.5);
    const t = BUILT_IN_TEMPLATES.find((x) => x.id === 'avery-22805')!;
    const r = await labelsPdf(orgId, viewer.idToken, {
      assetIds: ids.slice(0, 24),
      template: t.id,
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const page = await renderPage(r.file!, 1, DPI);
    const urls = await scanUrls(orgId, ids.slice(0, 24));
    const cells = urls.map((_, slot) => {
      const column = slot % 4;
      const row = Math.floor(slot / 4);
      return {
        x: (0.78125 + column * 1.8125) * IN * PX_PER_MM,
        y: (0.5 + row * 1.7) * IN * PX_PER_MM,
        width: 1.5 * IN * PX_PER_MM,
        height: 1.5 * IN * PX_PER_MM,
      };
    });
    const decoded = await decodeAll(cells.map((c) => crop(page, c)));
    urls.forEach((url, slot) => assert.deepEqual(decoded[slot], [url], `slot ${slot} scans`));
    for (const [slot, cell] of cells.entries()) {
      // The code is centred across the square label: its dark box's centre is the cell's centre.
      const symbol = darkBox(page, { ...cell, height: cell.height * 0.7 });
      assert.ok(symbol, `slot ${slot}: a symbol`);
      const off = (symbol.x + symbol.width / 2 - (cell.x + cell.width / 2)) / PX_PER_MM;
      assert.ok(Math.abs(off) <= 0.5, `slot ${slot}: the code is ${off.toFixed(2)} mm off centre`);
    }
    await checkTextInsideLabels(r.file!, t);
  });

  it('long names are shortened with an ellipsis, never cut off at the label edge', async () => {
    const r = await labelsPdf(orgId, viewer.idToken, {
      assetIds: ids.slice(0, 5),
      template: 'avery-l7651',
    });
    assert.equal(r.status, 200);
    const runs = await textRuns(r.file!);
    assert.ok(
      runs.some((w) => w.text.endsWith('…')),
      'an ellipsis marks a shortened name',
    );
    assert.ok(
      runs.some((w) => w.text === ids[0]),
      'the asset id is printed whole',
    );
  });

  it('startPosition skips used labels and offsetMm moves everything by that much', async () => {
    const t = BUILT_IN_TEMPLATES.find((x) => x.id === 'avery-l7160')!;
    const offsetMm = { x: 1.5, y: -1 };
    const chosen = ids.slice(0, 3);
    const r = await labelsPdf(orgId, viewer.idToken, {
      assetIds: chosen,
      template: t.id,
      startPosition: 5,
      offsetMm,
    });
    assert.equal(r.status, 200);
    const ec = r.headers.get('x-error-correction') as 'L' | 'M' | 'Q' | 'H';
    const urls = await scanUrls(orgId, chosen);
    const pages = await checkLabels(
      r.file!,
      t,
      urls.map((text, i) => ({ page: 0, slot: 4 + i, text, lines: [] })),
      { startPosition: 5, offsetMm, errorCorrection: ec },
    );
    for (let slot = 0; slot < 4; slot++) {
      assert.equal(
        darkBox(pages.get(0)!, gridCell(t, slot, offsetMm)),
        undefined,
        `slot ${slot} stays blank`,
      );
    }
    for (let slot = 7; slot < 21; slot++) {
      assert.equal(
        darkBox(pages.get(0)!, gridCell(t, slot, offsetMm)),
        undefined,
        `slot ${slot} stays blank`,
      );
    }
    await checkTextInsideLabels(r.file!, t, offsetMm);
    const bad = await labelsPdf(orgId, viewer.idToken, {
      assetIds: chosen,
      template: t.id,
      startPosition: 22,
    });
    assert.equal(bad.status, 400);
  });

  it('a custom template is validated, and one that is valid prints and scans', async () => {
    const custom = {
      page: 'A4',
      columns: 2,
      rows: 2,
      labelWidthMm: 70,
      labelHeightMm: 35,
      marginLeftMm: 20,
      marginTopMm: 30,
      pitchXMm: 80,
      pitchYMm: 40,
    };
    const r = await labelsPdf(orgId, viewer.idToken, {
      assetIds: ids.slice(0, 4),
      template: custom,
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const urls = await scanUrls(orgId, ids.slice(0, 4));
    const t: LabelTemplate = {
      id: 'custom',
      name: 'Custom template',
      kind: 'sheet',
      cutMarks: false,
      ...custom,
      page: { widthMm: 210, heightMm: 297 },
    };
    await checkLabels(
      r.file!,
      t,
      urls.map((text, slot) => ({ page: 0, slot, text, lines: [] })),
      {
        startPosition: 1,
        offsetMm: { x: 0, y: 0 },
        errorCorrection: r.headers.get('x-error-correction') as 'H',
      },
    );
    const offPage = await labelsPdf(orgId, viewer.idToken, {
      assetIds: ids.slice(0, 1),
      template: { ...custom, columns: 3 },
    });
    assert.equal(offPage.status, 400);
    assert.match(offPage.json!.error.message, /grid is 250\.00 mm wide/);
    const overlapping = await labelsPdf(orgId, viewer.idToken, {
      assetIds: ids.slice(0, 1),
      template: { ...custom, pitchXMm: 60 },
    });
    assert.equal(overlapping.status, 400);
    assert.match(overlapping.json!.error.message, /pitchXMm must be at least labelWidthMm/);
  });

  it('a template too small for 0.35 mm modules is refused, naming the smallest template that fits', async () => {
    const r = await labelsPdf(orgId, viewer.idToken, {
      assetIds: ids.slice(0, 1),
      template: {
        page: 'A4',
        columns: 1,
        rows: 1,
        labelWidthMm: 14,
        labelHeightMm: 14,
        marginLeftMm: 10,
        marginTopMm: 10,
      },
    });
    assert.equal(r.status, 400);
    assert.equal(r.json!.error.details?.smallestTemplate, 'a4-30x20');
    assert.match(r.json!.error.message, /smallest template that fits is a4-30x20/);
    assert.ok(Number(r.json!.error.details?.moduleMm) < 0.35);
  });

  it('refuses unknown items (404), bad bodies (400), and outsiders (403)', async () => {
    const missing = await labelsPdf(orgId, viewer.idToken, {
      assetIds: [ids[0], 'nope-1'],
      template: 'avery-l7160',
    });
    assert.equal(missing.status, 404);
    assert.match(missing.json!.error.message, /nope-1/);
    const both = await labelsPdf(orgId, viewer.idToken, {
      assetIds: [ids[0]],
      tagPoolId: 'x',
      template: 'avery-l7160',
    });
    assert.equal(both.status, 400);
    const unknown = await labelsPdf(orgId, viewer.idToken, {
      assetIds: [ids[0]],
      template: 'avery-9999',
    });
    assert.equal(unknown.status, 400);
    const outsider = await newUser('outsider');
    const otherOrg = await createOrg(outsider);
    const refused = await labelsPdf(orgId, outsider.idToken, {
      assetIds: [ids[0]],
      template: 'avery-l7160',
    });
    assert.equal(refused.status, 403);
    // The outsider's own organisation does not reach this organisation's items.
    const elsewhere = await labelsPdf(otherOrg, outsider.idToken, {
      assetIds: [ids[0]],
      template: 'avery-l7160',
    });
    assert.equal(elsewhere.status, 404);
  });

  it('prints by filter (category), in asset id order', async () => {
    const r = await labelsPdf(orgId, viewer.idToken, {
      filter: { category: 'lens' },
      template: 'avery-l7651',
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const lenses = ids.filter((_, i) => i % 2 === 1);
    assert.equal(r.headers.get('x-label-count'), String(lenses.length));
    const urls = await scanUrls(orgId, lenses);
    await checkLabels(
      r.file!,
      BUILT_IN_TEMPLATES.find((x) => x.id === 'avery-l7651')!,
      urls.map((text, slot) => ({ page: 0, slot, text, lines: [] })),
      {
        startPosition: 1,
        offsetMm: { x: 0, y: 0 },
        errorCorrection: r.headers.get('x-error-correction') as 'H',
      },
    );
  });

  it('a 5 000-label PDF streams through the API: 77 pages, first and last pages scan', async () => {
    const many = await seedItems(orgId, 5000, 'bulk');
    const r = await labelsPdf(orgId, viewer.idToken, { assetIds: many, template: 'avery-l7651' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(await pageCount(r.file!), 77);
    const t = BUILT_IN_TEMPLATES.find((x) => x.id === 'avery-l7651')!;
    const urls = await scanUrls(orgId, [...many.slice(0, 65), ...many.slice(76 * 65)]);
    const expected = [
      ...urls.slice(0, 65).map((text, slot) => ({ page: 0, slot, text, lines: [] })),
      ...urls.slice(65).map((text, slot) => ({ page: 76, slot, text, lines: [] })),
    ];
    // checkLabels indexes labels from 0 for the layout; both pages have the same grid.
    const ec = r.headers.get('x-error-correction') as 'H';
    const pages = new Map<number, Gray>([
      [0, await renderPage(r.file!, 1, DPI)],
      [76, await renderPage(r.file!, 77, DPI)],
    ]);
    const decoded = await decodeAll(
      expected.map((e) => crop(pages.get(e.page)!, gridCell(t, e.slot))),
    );
    expected.forEach((e, i) =>
      assert.deepEqual(decoded[i], [e.text], `label on page ${e.page + 1}, slot ${e.slot}`),
    );
    assert.match(ec, /^[LMQH]$/);
    console.log(`      5 000 labels: ${(fs.statSync(r.file!).size / 1e6).toFixed(2)} MB PDF`);
  });
});
