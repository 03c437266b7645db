// Auth emulator: firebase-tools' own JavaScript Auth emulator (Identity Toolkit REST API, token
// signing, the /emulator/v1 helpers), served by our own HTTP server. It needs no Java and
// makes no outbound connections unless a functions emulator is registered in firebase-tools'
// in-process registry (for auth triggers and blocking functions), which this stack does not do.
import { SingleProjectMode } from 'firebase-tools/lib/emulator/auth/index';
import { createApp } from 'firebase-tools/lib/emulator/auth/server';
import { forwardAsyncErrors } from '../shared/asyncErrors';
import { HttpLifecycle } from '../shared/httpLifecycle';
import { withLazySchemaCompilation } from './lazySchemas';

export interface AuthEmulatorOptions {
  projectId: string;
}

export class AuthEmulatorServer {
  readonly projectId: string;
  private readonly http = new HttpLifecycle();
  private origin: string | undefined;

  constructor(opts: AuthEmulatorOptions) {
    this.projectId = opts.projectId;
  }

  /** Starts serving on host:port (0 = a free port); resolves with the port. */
  async listen(host: string, port: number): Promise<number> {
    if (this.http.listening) {
      throw new Error('auth emulator is already listening');
    }
    // A fresh state map per server, so two servers in one process never share users.
    // WARNING is what firebase.json's "singleProjectMode": true selects in firebase-tools:
    // requests for other project ids are served and logged.
    const app = await withLazySchemaCompilation(() =>
      createApp(this.projectId, SingleProjectMode.WARNING, new Map()),
    );
    forwardAsyncErrors(app);
    const bound = await this.http.listen(app, host, port);
    this.origin = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
    return bound;
  }

  /** Deletes every user of the project (the emulator's own "clear accounts" endpoint). */
  async clear(): Promise<void> {
    if (!this.origin) {
      throw new Error('auth emulator is not listening');
    }
    const url = `${this.origin}/emulator/v1/projects/${encodeURIComponent(this.projectId)}/accounts`;
    const res = await fetch(url, { method: 'DELETE' });
    await res.arrayBuffer();
    if (!res.ok) {
      throw new Error(`clearing auth accounts failed: HTTP ${res.status}`);
    }
  }

  /** Stops the server and drops its connections. */
  async close(): Promise<void> {
    this.origin = undefined;
    await this.http.close();
  }
}
