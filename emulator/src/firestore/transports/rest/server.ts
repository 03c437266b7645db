// The REST transport: google.firestore.v1.Firestore over HTTP/1.1 with proto3 JSON, as
// firestore.googleapis.com serves it (what `firebase/firestore/lite`, the web SDK's REST calls
// and @google-cloud/firestore with preferRest use). routes.ts finds the method; the request is
// built from the path, the query string (`mask.fieldPaths=a&mask.fieldPaths=b`,
// `currentDocument.exists=false`, `documentId=x`) and the body, decoded with protoJson.ts, and
// handed to the same FirestoreService as gRPC. Server-streaming methods (batchGet, runQuery,
// runAggregationQuery) answer a JSON array of their responses, as Google's endpoint does.
// Errors are Google's error JSON: {"error": {"code": 404, "message": "...", "status": "NOT_FOUND"}}.
import type * as http from 'node:http';
import * as protobuf from 'protobufjs';
import { Code, RpcError, codeName, invalidArgument, statusOf } from '../../errors';
import { MAX_REQUEST_BYTES, requestTooLargeMessage } from '../../limits';
import type { FirestoreService } from '../../service';
import type { HttpRoute } from '../http';
import { decodeJson, encodeJson, fieldOf, messageType } from './protoJson';
import { isRestPath, matchRoute, type RestMethod } from './routes';

const V1 = 'google.firestore.v1.';

/** google.rpc.Code → HTTP status, as Google's APIs map them (google/rpc/code.proto). */
const HTTP_STATUS: Record<Code, number> = {
  [Code.OK]: 200,
  [Code.CANCELLED]: 499,
  [Code.UNKNOWN]: 500,
  [Code.INVALID_ARGUMENT]: 400,
  [Code.DEADLINE_EXCEEDED]: 504,
  [Code.NOT_FOUND]: 404,
  [Code.ALREADY_EXISTS]: 409,
  [Code.PERMISSION_DENIED]: 403,
  [Code.RESOURCE_EXHAUSTED]: 429,
  [Code.FAILED_PRECONDITION]: 400,
  [Code.ABORTED]: 409,
  [Code.OUT_OF_RANGE]: 400,
  [Code.UNIMPLEMENTED]: 501,
  [Code.INTERNAL]: 500,
  [Code.UNAVAILABLE]: 503,
  [Code.DATA_LOSS]: 500,
  [Code.UNAUTHENTICATED]: 401,
};

export function httpStatusOf(code: Code): number {
  return HTTP_STATUS[code] ?? 500;
}

type ServiceMethod =
  | 'getDocument'
  | 'listDocuments'
  | 'createDocument'
  | 'updateDocument'
  | 'deleteDocument'
  | 'batchGetDocuments'
  | 'beginTransaction'
  | 'commit'
  | 'rollback'
  | 'batchWrite'
  | 'runQuery'
  | 'runAggregationQuery'
  | 'partitionQuery'
  | 'listCollectionIds';

interface MethodSpec {
  /** Full names of the request and response messages. */
  request: string;
  response: string;
  /** Server-streaming on gRPC: answered as a JSON array. */
  streaming: boolean;
  call: ServiceMethod;
}

function spec(
  request: string,
  response: string,
  call: ServiceMethod,
  streaming = false,
): MethodSpec {
  const full = (name: string): string => (name.startsWith('.') ? name : V1 + name);
  return { request: full(request), response: full(response), streaming, call };
}

const EMPTY = '.google.protobuf.Empty';

const METHODS: Record<Exclude<RestMethod, 'Listen' | 'Write'>, MethodSpec> = {
  GetDocument: spec('GetDocumentRequest', 'Document', 'getDocument'),
  ListDocuments: spec('ListDocumentsRequest', 'ListDocumentsResponse', 'listDocuments'),
  CreateDocument: spec('CreateDocumentRequest', 'Document', 'createDocument'),
  UpdateDocument: spec('UpdateDocumentRequest', 'Document', 'updateDocument'),
  DeleteDocument: spec('DeleteDocumentRequest', EMPTY, 'deleteDocument'),
  BatchGetDocuments: spec(
    'BatchGetDocumentsRequest',
    'BatchGetDocumentsResponse',
    'batchGetDocuments',
    true,
  ),
  BeginTransaction: spec('BeginTransactionRequest', 'BeginTransactionResponse', 'beginTransaction'),
  Commit: spec('CommitRequest', 'CommitResponse', 'commit'),
  Rollback: spec('RollbackRequest', EMPTY, 'rollback'),
  BatchWrite: spec('BatchWriteRequest', 'BatchWriteResponse', 'batchWrite'),
  RunQuery: spec('RunQueryRequest', 'RunQueryResponse', 'runQuery', true),
  RunAggregationQuery: spec(
    'RunAggregationQueryRequest',
    'RunAggregationQueryResponse',
    'runAggregationQuery',
    true,
  ),
  PartitionQuery: spec('PartitionQueryRequest', 'PartitionQueryResponse', 'partitionQuery'),
  ListCollectionIds: spec(
    'ListCollectionIdsRequest',
    'ListCollectionIdsResponse',
    'listCollectionIds',
  ),
};

/** Calls one service method with a request decoded for it (decodeJson checked its shape). */
function invoke(
  service: FirestoreService,
  name: ServiceMethod,
  request: unknown,
  auth: string | undefined,
): unknown {
  const fn = service[name] as (
    this: FirestoreService,
    r: unknown,
    a: string | undefined,
  ) => unknown;
  return fn.call(service, request, auth);
}

/** Query parameters that are system parameters of Google's APIs, not request fields. */
const SYSTEM_PARAMS = new Set([
  'alt',
  '$alt',
  'key',
  'prettyPrint',
  'fields',
  'access_token',
  'callback',
  '$.xgafv',
  'quotaUser',
  'upload_protocol',
  'uploadType',
]);

