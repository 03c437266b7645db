// The Firestore emulator server: one TCP port that speaks gRPC (HTTP/2, what the SDKs use) and
// plain HTTP/1.1 (the official emulator's REST helpers such as the DELETE that clears all data).
// Each new connection is sniffed: an HTTP/2 client preface goes to grpc-js through its connection
// injector, anything else to a node:http server.
import * as net from 'node:net';
import * as http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { firestoreServiceDefinition } from './proto';
import type { CommitListener } from './events';
import { FirestoreCore } from './core';
import { RpcError, hasStatusCode } from './errors';
import { IndexChecker, type IndexCheckOptions } from './indexes/checker';
import { serveIndexConfigHttp } from './indexes/http';
import type { IndexUsageReport } from './indexes/usage';
import { handleListen } from './listen';
import { writeStreamHandler } from './writeStream';
import { databaseRef } from './paths';
import { readExport, writeExport } from './persistence';
import type { ListenSource } from './source';
import type { ListenRequest, ListenResponse } from './types';
import { FirestoreRules, resourceOf } from './rulesCheck';
import { RulesError, type RPath, type RValue } from '../rules/values';
import { LoadedRules, readRulesBody } from '../rules/loaded';
import { RulesSyntaxError } from '../rules/lexer';
import { NO_PROJECT_ID } from '../config';
import { WebChannelTransport } from './transports/webchannel/transport';
import type { SessionTimings } from './transports/webchannel/session';

export interface FirestoreEmulatorOptions {
  /** Default project (used by nothing but logs and helpers; every project's data is served). */
  projectId?: string;
  /** Where rules loading reports (loaded, reloaded, syntax errors); default console.log. */
  log?: (line: string) => void;
  /**
   * Check every query against this firestore.indexes.json, as production would (see
   * indexes/README.md). Without it no query is refused for want of an index.
   */
  indexes?: IndexCheckOptions;
  /** WebChannel keep-alive and idle times (tests shorten them). */
  webChannel?: Partial<SessionTimings>;
}

const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const MAINTENANCE_MS = 5_000;

/** Turns anything thrown by a handler into a gRPC status. */
function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  if (hasStatusCode(err)) return { code: err.code, details: err.message };
  const message = err instanceof Error ? err.message : String(err);
  console.error('firestore emulator: internal error:', err);
  return { code: grpc.status.INTERNAL, details: `Internal emulator error: ${message}` };
}

/** Marks a request refused before its handler runs (bytes that do not parse, or too many). */
const REJECTED = Symbol('rejected request');

interface RejectedRequest {
  [REJECTED]: Partial<grpc.StatusObject>;
}

function isRejected(req: unknown): req is RejectedRequest {
  return typeof req === 'object' && req !== null && REJECTED in req;
}

function rejectionOf(req: RejectedRequest): Partial<grpc.StatusObject> {
  return req[REJECTED];
}

/** Firestore's documented limit on the size of one API request. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/**
 * grpc-js answers INTERNAL when a request does not deserialize; Firestore answers
 * INVALID_ARGUMENT, as it does for a request over 10 MiB. Wrap the deserializers of the unary
 * and server-streaming methods so the handler sees a marker instead and can answer properly.
 */
function withLenientDeserializers(def: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(def)) {
    if (method.requestStream) {
      out[name] = method;
      continue;
    }
    const strict = method.requestDeserialize;
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        if (bytes.length > MAX_REQUEST_BYTES) {
          const marker: RejectedRequest = {
            [REJECTED]: {
              code: grpc.status.INVALID_ARGUMENT,
              details: `Request payload size ${bytes.length} bytes exceeds the 10 MiB limit (${MAX_REQUEST_BYTES} bytes) on the size of an API request`,
            },
          };
          return marker;
        }
        try {
          return strict(bytes);
        } catch (err) {
          const marker: RejectedRequest = {
            [REJECTED]: {
              code: grpc.status.INVALID_ARGUMENT,
              details: `Malformed request: ${err instanceof Error ? err.message : String(err)}`,
            },
          };
          return marker;
        }
      },
    };
  }
  return out;
}

