// Starting and stopping a Node HTTP server so that nothing is left behind: close() also ends
// idle keep-alive connections, which would otherwise keep the process (and mocha) alive.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class HttpLifecycle {
  private server: Server | undefined;

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Listens on host:port (port 0 = any free port) and resolves with the bound port. */
  listen(handler: RequestListener, host: string, port: number): Promise<number> {
    if (this.server) {
      return Promise.reject(new Error('server is already listening'));
    }
    const server = createServer(handler);
    return new Promise<number>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        this.server = server;
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections and drops open ones; resolves when the server is closed. */
  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
  }
}
