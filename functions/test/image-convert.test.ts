// The image checks of imports, on bytes alone: the type from magic numbers, and the conversion
// with its pixel limit, orientation and metadata stripping.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { convertImage, ImageError } from '../src/domain/imageConvert';
import { notAnImageMessage, SNIFF_BYTES, sniffImageType } from '../src/domain/imageType';
import { animatedGif, jpeg, jpegWithGps, png, pngBomb, solid, webp } from './support/testImages';

async function refusal(promise: Promise<unknown>): Promise<ImageError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ImageError, String(err));
    return err;
  }
  assert.fail('converted');
}

describe('image import: type from the bytes', () => {
  it('knows PNG, JPEG, WebP and GIF whatever they are called', async () => {
    const cases: Array<[Buffer, string]> = [
      [await png(2, 2), 'png'],
      [await jpeg(2, 2), 'jpeg'],
      [await webp(2, 2), 'webp'],
      [await animatedGif(2, 2), 'gif'],
    ];
    for (const [bytes, type] of cases) {
      const sniffed = sniffImageType(bytes);
      assert.ok(sniffed.importable);
      assert.equal(sniffed.type, type);
    }
  });

  it('names what it is when it is not one of them', async () => {
    const cases: Array<[Buffer | string, string]> = [
      ['<!doctype html><html></html>', 'an HTML page'],
      ['\uFEFF  \n<HTML><body>hi', 'an HTML page'],
      ['<!-- c --><svg xmlns="http://www.w3.org/2000/svg"/>', 'an SVG drawing'],
      ['<?xml version="1.0"?>\n<svg/>', 'an SVG drawing'],
      ['<?xml version="1.0"?><feed/>', 'an XML or HTML document'],
      ['%PDF-1.4', 'a PDF document'],
      ['{"error":"nope"}', 'JSON text'],
      ['just some words', 'plain text'],
      [await solid(4, 4).tiff().toBuffer(), 'a TIFF image'],
      [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]), 'a ZIP archive (or an office document)'],
      [Buffer.from([0x1f, 0x8b, 8, 0]), 'gzip-compressed data'],
      [Buffer.from([0, 1, 2, 3, 250, 251, 252]), 'a file of an unknown type'],
      [Buffer.alloc(0), 'an empty file'],
      [Buffer.from('RIFF\0\0\0\0WAVEfmt '), 'a RIFF file that is not WebP (audio or video)'],
    ];
    for (const [bytes, description] of cases) {
      const sniffed = sniffImageType(Buffer.from(bytes));
      assert.deepEqual(sniffed, { importable: false, description }, String(bytes).slice(0, 30));
    }
    assert.equal(
      notAnImageMessage('an HTML page', 'image/png; charset=binary'),
      'The URL returned an HTML page (the server called it image/png), not an image. ' +
        'Only PNG, JPEG, WebP and GIF images can be imported.',
    );
  });
});

/**
 * Sniffs `body` in a worker thread and resolves with its verdict, or rejects once `deadlineMs`
 * has passed: a sniff that stalls (the regular expression of issue 19 never finished) blocks its
 * thread, so only another thread can notice and stop it.
 */
