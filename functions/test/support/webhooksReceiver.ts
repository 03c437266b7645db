// A webhook receiver for tests and the bench: listens on 127.0.0.1 on the first free port of
// those WEBHOOK_ALLOWED_HOSTS lets deliveries reach (functions/.env.local), records every
// request, and answers as the test says (a status, a Retry-After, or never).
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';

export const RECEIVER_PORTS = [9471, 9472, 9473, 9474];

export interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
}

export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  /** Decides each answer by the request's position (0-based); 200 when unset. */
  answer: (index: number, request: Received) => Answer;
  close(): Promise<void>;
}

function listen(server: http.Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onError = () => resolve(false);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve(true);
    });
  });
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    received: [],
    answer: () => ({ status: 200 }),
    close: async () => undefined,
  };
  // A path of its own: a late delivery meant for an earlier test's receiver on the same port is
  // answered 404 (not retried) and not recorded.
  const path = `/hook/${randomBytes(6).toString('hex')}`;
  const server = http.createServer((req, res) => {
    if (req.url !== path) {
      req.resume();
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: Received = {
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [
            k,
            Array.isArray(v) ? v.join(', ') : String(v),
          ]),
        ),
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      const index = receiver.received.push(request) - 1;
      const answer = receiver.answer(index, request);
      if (answer === 'hang') return; // never answers; the connection is closed at close()
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end('ok');
    });
  });
  for (const port of RECEIVER_PORTS) {
    if (await listen(server, port)) {
      receiver.url = `http://127.0.0.1:${port}${path}`;
      receiver.close = () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        });
      return receiver;
    }
  }
  throw new Error(`No free receiver port among ${RECEIVER_PORTS.join(', ')}`);
}
