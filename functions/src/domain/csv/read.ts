// Streaming reader of an equipment CSV upload: bytes in, one event per data row out.
//
// The file is never held whole: csv-parse reads it chunk by chunk with back-pressure, and at
// most SNIFF_BYTES are held back to decide the encoding (see encoding.ts). csv-parse works on
// the raw bytes (as Latin-1, one char per byte: delimiters, quotes and line breaks are ASCII in
// both UTF-8 and Windows-1252), and each cell is decoded afterwards, so a bad byte is reported on
// its own row.
import { pipeline, Readable } from 'node:stream';
import { CsvError, parse, type Info } from 'csv-parse';
import {
  ID_PATTERN,
  validateEquipment,
  type Category,
  type EquipmentCreate,
  type EquipmentPatch,
  type FieldError,
} from '../equipment';
import { ID_RULE } from '../ids';
import { describeColumns, mapHeader, type ImportColumn } from './columns';
import { detectDelimiter, excelSeparatorLine, type CsvDelimiter } from './delimiter';
import {
  decodeCell,
  EncodingDecider,
  inspectFileStart,
  SNIFF_BYTES,
  type CsvEncoding,
  type FileStart,
} from './encoding';
import { CsvFileError, CsvLimitError } from './errors';
import { undoFormulaNeutralisation } from './formula';

export interface CsvLimits {
  /** Data rows (blank lines and the header not counted). */
  maxRows: number;
  /** Bytes of the file as uploaded. */
  maxBytes: number;
}

/** First event: what the header said. */
export interface CsvHeaderEvent {
  kind: 'header';
  line: number;
  delimiter: CsvDelimiter;
  /** The equipment columns the header has, in header order (scanUrl and qrCodeUrl left out). */
  columns: ImportColumn[];
  /** Header names, as written, of columns that are read by nobody; reported once. */
  ignoredColumns: string[];
}

/** A valid row without an assetId: create a new item (the caller draws its id). */
export interface CsvCreateRow {
  kind: 'row';
  mode: 'create';
  line: number;
  fields: EquipmentCreate;
}

/**
 * A valid row with an assetId: update that item if it exists (null fields are cleared: the
 * column is in the file and the cell is empty), otherwise create it under that id (drop the
 * nulls). name and category are always present, since the columns are required.
 */
export interface CsvUpsertRow {
  kind: 'row';
  mode: 'upsert';
  line: number;
  assetId: string;
  fields: EquipmentPatch & { name: string; category: Category };
}

/** A row that saves nothing, with every reason. */
export interface CsvInvalidRow {
  kind: 'invalid';
  line: number;
  errors: string[];
}

export type CsvEvent = CsvHeaderEvent | CsvCreateRow | CsvUpsertRow | CsvInvalidRow;

/** Largest piece of input handed to csv-parse at once (see bytesOf). */
const PARSE_PIECE_BYTES = 16 * 1024;

/** A row longer than this (in bytes) is a quote that was never closed, not real data. */
const MAX_RECORD_BYTES = 1024 * 1024;

interface ParsedRecord {
  record: string[];
  info: Info;
  raw: string;
}
/** What our on_skip pushes into the parser's output, in order with the records. */
interface SkippedRecord {
  skipped: CsvError;
  raw: string;
}

function isSkipped(item: ParsedRecord | SkippedRecord): item is SkippedRecord {
  return 'skipped' in item;
}

/** Line breaks in a text: CRLF, CR and LF each count one. */
function countLineBreaks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x0d) {
      count++;
      if (text.charCodeAt(i + 1) === 0x0a) i++;
    } else if (ch === 0x0a) {
      count++;
    }
  }
  return count;
}

/**
 * Blank lines skipped before a record. csv-parse's `raw` keeps one character (the first of the
 * line break) for each skipped empty line, so each leading CR or LF is one line.
 * csv-parse's own `info.lines` counts a CRLF inside a quoted cell twice, so it is not used.
 */
function countLeadingBlankLines(raw: string): number {
  let count = 0;
  while (count < raw.length && (raw[count] === '\r' || raw[count] === '\n')) count++;
  return count;
}

async function* bytesOf(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  maxBytes: number,
): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    const bytes =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    total += bytes.length;
    if (total > maxBytes) throw new CsvLimitError('bytes', maxBytes);
    // A source may hand over the whole file as one chunk (busboy fed from a buffered request
    // body does). csv-parse turns a chunk into records all at once, whatever the back-pressure,
    // so large chunks are cut into pieces: at most one piece's records wait in memory.
    for (let at = 0; at < bytes.length; at += PARSE_PIECE_BYTES) {
      yield bytes.subarray(at, at + PARSE_PIECE_BYTES);
    }
  }
}

/**
 * The chunks for csv-parse: the BOM removed, held back while the encoding is undecided, and
 * never ending in CR (a CRLF split across two chunks would be read as two line breaks).
 */
