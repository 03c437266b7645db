// The pure parts of labels and tags: Crockford check symbols, the layout model (text fits, QR
// modules at least 0.35 mm), custom-template validation, where an unassigned tag's scan goes,
// and the PDF writer's streaming (a slow reader holds it back; memory stays flat).
import { strict as assert } from 'node:assert';
import { fitQr, MIN_MODULE_MM, SAFE_MARGIN_MM } from '../src/domain/labels/layout';
import { layoutAt, moduleRects, writeLabelsPdf, type LabelContent } from '../src/domain/labels/pdf';
import { runsOf } from '../src/domain/labels/fonts';
import { notoMeasure } from '../src/domain/labels/pdf';
import { buildMatrix } from '../src/domain/qr/matrix';
import { validateLabelRequest } from '../src/domain/labels/request';
import { BUILT_IN_TEMPLATES, builtInTemplate, labelsPerPage } from '../src/domain/labels/templates';
import {
  checkSymbol,
  codeKey,
  formatTagCode,
  newTagCode,
  parseTagCode,
} from '../src/domain/tagCodes';
import { unassignedTagUrl, validateImport } from '../src/domain/tags';

const URL_SAMPLE = 'https://assets.example.com/s/AbCdEfGhIjKlMnOpQrStUv';

describe('tag codes (Crockford base32 with a mod-37 check symbol)', () => {
  it('computes check symbols by the spec: value mod 37 in the 37-symbol alphabet', () => {
    // 0 → 0; "1" is 1; "10" is 32 → 32 mod 37 = 32 → "*"; "11" is 33 → "~"; "14" is 36 → "U".
    assert.equal(checkSymbol('0'), '0');
    assert.equal(checkSymbol('1'), '1');
    assert.equal(checkSymbol('10'), '*');
    assert.equal(checkSymbol('11'), '~');
    assert.equal(checkSymbol('12'), '$');
    assert.equal(checkSymbol('13'), '=');
    assert.equal(checkSymbol('14'), 'U');
    assert.equal(checkSymbol('15'), '0'); // 37 mod 37
    // A big number, checked against BigInt arithmetic on its base-32 value.
    const data = 'ZZZZZZZZ';
    const value = BigInt(32) ** 8n - 1n;
    assert.equal(checkSymbol(data), '0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U'[Number(value % 37n)]);
  });

  it('new codes are 9 symbols with a valid, ordinary check symbol; typing variants parse', () => {
    for (let i = 0; i < 2000; i++) {
      const code = newTagCode();
      assert.match(code, /^[0-9A-HJKMNP-TV-Z]{9}$/);
      assert.equal(parseTagCode(code), code);
      assert.equal(checkSymbol(code.slice(0, 8)), code[8]);
    }
    const code = newTagCode();
    const typed = formatTagCode(code).toLowerCase().replace(/0/g, 'o').replace(/1/g, 'l');
    assert.equal(parseTagCode(typed), code);
    assert.equal(codeKey(typed), code);
    // One wrong symbol is caught by the check.
    const wrong = (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
    assert.equal(parseTagCode(wrong), undefined);
    assert.match(codeKey('SN-123/ABC'), /^x[A-Za-z0-9_-]{43}$/);
  });
});

describe('label layout', () => {
  it('every built-in template fits the production-length URL with modules of at least 0.35 mm', () => {
    for (const t of BUILT_IN_TEMPLATES) {
      const fit = fitQr(t, URL_SAMPLE);
      assert.ok(fit, t.id);
      assert.ok(fit.moduleMm >= MIN_MODULE_MM, `${t.id}: ${fit.moduleMm}`);
    }
  });

  it('QR code and every text line stay inside the label with the safe margin', () => {
    const long = 'W'.repeat(120);
    for (const t of BUILT_IN_TEMPLATES) {
      const fit = fitQr(t, URL_SAMPLE)!;
      for (let i = 0; i < Math.min(labelsPerPage(t), 3); i++) {
        const { layout } = layoutAt(
          t,
          i,
          {
            qrText: URL_SAMPLE,
            lines: [long, 'asset-1', long].map((text) => ({ text, bold: false })),
          },
          { startPosition: 1, offsetMm: { x: 0, y: 0 }, qr: fit },
        );
        const b = layout.box;
        const q = layout.qr;
        const side = q.matrix.size * q.moduleMm;
        assert.ok(q.x >= b.x + SAFE_MARGIN_MM - 1e-9 && q.y >= b.y + SAFE_MARGIN_MM - 1e-9, t.id);
        assert.ok(q.x + side <= b.x + b.width - SAFE_MARGIN_MM + 1e-9, t.id);
        assert.ok(q.y + side <= b.y + b.height - SAFE_MARGIN_MM + 1e-9, t.id);
        assert.ok(layout.lines.length >= 1, `${t.id}: at least the first line is printed`);
        for (const line of layout.lines) {
          const heightMm = line.heightMm;
          assert.ok(
            line.x >= b.x + SAFE_MARGIN_MM - 1e-9,
            `${t.id}: ${line.text} starts left of the label`,
          );
          assert.ok(
            line.x + line.widthMm <= b.x + b.width - SAFE_MARGIN_MM + 1e-9,
            `${t.id}: "${line.text}" is too wide`,
          );
          assert.ok(
            line.y >= b.y + SAFE_MARGIN_MM - 1e-9 &&
              line.y + heightMm <= b.y + b.height - SAFE_MARGIN_MM + 1e-9,
            `${t.id}: line outside vertically`,
          );
          // Text never overlaps the symbol or its quiet zone.
          const quiet = 4 * q.moduleMm;
          const overlapsX = line.x < q.x + side + quiet && line.x + line.widthMm > q.x - quiet;
          const overlapsY = line.y < q.y + side + quiet && line.y + heightMm > q.y - quiet;
          assert.ok(!(overlapsX && overlapsY), `${t.id}: "${line.text}" overlaps the code`);
        }
        assert.ok(
          layout.lines.some((l) => l.text.endsWith('…')),
          `${t.id}: a long line ends with an ellipsis`,
        );
      }
    }
  });

  it('a long name wraps onto a second line at a space; codes stay whole where they can', () => {
    const t = builtInTemplate('avery-l7160')!;
    const fit = fitQr(t, URL_SAMPLE)!;
    const { layout } = layoutAt(
      t,
      0,
      {
        qrText: URL_SAMPLE,
        lines: [
          { text: 'Sennheiser MKE 600 shotgun microphone kit', bold: true },
          { text: 'AUDIO_44d0', bold: false, keepWhole: true },
        ],
      },
      { startPosition: 1, offsetMm: { x: 0, y: 0 }, qr: fit },
    );
    assert.deepEqual(
      layout.lines.map((l) => l.text),
      ['Sennheiser MKE', '600 shotgun micr…', 'AUDIO_44d0'],
    );
    // On tiny labels the other lines go first; the code stays.
    const tiny = builtInTemplate('brother-dk-11204')!;
    const small = layoutAt(
      tiny,
      0,
      {
        qrText: URL_SAMPLE,
        lines: [
          ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((text) => ({ text, bold: false })),
          { text: 'CODE-1', bold: false, keepWhole: true },
        ],
      },
      { startPosition: 1, offsetMm: { x: 0, y: 0 }, qr: fitQr(tiny, URL_SAMPLE)! },
    );
    assert.ok(small.layout.lines.length < 10, 'some lines were left out');
    assert.ok(small.layout.lines.some((l) => l.text === 'CODE-1'));
  });

  it('validates custom templates and lengths of continuous media', () => {
    const ok = validateLabelRequest({
      assetIds: ['a'],
      template: {
        page: { widthMm: 100, heightMm: 50 },
        columns: 2,
        rows: 1,
        labelWidthMm: 45,
        labelHeightMm: 30,
        marginLeftMm: 3,
        marginTopMm: 10,
        pitchXMm: 50,
      },
    });
    assert.ok(ok.ok);
    const bad = validateLabelRequest({
      assetIds: ['a'],
      template: {
        page: 'A5',
        columns: 0,
        rows: 1,
        labelWidthMm: 'x',
        marginLeftMm: -1,
        marginTopMm: 0,
        extra: 1,
      },
    });
    assert.ok(!bad.ok);
    const fields = bad.errors.map((e) => e.field).sort();
    assert.deepEqual(fields, [
      'template.columns',
      'template.extra',
      'template.labelHeightMm',
      'template.labelWidthMm',
      'template.marginLeftMm',
      'template.page',
    ]);
    const brother = validateLabelRequest({
      assetIds: ['a'],
      template: 'brother-62mm',
      lengthMm: 80,
    });
    assert.ok(
      brother.ok &&
        brother.value.template.labelWidthMm === 80 &&
        brother.value.template.page.widthMm === 80,
    );
    assert.ok(!validateLabelRequest({ assetIds: ['a'], template: 'avery-l7160', lengthMm: 80 }).ok);
    assert.ok(!validateLabelRequest({ assetIds: ['a'], template: 'brother-62mm', lengthMm: 5 }).ok);
    assert.ok(
      !validateLabelRequest({ assetIds: ['a'], template: 'avery-l7160', offsetMm: { x: 30 } }).ok,
    );
    assert.ok(!validateLabelRequest({ assetIds: ['a/b'], template: 'avery-l7160' }).ok);
    assert.ok(
      !validateLabelRequest({ assetIds: Array(5001).fill('a'), template: 'avery-l7160' }).ok,
    );
    assert.ok(
      !validateLabelRequest({
        assetIds: ['a'],
        template: 'avery-l7160',
        fields: ['name', 'colour'],
      }).ok,
    );
  });
});

describe('label fonts by script', () => {
  const cut = (text: string) => runsOf(text).map((r) => [r.script, r.text]);

  it('cuts a line into runs of one font each, spaces going with the script around them', () => {
    assert.deepEqual(cut('Camera 12'), [['latin', 'Camera 12']]);
    assert.deepEqual(cut('Ζ Ж é'), [['latin', 'Ζ Ж é']]);
    assert.deepEqual(cut('Caméra 日本 Москва'), [
      ['latin', 'Caméra '],
      ['cjk', '日本 '],
      ['latin', 'Москва'],
    ]);
    // Japanese punctuation is the Japanese font's; an ellipsis after Japanese stays with it.
    assert.deepEqual(cut('「日本」…'), [['cjk', '「日本」…']]);
  });

  it('Arabic: one right-to-left run per stretch, and a line starting in Arabic runs right to left', () => {
    // Words stay in one run so that they are shaped (and ordered) together.
    assert.deepEqual(
      runsOf('كاميرا القاهرة').map((r) => [r.script, r.text, r.rtl]),
      [['arabic', 'كاميرا القاهرة', true]],
    );
    // Digits and a trailing space are not part of the Arabic run: the runs are in drawing order,
    // right to left, so the number prints on the left as an Arabic reader expects.
    assert.deepEqual(cut('كاميرا 12'), [
      ['latin', ' 12'],
      ['arabic', 'كاميرا'],
    ]);
    // Latin first: left to right, the Arabic run after it.
    assert.deepEqual(cut('Cairo القاهرة'), [
      ['latin', 'Cairo '],
      ['arabic', 'القاهرة'],
    ]);
  });

  it('a character no font has prints as "?"; each line is as tall as its fonts', () => {
    assert.deepEqual(cut('카메라 A'), [['latin', '??? A']]);
    const latin = notoMeasure.extent('Camera', false);
    const cjk = notoMeasure.extent('日本 Camera', false);
    const arabic = notoMeasure.extent('كاميرا', true);
    assert.ok(latin.ascent + latin.descent < cjk.ascent + cjk.descent);
    assert.ok(cjk.ascent + cjk.descent < arabic.ascent + arabic.descent);
    // Widths add up over the runs, each measured in its own font.
    const whole = notoMeasure.width('Caméra 日本', true, 9);
    const parts = notoMeasure.width('Caméra ', true, 9) + notoMeasure.width('日本', true, 9);
    assert.ok(Math.abs(whole - parts) < 1e-9, `${whole} vs ${parts}`);
    assert.ok(notoMeasure.width('日本', true, 9) > 2 * 9 * 0.9, 'ideographs are about 1 em wide');
  });

  it('names in other scripts are shortened and wrapped by the same rules', () => {
    const t = builtInTemplate('avery-l7651')!;
    const fit = fitQr(t, URL_SAMPLE)!;
    for (const name of [
      '日本のカメラ本体と交換レンズのセット番号十二',
      'كاميرا القاهرة الجديدة مع العدسة الطويلة',
      'Камера Москва с длинным объективом',
    ]) {
      const { layout } = layoutAt(
        t,
        0,
        {
          qrText: URL_SAMPLE,
          lines: [
            { text: name, bold: true },
            { text: 'asset-1', bold: false, keepWhole: true },
          ],
        },
        { startPosition: 1, offsetMm: { x: 0, y: 0 }, qr: fit },
      );
      const b = layout.box;
      assert.ok(
        layout.lines.some((l) => l.text.endsWith('…')),
        `${name}: shortened with "…"`,
      );
      assert.ok(
        layout.lines.some((l) => l.text === 'asset-1'),
        `${name}: the code stays whole`,
      );
      for (const l of layout.lines) {
        assert.ok(l.x + l.widthMm <= b.x + b.width - SAFE_MARGIN_MM + 1e-9, `${l.text}: fits`);
        assert.ok(l.y + l.heightMm <= b.y + b.height - SAFE_MARGIN_MM + 1e-9, `${l.text}: fits`);
      }
    }
  });
});

describe('unassigned tag scans with an assetUrlTemplate', () => {
  it('go to the page the items live under, with the tag code, never to an empty asset id', () => {
    assert.equal(
      unassignedTagUrl('https://app.example.com/assets/{assetId}', '7KM-2XQ-9DA'),
      'https://app.example.com/assets/?tagCode=7KM-2XQ-9DA',
    );
    assert.equal(
      unassignedTagUrl('https://app.example.com/item?id={assetId}&x=1', 'ABC-DEF-GH1'),
      'https://app.example.com/item?x=1&tagCode=ABC-DEF-GH1',
    );
    assert.equal(
      unassignedTagUrl('https://app.example.com/#/assets/{assetId}', 'ABC-DEF-GH1'),
      'https://app.example.com/?tagCode=ABC-DEF-GH1#/assets/',
    );
    assert.equal(unassignedTagUrl('not a url {assetId}', 'ABC'), undefined);
  });
});

describe('import rows', () => {
  it('reports bad rows by index and keeps the good ones', () => {
    const r = validateImport({
      codes: [
        { code: 'SN-1' },
        { code: '' },
        { code: 'SN-2', assetId: 'a/b' },
        { code: 'SN-1' },
        { code: 'SN-3', assetId: 'cam-1' },
      ],
    });
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.rows.map((x) => x.code),
      ['SN-1', 'SN-3'],
    );
    assert.deepEqual(
      r.value.rejected.map((x) => x.index),
      [1, 2, 3],
    );
  });
});

