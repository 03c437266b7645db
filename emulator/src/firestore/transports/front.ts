// One TCP port for every transport, as the official emulator has it: each new connection is
// sniffed. The HTTP/2 client preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`) goes to gRPC; anything
// else is HTTP/1.1 and goes to a node:http server (REST, WebChannel, the emulator's own helpers).
import * as net from 'node:net';
import * as http from 'node:http';

const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export class TcpFront {
  private readonly tcp: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly http2: (socket: net.Socket) => void,
    private readonly http1: http.Server,
  ) {
    this.tcp = net.createServer((socket) => this.route(socket));
  }

  /** Starts listening; port 0 picks a free port. Resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.tcp.once('error', onError);
      this.tcp.listen(port, host, () => {
        this.tcp.off('error', onError);
        // Errors after start (e.g. EMFILE on accept) must not crash the process.
        this.tcp.on('error', (err) => console.error('firestore emulator: server error:', err));
        resolve((this.tcp.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops accepting and destroys every connection still open. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (!this.tcp.listening) resolve();
      else this.tcp.close(() => resolve());
    });
    this.http1.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
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
        this.http2(socket);
      } else {
        this.http1.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
  }
}
