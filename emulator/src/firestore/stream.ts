// The bidirectional streams (Listen, Write) as the core sees them, whatever carries them: a gRPC
// call (transports/grpc.ts) or a WebChannel session (transports/webchannel/). The core only
// reads requests, sends responses and ends the stream with a status.
import type { Status } from './errors';

export interface BidiStream<Req, Res> {
  /** The caller's `Authorization` header (`Bearer owner`, `Bearer <ID token>`), if any. */
  readonly authorization: string | undefined;
  /** False once the stream is finished, cancelled or its connection is gone. */
  readonly writable: boolean;
  /** Each request, in order. */
  onRequest(listener: (request: Req) => void): void;
  /** The client finished sending (half-close): answer what was asked, then end(). */
  onHalfClose(listener: () => void): void;
  /** The stream is gone: cancelled, failed, connection closed. Nothing more can be sent. */
  onGone(listener: () => void): void;
  send(response: Res): void;
  /** Ends the stream normally. */
  end(): void;
  /** Ends the stream with an error status. */
  fail(status: Status): void;
}
