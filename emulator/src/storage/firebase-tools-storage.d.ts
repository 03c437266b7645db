// Types for the parts of firebase-tools' JavaScript Storage emulator that we reuse.
// firebase-tools ships no declarations for its lib/ internals, so these describe only the
// constructors and members our wrapper calls (checked against firebase-tools 15.x).

declare module 'firebase-tools/lib/emulator/storage/persistence' {
  export class Persistence {
    constructor(dirPath: string);
    reset(dirPath: string): void;
    readonly dirPath: string;
  }
}

declare module 'firebase-tools/lib/emulator/storage/upload' {
  import type { Persistence } from 'firebase-tools/lib/emulator/storage/persistence';
  /** An upload in progress or done; `size` counts the bytes received so far. */
  export interface Upload {
    id: string;
    bucketId: string;
    objectId: string;
    status: 'active' | 'cancelled' | 'final';
    size: number;
  }
  export class UploadService {
    constructor(persistence: Persistence);
    reset(): void;
    /** Throws NotFoundError unless `uploadId` names a resumable upload. */
    getResumableUpload(uploadId: string): Upload;
    continueResumableUpload(uploadId: string, dataRaw: Buffer): Upload;
    finalizeResumableUpload(uploadId: string): Upload;
  }
}

declare module 'firebase-tools/lib/emulator/storage/metadata' {
  /** The emulator's stored form of an object's metadata (opaque to us). */
  export class StoredFileMetadata {
    private constructor();
    readonly name: string;
    readonly bucket: string;
  }
  /** The JSON API's bucket resource. */
  export class CloudStorageBucketMetadata {
    constructor(id: string);
  }
  /** The JSON API's object resource, built from stored metadata. */
  export class CloudStorageObjectMetadata {
    constructor(metadata: StoredFileMetadata);
  }
}

declare module 'firebase-tools/lib/emulator/storage/cloudFunctions' {
  export class StorageCloudFunctions {
    constructor(projectId: string);
    /** action: finalize, delete, metadataUpdate or archive; object: CloudStorageObjectMetadata. */
    dispatch(action: string, object: unknown): Promise<void>;
  }
}

declare module 'firebase-tools/lib/emulator/storage/rules/utils' {
  /** Decides whether a Firebase-API request may go ahead; the storage layer calls it. */
  export interface RulesValidator {
    validate(
      path: string,
      bucketId: string,
      method: string,
      variableOverrides: unknown,
      projectId: string,
      authorization?: string,
      delimiter?: string,
    ): Promise<boolean>;
  }
  export interface AdminCredentialValidator {
    validate(authorization?: string): boolean;
  }
  export function getAdminOnlyFirebaseRulesValidator(): RulesValidator;
  export function getAdminCredentialValidator(): AdminCredentialValidator;
}

declare module 'firebase-tools/lib/emulator/storage/files' {
  import type { Persistence } from 'firebase-tools/lib/emulator/storage/persistence';
  import type { StoredFileMetadata } from 'firebase-tools/lib/emulator/storage/metadata';
  import type { Upload } from 'firebase-tools/lib/emulator/storage/upload';
  import type { StorageCloudFunctions } from 'firebase-tools/lib/emulator/storage/cloudFunctions';
  import type {
    AdminCredentialValidator,
    RulesValidator,
  } from 'firebase-tools/lib/emulator/storage/rules/utils';
  export class StorageLayer {
    constructor(
      projectId: string,
      files: Map<string, unknown>,
      buckets: Map<string, unknown>,
      rulesValidator: RulesValidator,
      adminCredsValidator: AdminCredentialValidator,
      persistence: Persistence,
      cloudFunctions: Pick<StorageCloudFunctions, 'dispatch'>,
    );
    createBucket(id: string): void;
    getMetadata(bucketId: string, objectId: string): StoredFileMetadata | undefined;
    /** Moves a finished upload's bytes into place and records the object. */
    uploadObject(upload: Upload): Promise<StoredFileMetadata>;
    readonly dirPath: string;
  }
}

declare module 'firebase-tools/lib/emulator/storage/server' {
  import type { RequestListener } from 'node:http';
  import type { StorageLayer } from 'firebase-tools/lib/emulator/storage/files';
  import type { UploadService } from 'firebase-tools/lib/emulator/storage/upload';
  /** What createApp reads from its `emulator` argument (the StorageEmulator class has more). */
  export interface StorageEmulatorLike {
    readonly storageLayer: StorageLayer;
    readonly adminStorageLayer: StorageLayer;
    readonly uploadService: UploadService;
    readonly rulesManager: { getRuleset(bucketId: string): unknown };
    reset(): void;
    replaceRules(rules: unknown): Promise<{ errors: unknown[] }>;
  }
  /** Returns an express application, which is a plain Node request listener. */
  export function createApp(
    defaultProjectId: string,
    emulator: StorageEmulatorLike,
  ): Promise<RequestListener>;
}

declare module 'firebase-tools/lib/emulator/registry' {
  /** The subset of firebase-tools' EmulatorInstance that the registry reads. */
  export interface RegisteredEmulator {
    start(): Promise<void>;
    connect(): Promise<void>;
    stop(): Promise<void>;
    getInfo(): { name: string; host: string; port: number };
    getName(): string;
  }
  /** Process-wide map of running emulators; Storage builds its selfLink/mediaLink URLs from it. */
  export class EmulatorRegistry {
    static set(emulator: string, instance: RegisteredEmulator): void;
    static clear(emulator: string): void;
    static get(emulator: string): RegisteredEmulator | undefined;
  }
}
