// Typed failures of a whole CSV file. Row-level problems are not errors: they are reported as
// `invalid` rows and the rest of the file is still read.

export type CsvFileProblem =
  'empty' | 'not_text' | 'missing_columns' | 'duplicate_columns' | 'unreadable_header';

/** The file cannot be imported at all (the HTTP layer answers 400 with this message). */
export class CsvFileError extends Error {
  constructor(
    readonly problem: CsvFileProblem,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CsvFileError';
  }
}

/** The file is larger than allowed (the HTTP layer answers 413 with `limit` and `max`). */
export class CsvLimitError extends Error {
  constructor(
    readonly limit: 'rows' | 'bytes',
    readonly max: number,
  ) {
    super(
      limit === 'rows'
        ? `the file has more than ${max} data rows`
        : `the file is larger than ${max} bytes`,
    );
    this.name = 'CsvLimitError';
  }
}
