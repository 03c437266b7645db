// Unit tests of the equipment CSV reader and writer (functions/src/domain/csv): every
// spreadsheet dialect, every bad input, line numbers, limits, and export -> import round trips.
import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import {
  CsvFileError,
  CsvLimitError,
  decodeWindows1252,
  equipmentCsvHeader,
  equipmentCsvLines,
  equipmentCsvRow,
  neutraliseFormula,
  readEquipmentCsv,
  undoFormulaNeutralisation,
  type CsvEvent,
  type CsvHeaderEvent,
  type CsvLimits,
  type EquipmentCsvItem,
} from '../src/domain/csv';
import { CATEGORIES } from '../src/domain/equipment';

const LIMITS: CsvLimits = { maxRows: 50_000, maxBytes: 20 * 1024 * 1024 };

interface Result {
  header: CsvHeaderEvent;
  rows: Extract<CsvEvent, { kind: 'row' }>[];
  invalid: Extract<CsvEvent, { kind: 'invalid' }>[];
  lines: number[];
}

/** The file split into chunks of `chunkSize` bytes (all of it in one when omitted). */
function chunked(bytes: Buffer, chunkSize = bytes.length): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += Math.max(1, chunkSize)) {
    chunks.push(bytes.subarray(at, at + Math.max(1, chunkSize)));
  }
  return chunks;
}

async function read(
  file: string | Buffer,
  options: { chunkSize?: number; limits?: CsvLimits } = {},
): Promise<Result> {
  const bytes = typeof file === 'string' ? Buffer.from(file, 'utf8') : file;
  const events: CsvEvent[] = [];
  for await (const event of readEquipmentCsv(
    Readable.from(chunked(bytes, options.chunkSize)),
    options.limits ?? LIMITS,
  )) {
    events.push(event);
  }
  const header = events[0];
  assert.ok(header && header.kind === 'header', 'the first event is the header');
  const rows = events.filter((e): e is Result['rows'][number] => e.kind === 'row');
  const invalid = events.filter((e): e is Result['invalid'][number] => e.kind === 'invalid');
  const lines = events.slice(1).map((e) => (e.kind === 'header' ? -1 : e.line));
  return { header, rows, invalid, lines };
}

