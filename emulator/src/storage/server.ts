// Storage emulator: firebase-tools' own JavaScript Storage emulator (the express app that serves
// the Cloud Storage JSON API and the Firebase /v0 API, its in-memory StorageLayer, upload
// service and on-disk blob store), assembled here without its Java rules runtime.
//
// firebase-tools' StorageEmulator class always starts the rules runtime (a Java process that it
// downloads on first use), so we do not use that class. Its createApp() only needs an object
// with two StorageLayers, the upload service and a rules manager; we build those from the
// same firebase-tools classes and answer its rules questions with our engine (./rulesCheck.ts).
// Nothing here spawns a process or opens a network connection other than the listening socket.
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageLayer } from 'firebase-tools/lib/emulator/storage/files';
import { EmulatorRegistry, type RegisteredEmulator } from 'firebase-tools/lib/emulator/registry';
import { Persistence } from 'firebase-tools/lib/emulator/storage/persistence';
import {
  getAdminCredentialValidator,
  getAdminOnlyFirebaseRulesValidator,
  type RulesValidator,
} from 'firebase-tools/lib/emulator/storage/rules/utils';
import { createApp, type StorageEmulatorLike } from 'firebase-tools/lib/emulator/storage/server';
import { UploadService } from 'firebase-tools/lib/emulator/storage/upload';
import { defaultStorageBucket } from '../config';
import { authorizeAdminSdkRequest } from './access';
import { forwardAsyncErrors } from '../shared/asyncErrors';
import { sendJson, sendJsonError } from '../shared/jsonReply';
import { serveBucketResource } from './bucketResource';
import { rejectFailedPrecondition } from './preconditions';
import { ResumableChunks } from './resumableChunks';
import { storageRulesValidator, type FirestoreLookup } from './rulesCheck';
import { LoadedRules, readRulesBody } from '../rules/loaded';
import { RulesSyntaxError } from '../rules/lexer';
import { HttpLifecycle } from '../shared/httpLifecycle';

export type StorageAction = 'finalize' | 'delete' | 'metadataUpdate' | 'archive';
export type StorageObjectListener = (
  action: StorageAction,
  object: Record<string, unknown>,
) => void;
const ACTIONS: readonly string[] = ['finalize', 'delete', 'metadataUpdate', 'archive'];
const isStorageAction = (a: string): a is StorageAction => ACTIONS.includes(a);

/** firebase-tools' name for the Storage emulator (its Emulators.STORAGE). */
const STORAGE = 'storage';

export interface StorageEmulatorOptions {
  projectId: string;
  /** Defaults to `{projectId}.appspot.com`, the bucket firebase-tools creates by default. */
  defaultBucket?: string;
}

export class StorageEmulatorServer {
  readonly projectId: string;
  readonly defaultBucket: string;
  private readonly http = new HttpLifecycle();
  // Shared by both storage layers, exactly as in firebase-tools' StorageEmulator.
  private readonly files = new Map<string, unknown>();
  private readonly buckets = new Map<string, unknown>();
  private blobDir: string | undefined;
  private persistence: Persistence | undefined;
  private uploads: UploadService | undefined;
  private adminLayer: StorageLayer | undefined;
  private registration: RegisteredEmulator | undefined;
  /** The security rules for client requests (none loaded: only the admin credential passes). */
  readonly rules = new LoadedRules('Storage');
  /** How rules' firestore.get()/exists() read Firestore (the stack connects ours). */
  firestoreLookup: FirestoreLookup | undefined;
  /**
   * Told of every object finalized (uploaded, copied), deleted or whose metadata changed, by
   * any API or SDK: the stack connects the functions host's Storage triggers here.
   */
  onObjectEvent: StorageObjectListener | undefined;

  constructor(opts: StorageEmulatorOptions) {
    this.projectId = opts.projectId;
    this.defaultBucket = opts.defaultBucket ?? defaultStorageBucket(opts.projectId);
  }

