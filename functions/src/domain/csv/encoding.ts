// Character encoding of an uploaded CSV: UTF-8 (with or without BOM) or Windows-1252.
//
// Strategy, chosen for streaming (the file is never whole in memory):
// - A UTF-8 BOM decides UTF-8. A UTF-16 BOM or a NUL byte in the first 64 KiB means "not a
//   text file we read" (UTF-16 text is full of NULs; so are images, PDFs and workbooks).
// - Otherwise the decision waits for the first byte >= 0x80 (ASCII reads the same either way).
//   From there, up to 64 KiB are held back and checked with a fatal, streaming UTF-8 decoder:
//   valid means UTF-8, invalid means Windows-1252. So a Windows-1252 file whose first
//   non-ASCII text comes late (after thousands of ASCII rows) is still recognised.
// - A file judged UTF-8 that has an invalid sequence later: the cells holding it are reported
//   as invalid (with the reason) instead of being stored with U+FFFD replacement characters.
//   Each cell is checked on its own, so the report names the exact rows.
// - Windows-1252 is decoded with our own table for 0x80-0x9F: Node's TextDecoder('windows-1252')
//   decodes those bytes as Latin-1 since Node 20.18.3 / 22.13.0 (nodejs/node#56542, #60888),
//   which turns € and smart quotes into C1 control characters. Latin-1 files are read the same
//   way: the two differ only in 0x80-0x9F, which are control characters in Latin-1 text.
//   The five bytes Windows-1252 leaves undefined map to U+0081 etc., as in the WHATWG standard.
import { isAscii, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { CsvFileError } from './errors';

export type CsvEncoding = 'utf-8' | 'windows-1252';

/** Bytes examined to recognise binary files, and held back to decide UTF-8 or Windows-1252. */
export const SNIFF_BYTES = 64 * 1024;

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

// Windows-1252 0x80-0x9F (WHATWG index-windows-1252); 0 marks the five undefined bytes.
const WINDOWS_1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0, 0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161,
  0x203a, 0x0153, 0, 0x017e, 0x0178,
];

/**
 * Text of Windows-1252 bytes that were read as Latin-1 (one char per byte, as csv-parse
 * gives them with encoding 'latin1').
 */
export function windows1252FromLatin1(latin1: string): string {
  return latin1.replace(/[\x80-\x9f]/g, (ch) => {
    const mapped = WINDOWS_1252_HIGH[ch.charCodeAt(0) - 0x80];
    return mapped === 0 ? ch : String.fromCharCode(mapped);
  });
}

/** Windows-1252 bytes as text. */
export function decodeWindows1252(bytes: Uint8Array): string {
  return windows1252FromLatin1(
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1'),
  );
}

/**
 * A cell's text from its bytes held as a Latin-1 string, or undefined when the file is UTF-8
 * and these bytes are not valid UTF-8.
 */
export function decodeCell(latin1: string, encoding: CsvEncoding): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(latin1)) return latin1;
  if (encoding === 'windows-1252') return windows1252FromLatin1(latin1);
  const bytes = Buffer.from(latin1, 'latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

export interface FileStart {
  /** Bytes of BOM at the start, to be skipped. */
  bomLength: number;
  /** Decided by a BOM; otherwise left to EncodingDecider. */
  encoding?: CsvEncoding;
}

/**
 * Checks the first bytes of a file (up to SNIFF_BYTES; `complete` when that is the whole file)
 * and throws CsvFileError for an empty file or one that is not text.
 */
export function inspectFileStart(head: Buffer, complete: boolean): FileStart {
  if (
    head.length >= 2 &&
    ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
  ) {
    throw new CsvFileError(
      'not_text',
      'the file is UTF-16 text; save it as CSV in UTF-8 (or Windows-1252) instead',
    );
  }
  if (head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) {
    throw new CsvFileError(
      'not_text',
      'the file is a ZIP archive (an Excel .xlsx workbook is one); export the sheet as CSV',
    );
  }
  if (head.includes(0)) {
    throw new CsvFileError(
      'not_text',
      'the file is not text (it contains NUL bytes); upload a CSV file',
    );
  }
  const bomLength = head.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
  if (complete && /^[\s]*$/.test(head.subarray(bomLength).toString('latin1'))) {
    throw new CsvFileError('empty', 'the file is empty; it needs a header line and data rows');
  }
  return bomLength > 0 ? { bomLength, encoding: 'utf-8' } : { bomLength };
}

/**
 * Decides the encoding while the bytes stream past: chunks pass straight through until one
 * holds a non-ASCII byte; from then on chunks are held until SNIFF_BYTES of non-ASCII-led text
 * have been checked (or the file ends, or an invalid sequence shows up), and released together.
 */
export class EncodingDecider {
  private held: Buffer[] = [];
  private checked = 0;
  private validator: TextDecoder | undefined;

  constructor(public encoding: CsvEncoding | undefined) {}

  /** Chunks that may go on to the parser now, in order. */
  push(chunk: Buffer): Buffer[] {
    if (this.encoding !== undefined) return [chunk];
    if (this.validator === undefined) {
      if (isAscii(chunk)) return [chunk];
      this.validator = new TextDecoder('utf-8', { fatal: true });
      this.held.push(chunk);
      let first = 0;
      while (chunk[first] < 0x80) first++;
      return this.check(chunk.subarray(first));
    }
    this.held.push(chunk);
    return this.check(chunk);
  }

  /** Whatever is still held, at the end of the file. */
  end(): Buffer[] {
    if (this.encoding !== undefined || this.validator === undefined) return [];
    try {
      this.validator.decode();
      return this.decide('utf-8');
    } catch {
      return this.decide('windows-1252');
    }
  }

  private check(bytes: Buffer): Buffer[] {
    try {
      // The decoded text itself is not needed, only whether decoding fails.
      this.validator?.decode(bytes, { stream: true });
    } catch {
      return this.decide('windows-1252');
    }
    this.checked += bytes.length;
    return this.checked >= SNIFF_BYTES ? this.decide('utf-8') : [];
  }

  private decide(encoding: CsvEncoding): Buffer[] {
    this.encoding = encoding;
    this.validator = undefined;
    const released = this.held;
    this.held = [];
    return released;
  }
}