async function readError(file: string | Buffer, limits?: CsvLimits): Promise<Error> {
  try {
    await read(file, { limits });
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('expected the file to be refused');
}

describe('domain/csv readEquipmentCsv: dialects', () => {
  const expected = [
    { name: 'Sony A7 III', category: 'CAMERA', serialNumber: 'S1', brand: 'Sony' },
    { name: 'Rode NTG', category: 'AUDIO', serialNumber: 'S2', brand: 'Rode' },
  ];

  for (const [label, delimiter] of [
    ['comma', ','],
    ['semicolon', ';'],
    ['tab', '\t'],
  ] as const) {
    it(`reads a ${label}-delimited file and detects the delimiter from the header`, async () => {
      const file = [
        ['Name', 'Category', 'Serial Number', 'brand'],
        ['Sony A7 III', 'camera', 'S1', 'Sony'],
        ['Rode NTG', 'Audio', 'S2', 'Rode'],
      ]
        .map((cells) => cells.join(delimiter))
        .join('\n');
      const { header, rows, invalid, lines } = await read(file);
      assert.equal(header.delimiter, delimiter);
      assert.deepEqual(invalid, []);
      assert.deepEqual(
        rows.map((r) => r.fields),
        expected,
      );
      assert.deepEqual(lines, [2, 3]);
    });
  }

  it("follows Excel's sep= line and keeps physical line numbers", async () => {
    // The header has more semicolons than commas; the sep line says comma.
    const file = '\r\nSEP=,\r\nname,category,notes\r\nA;1,camera,x;y;z\r\n';
    const { header, rows } = await read(file);
    assert.equal(header.delimiter, ',');
    assert.equal(header.line, 3);
    assert.deepEqual(rows[0], {
      kind: 'row',
      mode: 'create',
      line: 4,
      fields: { name: 'A;1', category: 'CAMERA', notes: 'x;y;z' },
    });
    const tab = await read('sep=\t\nname\tcategory\nB\tlens\n');
    assert.equal(tab.header.delimiter, '\t');
    assert.equal(tab.rows[0].line, 3);
  });

  it('matches header names ignoring case, spaces, underscores and hyphens', async () => {
    const file =
      'NAME,category,serial_number,BRAND,Model,LOCATION,Notes,image-url,Asset ID\n' +
      'Lens,lens,S,Canon,RF 50,Studio,n,https://example.com/i.png,\n';
    const { rows, header } = await read(file);
    assert.deepEqual(header.ignoredColumns, []);
    assert.deepEqual(rows[0].fields, {
      name: 'Lens',
      category: 'LENS',
      serialNumber: 'S',
      brand: 'Canon',
      model: 'RF 50',
      location: 'Studio',
      notes: 'n',
      imageUrl: 'https://example.com/i.png',
    });
  });

  it('reads UTF-8 with a BOM', async () => {
    const file = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('name,category\nKäse-Kamera 📷,camera\n', 'utf8'),
    ]);
    const { rows } = await read(file);
    assert.equal(rows[0].fields.name, 'Käse-Kamera 📷');
  });

  it('reads UTF-8 without a BOM, a multi-byte character split across chunks', async () => {
    const file = Buffer.from('name,category\nÜberkopf „Stativ“ €,tripod\n', 'utf8');
    for (const chunkSize of [1, 2, 5, file.length]) {
      const { rows } = await read(file, { chunkSize });
      assert.equal(rows[0].fields.name, 'Überkopf „Stativ“ €', `chunks of ${chunkSize}`);
    }
  });

  it('reads Windows-1252: €, ä, smart quotes and dashes (which Latin-1 has not)', async () => {
    // "Kamera für 1.200 €", “Studio” – Zubehör, „Notiz“ … in Windows-1252 bytes.
    const file = Buffer.concat([
      Buffer.from('name;category;notes\r\n', 'latin1'),
      Buffer.from([
        ...Buffer.from('Kamera f', 'latin1'),
        0xfc,
        ...Buffer.from('r 1.200 ', 'latin1'),
        0x80,
        0x3b,
        ...Buffer.from('camera;', 'latin1'),
        0x93,
        ...Buffer.from('Studio', 'latin1'),
        0x94,
        0x20,
        0x96,
        ...Buffer.from(' Zubeh', 'latin1'),
        0xf6,
        0x72,
        0x20,
        0x84,
        ...Buffer.from('Notiz', 'latin1'),
        0x93,
        0x20,
        0x85,
        0x0d,
        0x0a,
      ]),
    ]);
    const { rows, invalid } = await read(file);
    assert.deepEqual(invalid, []);
    assert.deepEqual(rows[0].fields, {
      name: 'Kamera für 1.200 €',
      category: 'CAMERA',
      notes: '“Studio” – Zubehör „Notiz“ …',
    });
  });

  it('reads Latin-1 (ISO-8859-1) text', async () => {
    const file = Buffer.from(
      'name,category,brand\nObjectif grand-angle é ß ñ,lens,Señor Øre\n',
      'latin1',
    );
    const { rows } = await read(file);
    assert.deepEqual(rows[0].fields, {
      name: 'Objectif grand-angle é ß ñ',
      category: 'LENS',
      brand: 'Señor Øre',
    });
  });

  it('recognises Windows-1252 whose first non-ASCII byte comes after 64 KiB of ASCII', async () => {
    const ascii = Array.from({ length: 5000 }, (_, i) => `Plain item ${i},other\n`).join('');
    assert.ok(ascii.length > 64 * 1024);
    const file = Buffer.concat([
      Buffer.from(`name,category\n${ascii}`, 'latin1'),
      Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x2c, 0x6c, 0x65, 0x6e, 0x73, 0x0a]), // Café €,lens
    ]);
    const { rows, invalid } = await read(file, { chunkSize: 4096 });
    assert.deepEqual(invalid, []);
    assert.equal(rows.length, 5001);
    assert.equal(rows[5000].fields.name, 'Café €');
    assert.equal(rows[5000].line, 5002);
  });

  it('reports cells with invalid UTF-8 in a file judged UTF-8, and keeps the other rows', async () => {
    const utf8Start = Array.from({ length: 4000 }, (_, i) => `Objektiv Nr. ${i} ä,lens\n`).join('');
    assert.ok(Buffer.byteLength(utf8Start) > 64 * 1024);
    const file = Buffer.concat([
      Buffer.from(`name,category\n${utf8Start}`, 'utf8'),
      Buffer.from([0x42, 0x61, 0x64, 0xe4, 0x2c, 0x6c, 0x65, 0x6e, 0x73, 0x0a]), // Bad<E4>,lens
      Buffer.from('Fine ö,lens\n', 'utf8'),
    ]);
    const { rows, invalid } = await read(file, { chunkSize: 10_000 });
    assert.equal(rows.length, 4001);
    assert.equal(invalid.length, 1);
    assert.equal(invalid[0].line, 4002);
    assert.match(invalid[0].errors.join(' '), /name: contains bytes that are not valid UTF-8/);
    assert.equal(rows[4000].fields.name, 'Fine ö');
  });

  it('decodes all of Windows-1252 0x80-0x9F as the WHATWG table says', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
    const text = decodeWindows1252(bytes);
    assert.equal(text.length, 32);
    assert.equal(text[0], '€');
    assert.equal(text[0x92 - 0x80], '’');
    assert.equal(text[0x9f - 0x80], 'Ÿ');
    assert.equal(text.charCodeAt(0x81 - 0x80), 0x81); // undefined byte: its C1 control
  });

  it('reads CRLF, LF, CR and a mix of them, each line on its own', async () => {
    const file = 'name,category\r\nA,camera\nB,lens\r\nC,audio\rD,other\r\n';
    const { rows, lines } = await read(file);
    assert.deepEqual(
      rows.map((r) => r.fields.name),
      ['A', 'B', 'C', 'D'],
    );
    assert.deepEqual(lines, [2, 3, 4, 5]);
  });

  it('reads quoted cells holding delimiters, doubled quotes and line breaks', async () => {
    const file =
      'name,category,notes\r\n' +
      '"Lens, 50mm",lens,"He said ""sharp"""\r\n' +
      '"Multi\r\nline\r\nname",camera,"a\nb"\r\n' +
      'Monitor 12" wide,computer,plain\r\n';
    const { rows, lines } = await read(file);
    assert.deepEqual(
      rows.map((r) => [r.fields.name, r.fields.notes]),
      [
        ['Lens, 50mm', 'He said "sharp"'],
        ['Multi\r\nline\r\nname', 'a\nb'],
        ['Monitor 12" wide', 'plain'],
      ],
    );
    assert.deepEqual(lines, [2, 3, 7]);
  });

  it('ignores blank lines and rows of empty cells, and counts them in line numbers', async () => {
    const file = '\n\nname,category\n\nA,camera\n\r\n,,\n  ,\t\n\nB,lens\n\n';
    const { header, rows, lines } = await read(file);
    assert.equal(header.line, 3);
    assert.deepEqual(
      rows.map((r) => r.fields.name),
      ['A', 'B'],
    );
    assert.deepEqual(lines, [5, 10]);
  });

  it('gives physical start lines for any chunking and any mix of line breaks', async () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    const breaks = ['\n', '\r\n', '\r\n'];
    let file = 'name,category,notes\r\n';
    let line = 2;
    const expected: number[] = [];
    for (let i = 0; i < 400; i++) {
      for (let blank = random(3); blank > 0; blank--) {
        file += breaks[random(3)];
        line++;
      }
      expected.push(line);
      const inside = random(3);
      let notes = `n${i}`;
      for (let k = 0; k < inside; k++) notes += `${breaks[random(3)]}more`;
      line += inside;
      file += `Item ${i},${CATEGORIES[i % CATEGORIES.length]},${inside ? `"${notes}"` : notes}`;
      file += i === 399 ? '' : breaks[random(3)];
      line++;
    }
    for (const chunkSize of [1, 2, 3, 7, 64, 1000, undefined]) {
      const { lines, rows } = await read(file, { chunkSize });
      assert.equal(rows.length, 400);
      assert.deepEqual(lines, expected, `chunks of ${chunkSize ?? 'all'}`);
    }
  });

  it('accepts a Readable stream and a plain async iterable of Uint8Array', async () => {
    async function* parts(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(Buffer.from('name,cate'));
      yield new Uint8Array(Buffer.from('gory\nA,camera\n'));
    }
    const events: CsvEvent[] = [];
    for await (const event of readEquipmentCsv(parts(), LIMITS)) events.push(event);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['header', 'row'],
    );
  });
});

