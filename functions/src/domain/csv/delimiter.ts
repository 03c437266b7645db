// Which delimiter a spreadsheet used: the one of comma, semicolon and tab that occurs most
// often (outside quotes) in the header line. Ties and a one-column header fall back to comma.

export type CsvDelimiter = ',' | ';' | '\t';

const CANDIDATES: readonly CsvDelimiter[] = [',', ';', '\t'];

/** `text` is the start of the file (BOM removed); leading blank lines are skipped. */
export function detectDelimiter(text: string): CsvDelimiter {
  const counts = new Map<string, number>(CANDIDATES.map((d) => [d, 0]));
  let inQuotes = false;
  let started = false;
  for (const ch of text) {
    if (!started && (ch === '\r' || ch === '\n')) continue;
    started = true;
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\r' || ch === '\n')) break;
    else if (!inQuotes && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best: CsvDelimiter = ',';
  for (const candidate of CANDIDATES) {
    if ((counts.get(candidate) ?? 0) > (counts.get(best) ?? 0)) best = candidate;
  }
  return best;
}

export interface SeparatorLine {
  delimiter: CsvDelimiter;
  /** Characters (bytes) to skip: blank lines before it, the line itself and its line break. */
  length: number;
  /** The line it is on (1-based). */
  line: number;
}

/**
 * Excel's "sep=;" first line, which names the delimiter for Excel and is not part of the data.
 * Files written for Excel in locales that use a semicolon often start with one.
 */
export function excelSeparatorLine(text: string): SeparatorLine | undefined {
  // The blank lines before it by a scan: a pattern like /^(?:\r\n|\r|\n)*sep=/ reads "\r\n" both
  // as one break and as two, and backtracked through 2^n readings of a file of blank lines (ReDoS).
  let start = 0;
  let blankLines = 0;
  while (text[start] === '\r' || text[start] === '\n') {
    start += text.startsWith('\r\n', start) ? 2 : 1;
    blankLines++;
  }
  // "sep=;" and its line break are 7 characters at most.
  const match = /^sep=([,;\t])(?:\r\n|\r|\n|$)/i.exec(text.slice(start, start + 7));
  if (match === null) return undefined;
  return {
    delimiter: match[1] as CsvDelimiter,
    length: start + match[0].length,
    line: blankLines + 1,
  };
}