/** Puts one query parameter (`mask.fieldPaths=a`) into the JSON request, typed by the proto. */
function bindQueryParam(
  json: Record<string, unknown>,
  type: protobuf.Type,
  key: string,
  value: string,
): void {
  const parts = key.split('.');
  let target = json;
  let current = type;
  for (let i = 0; i < parts.length; i++) {
    const field = fieldOf(current, parts[i]);
    if (!field) {
      throw invalidArgument(
        `Invalid JSON payload received. Unknown name "${key}": Cannot bind query parameter. Field '${parts[i]}' could not be found in request message.`,
      );
    }
    field.resolve();
    const sub = field.resolvedType;
    const last = i === parts.length - 1;
    const wellKnown = sub instanceof protobuf.Type && sub.fullName.startsWith('.google.protobuf.');
    if (!last) {
      if (!(sub instanceof protobuf.Type) || field.repeated || wellKnown) {
        throw invalidArgument(`Invalid query parameter "${key}": '${parts[i]}' is not a message`);
      }
      const next = (target[field.name] ??= {}) as Record<string, unknown>;
      target = next;
      current = sub;
      continue;
    }
    if (sub instanceof protobuf.Type && !wellKnown) {
      throw invalidArgument(`Invalid query parameter "${key}": it names a message, not a field`);
    }
    const typed = coerce(field, sub, value, key);
    if (field.repeated) ((target[field.name] ??= []) as unknown[]).push(typed);
    else target[field.name] = typed;
  }
}

function coerce(
  field: protobuf.Field,
  sub: protobuf.Type | protobuf.Enum | null,
  value: string,
  key: string,
): unknown {
  const kind = sub instanceof protobuf.Type ? sub.fullName : field.type;
  switch (kind) {
    case 'bool':
    case '.google.protobuf.BoolValue':
      if (value !== 'true' && value !== 'false') {
        throw invalidArgument(`Invalid value at '${key}' (TYPE_BOOL), "${value}"`);
      }
      return value === 'true';
    case 'int32':
    case 'uint32':
    case 'sint32':
    case 'fixed32':
    case 'sfixed32':
    case 'double':
    case 'float':
    case '.google.protobuf.Int32Value':
    case '.google.protobuf.UInt32Value':
    case '.google.protobuf.DoubleValue':
    case '.google.protobuf.FloatValue': {
      const n = Number(value);
      if (value.trim() === '' || Number.isNaN(n)) {
        throw invalidArgument(`Invalid value at '${key}' (${field.type}), "${value}"`);
      }
      return n;
    }
    default:
      return value;
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Read on to the end (and drop it) so the client can read the answer.
      if (size > MAX_REQUEST_BYTES) refused = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) reject(invalidArgument(requestTooLargeMessage(size)));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function parseBody(bytes: Buffer): unknown {
  const text = bytes.toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidArgument(
      `Invalid JSON payload received. ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function send(res: http.ServerResponse, code: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

export function sendError(res: http.ServerResponse, err: unknown): void {
  const status = statusOf(err, 'firestore emulator (REST)');
  const http = httpStatusOf(status.code);
  send(res, http, {
    error: { code: http, message: status.message, status: codeName(status.code) },
  });
}

async function serve(
  service: FirestoreService,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const route = matchRoute(req.method ?? 'GET', url.pathname);
  if (!route) {
    throw new RpcError(Code.NOT_FOUND, `No REST method for ${req.method} ${url.pathname}`);
  }
  if (route.method === 'Listen' || route.method === 'Write') {
    throw new RpcError(
      Code.UNIMPLEMENTED,
      `${route.method} is a bidirectional stream: use gRPC or the WebChannel endpoint (google.firestore.v1.Firestore/${route.method}/channel)`,
    );
  }
  const method = METHODS[route.method];
  const requestType = messageType(method.request);
  const bytes = await readBody(req);
  const json: Record<string, unknown> = {};
  for (const [key, value] of url.searchParams) {
    if (SYSTEM_PARAMS.has(key) || key.startsWith('$')) continue;
    bindQueryParam(json, requestType, key, value);
  }
  if (route.body !== 'none') {
    const body = parseBody(bytes);
    if (route.body === '*') {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw invalidArgument('Invalid JSON payload received. The body must be a JSON object.');
      }
      Object.assign(json, body);
    } else {
      json[route.body] = body;
    }
  }
  // Path fields win over the body's (the document's name in a PATCH is the path's).
  for (const [k, v] of Object.entries(route.fromPath)) {
    if (typeof v === 'object' && v !== null && typeof json[k] === 'object' && json[k] !== null) {
      json[k] = { ...(json[k] as object), ...v };
    } else {
      json[k] = v;
    }
  }
  const request = decodeJson<unknown>(method.request, json);
  const result = await invoke(service, method.call, request, req.headers.authorization);
  const responseType = method.response;
  // System parameter `$alt=json;enum-encoding=int`: enums as numbers in the reply.
  const numeric = /enum-encoding=int/.test(url.searchParams.get('$alt') ?? '');
  if (method.streaming) {
    send(
      res,
      200,
      (result as unknown[]).map((item) => encodeJson(responseType, item, numeric)),
    );
  } else {
    send(res, 200, encodeJson(responseType, result, numeric));
  }
}

/** The REST API as an HTTP route of the shared port (paths under /v1/projects/). */
export function restRoute(service: FirestoreService): HttpRoute {
  return (req, res, url) => {
    if (!isRestPath(url.pathname)) return false;
    serve(service, req, res, url).catch((err: unknown) => sendError(res, err));
    return true;
  };
}