/** Waits until `check` holds, polling, or fails after `ms`. */
async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail('condition not reached before the deadline');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('domain/csv readEquipmentCsv: releasing the source', () => {
  function manyChunks(): Readable {
    const chunks = [Buffer.from('name,category\n')];
    for (let i = 0; i < 1000; i++) chunks.push(Buffer.from(`Item ${i},camera\n`.repeat(100)));
    return Readable.from(chunks);
  }

  it('a consumer that stops early ends the source stream', async () => {
    const source = manyChunks();
    for await (const event of readEquipmentCsv(source, LIMITS)) {
      if (event.kind === 'row') break;
    }
    await eventually(() => source.destroyed);
  });

  it('a file refused at its start ends the source stream', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]);
    // Longer than what is examined at the start, so the source is not at its end yet.
    const source = Readable.from([png, ...Array.from({ length: 50 }, () => Buffer.alloc(10_000))]);
    await assert.rejects(async () => {
      for await (const event of readEquipmentCsv(source, LIMITS)) void event;
    }, CsvFileError);
    await eventually(() => source.destroyed);
  });

  it('a row limit error ends the source stream', async () => {
    const source = manyChunks();
    await assert.rejects(async () => {
      for await (const event of readEquipmentCsv(source, { maxRows: 10, maxBytes: 1e9 }))
        void event;
    }, CsvLimitError);
    await eventually(() => source.destroyed);
  });
});

