// One WebChannel session: the server half of a goog.net.WebChannel, carrying one Listen or
// Write stream. The service's stream handler (the same one the gRPC transport calls) gets the
// session's ChannelStream, a BidiStream (../../stream.ts): each forward-channel message is a
// request, each reply goes out as the next array, fail() sends the error and closes.
//
// Replies are numbered arrays, `[arrayId, [message]]`, kept until the client acknowledges them
// (AID on every request), so a back channel that breaks loses nothing: the next back channel
// GET re-sends everything after its AID.
import type * as http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Code, codeName, hasStatusCode, statusOf, type Status } from '../../errors';
import type { BidiStream } from '../../stream';
import { chunk } from './wire';

export interface SessionTimings {
  /** A streaming back channel gets a noop this often; a long poll is answered by then. */
  keepAliveMs: number;
  /** A session with no back channel and no request for this long is closed. */
  idleMs: number;
  /**
   * A streaming back channel is ended once it has carried this many characters; the client
   * opens the next one at once, with an AID that lets the server drop what it acknowledges.
   * (In streaming mode the client acknowledges only on new requests, so without this a
   * listener that never writes would make the server keep every array it ever sent.)
   */
  backChannelChars: number;
}

/** An error reply as Google's front end sends it on a channel (status is the code's name). */
export interface ChannelError {
  error: { code: number; message: string; status: string };
}

// google.rpc.Code -> HTTP status, as Google's REST/JSON front end maps them.
const HTTP_FOR_CODE: Record<number, number> = {
  0: 200,
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};

export function channelError(status: Status): ChannelError {
  return {
    error: {
      code: HTTP_FOR_CODE[status.code] ?? 500,
      message: status.message,
      status: codeName(status.code),
    },
  };
}

/** The session as the service's Listen/Write handler sees it. */
class ChannelStream<Req, Res> implements BidiStream<Req, Res> {
  readonly requests: ((r: Req) => void)[] = [];
  readonly gone: (() => void)[] = [];

  constructor(
    readonly authorization: string | undefined,
    private readonly session: WebChannelSession<Req, Res>,
  ) {}

  get writable(): boolean {
    return this.session.isOpen;
  }

  onRequest(listener: (request: Req) => void): void {
    this.requests.push(listener);
  }

  onHalfClose(): void {
    // A WebChannel client never half-closes: it terminates (onGone).
  }

  onGone(listener: () => void): void {
    this.gone.push(listener);
  }

  send(response: Res): void {
    this.session.reply(response);
  }

  end(): void {
    this.session.finish();
  }

  fail(status: Status): void {
    this.session.fail(status);
  }
}

interface BackChannel {
  res: http.ServerResponse;
  /** CI=1: answer with what is there (or a noop at the keep-alive time), then end. */
  longPoll: boolean;
  timer: NodeJS.Timeout;
  /** Characters written so far. */
  written: number;
}

export interface Codec<Req, Res> {
  /** The request message's name, for errors. */
  name: string;
  request(json: unknown): Req;
  response(message: Res): unknown;
}

/** A session as the transport handles it: HTTP requests in, never its stream's messages. */
export interface ChannelSession {
  readonly id: string;
  readonly httpSessionId: string;
  readonly isClosed: boolean;
  handshake(): string;
  postReply(): string;
  acknowledge(aid: number | undefined): void;
  deliver(maps: { id: number; message: unknown }[]): void;
  attachBackChannel(
    res: http.ServerResponse,
    aid: number,
    longPoll: boolean,
    holdMs?: number,
  ): void;
  dropBackChannel(): boolean;
  isIdle(now: number): boolean;
  terminate(): void;
}

export class WebChannelSession<Req, Res> implements ChannelSession {
  readonly id = randomBytes(12).toString('base64url');
  /** What X-HTTP-Session-Id names (the client sends it back as gsessionid). */
  readonly httpSessionId = randomBytes(12).toString('base64url');
  readonly stream: ChannelStream<Req, Res>;
  /** The highest forward map id handed to the stream (retried POSTs re-send maps). */
  private lastMapId = -1;
  /** Array id of the last array issued; 0 was the handshake's "c". */
  private lastArrayId = 0;
  /** Issued and not yet acknowledged, oldest first. */
  private readonly unacked: { id: number; text: string }[] = [];
  /** The highest array id written to some back channel (re-sent after a new GET's AID). */
  private sentUpTo = 0;
  private back: BackChannel | undefined;
  private flushQueued = false;
  /** The stream is over (failed or finished): its last arrays still go out, then it closes. */
  private ending = false;
  private closed = false;
  private lastActivity = Date.now();

