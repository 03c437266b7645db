// POST /v1/orgs/{orgId}/equipment/bulk-upload: multipart/form-data with the CSV in the field
// `file`. busboy splits the multipart body and the file part streams into the CSV reader, whose
// rows are saved as they come (data/equipmentUpload.ts). On Cloud Functions (and in the local
// functions host) the platform has already read the whole body into `req.rawBody` before the
// handler runs, so busboy is fed from that buffer; elsewhere (a plain Express server) it reads
// the request stream. See docs/api.md, "Bulk upload", for what that means for memory.
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { Router, type Request } from 'express';
import { equipmentUploadLimits } from '../config';
import { CsvFileError, CsvLimitError, describeColumns, readEquipmentCsv } from '../domain/csv';
import { AppError } from '../domain/errors';
import {
  admitEquipmentUpload,
  importEquipmentCsv,
  readWholeCsv,
  type UploadResult,
} from '../data/equipmentUpload';
import { callerId } from './auth';
import { tooLarge } from './sizeLimits';
import { z } from 'zod';
import { orgEndpoint } from './declare';
import { uploadResultSchema } from './schemas/equipment';
import { json } from './schemas/replies';

export const equipmentUploadRouter = Router();

const EXPECTED =
  'send multipart/form-data with the CSV file in the field "file" ' +
  '(curl -F "file=@equipment.csv")';

/** 415 unless the request is multipart/form-data (a CSV upload, `curl -F`). */
export function requireMultipart(req: Request, expected = EXPECTED): void {
  if (!req.is('multipart/form-data')) {
    throw new AppError(
      'unsupported_media_type',
      `Content-Type is ${req.get('content-type') ?? 'missing'}; ${expected}`,
    );
  }
}

/**
 * Feeds the request's multipart body to busboy and hands the `file` part, as a stream, to
 * `handle`. Other parts are skipped. Rejects with 400 when the body is not valid multipart or has
 * no `file` part.
 */
export function withUploadedFile<T>(
  req: Request,
  rawBody: Buffer | undefined,
  handle: (file: Readable) => Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 4096 } });
    } catch (err) {
      // No boundary in the Content-Type, for instance.
      reject(
        new AppError(
          'invalid_argument',
          `The multipart body cannot be read (${String(err)}); ${EXPECTED}`,
        ),
      );
      return;
    }
    let handled = false;
    parser.on('file', (name, stream) => {
      if (name !== 'file' || handled) {
        stream.resume();
        return;
      }
      handled = true;
      handle(stream)
        .then(resolve, reject)
        .finally(() => stream.resume());
    });
    parser.on('error', (err: unknown) => {
      reject(new AppError('invalid_argument', `The multipart body is malformed (${String(err)})`));
    });
    parser.on('close', () => {
      if (!handled) {
        reject(new AppError('invalid_argument', `The request has no "file" part; ${EXPECTED}`));
      }
    });
    if (rawBody !== undefined) parser.end(rawBody);
    else req.pipe(parser);
  });
}

/** The reader's whole-file failures as API errors: 400 naming the columns, 413 with the limit. */
export function uploadError(err: unknown, columnsOf: () => string = describeColumns): unknown {
  if (err instanceof CsvFileError) {
    const columns = columnsOf();
    const message = err.message.includes(columns) ? err.message : `${err.message}; ${columns}`;
    return new AppError('invalid_argument', message, { problem: err.problem, ...err.details });
  }
  if (err instanceof CsvLimitError) {
    return tooLarge(err.message, err.limit, err.max);
  }
  return err;
}

orgEndpoint(
  equipmentUploadRouter,
  'write',
  {
    method: 'post',
    path: '/equipment/bulk-upload',
    summary: 'Create and update items from a CSV file; bad rows are reported by line',
    tags: ['equipment'],
    rawBody: {
      contentType: 'multipart/form-data',
      description: 'The CSV file in the field "file" (curl -F "file=@equipment.csv")',
      schema: z.object({ file: z.string().meta({ contentMediaType: 'text/csv' }) }),
    },
    replies: { 200: json('What was saved, and the rows that were not', uploadResultSchema) },
  },
  async (req, res, access) => {
    requireMultipart(req);
    const limits = equipmentUploadLimits();
    const rawBody = (req as Request & { rawBody?: Buffer }).rawBody;
    let result: UploadResult;
    const by = callerId(access.caller);
    try {
      if (rawBody !== undefined) {
        // The platform holds the whole body already: parse it once, whole, before saving
        // anything, so that a file over the row limit or a quota (or otherwise refused) is
        // refused before any row is saved; then save the rows of that one parse.
        const whole = await withUploadedFile(req, rawBody, (file) =>
          readWholeCsv(readEquipmentCsv(file, limits)),
        );
        await admitEquipmentUpload(access.orgId, whole.tally);
        result = await importEquipmentCsv(access.orgId, whole.events, by, true);
      } else {
        // A streamed body is read once as it comes: rows before a limit or quota stay saved.
        result = await withUploadedFile(req, rawBody, (file) =>
          importEquipmentCsv(access.orgId, readEquipmentCsv(file, limits), by),
        );
      }
    } catch (err) {
      throw uploadError(err);
    }
    res.json(result);
  },
);