describe('domain/csv readEquipmentCsv: bad input', () => {
  it('refuses an empty file, a BOM alone and blank lines alone', async () => {
    for (const file of [
      Buffer.alloc(0),
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('\r\n\n  \n'),
    ]) {
      const error = await readError(file);
      assert.ok(error instanceof CsvFileError);
      assert.equal(error.problem, 'empty');
    }
  });

  it('refuses binary files: PNG, ZIP (xlsx), UTF-16', async () => {
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489',
      'hex',
    );
    const zip = Buffer.from('504b0304140000000800', 'hex');
    const utf16 = Buffer.from('\ufeffname,category\n', 'utf16le');
    for (const [file, pattern] of [
      [png, /not text/],
      [zip, /ZIP archive/],
      [utf16, /UTF-16/],
    ] as const) {
      const error = await readError(file);
      assert.ok(error instanceof CsvFileError);
      assert.equal(error.problem, 'not_text');
      assert.match(error.message, pattern);
    }
  });

  it('refuses a header without a required column, naming required and optional columns', async () => {
    const error = await readError('Name,Serial Number\nA,1\n');
    assert.ok(error instanceof CsvFileError);
    assert.equal(error.problem, 'missing_columns');
    assert.match(error.message, /lacks the column category/);
    assert.match(error.message, /required columns: name, category/);
    assert.match(
      error.message,
      /optional columns: serialNumber, brand, model, location, notes, imageUrl, assetId/,
    );
    assert.deepEqual(error.details?.missing, ['category']);
  });

  it('refuses a header that names a column twice', async () => {
    const error = await readError('name,category,Serial Number,serial_number\n');
    assert.ok(error instanceof CsvFileError);
    assert.equal(error.problem, 'duplicate_columns');
    assert.match(error.message, /"Serial Number" and "serial_number" are both serialNumber/);
  });

  it('reports unknown columns once, ignores them, and is silent about scanUrl and qrCodeUrl', async () => {
    const file =
      'name,Colour,category,Purchase Date,,scanUrl,QR Code URL\nA,red,camera,2024,x,u,v\nB,blue,lens,2023,,,\n';
    const { header, rows } = await read(file);
    assert.deepEqual(header.ignoredColumns, ['Colour', 'Purchase Date', '(column 5, no name)']);
    assert.deepEqual(header.columns, ['name', 'category']);
    assert.deepEqual(rows[0].fields, { name: 'A', category: 'CAMERA' });
    assert.equal(rows.length, 2);
  });

  it('reports a row with more cells than the header; fewer cells are empty cells', async () => {
    const file = 'name,category,brand\nA,camera,Sony,extra\nB,lens\nC,audio,Rode,,\n';
    const { rows, invalid } = await read(file);
    assert.deepEqual(invalid, [
      { kind: 'invalid', line: 2, errors: ['the row has 4 cells but the header has 3 columns'] },
    ]);
    assert.deepEqual(
      rows.map((r) => r.fields),
      [
        { name: 'B', category: 'LENS' },
        { name: 'C', category: 'AUDIO', brand: 'Rode' },
      ],
    );
  });

  it('reports each invalid row with every reason and its line, and keeps the valid ones', async () => {
    const file = [
      'name,category,serialNumber,imageUrl,assetId',
      `${'n'.repeat(201)},camera,,,`,
      `Ok,spaceship,${'s'.repeat(101)},ftp://x/y,`,
      ',,S,,',
      'Good,lens,,,',
      'Id,lens,,,bad/id',
    ].join('\n');
    const { rows, invalid } = await read(file);
    assert.deepEqual(
      rows.map((r) => r.line),
      [5],
    );
    assert.deepEqual(
      invalid.map((r) => r.line),
      [2, 3, 4, 6],
    );
    assert.deepEqual(invalid[0].errors, ['name: must be at most 200 characters (got 201)']);
    assert.equal(invalid[1].errors.length, 3);
    assert.match(invalid[1].errors.join('\n'), /^category: must be one of CAMERA/m);
    assert.match(invalid[1].errors.join('\n'), /^serialNumber: must be at most 100/m);
    assert.match(invalid[1].errors.join('\n'), /^imageUrl: must be an http or https URL/m);
    assert.deepEqual(invalid[2].errors, ['name: is required', 'category: is required']);
    assert.deepEqual(invalid[3].errors, ['assetId: must be 1 to 128 letters, digits, "_" or "-"']);
  });

  it('reports a quoted cell that is never closed, after yielding the rows before it', async () => {
    const file = 'name,category\nA,camera\n\n"Broken,lens\nB,lens\nC,lens\n';
    const { rows, invalid } = await read(file);
    assert.deepEqual(
      rows.map((r) => r.fields.name),
      ['A'],
    );
    assert.equal(invalid.length, 1);
    assert.equal(invalid[0].line, 4);
    assert.match(invalid[0].errors[0], /never closed/);
  });

  it('stops at a runaway quoted cell (over 1 MiB) instead of buffering the rest of the file', async () => {
    const after = 'Item,camera\n'.repeat(200_000); // 2.4 MB that the open quote swallows
    const file = `name,category\nA,camera\n"Runaway,lens\n${after}`;
    const { rows, invalid } = await read(file, { chunkSize: 64 * 1024 });
    assert.deepEqual(
      rows.map((r) => r.fields.name),
      ['A'],
    );
    assert.equal(invalid.length, 1);
    assert.equal(invalid[0].line, 3);
    assert.match(invalid[0].errors[0], /never closed/);
  });

  it('refuses a file whose header line opens a quote that is never closed', async () => {
    const error = await readError('"name,category\nA,camera\n');
    assert.ok(error instanceof CsvFileError);
    assert.equal(error.problem, 'unreadable_header');
    assert.match(error.message, /required columns: name, category/);
  });

  it('throws a limit error with the limit above maxRows data rows (blank rows not counted)', async () => {
    const file = 'name,category\nA,camera\n\n,\nB,lens\nC,lens\n';
    const ok = await read(file, { limits: { maxRows: 3, maxBytes: 1000 } });
    assert.equal(ok.rows.length, 3);
    const error = await readError(file, { maxRows: 2, maxBytes: 1000 });
    assert.ok(error instanceof CsvLimitError);
    assert.equal(error.limit, 'rows');
    assert.equal(error.max, 2);
  });

  it('throws a limit error with the limit above maxBytes, counting the bytes as uploaded', async () => {
    const file = Buffer.from('\ufeffname,category\nA,camera\n', 'utf8');
    const ok = await read(file, { limits: { maxRows: 10, maxBytes: file.length } });
    assert.equal(ok.rows.length, 1);
    const error = await readError(file, { maxRows: 10, maxBytes: file.length - 1 });
    assert.ok(error instanceof CsvLimitError);
    assert.equal(error.limit, 'bytes');
    assert.equal(error.max, file.length - 1);
    assert.match(error.message, new RegExp(`larger than ${file.length - 1} bytes`));
  });

  it('stops a large upload at the byte limit without reading the rest', async () => {
    let produced = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      yield Buffer.from('name,category\n');
      for (;;) {
        produced++;
        yield Buffer.from('Item,camera\n'.repeat(1000));
      }
    }
    await assert.rejects(
      async () => {
        for await (const event of readEquipmentCsv(endless(), {
          maxRows: 1e9,
          maxBytes: 200_000,
        })) {
          void event;
        }
      },
      (error: unknown) => error instanceof CsvLimitError && error.limit === 'bytes',
    );
    // 200 000 bytes are 17 chunks of 12 000; the reader may be a few chunks ahead, not more.
    assert.ok(produced < 30, `read ${produced} chunks`);
  });
});