type UnaryFn<Req, Res> = (req: Req, metadata: grpc.Metadata) => Res | Promise<Res>;
type StreamFn<Req, Res> = (req: Req, metadata: grpc.Metadata) => Res[] | Promise<Res[]>;

function unary<Req, Res>(fn: UnaryFn<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    if (isRejected(call.request)) {
      callback(rejectionOf(call.request));
      return;
    }
    Promise.resolve()
      .then(() => fn(call.request, call.metadata))
      .then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err)),
      );
  };
}

function serverStream<Req, Res>(fn: StreamFn<Req, Res>): grpc.handleServerStreamingCall<Req, Res> {
  // Headers go out before an error status: the SDK treats a stream that fails before any
  // headers as a broken connection and retries it twice with backoff (about 7 s) before the
  // caller sees the error.
  const fail = (call: grpc.ServerWritableStream<Req, Res>, err: Partial<grpc.StatusObject>) => {
    call.sendMetadata(new grpc.Metadata());
    call.emit('error', err);
  };
  return (call) => {
    if (isRejected(call.request)) {
      fail(call, rejectionOf(call.request));
      return;
    }
    Promise.resolve()
      .then(() => fn(call.request, call.metadata))
      .then(
        (items) => {
          if (call.cancelled) return;
          for (const item of items) call.write(item);
          call.end();
        },
        (err: unknown) => {
          if (!call.cancelled) fail(call, toServiceError(err));
        },
      );
  };
}

