// The Firestore emulator server: one TCP port (transports/front.ts) that speaks gRPC (HTTP/2,
// what the Node and mobile SDKs use; transports/grpc/) and HTTP/1.1 (the REST API and the
// emulator's own helpers; transports/). Every transport calls the same FirestoreService
// (service.ts): rules, index checks, limits and commit listeners are the same for all.
import type * as http from 'node:http';
import type { CommitListener } from './events';
import { FirestoreCore } from './core';
import { IndexChecker, type IndexCheckOptions } from './indexes/checker';
import type { IndexUsageReport } from './indexes/usage';
import { readExport, writeExport } from './persistence';
import { FirestoreRules, resourceOf } from './rulesCheck';
import { FirestoreService } from './service';
import { TcpFront } from './transports/front';
import { GrpcTransport } from './transports/grpc/server';
import { createHttpServer, type HttpRoute } from './transports/http';
import { emulatorHttpRoute } from './transports/emulatorHttp';
import { restRoute } from './transports/rest/server';
import { WebChannelTransport } from './transports/webchannel/transport';
import type { SessionTimings } from './transports/webchannel/session';
import { RulesError, type RPath, type RValue } from '../rules/values';
import { LoadedRules } from '../rules/loaded';
import { NO_PROJECT_ID } from '../config';

export { MAX_REQUEST_BYTES } from './limits';

export interface FirestoreEmulatorOptions {
  /** Default project (used by nothing but logs and helpers; every project's data is served). */
  projectId?: string;
  /** Where rules loading reports (loaded, reloaded, syntax errors); default console.log. */
  log?: (line: string) => void;
  /**
   * Check every query against this firestore.indexes.json, as production would (see
   * indexes/README.md). Without it no query is refused for want of an index.
   */
  indexes?: IndexCheckOptions;
  /** WebChannel keep-alive and idle times (tests shorten them). */
  webChannel?: Partial<SessionTimings>;
}

const MAINTENANCE_MS = 5_000;

export class FirestoreEmulator {
  readonly projectId: string;
  private readonly core = new FirestoreCore();
  /** The security rules in force for clients (none until loaded: then nothing is checked). */
  readonly rules: LoadedRules;
  private readonly indexes: IndexChecker;
  private readonly service: FirestoreService;
  private readonly grpc: GrpcTransport;
  /** The browser SDK's Listen and Write streams (transports/webchannel/). */
  readonly webChannel: WebChannelTransport;
  private readonly httpServer: http.Server;
  private readonly front: TcpFront;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: FirestoreEmulatorOptions = {}) {
    this.projectId = options.projectId ?? process.env.GCLOUD_PROJECT ?? NO_PROJECT_ID;
    this.rules = new LoadedRules('Firestore', options.log);
    const rulesCheck = new FirestoreRules(this.rules, (n) => this.core.store.get(n));
    this.indexes = new IndexChecker(options.indexes);
    this.service = new FirestoreService(this.core, rulesCheck, this.indexes);
    this.grpc = new GrpcTransport(this.service);
    this.webChannel = new WebChannelTransport(this.service, options.webChannel);
    const routes: HttpRoute[] = [
      this.webChannel.route,
      restRoute(this.service),
      emulatorHttpRoute(this.core, this.rules, this.indexes),
    ];
    this.httpServer = createHttpServer(routes);
    this.front = new TcpFront((socket) => this.grpc.accept(socket), this.httpServer);
  }

  /** Starts listening; port 0 picks a free port. Resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const bound = await this.front.listen(host, port);
    this.timer = setInterval(() => this.core.maintain(), MAINTENANCE_MS);
    this.timer.unref();
    return bound;
  }

  /** Stops listening and drops every connection, Listen streams included. */
  async close(): Promise<void> {
    this.indexes.close();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.grpc.close();
    this.webChannel.close();
    await this.front.close();
  }

  /** Called once per successful Commit/BatchWrite with every changed document. */
  onCommit(listener: CommitListener): () => void {
    return this.core.onCommit(listener);
  }

  /** One document as Storage rules' firestore.get() sees it (null when it does not exist). */
  documentForRules(projectId: string, path: RPath): RValue {
    const segs = path.segments;
    if (segs[0] !== 'databases' || segs[2] !== 'documents' || segs.length % 2 !== 1) {
      throw new RulesError(`Not a Firestore document path: ${path.toString()}`);
    }
    const name = `projects/${projectId}/${segs.join('/')}`;
    return resourceOf(name, this.core.store.get(name));
  }

  /** Which declared indexes served queries so far (undefined when index checks are off). */
  indexUsage(): IndexUsageReport | undefined {
    return this.indexes.usageReport();
  }

  /** Deletes all data. */
  clear(): void {
    this.core.clear();
  }

  /** Writes every current document to `dir` (see persistence.ts); resolves with the count. */
  exportData(dir: string): Promise<number> {
    return writeExport(dir, this.core.store.allCurrent());
  }

  /** Loads an export written by exportData; resolves with the count (0 if `dir` has none). */
  async importData(dir: string): Promise<number> {
    const docs = await readExport(dir);
    if (!docs) return 0;
    this.core.load(docs);
    return docs.length;
  }
}