describe('domain/csv formulas and upserts', () => {
  it('stores formula-like cells exactly as written', async () => {
    const file = 'name,category,notes,brand,model\n=SUM(A1),camera,@cmd,+1,-5\n';
    const { rows } = await read(file);
    assert.deepEqual(rows[0].fields, {
      name: '=SUM(A1)',
      category: 'CAMERA',
      notes: '@cmd',
      brand: '+1',
      model: '-5',
    });
  });

  it('neutralises exactly the trigger cells and undoes exactly that', () => {
    const cases: [string, string][] = [
      ['=SUM(A1)', "'=SUM(A1)"],
      ['+1', "'+1"],
      ['-5', "'-5"],
      ['@x', "'@x"],
      ['\tTab', "'\tTab"],
      ['\rCR', "'\rCR"],
      ["'=x", "''=x"],
      ["''+1", "'''+1"],
      ["'quoted", "'quoted"],
      ["'", "'"],
      ['plain', 'plain'],
      ['a=b', 'a=b'],
      ['', ''],
    ];
    for (const [value, exported] of cases) {
      assert.equal(neutraliseFormula(value), exported, `export of ${JSON.stringify(value)}`);
      assert.equal(
        undoFormulaNeutralisation(exported),
        value,
        `import of ${JSON.stringify(exported)}`,
      );
    }
  });

  it('a row with an assetId is an upsert: empty cells of present columns clear the field', async () => {
    const file = 'assetId,name,category,brand,notes\nCAMERA_abc12345, A7 ,camera,,\n';
    const { rows } = await read(file);
    assert.deepEqual(rows, [
      {
        kind: 'row',
        mode: 'upsert',
        line: 2,
        assetId: 'CAMERA_abc12345',
        fields: { name: 'A7', category: 'CAMERA', brand: null, notes: null },
      },
    ]);
  });

  it('an upsert row still needs a name and a category', async () => {
    const { invalid } = await read('assetId,name,category\nX_1,,\n');
    assert.deepEqual(invalid[0].errors, ['name: cannot be empty', 'category: cannot be empty']);
  });
});

