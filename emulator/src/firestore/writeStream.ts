// The Write bidi stream (google.firestore.v1.Firestore/Write) that the mobile and Node client SDKs
// write through. Protocol, from the WriteRequest/WriteResponse documentation:
//
// - The first request names the database and carries no writes. It creates a stream (the reply
//   has a stream_id and a stream_token and nothing else) or, with a stream_id, resumes one: the
//   server first re-sends every response later than the given token, then a response with only
//   a fresh token.
// - Every later request carries writes and the stream_token of the most recent response the
//   client has received, which acknowledges the responses up to it; earlier tokens may not be
//   used any more. Its writes are applied atomically, in order, as one commit, and answered with
//   write_results, commit_time and a new stream_token. Only the last request may be empty.
// - A refused request (bad token, wrong database, writes in the handshake, a failed write) ends
//   the stream with its gRPC status; the SDKs then reject that batch and open a new stream.
//
// The writes go through the very function the Commit RPC uses (passed in by server.ts), so
// limits, commit listeners (the functions host's triggers) and Listen see stream writes exactly
// as they see Commit's.
import { randomBytes } from 'node:crypto';
import type { CommitRequest, CommitResponse } from './core';
import { Code, RpcError, invalidArgument, statusOf } from './errors';
import { parseDatabase } from './paths';
import type { BidiStream } from './stream';
import type { Timestamp, Write, WriteResult } from './types';

/** google.firestore.v1.WriteRequest as decoded with LOADER_OPTIONS. */
export interface WriteRequest {
  database?: string;
  streamId?: string;
  writes?: Write[];
  streamToken?: Buffer;
  labels?: Record<string, string>;
}

/** google.firestore.v1.WriteResponse. */
export interface WriteResponse {
  streamId?: string;
  streamToken: Buffer;
  writeResults?: WriteResult[];
  commitTime?: Timestamp;
}

export type WriteCall = BidiStream<WriteRequest, WriteResponse>;

/**
 * Applies one request's writes as one commit: the Commit RPC's own path. It gets the stream's
 * Authorization header too, so the caller is judged exactly as on Commit.
 */
export type StreamCommit = (
  req: CommitRequest,
  authorization: string | undefined,
) => CommitResponse | Promise<CommitResponse>;

/** How long a stream whose connection went away can still be resumed. */
export const RESUME_WINDOW_MS = 5 * 60 * 1000;

/** Responses sent but not yet acknowledged, per stream, before the stream is closed. */
export const MAX_UNACKNOWLEDGED = 1000;

// A token is the stream's random key followed by the response's sequence number, so a token of
// another stream (or made up) is recognised.
const KEY_BYTES = 8;
const TOKEN_BYTES = KEY_BYTES + 4;

/** A stream's state, which outlives its connection for RESUME_WINDOW_MS (for resumption). */
interface StreamState {
  id: string;
  key: Buffer;
  database: string;
  /** Sequence number of the last response issued (0 = the first response). */
  issued: number;
  /** Sequence number of the last response the client acknowledged (-1 = none). */
  acked: number;
  /** Responses issued after `acked`, oldest first, for resumption. */
  unacked: { seq: number; response: WriteResponse }[];
  /** The call the stream is attached to, if any. */
  call: WriteCall | undefined;
  /** When the stream lost its call (for expiry). */
  detachedAt: number;
}

function tokenFor(state: StreamState, seq: number): Buffer {
  const token = Buffer.alloc(TOKEN_BYTES);
  state.key.copy(token, 0);
  token.writeUInt32BE(seq, KEY_BYTES);
  return token;
}

/** Checks a client's token against the stream and records the acknowledgement it carries. */
function acknowledge(state: StreamState, token: Buffer | undefined): number {
  if (!token || token.length === 0) {
    throw invalidArgument('stream_token is required in every request after the first');
  }
  const seq =
    token.length === TOKEN_BYTES && token.subarray(0, KEY_BYTES).equals(state.key)
      ? token.readUInt32BE(KEY_BYTES)
      : -1;
  if (seq < 0 || seq > state.issued) {
    throw invalidArgument(`Unknown stream token for write stream ${state.id}`);
  }
  if (seq < state.acked) {
    throw invalidArgument(
      `Stale stream token for write stream ${state.id}: a later token was already used`,
    );
  }
  state.acked = seq;
  while (state.unacked.length > 0 && state.unacked[0].seq <= seq) state.unacked.shift();
  return seq;
}

/** The streams of one server, live and recently detached. */
class WriteStreams {
  private readonly streams = new Map<string, StreamState>();

  constructor(private readonly commit: StreamCommit) {}

  handle(call: WriteCall): void {
    this.expire();
    new WriteStreamCall(call, this.commit, this.streams).start();
  }

  private expire(): void {
    const cutoff = Date.now() - RESUME_WINDOW_MS;
    for (const [id, s] of this.streams) {
      if (!s.call && s.detachedAt < cutoff) this.streams.delete(id);
    }
  }
}

/** One gRPC call of the Write method. */
class WriteStreamCall {
  private state: StreamState | undefined;
  /** Requests run one after another, in arrival order, even if a commit is asynchronous. */
  private queue: Promise<void> = Promise.resolve();
  /** The call is over for us: nothing more is sent on it. */
  private finished = false;
  /** A request was refused: later requests of this call are ignored. */
  private failed = false;

