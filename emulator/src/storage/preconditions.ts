// Generation preconditions of the Cloud Storage JSON API, which firebase-tools' emulator
// ignores: ifGenerationMatch / ifGenerationNotMatch / ifMetagenerationMatch /
// ifMetagenerationNotMatch on uploads, reads, patches and deletes, and their ifSource*
// counterparts on copy/rewrite. A failed condition is answered 412 conditionNotMet (304 for
// the *NotMatch conditions of a read), before the request reaches firebase-tools. For
// resumable uploads the condition is checked when the session starts (GCS checks it again
// at the end; with one writer per object the outcome is the same).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StorageLayer } from 'firebase-tools/lib/emulator/storage/files';
import { sendJson } from '../shared/jsonReply';

interface Target {
  bucket: string;
  object: string;
  /** Query parameter prefix of the conditions that apply to this object ('' or 'ifSource'). */
  prefix: '' | 'ifSource';
}

const OBJECT = /^\/(?:(?:download\/)?storage\/v1\/)?b\/([^/]+)\/o\/([^/]+)$/;
const COPY =
  /^\/(?:storage\/v1\/)?b\/([^/]+)\/o\/([^/]+)\/(?:copyTo|rewriteTo)\/b\/([^/]+)\/o\/([^/]+)$/;
const UPLOAD = /^\/upload\/storage\/v1\/b\/([^/]+)\/o\/?$/;

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function targetsOf(method: string, url: URL): Target[] {
  const copy = COPY.exec(url.pathname);
  if (copy && method === 'POST') {
    const [sb, so, db, dob] = copy.slice(1).map(decode);
    if (sb === undefined || so === undefined || db === undefined || dob === undefined) return [];
    return [
      { bucket: sb, object: so, prefix: 'ifSource' },
      { bucket: db, object: dob, prefix: '' },
    ];
  }
  const object = OBJECT.exec(url.pathname);
  if (object && ['GET', 'PATCH', 'PUT', 'DELETE'].includes(method)) {
    const [bucket, name] = object.slice(1).map(decode);
    return bucket === undefined || name === undefined ? [] : [{ bucket, object: name, prefix: '' }];
  }
  const upload = UPLOAD.exec(url.pathname);
  const name = url.searchParams.get('name');
  if (upload && method === 'POST' && name && !url.searchParams.get('upload_id')) {
    const bucket = decode(upload[1]);
    const object = name.startsWith('/') ? name.slice(1) : name;
    return bucket === undefined ? [] : [{ bucket, object, prefix: '' }];
  }
  return [];
}

function numberParam(url: URL, key: string): number | undefined {
  const raw = url.searchParams.get(key);
  if (raw === null || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** 'match' failures give 412; 'notMatch' failures give 304 on reads and 412 otherwise. */
type Failure = 'match' | 'notMatch' | undefined;

function failure(
  url: URL,
  prefix: Target['prefix'],
  current: { generation: number; metageneration: number } | undefined,
): Failure {
  const key = (name: string) => (prefix ? `${prefix}${name}` : `if${name}`);
  const generation = current?.generation ?? 0;
  const genMatch = numberParam(url, key('GenerationMatch'));
  if (genMatch !== undefined && genMatch !== generation) return 'match';
  const genNotMatch = numberParam(url, key('GenerationNotMatch'));
  if (genNotMatch !== undefined && genNotMatch === generation) return 'notMatch';
  const metaMatch = numberParam(url, key('MetagenerationMatch'));
  if (metaMatch !== undefined && (!current || metaMatch !== current.metageneration)) {
    return 'match';
  }
  const metaNotMatch = numberParam(url, key('MetagenerationNotMatch'));
  if (metaNotMatch !== undefined && current && metaNotMatch === current.metageneration) {
    return 'notMatch';
  }
  return undefined;
}

function generationsOf(
  layer: StorageLayer,
  target: Target,
): { generation: number; metageneration: number } | undefined {
  const metadata: unknown = layer.getMetadata(target.bucket, target.object);
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const generation = 'generation' in metadata ? Number(metadata.generation) : NaN;
  const metageneration = 'metageneration' in metadata ? Number(metadata.metageneration) : NaN;
  return Number.isFinite(generation) && Number.isFinite(metageneration)
    ? { generation, metageneration }
    : undefined;
}

/**
 * Answers the request itself when one of its preconditions fails, and returns true then.
 * Requests without preconditions cost one regular-expression test.
 */
export function rejectFailedPrecondition(
  layer: StorageLayer,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  if (!req.url || !/[?&]if(Source)?(Generation|Metageneration)/.test(req.url)) {
    return false;
  }
  const url = new URL(req.url, 'http://localhost');
  const method = req.method ?? 'GET';
  for (const target of targetsOf(method, url)) {
    const failed = failure(url, target.prefix, generationsOf(layer, target));
    if (!failed) continue;
    // Drain the body so the client sees the answer instead of a reset connection.
    req.resume();
    if (failed === 'notMatch' && method === 'GET') {
      res.statusCode = 304;
      res.end();
      return true;
    }
    const message = 'At least one of the pre-conditions you specified did not hold.';
    sendJson(res, 412, {
      error: {
        code: 412,
        message,
        errors: [{ domain: 'global', reason: 'conditionNotMet', message }],
      },
    });
    return true;
  }
  return false;
}