  constructor(
    authorization: string | undefined,
    private readonly codec: Codec<Req, Res>,
    private readonly timings: SessionTimings,
    private readonly onClosed: (s: WebChannelSession<Req, Res>) => void,
  ) {
    this.stream = new ChannelStream(authorization, this);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Neither closed nor ending: replies are still taken. */
  get isOpen(): boolean {
    return !this.closed && !this.ending;
  }

  /** The handshake reply: `[[0,["c",SID,hostPrefix,VER,serverVersion,keepAliveMs]]]`. */
  handshake(): string {
    return chunk(JSON.stringify([[0, ['c', this.id, '', 8, 12, this.timings.keepAliveMs]]]));
  }

  /** A forward-channel POST's reply: `[backChannelPresent, lastArrayId, outstandingBytes]`. */
  postReply(): string {
    const outstanding = this.unacked
      .filter((a) => a.id > this.sentUpTo)
      .reduce((n, a) => n + a.text.length, 0);
    return chunk(JSON.stringify([1, this.lastArrayId, outstanding]));
  }

  /** The client has received every array up to `aid` (AID). */
  acknowledge(aid: number | undefined): void {
    this.lastActivity = Date.now();
    if (aid === undefined || !Number.isSafeInteger(aid)) return;
    while (this.unacked.length > 0 && this.unacked[0].id <= aid) this.unacked.shift();
  }

  /** Forward-channel messages, in map-id order; ones already handled (a retry) are skipped. */
  deliver(maps: { id: number; message: unknown }[]): void {
    this.lastActivity = Date.now();
    for (const { id, message } of maps) {
      if (id <= this.lastMapId || this.closed || this.ending) continue;
      this.lastMapId = id;
      let request: Req;
      try {
        request = this.codec.request(message);
      } catch (err) {
        // A message that does not decode fails the stream, as a malformed gRPC frame would.
        const known = hasStatusCode(err);
        this.fail({
          code: known ? (err.code as Code) : Code.INVALID_ARGUMENT,
          message: `Malformed ${this.codec.name}: ${err instanceof Error ? err.message : String(err)}`,
        });
        return;
      }
      try {
        for (const listener of this.stream.requests) listener(request);
      } catch (err) {
        // The handlers answer their own errors; anything else fails this stream, not the POST.
        this.fail(statusOf(err, 'firestore emulator: webchannel'));
        return;
      }
    }
  }

  /** A reply of the stream, as the next array. */
  reply(message: Res): void {
    if (!this.isOpen) return;
    this.issue([this.codec.response(message)]);
  }

  /** The stream failed: the error as the last array, then the channel closes. */
  fail(status: Status): void {
    if (this.closed || this.ending) return;
    this.issue([channelError(status)]);
    this.closeAfterFlush();
  }

  /** The stream ended without an error: the client is told to close the channel. */
  finish(): void {
    if (this.closed || this.ending) return;
    this.issue(['close']);
    this.closeAfterFlush();
  }

  private issue(payload: unknown[]): void {
    this.lastArrayId += 1;
    this.unacked.push({ id: this.lastArrayId, text: JSON.stringify([this.lastArrayId, payload]) });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // Replies written in one turn of the event loop go out as one chunk.
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** Writes every array not yet written to the back channel (a long poll then ends). */
  private flush(): void {
    const back = this.back;
    if (!back) return;
    const pending = this.unacked.filter((a) => a.id > this.sentUpTo);
    if (pending.length === 0) return;
    const text = chunk(`[${pending.map((a) => a.text).join(',')}]`);
    back.res.write(text);
    back.written += text.length;
    this.sentUpTo = pending[pending.length - 1].id;
    const full = back.written >= this.timings.backChannelChars;
    if (back.longPoll || this.ending || full) this.endBackChannel();
    if (this.ending) this.markClosed();
  }

  /**
   * A back channel GET (RID=rpc): it replaces any earlier one, and gets every array after its
   * AID first.
   */
  attachBackChannel(
    res: http.ServerResponse,
    aid: number,
    longPoll: boolean,
    holdMs?: number,
  ): void {
    this.acknowledge(aid);
    this.endBackChannel();
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-cache, no-store, max-age=0',
      'x-content-type-options': 'nosniff',
    });
    // A long poll is answered by the client's TO (or our keep-alive, if sooner) at the latest.
    const every =
      longPoll && holdMs !== undefined && holdMs > 0
        ? Math.min(holdMs, this.timings.keepAliveMs)
        : this.timings.keepAliveMs;
    const timer = setInterval(() => this.keepAlive(), every);
    timer.unref();
    const back: BackChannel = { res, longPoll, timer, written: 0 };
    this.back = back;
    res.on('close', () => {
      clearInterval(timer);
      if (this.back === back) {
        this.back = undefined;
        this.lastActivity = Date.now();
      }
    });
    this.sentUpTo = Math.max(0, Number.isSafeInteger(aid) ? aid : 0);
    const pending = this.unacked.some((a) => a.id > this.sentUpTo);
    if (pending) this.flush();
    // A streaming back channel gets its first bytes at once: the client's buffering-proxy
    // detection (experimentalAutoDetectLongPolling) waits for them.
    else if (!longPoll) this.keepAlive();
  }

  private keepAlive(): void {
    if (!this.back || this.closed) return;
    if (!this.unacked.some((a) => a.id > this.sentUpTo)) this.issue(['noop']);
    this.flush();
  }

  private endBackChannel(): void {
    const back = this.back;
    if (!back) return;
    this.back = undefined;
    clearInterval(back.timer);
    back.res.end();
  }

  /** Drops the back channel's connection mid-response (tests: the client must reconnect). */
  dropBackChannel(): boolean {
    const back = this.back;
    if (!back) return false;
    this.back = undefined;
    clearInterval(back.timer);
    back.res.destroy();
    return true;
  }

  /** Idle past the limit: no back channel and no request for idleMs. */
  isIdle(now: number): boolean {
    return !this.back && now - this.lastActivity > this.timings.idleMs;
  }

  /** The last arrays go out on this back channel or the next one; then the session is gone. */
  private closeAfterFlush(): void {
    this.ending = true;
    this.scheduleFlush();
  }

  /** TYPE=terminate, idle expiry or server shutdown: the stream is cancelled. */
  terminate(): void {
    if (this.closed) return;
    this.markClosed();
    this.endBackChannel();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed(this);
    for (const listener of this.stream.gone) listener();
  }
}
