// Local servers for the image import tests, on loopback only: an image server whose routes the
// test sets, and which counts connections and requests, so a test can prove that a refused
// URL never reached it.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import { parseHostPortList } from '../../src/domain/addresses';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface ImageServer {
  /** `http://host:port` (IPv6 hosts in brackets). */
  origin: string;
  host: string;
  port: number;
  connections: number;
  requests: Map<string, number>;
  route(pathname: string, handler: Route): void;
  /** Bytes written to responses so far, per path. */
  bytesSent: Map<string, number>;
  close(): Promise<void>;
}

/** Starts a server on `host:port` (port 0: any free one). Rejects with EADDRINUSE and the like. */
export async function startImageServer(host = '127.0.0.1', port = 0): Promise<ImageServer> {
  const routes = new Map<string, Route>();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    state.requests.set(pathname, (state.requests.get(pathname) ?? 0) + 1);
    const write = res.write.bind(res);
    res.write = ((chunk: Buffer | string, ...rest: never[]) => {
      state.bytesSent.set(pathname, (state.bytesSent.get(pathname) ?? 0) + chunk.length);
      return write(chunk, ...rest);
    }) as typeof res.write;
    const handler = routes.get(pathname);
    if (handler) handler(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('no such test route');
  });
  server.on('connection', (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const state: ImageServer = {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    host,
    port: bound,
    connections: 0,
    requests: new Map(),
    bytesSent: new Map(),
    route: (pathname, handler) => void routes.set(pathname, handler),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
  return state;
}

/**
 * The host:port pairs that functions/.env.local allows for image imports in the local stack
 * (IMAGE_IMPORT_ALLOWED_HOSTS). The stack runs in another process than mocha, so a test cannot
 * hand it a port it picked; instead the stack's env file names a few fixed loopback ports and
 * the test takes the first one that is free (another test run may hold one).
 */
export function stackAllowedHosts(): { host: string; port: number }[] {
  const file = path.resolve(__dirname, '..', '..', '..', '.env.local');
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('IMAGE_IMPORT_ALLOWED_HOSTS='));
  if (!line) throw new Error(`${file} sets no IMAGE_IMPORT_ALLOWED_HOSTS`);
  return parseHostPortList(line.slice(line.indexOf('=') + 1)).entries;
}

/** An image server on one of the ports the local stack allows. */
export async function startAllowedImageServer(): Promise<ImageServer> {
  let lastError: unknown;
  for (const { host, port } of stackAllowedHosts()) {
    try {
      return await startImageServer(host, port);
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`no allowed image server port is free: ${String(lastError)}`);
}

/** A route that sends `body` with `contentType`. */
export function sendBytes(body: Buffer | string, contentType: string, status = 200): Route {
  return (_req, res) => {
    res.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };
}

/** A route that redirects to `location`. */
export function redirectTo(location: string, status = 302): Route {
  return (_req, res) => {
    res.writeHead(status, { location }).end();
  };
}
