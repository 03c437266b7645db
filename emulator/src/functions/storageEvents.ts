// The CloudEvents Cloud Storage sends to v2 Storage triggers (onObjectFinalized,
// onObjectDeleted, onObjectMetadataUpdated, onObjectArchived), built from the object metadata
// that firebase-tools' StorageLayer reports for each change (its CloudStorageObjectMetadata,
// the JSON API's object resource). Attributes as Eventarc documents them for
// google.cloud.storage.object.v1.*: source `//storage.googleapis.com/projects/_/buckets/{b}`,
// subject `objects/{name}`, and the `bucket` extension that firebase-functions reads.
import { createHash } from 'node:crypto';

/** firebase-tools' StorageCloudFunctions actions, to CloudEvent types (its STORAGE_V2_ACTION_MAP). */
const TYPE_OF_ACTION: Record<string, string> = {
  finalize: 'google.cloud.storage.object.v1.finalized',
  delete: 'google.cloud.storage.object.v1.deleted',
  metadataUpdate: 'google.cloud.storage.object.v1.metadataUpdated',
  archive: 'google.cloud.storage.object.v1.archived',
};

export function storageEventType(action: string): string | undefined {
  return TYPE_OF_ACTION[action];
}

export interface StorageCloudEvent {
  specversion: '1.0';
  id: string;
  type: string;
  source: string;
  subject: string;
  time: string;
  bucket: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

export function buildStorageEvent(
  eventType: string,
  object: Record<string, unknown>,
): StorageCloudEvent {
  const bucket = String(object.bucket ?? '');
  const name = String(object.name ?? '');
  const updated = typeof object.updated === 'string' ? object.updated : undefined;
  const time = eventType.endsWith('.deleted') || !updated ? new Date().toISOString() : updated;
  // One id per change (object, generation, metageneration, kind): a redelivery has the same id,
  // as Eventarc's retries do, so a trigger can recognise a duplicate.
  const id = createHash('sha256')
    .update(
      `${eventType}\n${bucket}\n${name}\n${String(object.generation)}\n${String(object.metageneration)}`,
    )
    .digest('hex')
    .slice(0, 32);
  return {
    specversion: '1.0',
    id,
    type: eventType,
    source: `//storage.googleapis.com/projects/_/buckets/${bucket}`,
    subject: `objects/${name}`,
    time,
    bucket,
    datacontenttype: 'application/json',
    data: object,
  };
}
