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