describe('domain/csv export', () => {
  const tricky: EquipmentCsvItem[] = [
    { assetId: 'OTHER_f1', name: '=SUM(A1)', category: 'OTHER', brand: '+1', model: '-5' },
    { assetId: 'OTHER_f2', name: '@x', category: 'OTHER', notes: "'quoted" },
    { assetId: 'OTHER_f3', name: "'=already quoted", category: 'OTHER', notes: "''+2" },
    { assetId: 'OTHER_f4', name: 'Line\nbreak', category: 'OTHER', notes: '  a\r\nb  \n' },
    {
      assetId: 'OTHER_f5',
      name: 'semi;colon, comma "quote"',
      category: 'OTHER',
      location: 'Shelf; 3',
    },
    {
      assetId: 'OTHER_f6',
      name: 'Ünïcödé 📷 € “x”',
      category: 'OTHER',
      notes: '\tstarts with tab',
    },
    {
      assetId: 'CAMERA_f7',
      name: 'Full',
      category: 'CAMERA',
      serialNumber: 'SN 1',
      brand: 'Sony',
      model: 'A7',
      location: 'Studio',
      notes: 'n',
      imageUrl: 'https://example.com/a.jpg',
      scanUrl: 'https://qr.example.com/s/abc',
      qrCodeUrl: 'https://storage.example.com/qr.png?token=1',
    },
  ];

  it('writes the header with a BOM and the columns of the upload plus assetId, scanUrl, qrCodeUrl', () => {
    assert.equal(
      equipmentCsvHeader(),
      '\ufeffname,category,serialNumber,brand,model,location,notes,imageUrl,assetId,scanUrl,qrCodeUrl\r\n',
    );
  });

  it('quotes and neutralises cells', () => {
    assert.equal(
      equipmentCsvRow({ assetId: 'A_1', name: '=1+1', category: 'OTHER', notes: 'say "hi", ok' }),
      `'=1+1,OTHER,,,,,"say ""hi"", ok",,A_1,,\r\n`,
    );
  });

  it('export then import gives back every value unchanged', async () => {
    const pieces: string[] = [];
    for await (const piece of equipmentCsvLines(tricky)) pieces.push(piece);
    const file = Buffer.from(pieces.join(''), 'utf8');
    for (const chunkSize of [1, 7, undefined]) {
      const { header, rows, invalid } = await read(file, { chunkSize });
      assert.deepEqual(header.ignoredColumns, []);
      assert.deepEqual(invalid, []);
      assert.equal(rows.length, tricky.length);
      rows.forEach((row, index) => {
        const item = tricky[index];
        assert.equal(row.mode, 'upsert');
        assert.equal(row.mode === 'upsert' ? row.assetId : '', item.assetId);
        for (const field of [
          'name',
          'serialNumber',
          'brand',
          'model',
          'location',
          'notes',
          'imageUrl',
        ] as const) {
          assert.equal(
            row.fields[field] ?? undefined,
            item[field] ?? undefined,
            `${item.assetId}.${field}`,
          );
        }
        assert.equal(row.fields.category, item.category);
      });
    }
  });
});

