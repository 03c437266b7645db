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
  const match = /^((?:\r\n|\r|\n)*)sep=([,;\t])(?:\r\n|\r|\n|$)/i.exec(text);
  if (match === null) return undefined;
  const blankLines = match[1].match(/\r\n|\r|\n/g)?.length ?? 0;
  return { delimiter: match[2] as CsvDelimiter, length: match[0].length, line: blankLines + 1 };
}
