// The emulator hub: `GET /emulators` lists where each service listens, as the Firebase CLI's
// hub does, so tools such as @firebase/rules-unit-testing (through FIREBASE_EMULATOR_HUB)
// find the stack without being told each port.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpLifecycle } from './shared/httpLifecycle';
import { sendJson, sendJsonError } from './shared/jsonReply';

export interface HubEntry {
  name: string;
  host: string;
  port: number;
  listen: Array<{ address: string; family: 'IPv4'; port: number }>;
}

export class EmulatorHub {
  private readonly http = new HttpLifecycle();
  private readonly entries = new Map<string, HubEntry>();
  private host = '127.0.0.1';
  private port = 0;

  /** Adds a service to the listing (`host:port`). */
  register(name: string, hostAndPort: string): void {
    const i = hostAndPort.lastIndexOf(':');
    const host = hostAndPort.slice(0, i);
    const port = Number(hostAndPort.slice(i + 1));
    this.entries.set(name, { name, host, port, listen: [{ address: host, family: 'IPv4', port }] });
  }

  async listen(host: string, port: number): Promise<number> {
    this.host = host;
    this.port = await this.http.listen((req, res) => this.handle(req, res), host, port);
    this.register('hub', `${host}:${this.port}`);
    return this.port;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', `http://${this.host}:${this.port}`);
    if (req.method === 'GET' && url.pathname === '/emulators') {
      sendJson(res, 200, Object.fromEntries(this.entries));
    } else if (req.method === 'GET' && url.pathname === '/') {
      sendJson(res, 200, { message: 'Local Firebase stack emulator hub' });
    } else {
      sendJsonError(res, 404, `Not found: ${req.method} ${url.pathname}`);
    }
  }
}
