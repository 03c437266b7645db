// Which google.firestore.v1.Firestore method an HTTP request is, from the google.api.http
// bindings in firestore.proto:
//
//   GET    /v1/{name=projects/*/databases/*/documents/*/**}                    GetDocument
//   GET    /v1/{parent=projects/*/databases/*/documents[/*/**]}/{collection_id} ListDocuments
//   POST   /v1/{parent=projects/*/databases/*/documents/**}/{collection_id}    CreateDocument (body: document)
//   PATCH  /v1/{document.name=projects/*/databases/*/documents/*/**}           UpdateDocument (body: document)
//   DELETE /v1/{name=projects/*/databases/*/documents/*/**}                    DeleteDocument
//   POST   /v1/{database=projects/*/databases/*}/documents:{batchGet, beginTransaction, commit,
//          rollback, batchWrite}                                               (body: *)
//   POST   /v1/{parent=projects/*/databases/*/documents[/*/**]}:{runQuery, runAggregationQuery,
//          partitionQuery, listCollectionIds}                                  (body: *)
//
// The GET templates of GetDocument and ListDocuments overlap (`**` matches zero or more
// segments); as production does, the number of segments after `documents` decides: even is a
// document, odd a collection.

export type RestMethod =
  | 'GetDocument'
  | 'ListDocuments'
  | 'CreateDocument'
  | 'UpdateDocument'
  | 'DeleteDocument'
  | 'BatchGetDocuments'
  | 'BeginTransaction'
  | 'Commit'
  | 'Rollback'
  | 'BatchWrite'
  | 'RunQuery'
  | 'RunAggregationQuery'
  | 'PartitionQuery'
  | 'ListCollectionIds'
  | 'Listen'
  | 'Write';

export interface RestRoute {
  method: RestMethod;
  /** Request fields bound from the path, as proto3 JSON. */
  fromPath: Record<string, unknown>;
  /** Where the body goes: the whole request, one field of it, or nowhere (GET, DELETE). */
  body: '*' | 'document' | 'none';
}

const DATABASE_VERBS: Record<string, RestMethod> = {
  batchGet: 'BatchGetDocuments',
  beginTransaction: 'BeginTransaction',
  commit: 'Commit',
  rollback: 'Rollback',
  batchWrite: 'BatchWrite',
  listen: 'Listen',
  write: 'Write',
};

const PARENT_VERBS: Record<string, RestMethod> = {
  runQuery: 'RunQuery',
  runAggregationQuery: 'RunAggregationQuery',
  partitionQuery: 'PartitionQuery',
  listCollectionIds: 'ListCollectionIds',
};

function isVerb(verb: string): boolean {
  return verb in DATABASE_VERBS || verb in PARENT_VERBS;
}

/** Splits a known `:verb` off the last segment (a document id may contain a colon too). */
function splitVerb(tail: string): { tail: string; verb: string | undefined } {
  const m = /^(.*):([A-Za-z]+)$/.exec(tail);
  if (m && isVerb(m[2])) return { tail: m[1], verb: m[2] };
  return { tail, verb: undefined };
}

/** `/v1/...` paths that belong to the REST API (anything else is another route's). */
export function isRestPath(pathname: string): boolean {
  return /^\/v1\/projects\/[^/]+\/databases\/[^/]+\/documents(?:[/:]|$)/.test(pathname);
}

/** The route of `httpMethod pathname`, undefined when none matches (404). */
export function matchRoute(httpMethod: string, pathname: string): RestRoute | undefined {
  const m = /^\/v1\/(projects\/[^/]+\/databases\/[^/]+)\/documents(.*)$/.exec(pathname);
  if (!m) return undefined;
  const database = decodeURIComponent(m[1]);
  const { tail, verb } = splitVerb(m[2]);
  if (tail !== '' && !tail.startsWith('/')) return undefined;
  const segments = tail
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  const documents = `${database}/documents`;
  const resource = [documents, ...segments].join('/');
  if (verb !== undefined) {
    if (httpMethod !== 'POST') return undefined;
    const dbMethod = DATABASE_VERBS[verb];
    if (dbMethod) {
      return segments.length === 0
        ? { method: dbMethod, fromPath: { database }, body: '*' }
        : undefined;
    }
    const parentMethod = PARENT_VERBS[verb];
    // A parent is the root or a document (an even number of segments).
    if (parentMethod && segments.length % 2 === 0) {
      return { method: parentMethod, fromPath: { parent: resource }, body: '*' };
    }
    return undefined;
  }
  if (segments.length === 0) return undefined;
  const isDocument = segments.length % 2 === 0;
  if (isDocument) {
    if (httpMethod === 'GET')
      return { method: 'GetDocument', fromPath: { name: resource }, body: 'none' };
    if (httpMethod === 'DELETE') {
      return { method: 'DeleteDocument', fromPath: { name: resource }, body: 'none' };
    }
    if (httpMethod === 'PATCH') {
      return {
        method: 'UpdateDocument',
        fromPath: { document: { name: resource } },
        body: 'document',
      };
    }
    return undefined;
  }
  const parent = [documents, ...segments.slice(0, -1)].join('/');
  const collectionId = segments[segments.length - 1];
  if (httpMethod === 'GET') {
    return { method: 'ListDocuments', fromPath: { parent, collectionId }, body: 'none' };
  }
  if (httpMethod === 'POST') {
    return { method: 'CreateDocument', fromPath: { parent, collectionId }, body: 'document' };
  }
  return undefined;
}