  constructor(
    private readonly call: WriteCall,
    private readonly commit: StreamCommit,
    private readonly streams: Map<string, StreamState>,
  ) {}

  start(): void {
    const { call } = this;
    call.onRequest((req: WriteRequest) => this.enqueue(() => this.onRequest(req)));
    // Connection gone, cancelled or half-closed: the stream stays resumable for a while
    // (requests already received are still applied; their responses wait in `unacked`). grpc-js
    // reports a cancellation as 'end' first, so a half-close cannot be told apart from it here.
    const detach = (): void => {
      this.finished = true;
      if (this.state?.call === call) {
        this.state.call = undefined;
        this.state.detachedAt = Date.now();
      }
    };
    // After a half-close, answer what was asked, then close our side.
    call.onHalfClose(() =>
      this.enqueue(() => {
        this.finish(() => call.end());
        detach();
      }),
    );
    call.onGone(detach);
  }

  private enqueue(step: () => void | Promise<void>): void {
    this.queue = this.queue.then(step).catch((err: unknown) => this.fail(err));
  }

  private async onRequest(req: WriteRequest): Promise<void> {
    if (this.failed || (this.finished && !this.state)) return;
    if (!this.state) {
      this.handshake(req);
      return;
    }
    const state = this.state;
    // Resumed on another connection meanwhile: that one owns the stream now.
    if (state.call !== undefined && state.call !== this.call) return;
    if (req.streamId) {
      throw invalidArgument('stream_id may only be set in the first request of a write stream');
    }
    if (req.database && parseDatabase(req.database).database !== state.database) {
      throw invalidArgument(
        `Write stream ${state.id} is for database ${state.database}, not ${req.database}`,
      );
    }
    acknowledge(state, req.streamToken);
    const writes = req.writes ?? [];
    // Only the last request may be empty: it just acknowledges.
    if (writes.length === 0) return;
    if (state.unacked.length >= MAX_UNACKNOWLEDGED) {
      throw new RpcError(
        Code.RESOURCE_EXHAUSTED,
        `Write stream ${state.id} has ${MAX_UNACKNOWLEDGED} unacknowledged responses`,
      );
    }
    const result = await this.commit({ database: state.database, writes }, this.call.authorization);
    this.respond(state, { writeResults: result.writeResults, commitTime: result.commitTime });
  }

  private handshake(req: WriteRequest): void {
    if (!req.database) throw invalidArgument('The first request of a write stream needs database');
    const database = parseDatabase(req.database).database;
    if ((req.writes ?? []).length > 0) {
      throw invalidArgument('The first request of a write stream must not carry writes');
    }
    if (!req.streamId) {
      if (req.streamToken && req.streamToken.length > 0) {
        throw invalidArgument('stream_token without stream_id: a new stream takes no token');
      }
      const state: StreamState = {
        id: randomBytes(16).toString('hex'),
        key: randomBytes(KEY_BYTES),
        database,
        issued: -1,
        acked: -1,
        unacked: [],
        call: this.call,
        detachedAt: 0,
      };
      this.streams.set(state.id, state);
      this.state = state;
      this.respond(state, { streamId: state.id });
      return;
    }
    const state = this.streams.get(req.streamId);
    if (!state) {
      throw new RpcError(
        Code.NOT_FOUND,
        `Write stream ${req.streamId} not found (it ended, failed or expired); open a new one`,
      );
    }
    if (state.database !== database) {
      throw invalidArgument(`Write stream ${state.id} is for database ${state.database}`);
    }
    if (req.streamToken && req.streamToken.length > 0) acknowledge(state, req.streamToken);
    // The connection it was on may not have noticed it is gone yet: this one takes over.
    const previous = state.call;
    state.call = this.call;
    this.state = state;
    if (previous) {
      previous.fail({
        code: Code.ABORTED,
        message: `Write stream ${state.id} was resumed on another connection`,
      });
    }
    for (const { response } of state.unacked) this.send(response);
    this.respond(state, {});
  }

  /** Issues the next token with `body`, remembers it until acknowledged, and sends it. */
  private respond(state: StreamState, body: Omit<WriteResponse, 'streamToken'>): void {
    state.issued += 1;
    const response: WriteResponse = { ...body, streamToken: tokenFor(state, state.issued) };
    state.unacked.push({ seq: state.issued, response });
    if (state.call === this.call) this.send(response);
  }

  private send(response: WriteResponse): void {
    if (this.finished || !this.call.writable) return;
    this.call.send(response);
  }

  /** A refused request ends the stream (it cannot be resumed) with the error's status. */
  private fail(err: unknown): void {
    this.failed = true;
    const state = this.state;
    if (state && (state.call === this.call || state.call === undefined)) {
      this.streams.delete(state.id);
    }
    this.finish(() => this.call.fail(statusOf(err, 'firestore emulator: write stream')));
  }

  private finish(close: () => void): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.call.writable) return;
    try {
      close();
    } catch {
      // The call may already be finished.
    }
  }
}

/** Serves Write streams; `commit` is the Commit RPC's own implementation. */
export function writeStreamHandler(commit: StreamCommit): (call: WriteCall) => void {
  const streams = new WriteStreams(commit);
  return (call) => streams.handle(call);
}
