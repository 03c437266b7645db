// The QR renderer, checked by readers that share no code with it: pngjs parses every PNG (and
// checks its CRCs), resvg rasterises every SVG, and jsQR reads the pixels back to the text.
import { strict as assert } from 'node:assert';
import {
  QR_DEFAULTS,
  QrOptionError,
  QrTextEmptyError,
  QrTextTooLongError,
  parseQrOptions,
  qrCacheKey,
  renderPng,
  renderSvg,
  resolveQrOptions,
  type ErrorCorrection,
  type QrOptions,
} from '../src/domain/qr';
import { decode, onWhite, pngPixels, svgPixels, type Rgba } from './support/qrDecode';

const URL_TEXT = 'https://qr.example.com/s/AbCdEfGhIjKlMnOpQrStUv';
const UTF8_TEXT = 'Kamera Ä ö 日本 🎥';
const LEVELS: ErrorCorrection[] = ['L', 'M', 'Q', 'H'];

function pixel(image: Rgba, x: number, y: number): [number, number, number, number] {
  const i = (y * image.width + x) * 4;
  return [image.data[i], image.data[i + 1], image.data[i + 2], image.data[i + 3]];
}

/** The chunk types of a PNG in order, read straight from the bytes. */
function chunkTypes(png: Buffer): string[] {
  const types: string[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    types.push(png.toString('latin1', at + 4, at + 8));
    at += 12 + length;
  }
  return types;
}

function chunkData(png: Buffer, type: string): Buffer | undefined {
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === type)
      return png.subarray(at + 8, at + 8 + length);
    at += 12 + length;
  }
  return undefined;
}

function checkPngHeader(png: Buffer, size: number): void {
  const ihdr = chunkData(png, 'IHDR');
  assert.ok(ihdr);
  assert.equal(ihdr.readUInt32BE(0), size, 'width');
  assert.equal(ihdr.readUInt32BE(4), size, 'height');
  assert.equal(ihdr[8], 1, 'bit depth');
  assert.equal(ihdr[9], 3, 'colour type indexed');
  assert.equal(chunkData(png, 'PLTE')?.length, 6, 'two palette entries');
}

/** The dark pixels' bounding box: where the symbol is drawn. */
function darkBox(image: Rgba): { left: number; top: number; right: number; bottom: number } {
  const composited = onWhite(image);
  let [left, top, right, bottom] = [image.width, image.height, -1, -1];
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (composited[(y * image.width + x) * 4] < 128) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  return { left, top, right, bottom };
}

function roundTrip(text: string, options: Partial<QrOptions>): void {
  const size = options.size ?? QR_DEFAULTS.size;
  const png = renderPng(text, options);
  checkPngHeader(png, size);
  const fromPng = pngPixels(png);
  assert.equal(fromPng.width, size);
  assert.equal(fromPng.height, size);
  assert.equal(decode(fromPng).data, text, 'PNG decodes to the text');

  const svg = renderSvg(text, options);
  assert.match(svg, new RegExp(`^<svg [^>]*width="${size}" height="${size}"`));
  assert.equal((svg.match(/<path /g) ?? []).length, 1, 'one path');
  const fromSvg = svgPixels(svg);
  assert.equal(fromSvg.width, size);
  assert.equal(decode(fromSvg).data, text, 'SVG decodes to the text');
}

