// The WebChannel transport: `/google.firestore.v1.Firestore/{Listen,Write}/channel` on the
// Firestore port's HTTP/1.1 side, what the Firebase JS SDK in a browser streams through
// (packages/firestore/src/platform/browser/webchannel_connection.ts). Each channel session
// carries one Listen or Write stream to the very handler the gRPC server runs, so rules,
// index checks, limits and commit listeners are the same. Protocol: ../../README.md "WebChannel".
import type * as http from 'node:http';
import type { FirestoreService } from '../../service';
import type { BidiStream } from '../../stream';
import type { ListenRequest, ListenResponse } from '../../types';
import type { WriteRequest, WriteResponse } from '../../writeStream';
import type { HttpRoute } from '../http';
import { decodeJson, encodeJson } from '../rest/protoJson';
import { WebChannelSession, type ChannelSession, type Codec, type SessionTimings } from './session';
import { WireError, parseForwardBody, parseHeaderBlock } from './wire';

/** Opens a session of one bidi method, served by the service's own handler. */
type OpenSession = (authorization: string | undefined) => ChannelSession;

const PATH = /^\/google\.firestore\.v1\.Firestore\/([A-Za-z]+)\/channel$/;
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const SESSION_SWEEP_MS = 5_000;

/** Headers a browser page on another origin needs to read our replies (XHR withCredentials). */
export function corsHeaders(req: http.IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  return {
    'access-control-allow-origin': origin ?? '*',
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'X-HTTP-Session-Id, X-Client-Wire-Protocol',
    vary: 'Origin',
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_BODY_BYTES) {
        reject(new WireError(`Forward channel request over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else parts.push(b);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The caller's Authorization: the init POST's `headers=` field (what the SDK sends, with
 * encodeInitMessageHeaders), else the `$httpHeaders` URL parameter, else a real header.
 */
function authorizationOf(
  req: http.IncomingMessage,
  url: URL,
  initHeaders: Record<string, string>,
): string | undefined {
  return (
    initHeaders.authorization ??
    parseHeaderBlock(url.searchParams.get('$httpHeaders')).authorization ??
    req.headers.authorization
  );
}

/** proto3 JSON in and out (the browser serializer's useProto3Json), REST's own codec. */
function codecFor<Req, Res>(rpc: 'Listen' | 'Write'): Codec<Req, Res> {
  const requestType = `google.firestore.v1.${rpc}Request`;
  const responseType = `google.firestore.v1.${rpc}Response`;
  return {
    name: requestType,
    request: (json) => decodeJson<Req>(requestType, json),
    response: (message) => encodeJson(responseType, message),
  };
}

/** Counts of what the transport served, per method (tests show which path a client took). */
export interface WebChannelStats {
  sessions: Record<string, number>;
  streamingBackChannels: number;
  longPollBackChannels: number;
  forwardPosts: number;
  terminations: number;
}

export class WebChannelTransport {
  private readonly sessions = new Map<string, ChannelSession>();
  private readonly counts: WebChannelStats = {
    sessions: {},
    streamingBackChannels: 0,
    longPollBackChannels: 0,
    forwardPosts: 0,
    terminations: 0,
  };
  private readonly timings: SessionTimings;
  private readonly sweeper: NodeJS.Timeout;
  private readonly methods: Record<string, OpenSession>;
  /** The HTTP/1.1 route (../http.ts) that serves the channel URLs. */
  readonly route: HttpRoute = (req, res, url) => this.handle(req, res, url);

  constructor(service: FirestoreService, timings: Partial<SessionTimings> = {}) {
    this.methods = {
      Listen: (auth) =>
        this.open(auth, codecFor<ListenRequest, ListenResponse>('Listen'), (s) =>
          service.listen(s),
        ),
      Write: (auth) =>
        this.open(auth, codecFor<WriteRequest, WriteResponse>('Write'), (s) => service.write(s)),
    };
    this.timings = {
      keepAliveMs: 15_000,
      idleMs: 60_000,
      backChannelChars: 1024 * 1024,
      ...timings,
    };
    this.sweeper = setInterval(() => this.sweep(), Math.min(SESSION_SWEEP_MS, this.timings.idleMs));
    this.sweeper.unref();
  }

  /** Serves the request if it is a channel request; false otherwise. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean {
    const m = PATH.exec(url.pathname);
    if (!m) return false;
    const method = Object.hasOwn(this.methods, m[1]) ? this.methods[m[1]] : undefined;
    const cors = corsHeaders(req);
    const send = (code: number, body: string): void => {
      if (res.headersSent) return void res.end();
      res.writeHead(code, { ...cors, 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
        'access-control-max-age': '3600',
      });
      res.end();
      return true;
    }
    if (!method) {
      send(404, `Not found: no channel for ${m[1]}`);
      return true;
    }
    this.serve(req, res, url, m[1], method, cors).catch((err: unknown) => {
      const bad = err instanceof WireError;
      if (!bad) console.error('firestore emulator: webchannel internal error:', err);
      send(bad ? 400 : 500, `${bad ? 'Bad request' : 'Internal error'}: ${(err as Error).message}`);
    });
    return true;
  }

  private async serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    name: string,
    method: OpenSession,
    cors: Record<string, string>,
  ): Promise<void> {
    const q = url.searchParams;
    const sid = q.get('SID');
    const aid = q.has('AID') ? Number(q.get('AID')) : undefined;
    const send = (code: number, body: string, extra: Record<string, string> = {}): void => {
      res.writeHead(code, { ...cors, 'content-type': 'text/plain; charset=utf-8', ...extra });
      res.end(body);
    };
    // The client looks for "Unknown SID" past the first character (channelrequest.js).
    const unknown = (): void => send(400, `Error: Unknown SID ${sid ?? ''}`);
    if (q.get('TYPE') === 'terminate') {
      if (req.method === 'POST') await readBody(req);
      const session = sid ? this.sessions.get(sid) : undefined;
      if (session) this.counts.terminations++;
      session?.terminate();
      send(200, '');
      return;
    }
    if (req.method === 'GET' && q.get('RID') === 'rpc') {
      const session = sid ? this.sessions.get(sid) : undefined;
      if (!session || session.isClosed) return unknown();
      for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
      const longPoll = q.get('CI') === '1';
      if (longPoll) this.counts.longPollBackChannels++;
      else this.counts.streamingBackChannels++;
      const to = q.has('TO') ? Number(q.get('TO')) : undefined;
      session.attachBackChannel(res, aid ?? 0, longPoll, to);
      return;
    }
    if (req.method !== 'POST') {
      send(400, `Bad request: ${req.method} is not a WebChannel request`);
      return;
    }
    const body = parseForwardBody(await readBody(req));
    this.counts.forwardPosts++;
    if (!sid) {
      if (q.get('VER') !== '8')
        throw new WireError(`Unsupported channel version VER=${q.get('VER')}`);
      const session = method(authorizationOf(req, url, body.headers));
      this.counts.sessions[name] = (this.counts.sessions[name] ?? 0) + 1;
      session.deliver(body.maps);
      send(200, session.handshake(), { 'X-HTTP-Session-Id': session.httpSessionId });
      return;
    }
    const session = this.sessions.get(sid);
    if (!session || session.isClosed) return unknown();
    session.acknowledge(aid);
    session.deliver(body.maps);
    send(200, session.postReply());
  }

  /** A new session, registered, its stream handed to the service's handler. */
  private open<Req, Res>(
    authorization: string | undefined,
    codec: Codec<Req, Res>,
    serve: (stream: BidiStream<Req, Res>) => void,
  ): WebChannelSession<Req, Res> {
    const session = new WebChannelSession<Req, Res>(authorization, codec, this.timings, (s) =>
      this.sessions.delete(s.id),
    );
    this.sessions.set(session.id, session);
    serve(session.stream);
    return session;
  }

  /** Drops every session's back channel connection, as a proxy or the server might. */
  dropBackChannels(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.dropBackChannel()) n++;
    return n;
  }

  /** What was served so far (a copy). */
  stats(): WebChannelStats {
    return structuredClone(this.counts);
  }

  /** Open sessions (for tests and diagnostics). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const s of [...this.sessions.values()]) if (s.isIdle(now)) s.terminate();
  }

  /** Server shutdown: every stream is cancelled. */
  close(): void {
    clearInterval(this.sweeper);
    this.endSessions();
  }

  /**
   * Forgets every session, cancelling its stream, as a restarted server would: clients get
   * "Unknown SID" on their next request and open new channels. Resolves with how many.
   */
  endSessions(): number {
    const all = [...this.sessions.values()];
    for (const s of all) s.terminate();
    return all.length;
  }
}