async function* parserInput(
  head: Buffer,
  rest: AsyncGenerator<Buffer>,
  decider: EncodingDecider,
): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  function* release(chunks: Buffer[]): Generator<Buffer> {
    for (const chunk of chunks) {
      const joined = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = undefined;
      if (joined.length === 0) continue;
      if (joined[joined.length - 1] === 0x0d) {
        carry = joined.subarray(joined.length - 1);
        if (joined.length > 1) yield joined.subarray(0, joined.length - 1);
      } else {
        yield joined;
      }
    }
  }
  yield* release(decider.push(head));
  // for-await ends `rest` (and so the source) when this generator is stopped early.
  for await (const chunk of rest) yield* release(decider.push(chunk));
  yield* release(decider.end());
  if (carry) yield carry;
}

/** What the first bytes of a file decide: its encoding, delimiter and where the header starts. */
interface FileHead {
  /** The bytes read so far, without the BOM and Excel's `sep=` line. */
  head: Buffer;
  delimiter: CsvDelimiter;
  decider: EncodingDecider;
  separatorLine: ReturnType<typeof excelSeparatorLine>;
}

/**
 * Reads up to SNIFF_BYTES and decides from them: not text (throws), the BOM, Excel's `sep=` line,
 * the delimiter, and the encoding as far as it can be told yet.
 */
async function readFileStart(input: AsyncGenerator<Buffer>): Promise<FileHead> {
  const headChunks: Buffer[] = [];
  let headLength = 0;
  let complete = false;
  let start: FileStart;
  try {
    while (headLength < SNIFF_BYTES) {
      const next = await input.next();
      if (next.done) {
        complete = true;
        break;
      }
      headChunks.push(next.value);
      headLength += next.value.length;
    }
    start = inspectFileStart(Buffer.concat(headChunks), complete);
  } catch (error) {
    await input.return(undefined); // stop reading the source: for a Readable, destroys it
    throw error;
  }
  let head = Buffer.concat(headChunks).subarray(start.bomLength);
  const separatorLine = excelSeparatorLine(head.toString('latin1', 0, 256));
  if (separatorLine) head = head.subarray(separatorLine.length);
  const delimiter = separatorLine?.delimiter ?? detectDelimiter(head.toString('latin1'));
  return { head, delimiter, decider: new EncodingDecider(start.encoding), separatorLine };
}

/**
 * csv-parse as an equipment file needs it: bytes read as Latin-1, every line-break style, stray
 * quotes kept, and a record that cannot be read pushed into the output (on_skip), so it arrives
 * in file order with the others.
 */
function equipmentCsvParser(delimiter: CsvDelimiter) {
  const parser = parse({
    encoding: 'latin1',
    delimiter,
    // Listed explicitly, so a file mixing CRLF and LF is read line by line (auto-detection
    // would settle on the first one and glue the other lines together).
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    // A stray quote inside an unquoted cell (12" monitor) is kept as a character.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_BYTES,
    info: true,
    raw: true,
    on_skip: (error: CsvError | undefined, raw: string | undefined) => {
      if (error) parser.push({ skipped: error, raw: raw ?? '' } satisfies SkippedRecord);
    },
  });
  return parser;
}

/** What the generic reader yields: the header's names, then each non-blank record. */
export type CsvRecordEvent =
  | { kind: 'header'; line: number; delimiter: CsvDelimiter; names: string[] }
  | { kind: 'record'; line: number; cells: string[]; encoding: CsvEncoding }
  /** A quoted cell that starts on `line` is never closed: nothing after it can be read. */
  | { kind: 'unclosed'; line: number };

/**
 * Reads any CSV of this API (equipment, stock items) with the dialect, encoding, line and limit
 * handling described at readEquipmentCsv; `describe` names the format's columns in errors.
 */
export async function* readCsvRecords(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  limits: CsvLimits,
  describe: string,
): AsyncGenerator<CsvRecordEvent, void, undefined> {
  const input = bytesOf(source, limits.maxBytes);
  const start = await readFileStart(input);
  const parser = equipmentCsvParser(start.delimiter);
  pipeline(Readable.from(parserInput(start.head, input, start.decider)), parser, () => {
    // Failures reach the consumer through the parser's iterator; nothing to do here.
  });
  const { decider, delimiter, separatorLine } = start;

  let headerSeen = false;
  let previousEnd = separatorLine?.line ?? 0;
  let rows = 0;
  try {
    for await (const item of parser as AsyncIterable<ParsedRecord | SkippedRecord>) {
      const line = previousEnd + 1 + countLeadingBlankLines(item.raw);
      if (isSkipped(item) && !headerSeen) {
        throw new CsvFileError(
          'unreadable_header',
          `the header line starts a quoted cell that is never closed; ${describe}`,
        );
      }
      if (isSkipped(item)) {
        yield { kind: 'unclosed', line };
        return;
      }
      const cells = item.record;
      previousEnd = line + cells.reduce((sum, cell) => sum + countLineBreaks(cell), 0);
      const encoding = decider.encoding ?? 'utf-8';

      if (!headerSeen) {
        headerSeen = true;
        const names = cells.map(
          (cell) => decodeCell(cell, encoding) ?? Buffer.from(cell, 'latin1').toString('utf8'),
        );
        yield { kind: 'header', line, delimiter, names };
        continue;
      }
      if (cells.every((cell) => cell.trim() === '')) continue;
      rows++;
      if (rows > limits.maxRows) throw new CsvLimitError('rows', limits.maxRows);
      yield { kind: 'record', line, cells, encoding };
    }
  } finally {
    parser.destroy();
  }
  if (!headerSeen) {
    throw new CsvFileError('empty', 'the file is empty; it needs a header line and data rows');
  }
}