  /** Starts serving on host:port (0 = a free port); resolves with the port. */
  async listen(host: string, port: number): Promise<number> {
    if (this.http.listening) {
      throw new Error('storage emulator is already listening');
    }
    // A private blob directory per server: firebase-tools' default (os.tmpdir()/firebase/
    // storage/blobs) is shared by every emulator on the machine.
    const blobDir = mkdtempSync(join(tmpdir(), 'storage-emulator-'));
    const persistence = new Persistence(blobDir);
    const uploads = new UploadService(persistence);
    // firebase-tools' StorageLayer reports each change to its StorageCloudFunctions, which posts
    // it to firebase-tools' functions emulator only when that runs in the same process. Ours
    // hands the same (action, object metadata) pair to whoever listens, as JSON.
    const cloudFunctions = {
      dispatch: (action: string, object: unknown): Promise<void> => {
        const listener = this.onObjectEvent;
        if (listener && isStorageAction(action)) {
          try {
            listener(action, JSON.parse(JSON.stringify(object)) as Record<string, unknown>);
          } catch (err) {
            process.stderr.write(`storage: an object event listener failed: ${String(err)}\n`);
          }
        }
        return Promise.resolve();
      },
    };
    const layer = (validator: RulesValidator): StorageLayer =>
      new StorageLayer(
        this.projectId,
        this.files,
        this.buckets,
        validator,
        getAdminCredentialValidator(),
        persistence,
        cloudFunctions,
      );
    const rulesValidator = storageRulesValidator(this.rules, () => this.firestoreLookup);
    const clientLayer = layer(rulesValidator);
    const adminLayer = layer(getAdminOnlyFirebaseRulesValidator());
    const emulator: StorageEmulatorLike = {
      storageLayer: clientLayer,
      adminStorageLayer: adminLayer,
      uploadService: uploads,
      // The /v0 API refuses every request when no ruleset is loaded; ours always answers
      // (denying clients while no rules are loaded).
      rulesManager: { getRuleset: () => rulesValidator },
      reset: () => this.clear(),
      // Never reached: PUT /internal/setRules is answered by setRules() before the app.
      replaceRules: () =>
        Promise.reject(new Error('rules are replaced through this server, not firebase-tools')),
    };
    this.blobDir = blobDir;
    this.persistence = persistence;
    this.uploads = uploads;
    this.adminLayer = adminLayer;
    let bound: number;
    try {
      const app = await createApp(this.projectId, emulator);
      forwardAsyncErrors(app);
      const chunks = new ResumableChunks(uploads, adminLayer);
      const handler = (req: IncomingMessage, res: ServerResponse): void => {
        authorizeAdminSdkRequest(req);
        if (req.method === 'PUT' && req.url === '/internal/setRules') {
          this.setRules(req, res);
          return;
        }
        if (serveBucketResource(adminLayer, req, res)) return;
        if (rejectFailedPrecondition(adminLayer, req, res)) return;
        if (chunks.matches(req)) {
          chunks.handle(req, res).catch((err: unknown) => {
            if (res.headersSent) return;
            sendJsonError(res, 500, err instanceof Error ? err.message : 'Internal error');
          });
          return;
        }
        app(req, res);
      };
      bound = await this.http.listen(handler, host, port);
    } catch (err) {
      // Nothing is serving from the blob folder yet: do not leave it behind in the temp dir.
      this.removeBlobDir();
      throw err;
    }
    this.register(host, bound);
    this.createDefaultBucket();
    return bound;
  }

  /** PUT /internal/setRules, as rules-unit-testing sends it: replaces the rules in force. */
  private setRules(req: IncomingMessage, res: ServerResponse): void {
    readRulesBody(req).then(
      (files) => {
        try {
          this.rules.load(files[0].content, files[0].name ?? 'storage.rules');
          sendJson(res, 200, { message: 'Rules updated successfully' });
        } catch (err) {
          const status = err instanceof RulesSyntaxError ? 400 : 500;
          sendJsonError(res, status, (err as Error).message);
        }
      },
      (err: Error) => sendJsonError(res, 400, err.message),
    );
  }

  /** Deletes every object and upload, keeping the server running. */
  clear(): Promise<void> {
    this.files.clear();
    this.buckets.clear();
    this.uploads?.reset();
    if (this.persistence && this.blobDir) {
      rmSync(this.blobDir, { recursive: true, force: true });
      this.persistence.reset(this.blobDir);
    }
    this.createDefaultBucket();
    return Promise.resolve();
  }

  /** Stops the server, drops its connections and deletes its blob directory. */
  async close(): Promise<void> {
    await this.http.close();
    if (EmulatorRegistry.get(STORAGE) === this.registration) {
      EmulatorRegistry.clear(STORAGE);
    }
    this.registration = undefined;
    this.files.clear();
    this.buckets.clear();
    this.removeBlobDir();
    this.persistence = undefined;
    this.uploads = undefined;
    this.adminLayer = undefined;
  }

  /**
   * The bucket map is shared by both layers. Registering the default bucket up front also keeps StorageLayer.listBuckets() from asking
   * the Firebase management API for the project's bucket (it does so for non-demo projects).
   */
  private createDefaultBucket(): void {
    this.adminLayer?.createBucket(this.defaultBucket);
  }

  /**
   * firebase-tools' metadata classes build each object's selfLink and mediaLink (and each
   * bucket's selfLink) from the Storage entry of its process-wide EmulatorRegistry, and throw
   * when there is none. So a listening server registers itself there. The registry holds one
   * Storage emulator per process: the one that listened last wins.
   */
  private register(host: string, port: number): void {
    const info = { name: STORAGE, host, port };
    const registration: RegisteredEmulator = {
      start: () => Promise.resolve(),
      connect: () => Promise.resolve(),
      stop: () => this.close(),
      getInfo: () => info,
      getName: () => STORAGE,
    };
    EmulatorRegistry.set(STORAGE, registration);
    this.registration = registration;
  }

  private removeBlobDir(): void {
    if (this.blobDir) {
      rmSync(this.blobDir, { recursive: true, force: true });
      this.blobDir = undefined;
    }
  }
}
