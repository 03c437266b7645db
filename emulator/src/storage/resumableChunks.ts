// Multi-request (chunked) resumable uploads of the Cloud Storage JSON API.
//
// firebase-tools' JSON-API handler for `PUT /upload/storage/v1/b/{bucket}/o?upload_id=...`
// treats every PUT as the last one: it appends the body and finalizes the object. That is right
// for the single-request uploads @google-cloud/storage makes by default (Content-Range
// "bytes 0-*/N"), but a client that sends the object in chunks (the `chunkSize` option, or any
// client after an interrupted request) gets an object holding only the first chunk. GCS's
// protocol: a chunk "bytes A-B/*" (or "/N" with B+1 < N) is answered 308 with a Range header of
// the bytes persisted so far; the chunk whose end reaches N finalizes; "bytes */N" asks for
// the status. We answer exactly those requests here, using firebase-tools' own UploadService
// and StorageLayer; every other request goes to firebase-tools unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StorageLayer } from 'firebase-tools/lib/emulator/storage/files';
import { CloudStorageObjectMetadata } from 'firebase-tools/lib/emulator/storage/metadata';
import type { Upload, UploadService } from 'firebase-tools/lib/emulator/storage/upload';
import { sendJson, sendJsonError } from '../shared/jsonReply';

const UPLOAD_PATH = /^\/upload\/storage\/v1\/b\/[^/]+\/o\/?$/;
const CHUNK = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;
const STATUS_QUERY = /^bytes \*\/(\d+|\*)$/;

/** A parsed Content-Range of a chunk or status request; `total` undefined means "*". */
type ContentRange =
  { kind: 'chunk'; start: number; end: number; total: number | undefined } | { kind: 'status' };

function parseContentRange(header: string | undefined): ContentRange | undefined {
  if (!header) return undefined;
  const chunk = CHUNK.exec(header.trim());
  if (chunk) {
    const total = chunk[3] === '*' ? undefined : Number(chunk[3]);
    return { kind: 'chunk', start: Number(chunk[1]), end: Number(chunk[2]), total };
  }
  return STATUS_QUERY.test(header.trim()) ? { kind: 'status' } : undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** 308 Resume Incomplete, with the bytes persisted so far (no Range header when none). */
function sendIncomplete(res: ServerResponse, upload: Upload): void {
  res.statusCode = 308;
  if (upload.size > 0) {
    res.setHeader('Range', `bytes=0-${upload.size - 1}`);
  }
  res.setHeader('Content-Length', '0');
  res.end();
}

export class ResumableChunks {
  constructor(
    private readonly uploads: UploadService,
    private readonly layer: StorageLayer,
  ) {}

  /** True when this request is a chunk or status request that handle() answers. */
  matches(req: IncomingMessage): boolean {
    if (req.method !== 'PUT') return false;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!UPLOAD_PATH.test(url.pathname) || !url.searchParams.get('upload_id')) return false;
    return parseContentRange(req.headers['content-range']) !== undefined;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const uploadId = url.searchParams.get('upload_id') ?? '';
    const range = parseContentRange(req.headers['content-range']);
    const body = await readBody(req);
    let upload: Upload;
    try {
      upload = this.uploads.getResumableUpload(uploadId);
    } catch {
      return sendJsonError(res, 404, `No upload with id ${uploadId}`);
    }
    if (upload.status === 'final') {
      // A retry after the finalizing response was lost: answer with the object, as GCS does.
      return this.sendObject(res, upload);
    }
    if (upload.status !== 'active' || !range) {
      return sendJsonError(res, 400, 'The upload is not active');
    }
    if (range.kind === 'status') {
      return sendIncomplete(res, upload);
    }
    const { start, end, total } = range;
    if (end < start || body.length !== end - start + 1) {
      return sendJsonError(res, 400, 'Content-Range does not match the request body');
    }
    if (start > upload.size) {
      return sendJsonError(
        res,
        400,
        `Chunk starts at ${start}, but only ${upload.size} bytes arrived`,
      );
    }
    // Bytes already received (a client resending after a lost 308) are not appended twice.
    const fresh = body.subarray(upload.size - start);
    if (fresh.length > 0) {
      upload = this.uploads.continueResumableUpload(uploadId, fresh);
    }
    if (total === undefined || upload.size < total) {
      return sendIncomplete(res, upload);
    }
    if (upload.size > total) {
      return sendJsonError(res, 400, `Received ${upload.size} bytes for an object of ${total}`);
    }
    upload = this.uploads.finalizeResumableUpload(uploadId);
    const metadata = await this.layer.uploadObject(upload);
    sendJson(res, 200, new CloudStorageObjectMetadata(metadata));
  }

  private sendObject(res: ServerResponse, upload: Upload): void {
    const metadata = this.layer.getMetadata(upload.bucketId, upload.objectId);
    if (!metadata) {
      return sendJsonError(res, 404, `No such object: ${upload.bucketId}/${upload.objectId}`);
    }
    sendJson(res, 200, new CloudStorageObjectMetadata(metadata));
  }
}