/** The message of a row after which nothing could be read (an unclosed quote). */
export function unclosedQuoteError(line: number): string {
  return (
    `a quoted cell that starts on this row is never closed, so the rest of the file ` +
    `(from line ${line}) could not be read; check the quotes`
  );
}

/**
 * A record's cells by column, decoded and with the export's formula neutralisation undone;
 * a surplus cell or a bad byte is an error of the row.
 */
export function decodeRecord(
  cells: string[],
  columns: (string | null)[],
  encoding: CsvEncoding,
): { input: Record<string, string>; errors: string[]; badEncoding: Set<string> } {
  const errors: string[] = [];
  const extra = cells.slice(columns.length).filter((cell) => cell.trim() !== '').length;
  if (extra > 0) {
    errors.push(`the row has ${cells.length} cells but the header has ${columns.length} columns`);
  }
  const input: Record<string, string> = {};
  const badEncoding = new Set<string>();
  columns.forEach((column, index) => {
    if (column === null) return;
    const decoded = decodeCell(cells[index] ?? '', encoding);
    if (decoded === undefined) {
      badEncoding.add(column);
      errors.push(
        `${column}: contains bytes that are not valid UTF-8 (the file was read as UTF-8 ` +
          'because its first non-ASCII text is); save the file as UTF-8',
      );
      return;
    }
    input[column] = undoFormulaNeutralisation(decoded);
  });
  return { input, errors, badEncoding };
}

/**
 * Reads an equipment CSV and yields a header event, then one event per non-blank data row, in
 * file order. `line` is the physical line (1-based) where the row starts, so a row whose quoted
 * cell holds line breaks still points at its first line.
 *
 * Throws CsvFileError (empty, not text, header without a required column, a column named twice,
 * a header that cannot be read)
 * and CsvLimitError (more than maxRows data rows or maxBytes bytes). A row that fails is yielded
 * as `invalid` and reading goes on. Rows whose cells are all empty count as blank lines.
 * Cells are stored as written (formulas included), after undoing the export's formula
 * neutralisation (formula.ts). Stopping the iteration early releases the parser and the source.
 */
export async function* readEquipmentCsv(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  limits: CsvLimits,
): AsyncGenerator<CsvEvent, void, undefined> {
  let columns: (ImportColumn | null)[] = [];
  for await (const event of readCsvRecords(source, limits, describeColumns())) {
    if (event.kind === 'header') {
      const mapped = mapHeader(event.names);
      columns = mapped.columns;
      yield {
        kind: 'header',
        line: event.line,
        delimiter: event.delimiter,
        columns: mapped.columns.filter((column): column is ImportColumn => column !== null),
        ignoredColumns: mapped.ignoredColumns,
      };
    } else if (event.kind === 'unclosed') {
      // Only an unclosed quote (at the end, or a runaway row) gets here: nothing after it can
      // be read reliably, so the report says so and reading stops.
      yield { kind: 'invalid', line: event.line, errors: [unclosedQuoteError(event.line)] };
      return;
    } else {
      yield rowEvent(event.line, event.cells, columns, event.encoding);
    }
  }
}

function rowEvent(
  line: number,
  cells: string[],
  columns: (ImportColumn | null)[],
  encoding: CsvEncoding,
): CsvEvent {
  const { input, errors, badEncoding } = decodeRecord(cells, columns, encoding);

  const assetId = (input.assetId ?? '').trim();
  delete input.assetId;
  const fieldErrors = (list: FieldError[]): void => {
    for (const { field, message } of list) {
      if (!badEncoding.has(field)) errors.push(`${field}: ${message}`);
    }
  };

  if (assetId === '' && !badEncoding.has('assetId')) {
    const result = validateEquipment(input, 'create');
    if (!result.ok) fieldErrors(result.errors);
    if (errors.length > 0 || !result.ok) return { kind: 'invalid', line, errors };
    return { kind: 'row', mode: 'create', line, fields: result.value };
  }

  if (assetId !== '' && !ID_PATTERN.test(assetId)) {
    errors.push(`assetId: ${ID_RULE}`);
  }
  const result = validateEquipment(input, 'update');
  if (!result.ok) fieldErrors(result.errors);
  if (errors.length > 0 || !result.ok) return { kind: 'invalid', line, errors };
  const { name, category } = result.value;
  if (name === undefined || category === undefined) {
    // Cannot happen: both columns are required and an empty cell fails validation.
    return { kind: 'invalid', line, errors: ['name and category are required'] };
  }
  return {
    kind: 'row',
    mode: 'upsert',
    line,
    assetId,
    fields: { ...result.value, name, category },
  };
}
