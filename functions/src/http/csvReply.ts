// The one way a route streams a CSV file: headers for a download, then the lines as the source
// yields them, with back-pressure (the next page is read only when the client has taken the
// last). A failure after the first byte cuts the reply short: its status line is gone already.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';

export async function sendCsv(
  res: Response,
  filename: string,
  lines: AsyncIterable<string> | Iterable<string>,
): Promise<void> {
  res.status(200).set({
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'no-store',
  });
  await pipeline(Readable.from(lines), res);
}