describe('QR modules as rectangles', () => {
  it('cover exactly the dark modules, each once', () => {
    for (const level of ['L', 'H'] as const) {
      const matrix = buildMatrix(URL_SAMPLE, level);
      const covered = new Uint8Array(matrix.size * matrix.size);
      const rects = moduleRects(matrix);
      for (const [x, y, w, h] of rects) {
        for (let r = y; r < y + h; r++)
          for (let c = x; c < x + w; c++) covered[r * matrix.size + c]++;
      }
      assert.deepEqual([...covered], [...matrix.modules]);
      const dark = matrix.modules.reduce((sum, m) => sum + m, 0);
      assert.ok(rects.length < dark / 2, `${rects.length} rectangles for ${dark} dark modules`);
    }
  });
});

describe('PDF writer streaming', function () {
  this.timeout(120_000);
  it('5 000 labels: a slow reader holds the writer back, so memory stays flat', async () => {
    const t = builtInTemplate('avery-l7651')!;
    const fit = fitQr(t, URL_SAMPLE)!;
    function* labels(): Generator<LabelContent> {
      for (let i = 0; i < 5000; i++) {
        yield {
          qrText: `https://assets.example.com/s/${String(i).padStart(22, 'A')}`,
          lines: [
            { text: `Camera body number ${i} with a long name`, bold: true },
            { text: `asset-${i}`, bold: false },
          ],
        };
      }
    }
    // The reader takes bytes only when the writer waits for it: a writer that ignored `false`
    // from write() would pile the whole PDF up in `pending`.
    let pending = 0; // bytes handed to the sink and not yet consumed
    let maxPending = 0;
    let total = 0;
    let waits = 0;
    const LIMIT = 32 * 1024;
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const result = await writeLabelsPdf(
      t,
      labels(),
      {
        startPosition: 1,
        offsetMm: { x: 0, y: 0 },
        qr: fit,
        title: 't',
      },
      {
        write(chunk) {
          pending += chunk.length;
          total += chunk.length;
          maxPending = Math.max(maxPending, pending);
          rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
          return pending <= LIMIT;
        },
        drained() {
          if (pending <= LIMIT) return Promise.resolve();
          waits++;
          return new Promise((resolve) =>
            setTimeout(() => {
              pending = 0;
              resolve();
            }, 1),
          );
        },
        end() {},
      },
    );
    assert.equal(result.labels, 5000);
    assert.equal(result.pages, 77);
    assert.ok(waits > 10, `the writer waited for the reader (${waits} times)`);
    // Never more than the reader's limit plus about one page in flight, however long the PDF.
    assert.ok(maxPending < LIMIT + 256 * 1024, `at most ${maxPending} bytes were waiting`);
    assert.ok(total > 5 * maxPending, `the PDF (${total} bytes) is much larger than what waited`);
    console.log(
      `      5 000 labels: ${(total / 1e6).toFixed(2)} MB, at most ${(maxPending / 1e3).toFixed(0)} kB waiting, ` +
        `RSS ${(rssBefore / 1e6).toFixed(0)} → peak ${(rssPeak / 1e6).toFixed(0)} MB`,
    );
  });
});