describe('domain/csv sizes', () => {
  it('reads a 137-item upload like the seed system got', async () => {
    const lines = ['Name,Category,Serial Number,Brand,Model,Location,Notes'];
    for (let i = 1; i <= 137; i++) {
      const category = CATEGORIES[i % CATEGORIES.length];
      lines.push(
        `Item ${i},${category.toLowerCase()},SN-${1000 + i},Brand ${i % 7},M${i},Room ${i % 5},"Note, ${i}"`,
      );
    }
    const { rows, invalid } = await read(`${lines.join('\r\n')}\r\n`);
    assert.deepEqual(invalid, []);
    assert.equal(rows.length, 137);
    assert.deepEqual(rows[136].fields, {
      name: 'Item 137',
      category: CATEGORIES[137 % CATEGORIES.length],
      serialNumber: 'SN-1137',
      brand: 'Brand 4',
      model: 'M137',
      location: 'Room 2',
      notes: 'Note, 137',
    });
    assert.equal(rows[136].line, 138);
  });

  it('streams 50 000 rows generated on the fly, row by row', async () => {
    const total = 50_000;
    async function* generated(): AsyncGenerator<Buffer> {
      yield Buffer.from('name,category,serialNumber,notes\n');
      for (let i = 0; i < total; i += 500) {
        let text = '';
        for (let k = i; k < i + 500; k++)
          text += `Item ${k},camera,SN${k},"notes for, item ${k}"\n`;
        yield Buffer.from(text);
      }
    }
    let rows = 0;
    let lastLine = 0;
    for await (const event of readEquipmentCsv(generated(), LIMITS)) {
      if (event.kind === 'row') {
        rows++;
        lastLine = event.line;
      }
      assert.notEqual(event.kind, 'invalid');
    }
    assert.equal(rows, total);
    assert.equal(lastLine, total + 1);
  });
});
