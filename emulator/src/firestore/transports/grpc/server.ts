// The gRPC transport: google.firestore.v1.Firestore over HTTP/2 with grpc-js, what firebase-admin,
// @google-cloud/firestore and the Node/mobile client SDKs speak. Connections arrive from the TCP
// front (../front.ts) through grpc-js's connection injector; every method is a thin wrapper over
// FirestoreService, turning thrown statuses into gRPC statuses.
import type * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Code, statusOf, type Status } from '../../errors';
import { MAX_REQUEST_BYTES, requestTooLargeMessage } from '../../limits';
import type { FirestoreService } from '../../service';
import type { BidiStream } from '../../stream';
import { firestoreServiceDefinition } from './proto';

export { MAX_REQUEST_BYTES };

function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  const s = statusOf(err);
  return { code: s.code, details: s.message };
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

function rejected(code: Code, details: string): RejectedRequest {
  return { [REJECTED]: { code, details } };
}

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
          return rejected(Code.INVALID_ARGUMENT, requestTooLargeMessage(bytes.length));
        }
        try {
          return strict(bytes);
        } catch (err) {
          return rejected(
            Code.INVALID_ARGUMENT,
            `Malformed request: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      },
    };
  }
  return out;
}

function authorizationOf(md: grpc.Metadata): string | undefined {
  const header = md.get('authorization')[0];
  return typeof header === 'string' ? header : header?.toString();
}

type UnaryFn<Req, Res> = (req: Req, auth: string | undefined) => Res | Promise<Res>;
type StreamFn<Req, Res> = (req: Req, auth: string | undefined) => Res[] | Promise<Res[]>;

function unary<Req, Res>(fn: UnaryFn<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    if (isRejected(call.request)) {
      callback(rejectionOf(call.request));
      return;
    }
    Promise.resolve()
      .then(() => fn(call.request, authorizationOf(call.metadata)))
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
      .then(() => fn(call.request, authorizationOf(call.metadata)))
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

/** A grpc-js duplex call as the core's BidiStream. */
function bidiOf<Req, Res>(call: grpc.ServerDuplexStream<Req, Res>): BidiStream<Req, Res> {
  let finished = false;
  return {
    authorization: authorizationOf(call.metadata),
    get writable() {
      return !finished && !call.cancelled && !call.destroyed;
    },
    onRequest: (listener) => call.on('data', listener),
    onHalfClose: (listener) => call.on('end', listener),
    onGone: (listener) => {
      call.on('cancelled', listener);
      call.on('error', listener);
      call.on('close', listener);
    },
    send: (response) => {
      if (!finished && !call.cancelled && !call.destroyed) call.write(response);
    },
    end: () => {
      if (finished) return;
      finished = true;
      try {
        call.end();
      } catch {
        // The call may already be finished.
      }
    },
    fail: (status: Status) => {
      if (finished) return;
      finished = true;
      if (call.cancelled || call.destroyed) return;
      // Headers first: the SDKs treat a stream that fails before any headers as a broken
      // connection and retry with backoff instead of reporting the error.
      try {
        call.sendMetadata(new grpc.Metadata());
      } catch {
        // Headers may already be out.
      }
      call.emit('error', { code: status.code, details: status.message });
    },
  };
}

export class GrpcTransport {
  private readonly server = new grpc.Server({
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  private readonly injector: grpc.ConnectionInjector;
  private readonly streams = new Set<grpc.ServerDuplexStream<unknown, unknown>>();

  constructor(service: FirestoreService) {
    this.server.addService(
      withLenientDeserializers(firestoreServiceDefinition()),
      this.handlers(service),
    );
    this.injector = this.server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  }

  /** Hands a connection that opened with the HTTP/2 preface to grpc-js. */
  accept(socket: net.Socket): void {
    this.injector.injectConnection(socket);
  }

  /** Ends every Listen/Write stream and drops every connection. */
  close(): void {
    for (const call of this.streams) call.end();
    this.streams.clear();
    this.server.forceShutdown();
  }

  /** Tracks a duplex call so close() can end it, then serves it. */
  private bidi<Req, Res>(
    serve: (stream: BidiStream<Req, Res>) => void,
  ): grpc.handleBidiStreamingCall<Req, Res> {
    return (call) => {
      const tracked = call as grpc.ServerDuplexStream<unknown, unknown>;
      this.streams.add(tracked);
      const done = (): void => {
        this.streams.delete(tracked);
      };
      call.on('close', done);
      call.on('cancelled', done);
      call.on('error', done);
      const stream = bidiOf(call);
      try {
        serve(stream);
      } catch (err) {
        done();
        stream.fail(statusOf(err));
      }
    };
  }

  private handlers(s: FirestoreService): grpc.UntypedServiceImplementation {
    return {
      GetDocument: unary(s.getDocument.bind(s)),
      ListDocuments: unary(s.listDocuments.bind(s)),
      CreateDocument: unary(s.createDocument.bind(s)),
      UpdateDocument: unary(s.updateDocument.bind(s)),
      DeleteDocument: unary(s.deleteDocument.bind(s)),
      BatchGetDocuments: serverStream(s.batchGetDocuments.bind(s)),
      BeginTransaction: unary(s.beginTransaction.bind(s)),
      Commit: unary(s.commit.bind(s)),
      Rollback: unary(s.rollback.bind(s)),
      RunQuery: serverStream(s.runQuery.bind(s)),
      RunAggregationQuery: serverStream(s.runAggregationQuery.bind(s)),
      ListCollectionIds: unary(s.listCollectionIds.bind(s)),
      BatchWrite: unary(s.batchWrite.bind(s)),
      PartitionQuery: unary(s.partitionQuery.bind(s)),
      Listen: this.bidi(s.listen.bind(s)),
      Write: this.bidi(s.write.bind(s)),
    };
  }
}