export class FirestoreEmulator {
  readonly projectId: string;
  private readonly core = new FirestoreCore();
  /** The security rules in force for clients (none until loaded: then nothing is checked). */
  readonly rules: LoadedRules;
  private readonly rulesCheck: FirestoreRules;
  private readonly indexes: IndexChecker;
  private readonly listenSource: ListenSource;
  private readonly grpcServer = new grpc.Server({
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  private readonly injector: grpc.ConnectionInjector;
  private readonly httpServer: http.Server;
  private readonly tcpServer: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly listenCalls = new Set<grpc.ServerDuplexStream<ListenRequest, ListenResponse>>();
  /** The browser SDK's streams: the same Listen and Write handlers over WebChannel. */
  readonly webChannel: WebChannelTransport;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: FirestoreEmulatorOptions = {}) {
    this.projectId = options.projectId ?? process.env.GCLOUD_PROJECT ?? NO_PROJECT_ID;
    this.rules = new LoadedRules('Firestore', options.log);
    this.rulesCheck = new FirestoreRules(this.rules, (n) => this.core.store.get(n));
    this.indexes = new IndexChecker(options.indexes);
    this.listenSource = {
      ...this.core.listenSource,
      checkQuery: (parent, query) => this.indexes.check(parent, query),
    };
    const definition = firestoreServiceDefinition();
    const service = this.handlers();
    this.grpcServer.addService(withLenientDeserializers(definition), service);
    this.webChannel = new WebChannelTransport({
      timings: options.webChannel,
      methods: {
        Listen: {
          handler: service.Listen as never,
          definition: definition.Listen,
          requestType: 'google.firestore.v1.ListenRequest',
          responseType: 'google.firestore.v1.ListenResponse',
        },
        Write: {
          handler: service.Write as never,
          definition: definition.Write,
          requestType: 'google.firestore.v1.WriteRequest',
          responseType: 'google.firestore.v1.WriteResponse',
        },
      },
    });
    this.injector = this.grpcServer.createConnectionInjector(
      grpc.ServerCredentials.createInsecure(),
    );
    this.httpServer = http.createServer((req, res) => this.handleHttp(req, res));
    this.tcpServer = net.createServer((socket) => this.route(socket));
  }

  /** Starts listening; port 0 picks a free port. Resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.tcpServer.once('error', onError);
      this.tcpServer.listen(port, host, () => {
        this.tcpServer.off('error', onError);
        // Errors after start (e.g. EMFILE on accept) must not crash the process.
        this.tcpServer.on('error', (err) =>
          console.error('firestore emulator: server error:', err),
        );
        this.timer = setInterval(() => this.core.maintain(), MAINTENANCE_MS);
        this.timer.unref();
        resolve((this.tcpServer.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops listening and drops every connection, Listen streams included. */
  async close(): Promise<void> {
    this.indexes.close();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const closed = new Promise<void>((resolve) => {
      if (!this.tcpServer.listening) resolve();
      else this.tcpServer.close(() => resolve());
    });
    for (const call of this.listenCalls) call.end();
    this.webChannel.close();
    this.grpcServer.forceShutdown();
    this.httpServer.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Called once per successful Commit/BatchWrite with every changed document. */
  onCommit(listener: CommitListener): () => void {
    return this.core.onCommit(listener);
  }

  /** One document as Storage rules' firestore.get() sees it (null when it does not exist). */
  documentForRules(projectId: string, path: RPath): RValue {
    const segs = path.segments;
    if (segs[0] !== 'databases' || segs[2] !== 'documents' || segs.length % 2 !== 1) {
      throw new RulesError(`Not a Firestore document path: ${path.toString()}`);
    }
    const name = `projects/${projectId}/${segs.join('/')}`;
    return resourceOf(name, this.core.store.get(name));
  }

  /** Which declared indexes served queries so far (undefined when index checks are off). */
  indexUsage(): IndexUsageReport | undefined {
    return this.indexes.usageReport();
  }

  /** Deletes all data. */
  clear(): void {
    this.core.clear();
  }

  /** Writes every current document to `dir` (see persistence.ts); resolves with the count. */
  exportData(dir: string): Promise<number> {
    return writeExport(dir, this.core.store.allCurrent());
  }

  /** Loads an export written by exportData; resolves with the count (0 if `dir` has none). */
  async importData(dir: string): Promise<number> {
    const docs = await readExport(dir);
    if (!docs) return 0;
    this.core.load(docs);
    return docs.length;
  }

  private route(socket: net.Socket): void {
    this.sockets.add(socket);
    // Small request/response messages: do not let Nagle delay them.
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, HTTP2_PREFACE.length);
      const isHttp2 = head.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
      // Undecided while what arrived so far is a prefix of the preface.
      if (isHttp2 && n < HTTP2_PREFACE.length) return;
      socket.off('data', onData);
      socket.pause();
      socket.unshift(head);
      if (isHttp2) {
        this.injector.injectConnection(socket);
      } else {
        this.httpServer.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
  }

  private handleHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    try {
      this.serveHttp(req, res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 500, message: String(err) } }));
    }
  }

  private serveHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (code: number, body: string, type = 'application/json'): void => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    const clearMatch = /^\/emulator\/v1\/projects\/([^/]+)\/databases\/([^/]+)\/documents\/?$/.exec(
      url.pathname,
    );
    const readsMatch =
      /^\/emulator\/v1\/(projects\/[^/]+\/databases\/[^/]+\/documents\/.+):reads$/.exec(
        url.pathname,
      );
    if (this.webChannel.handle(req, res, url)) return;
    if (serveIndexConfigHttp(req, res, url.pathname, this.indexes)) return;
    if (req.method === 'GET' && readsMatch) {
      send(200, JSON.stringify(this.core.reads.of(decodeURIComponent(readsMatch[1]))));
    } else if (req.method === 'DELETE' && clearMatch) {
      this.core.clear(databaseRef(clearMatch[1], clearMatch[2]));
      send(200, '{}');
    } else if (req.method === 'GET' && url.pathname === '/') {
      send(200, 'Ok', 'text/plain');
    } else if (
      req.method === 'PUT' &&
      /^\/emulator\/v1\/projects\/[^/]+:securityRules$/.test(url.pathname)
    ) {
      readRulesBody(req).then(
        (files) => {
          try {
            const f = files[0];
            this.rules.load(f.content, f.name ?? 'firestore.rules');
            send(200, '{}');
          } catch (err) {
            const code = err instanceof RulesSyntaxError ? 400 : 500;
            send(code, JSON.stringify({ error: { code, message: (err as Error).message } }));
          }
        },
        (err: Error) => send(400, JSON.stringify({ error: { code: 400, message: err.message } })),
      );
    } else if (
      req.method === 'GET' &&
      /^\/emulator\/v1\/projects\/[^/]+:ruleCoverage\.html$/.test(url.pathname)
    ) {
      const report = this.rules.coverageReport();
      if (report) send(200, report, 'text/html');
      else send(404, JSON.stringify({ error: { code: 404, message: 'No rules loaded' } }));
    } else {
      send(
        404,
        JSON.stringify({
          error: { code: 404, message: `Not found: ${req.method} ${url.pathname}` },
        }),
      );
    }
  }

  private handlers(): grpc.UntypedServiceImplementation {
    const c = this.core;
    const caller = (md: grpc.Metadata) => this.rulesCheck.callerOf(md);
    // RPCs the client SDKs never send: admins only while rules are in force.
    const adminOnly = (md: grpc.Metadata, rpc: string): void => {
      if (this.rules.ruleset && caller(md)) {
        throw new RpcError(
          grpc.status.PERMISSION_DENIED,
          `${rpc} is served to admin callers only while security rules are loaded`,
        );
      }
    };
    return {
      GetDocument: unary((r, md) => {
        caller(md)?.authorizeGets(r.name ? [r.name] : []);
        return c.getDocument(r);
      }),
      ListDocuments: unary((r, md) => {
        adminOnly(md, 'ListDocuments');
        return c.listDocuments(r);
      }),
      CreateDocument: unary((r, md) => {
        adminOnly(md, 'CreateDocument');
        return c.createDocument(r);
      }),
      UpdateDocument: unary((r, md) => {
        adminOnly(md, 'UpdateDocument');
        return c.updateDocument(r);
      }),
      DeleteDocument: unary((r, md) => {
        adminOnly(md, 'DeleteDocument');
        return c.deleteDocument(r);
      }),
      BatchGetDocuments: serverStream((r, md) => {
        caller(md)?.authorizeGets(r.documents ?? []);
        return c.batchGetDocuments(r);
      }),
      BeginTransaction: unary((r) => c.beginTransaction(r)),
      Commit: unary((r, md) => c.commit(r, caller(md))),
      Rollback: unary((r) => c.rollback(r)),
      RunQuery: serverStream((r, md) => {
        caller(md)?.authorizeQuery(r.parent, r.structuredQuery);
        this.indexes.check(r.parent, r.structuredQuery);
        return c.runQuery(r);
      }),
      RunAggregationQuery: serverStream(async (r, md) => {
        const query = r.structuredAggregationQuery?.structuredQuery;
        caller(md)?.authorizeQuery(r.parent, query);
        this.indexes.check(r.parent, query);
        return [await c.runAggregationQuery(r)];
      }),
      ListCollectionIds: unary((r, md) => {
        adminOnly(md, 'ListCollectionIds');
        return c.listCollectionIds(r);
      }),
      BatchWrite: unary((r, md) => {
        adminOnly(md, 'BatchWrite');
        return c.batchWrite(r);
      }),
      PartitionQuery: unary((r, md) => {
        adminOnly(md, 'PartitionQuery');
        return c.partitionQuery(r);
      }),
      // Every write of the stream goes through the Commit path, rules included.
      Write: writeStreamHandler((r, md) => c.commit(r, caller(md))),
      Listen: (call: grpc.ServerDuplexStream<ListenRequest, ListenResponse>) => {
        this.listenCalls.add(call);
        const done = (): void => {
          this.listenCalls.delete(call);
        };
        call.on('close', done);
        call.on('cancelled', done);
        call.on('error', done);
        try {
          const rules = caller(call.metadata);
          handleListen(call, this.listenSource, rules && ((t) => rules.listenTargetDenial(t)));
        } catch (err) {
          done();
          call.emit('error', toServiceError(err));
        }
      },
    };
  }
}