function sniffInWorker(body: string, deadlineMs: number): Promise<unknown> {
  const module = path.resolve(__dirname, '..', 'src', 'domain', 'imageType.js');
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const { sniffImageType } = require(workerData.module);
     parentPort.postMessage(sniffImageType(Buffer.from(workerData.body)));`,
    { eval: true, workerData: { module, body } },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`the sniff did not finish within ${deadlineMs} ms`));
    }, deadlineMs);
    worker.once('message', (verdict: unknown) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(verdict);
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

describe('image import: sniffing is linear and bounded (issue 19)', () => {
  const STALL = '<!---->'.repeat(290) + 'x';

  it('the body that stalled the old patterns is named at once, in a clear error', async () => {
    // The old SVG pattern took longer than the age of the universe on it; the scan takes
    // microseconds. The deadline only stops a stalled thread; it is not a measurement.
    const verdict = await sniffInWorker(STALL, 20_000);
    assert.deepEqual(verdict, { importable: false, description: 'an XML or HTML document' });
    const err = await refusal(
      convertImage(Buffer.from(STALL), { maxPixels: 50_000_000, contentType: 'image/png' }),
    );
    assert.equal(err.kind, 'not_an_image');
    assert.equal(
      err.message,
      'The URL returned an XML or HTML document (the server called it image/png), not an image. ' +
        'Only PNG, JPEG, WebP and GIF images can be imported.',
    );
  });

  it('still sees through comments and white space to the first tag', () => {
    const cases: Array<[string, string]> = [
      ['<!-- a --> \n <!-- b --><svg/>', 'an SVG drawing'],
      ['<!---->'.repeat(290) + '<svg/>', 'an SVG drawing'],
      ['<!-- x -->\n<p>hello</p>', 'an HTML page'],
      ['<P class="a">hello', 'an HTML page'],
      ['<path d="M0 0"/>', 'an XML or HTML document'],
      ['<!-- never closed <svg>', 'an XML or HTML document'],
    ];
    for (const [body, description] of cases) {
      assert.deepEqual(sniffImageType(Buffer.from(body)), { importable: false, description }, body);
    }
  });

  it(`looks at the first ${SNIFF_BYTES} bytes only`, () => {
    // The comment closes past the sniffed bytes, so the SVG after it is never seen.
    const late = `<!--${'a'.repeat(SNIFF_BYTES)}--><svg/>`;
    assert.deepEqual(sniffImageType(Buffer.from(late)), {
      importable: false,
      description: 'an XML or HTML document',
    });
    const early = `<!--${'a'.repeat(SNIFF_BYTES - 20)}--><svg/>`;
    assert.equal(sniffImageType(Buffer.from(early)).importable, false);
    assert.deepEqual(sniffImageType(Buffer.from(early)), {
      importable: false,
      description: 'an SVG drawing',
    });
  });
});

describe('image import: conversion', () => {
  const limits = { maxPixels: 50_000_000 };

  it('makes a WebP at most 1600 px wide and a 256 px thumbnail, never enlarging', async () => {
    const big = await convertImage(await png(3200, 1600), limits);
    assert.deepEqual(
      [big.full.width, big.full.height, big.thumb.width, big.thumb.height],
      [1600, 800, 256, 128],
    );
    assert.equal((await sharp(big.full.bytes).metadata()).format, 'webp');
    const small = await convertImage(await jpeg(120, 90), limits);
    assert.deepEqual([small.full.width, small.thumb.width], [120, 120]);
  });

  it('caps a very tall image at 4 times its width', async () => {
    const tall = await convertImage(await png(400, 8000), limits);
    assert.deepEqual([tall.full.width, tall.full.height], [320, 6400]);
  });

  it('refuses more pixels than the limit before decoding, in words', async () => {
    const err = await refusal(convertImage(await pngBomb(100_000, 100_000), limits));
    assert.equal(err.kind, 'too_many_pixels');
    assert.match(err.message, /100000 × 100000 pixels \(10000 megapixels\); at most 50 megapixels/);
    const justOver = await refusal(convertImage(await png(1001, 1000), { maxPixels: 1_000_000 }));
    assert.equal(justOver.kind, 'too_many_pixels');
    await convertImage(await png(1000, 1000), { maxPixels: 1_000_000 });
  });

  it('refuses a truncated file', async () => {
    const whole = await jpeg(800, 600);
    const err = await refusal(convertImage(whole.subarray(0, whole.length / 2), limits));
    assert.equal(err.kind, 'undecodable');
    assert.match(err.message, /JPEG file could not be/);
  });

  it('applies the EXIF orientation and keeps no metadata', async () => {
    const out = await convertImage(await jpegWithGps(600, 300), limits);
    assert.deepEqual([out.full.width, out.full.height], [300, 600]);
    for (const file of [out.full, out.thumb]) {
      const meta = await sharp(file.bytes).metadata();
      assert.equal(meta.exif, undefined);
      assert.equal(meta.icc, undefined);
      assert.equal(file.bytes.includes(Buffer.from('TestPhone')), false);
    }
  });
});
