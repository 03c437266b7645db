// `GET /b/{bucket}` of the Cloud Storage JSON API (Bucket.exists(), Bucket.getMetadata()),
// which firebase-tools' emulator lacks: there the path falls through to its
// "/{bucket}/{object}" download route and answers 404, so `bucket.exists()` is false even for
// the default bucket. The emulator creates buckets on first use, so every bucket exists here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StorageLayer } from 'firebase-tools/lib/emulator/storage/files';
import { CloudStorageBucketMetadata } from 'firebase-tools/lib/emulator/storage/metadata';
import { sendJson } from '../shared/jsonReply';

const BUCKET = /^\/(?:storage\/v1\/)?b\/([^/?]+)\/?(?:\?.*)?$/;

/** Answers a bucket GET and returns true; returns false for every other request. */
export function serveBucketResource(
  layer: StorageLayer,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  if (req.method !== 'GET' || !req.url) return false;
  const match = BUCKET.exec(req.url);
  if (!match) return false;
  let bucket: string;
  try {
    bucket = decodeURIComponent(match[1]);
  } catch {
    return false;
  }
  layer.createBucket(bucket);
  sendJson(res, 200, new CloudStorageBucketMetadata(bucket));
  return true;
}
