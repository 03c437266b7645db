// The contract between the Firestore emulator and whatever reacts to its writes (the functions
// host fires document triggers from it). Documents here are in proto3 JSON form, the same form
// the official Firestore emulator puts into the JSON CloudEvents it sends to functions.

/** A google.firestore.v1.Value in proto3 JSON form, e.g. `{ stringValue: 'x' }`, `{ integerValue: '3' }`. */
export type JsonValue =
  | { nullValue: null }
  | { booleanValue: boolean }
  | { integerValue: string }
  | { doubleValue: number | 'NaN' | 'Infinity' | '-Infinity' }
  | { timestampValue: string }
  | { stringValue: string }
  | { bytesValue: string }
  | { referenceValue: string }
  | { geoPointValue: { latitude: number; longitude: number } }
  | { arrayValue: { values?: JsonValue[] } }
  | { mapValue: { fields?: Record<string, JsonValue> } };

/** A google.firestore.v1.Document in proto3 JSON form; times are RFC 3339 strings with nanoseconds. */
export interface JsonDocument {
  /** Full resource name: projects/{p}/databases/{d}/documents/{path}. */
  name: string;
  fields: Record<string, JsonValue>;
  createTime: string;
  updateTime: string;
}

/** One document changed by a commit: created (no before), updated (both), deleted (no after). */
export interface DocumentChange {
  name: string;
  before?: JsonDocument;
  after?: JsonDocument;
}

/** Everything one successful Commit or BatchWrite changed, delivered once, after it is durable. */
export interface CommitEvent {
  projectId: string;
  databaseId: string;
  /** RFC 3339 commit time. */
  commitTime: string;
  changes: DocumentChange[];
}

export type CommitListener = (event: CommitEvent) => void;