describe('QR renderer', () => {
  describe('round trip through independent readers', () => {
    // Versions from ISO/IEC 18004's capacity table for 30 bytes: the level really is applied.
    const thirtyBytes = 'https://example.com/abcdefghij';
    const expectedVersion: Record<ErrorCorrection, number> = { L: 2, M: 3, Q: 3, H: 4 };
    for (const level of LEVELS) {
      it(`error correction ${level}`, () => {
        assert.equal(thirtyBytes.length, 30);
        roundTrip(thirtyBytes, { errorCorrection: level });
        const png = pngPixels(renderPng(thirtyBytes, { errorCorrection: level }));
        assert.equal(decode(png).version, expectedVersion[level]);
        const svg = svgPixels(renderSvg(thirtyBytes, { errorCorrection: level }));
        assert.equal(decode(svg).version, expectedVersion[level]);
      });
    }

    for (const size of [100, 101, 333, 2000]) {
      it(`size ${size}: exactly that many pixels, whole-pixel modules, centred`, () => {
        roundTrip(URL_TEXT, { size });
        // URL_TEXT (46 bytes) at M is version 4: 33 modules, 41 with the default margin of 4.
        const scale = Math.floor(size / 41);
        const box = darkBox(pngPixels(renderPng(URL_TEXT, { size })));
        assert.equal(box.right - box.left + 1, 33 * scale, 'symbol width in whole modules');
        assert.equal(box.bottom - box.top + 1, 33 * scale, 'symbol height in whole modules');
        const [leftGap, rightGap] = [box.left, size - 1 - box.right];
        const [topGap, bottomGap] = [box.top, size - 1 - box.bottom];
        assert.ok(rightGap - leftGap === 0 || rightGap - leftGap === 1, `${leftGap} ${rightGap}`);
        assert.ok(bottomGap - topGap === 0 || bottomGap - topGap === 1, `${topGap} ${bottomGap}`);
        assert.ok(leftGap >= 4 * scale, 'the quiet zone is at least the margin');
      });
    }

    it('margin 0', () => {
      roundTrip(URL_TEXT, { margin: 0 });
      // 33 modules at 9 px each fill 297 of 300 px; the 3 left over go 1 before, 2 after.
      const box = darkBox(pngPixels(renderPng(URL_TEXT, { margin: 0 })));
      assert.deepEqual(box, { left: 1, top: 1, right: 297, bottom: 297 });
    });

    it('margin 16', () => {
      roundTrip(URL_TEXT, { margin: 16 });
      // 33 + 32 = 65 modules: 4 px each, 260 px, 40 px left over, 20 a side.
      const box = darkBox(pngPixels(renderPng(URL_TEXT, { margin: 16 })));
      assert.equal(box.left, 20 + 16 * 4);
      assert.equal(box.right, 300 - 1 - 20 - 16 * 4);
    });

    it('one pixel per module when the size allows no more', () => {
      // 1 character at M is version 1: 21 + 32 = 53 modules in 100 px, so 1 px each.
      roundTrip('x', { size: 100, margin: 16 });
      const box = darkBox(pngPixels(renderPng('x', { size: 100, margin: 16 })));
      assert.equal(box.right - box.left + 1, 21);
    });

    it('custom colours', () => {
      const options = { dark: '#1a237e', light: '#fff3c4' };
      roundTrip(URL_TEXT, options);
      const png = pngPixels(renderPng(URL_TEXT, options));
      assert.deepEqual(pixel(png, 0, 0), [0xff, 0xf3, 0xc4, 255], 'background');
      const box = darkBox(png);
      assert.deepEqual(pixel(png, box.left, box.top), [0x1a, 0x23, 0x7e, 255], 'finder pattern');
      const svg = renderSvg(URL_TEXT, options);
      assert.match(svg, /<rect [^>]*fill="#fff3c4"/);
      assert.match(svg, /<path [^>]*stroke="#1a237e"/);
      const svgImage = svgPixels(svg);
      assert.deepEqual(pixel(svgImage, 0, 0), [0xff, 0xf3, 0xc4, 255]);
    });

    it('transparent background', () => {
      const options = { light: 'transparent', dark: '#004d40' };
      roundTrip(URL_TEXT, options);
      const bytes = renderPng(URL_TEXT, options);
      assert.deepEqual(chunkTypes(bytes), ['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);
      assert.deepEqual([...(chunkData(bytes, 'tRNS') ?? [])], [0], 'entry 0 fully transparent');
      const png = pngPixels(bytes);
      assert.equal(pixel(png, 0, 0)[3], 0, 'background alpha');
      const box = darkBox(png);
      assert.deepEqual(pixel(png, box.left, box.top), [0x00, 0x4d, 0x40, 255]);

      const svg = renderSvg(URL_TEXT, options);
      assert.doesNotMatch(svg, /<rect/);
      assert.equal(pixel(svgPixels(svg), 0, 0)[3], 0, 'SVG background alpha');
    });

    it('an opaque PNG has no tRNS chunk', () => {
      assert.deepEqual(chunkTypes(renderPng(URL_TEXT)), ['IHDR', 'PLTE', 'IDAT', 'IEND']);
    });

    it('1 character', () => {
      roundTrip('A', {});
    });

    it('1000 characters', () => {
      const text = Array.from(
        { length: 1000 },
        (_, i) => 'abcdefghijklmnopqrstuvwxyz'[i % 26],
      ).join('');
      roundTrip(text, { size: 333 });
      roundTrip(text, { size: 600, errorCorrection: 'H' });
    });

    it('UTF-8 text', () => {
      roundTrip(UTF8_TEXT, {});
      roundTrip(UTF8_TEXT, { errorCorrection: 'H', size: 101 });
    });

    it('the longest text level H holds, at 2000 px', () => {
      const text = 'q'.repeat(1273);
      const png = pngPixels(renderPng(text, { errorCorrection: 'H', size: 2000 }));
      const result = decode(png);
      assert.equal(result.data, text);
      assert.equal(result.version, 40);
    });
  });

  describe('PNG validity', () => {
    it('a flipped byte in any chunk fails its CRC in an independent parser', () => {
      const png = renderPng(URL_TEXT, { light: 'transparent' });
      pngPixels(png);
      // Flip one byte inside the data of each chunk that has data, in turn.
      for (let at = 8; at < png.length;) {
        const length = png.readUInt32BE(at);
        const type = png.toString('latin1', at + 4, at + 8);
        if (length > 0) {
          const broken = Buffer.from(png);
          broken[at + 8] ^= 0x01;
          assert.throws(() => pngPixels(broken), /crc/i, `${type} corrupted`);
        }
        at += 12 + length;
      }
    });

    it('the same input gives the same bytes', () => {
      const a = renderPng(UTF8_TEXT, { size: 333, dark: '#123456' });
      const b = renderPng(UTF8_TEXT, { size: 333, dark: '#123456' });
      assert.ok(a.equals(b));
      assert.equal(renderSvg(UTF8_TEXT), renderSvg(UTF8_TEXT));
    });
  });

  describe('options', () => {
    it('defaults', () => {
      assert.deepEqual(parseQrOptions({}), {
        size: 300,
        errorCorrection: 'M',
        margin: 4,
        dark: '#000000',
        light: '#ffffff',
      });
      assert.deepEqual(resolveQrOptions(), parseQrOptions({}));
    });

    it('parses query-string values, colours with or without #, in either case', () => {
      assert.deepEqual(
        parseQrOptions({
          size: '2000',
          ecc: 'h',
          margin: '0',
          dark: 'A1B2C3',
          light: 'TRANSPARENT',
          format: 'svg',
        }),
        { size: 2000, errorCorrection: 'H', margin: 0, dark: '#a1b2c3', light: 'transparent' },
      );
      assert.deepEqual(parseQrOptions({ size: '100', margin: '16', dark: '#ABCDEF' }), {
        ...QR_DEFAULTS,
        size: 100,
        margin: 16,
        dark: '#abcdef',
      });
    });

    const invalid: Array<[Record<string, unknown>, string]> = [
      [{ size: '99' }, 'size'],
      [{ size: '2001' }, 'size'],
      [{ size: '300.5' }, 'size'],
      [{ size: '3e2' }, 'size'],
      [{ size: '300px' }, 'size'],
      [{ size: ' 300' }, 'size'],
      [{ size: '' }, 'size'],
      [{ size: '-300' }, 'size'],
      [{ size: ['300', '400'] }, 'size'],
      [{ ecc: 'X' }, 'ecc'],
      [{ ecc: 'LM' }, 'ecc'],
      [{ ecc: '' }, 'ecc'],
      [{ margin: '17' }, 'margin'],
      [{ margin: '-1' }, 'margin'],
      [{ margin: 'four' }, 'margin'],
      [{ dark: 'black' }, 'dark'],
      [{ dark: '#12345' }, 'dark'],
      [{ dark: '#1234567' }, 'dark'],
      [{ dark: '#gggggg' }, 'dark'],
      [{ dark: 'transparent' }, 'dark'],
      [{ light: 'white' }, 'light'],
      [{ light: '#fff' }, 'light'],
      [{ light: { a: '1' } }, 'light'],
      [{ dark: '#ffffff' }, 'dark'],
      [{ light: '000000' }, 'light'],
      [{ dark: '#ABCDEF', light: 'abcdef' }, 'light'],
      [{ dark: '#123456', light: '123456' }, 'light'],
    ];
    for (const [raw, field] of invalid) {
      it(`${JSON.stringify(raw)} is refused, naming ${field}`, () => {
        assert.throws(
          () => parseQrOptions(raw),
          (err: unknown) => {
            assert.ok(err instanceof QrOptionError, String(err));
            assert.equal(err.field, field);
            assert.match(err.message, new RegExp(`^${field} `));
            return true;
          },
        );
      });
    }

    it('the messages say what is allowed', () => {
      const message = (raw: Record<string, unknown>) => {
        try {
          parseQrOptions(raw);
        } catch (err) {
          if (err instanceof QrOptionError) return err.message;
        }
        assert.fail('no QrOptionError');
      };
      assert.match(message({ size: '50' }), /from 100 to 2000/);
      assert.match(message({ ecc: 'X' }), /L, M, Q or H/);
      assert.match(message({ margin: '20' }), /from 0 to 16/);
      assert.match(message({ dark: 'red' }), /#rrggbb/);
      assert.match(message({ light: 'red' }), /transparent/);
    });

    it('typed options from code are checked too', () => {
      const field = (options: Partial<QrOptions>) => {
        try {
          renderPng(URL_TEXT, options);
        } catch (err) {
          if (err instanceof QrOptionError) return err.field;
        }
        return 'accepted';
      };
      assert.equal(field({ size: 99 }), 'size');
      assert.equal(field({ size: 150.5 }), 'size');
      assert.equal(field({ margin: 2.5 }), 'margin');
      assert.equal(field({ errorCorrection: 'X' as ErrorCorrection }), 'errorCorrection');
      assert.equal(field({ dark: 'red' }), 'dark');
      assert.equal(field({ light: '#FFFFFF', dark: '#ffffff' }), 'light');
      assert.equal(field({ dark: '#FFFFFF' }), 'dark');
      assert.equal(field({ dark: 'ABCDEF' }), 'accepted');
    });

    it('a size too small for the code at that margin is refused, naming size and the minimum', () => {
      // 1000 bytes at H is version 36: 161 modules, 169 with margin 4.
      const text = 'z'.repeat(1000);
      for (const render of [renderPng, renderSvg]) {
        assert.throws(
          () => render(text, { errorCorrection: 'H', size: 168 }),
          (err: unknown) =>
            err instanceof QrOptionError &&
            err.field === 'size' &&
            /at least 169/.test(err.message),
        );
      }
      const png = pngPixels(renderPng(text, { errorCorrection: 'H', size: 169 }));
      assert.equal(png.width, 169);
      const box = darkBox(png);
      assert.equal(box.right - box.left + 1, 161);
    });
  });

  describe('text', () => {
    const limits: Array<[ErrorCorrection, string, number, string]> = [
      ['L', 'x', 2953, 'bytes'],
      ['M', 'x', 2331, 'bytes'],
      ['Q', 'x', 1663, 'bytes'],
      ['H', 'x', 1273, 'bytes'],
      ['H', '7', 3057, 'digits'],
      ['H', 'Z', 1852, 'characters'],
    ];
    for (const [level, char, limit, unit] of limits) {
      it(`at ${level}, ${limit} ${unit} fit and ${limit + 1} are refused with the limit`, () => {
        renderSvg(char.repeat(limit), { errorCorrection: level, size: 2000 });
        assert.throws(
          () => renderPng(char.repeat(limit + 1), { errorCorrection: level, size: 2000 }),
          (err: unknown) => {
            assert.ok(err instanceof QrTextTooLongError, String(err));
            assert.equal(err.limit, limit);
            assert.equal(err.errorCorrection, level);
            assert.equal(err.unit, unit);
            assert.match(err.message, new RegExp(`limit is ${limit} `));
            return true;
          },
        );
      });
    }

    it('the byte limit counts UTF-8 bytes, not characters', () => {
      // 'ö' is 2 bytes: 637 of them are 1274 bytes, one more than H holds.
      assert.throws(
        () => renderPng('ö'.repeat(637), { errorCorrection: 'H' }),
        (err: unknown) => err instanceof QrTextTooLongError && err.length === 1274,
      );
    });

    it('empty text is refused', () => {
      assert.throws(() => renderPng(''), QrTextEmptyError);
      assert.throws(() => renderSvg(''), QrTextEmptyError);
    });
  });

  describe('qrCacheKey', () => {
    it('is stable, and changes with every input that changes the image', () => {
      const key = qrCacheKey(URL_TEXT, {}, 'png');
      assert.equal(key, qrCacheKey(URL_TEXT, { ...QR_DEFAULTS }, 'png'));
      assert.equal(key, qrCacheKey(URL_TEXT, { dark: '#000000' }, 'png'));
      const others = [
        qrCacheKey(URL_TEXT, {}, 'svg'),
        qrCacheKey(URL_TEXT + '/', {}, 'png'),
        qrCacheKey(URL_TEXT, { size: 301 }, 'png'),
        qrCacheKey(URL_TEXT, { errorCorrection: 'H' }, 'png'),
        qrCacheKey(URL_TEXT, { margin: 5 }, 'png'),
        qrCacheKey(URL_TEXT, { dark: '#000001' }, 'png'),
        qrCacheKey(URL_TEXT, { light: 'transparent' }, 'png'),
      ];
      assert.equal(new Set([key, ...others]).size, others.length + 1);
      assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    });
  });
});
