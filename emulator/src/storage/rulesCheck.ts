// Storage security rules: firebase-tools' StorageLayer asks a RulesValidator about every
// client request of the Firebase API (download, metadata get and update, upload, delete, list)
// that does not carry a valid download token; this one answers with our rules engine instead
// of firebase-tools' Java runtime. The admin credential passes without rules, as before.
import type { RulesValidator } from 'firebase-tools/lib/emulator/storage/rules/utils';
import { identityOf } from '../rules/auth';
import { SINGLE_DOCUMENT_CALL_LIMIT, denialMessage } from '../rules/engine';
import type { Method } from '../rules/ast';
import { RequestBudget } from '../rules/evaluator';
import type { LoadedRules } from '../rules/loaded';
import { RMap, RPath, RTimestamp, fromPlain, type RValue } from '../rules/values';
import { isAdminCredential } from './access';

/** Reads one Firestore document for `firestore.get()`/`firestore.exists()` (null = missing). */
export type FirestoreLookup = (projectId: string, path: RPath) => RValue;

/** The object metadata firebase-tools hands over (StoredFileMetadata.asRulesResource()). */
interface RulesResource {
  name?: string;
  bucket?: string;
  generation?: number | string;
  metageneration?: number | string;
  size?: number | string;
  timeCreated?: Date | string;
  updated?: Date | string;
  md5Hash?: string;
  crc32c?: string;
  etag?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentType?: string;
  metadata?: Record<string, string>;
}

function timestamp(v: Date | string | undefined): RValue {
  if (v === undefined) return null;
  const ms = new Date(v).getTime();
  return Number.isNaN(ms) ? null : new RTimestamp(BigInt(ms) * 1_000_000n);
}

function int(v: number | string | undefined): RValue {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? BigInt(n) : null;
}

/** `resource` / `request.resource` of Storage rules. */
function storageResource(r: RulesResource | undefined): RValue {
  if (!r) return null;
  return RMap.of({
    name: r.name ?? null,
    bucket: r.bucket ?? null,
    generation: int(r.generation),
    metageneration: int(r.metageneration),
    size: int(r.size),
    timeCreated: timestamp(r.timeCreated),
    updated: timestamp(r.updated),
    md5Hash: r.md5Hash ?? null,
    crc32c: r.crc32c ?? null,
    etag: r.etag ?? null,
    contentDisposition: r.contentDisposition ?? null,
    contentEncoding: r.contentEncoding ?? null,
    contentType: r.contentType ?? null,
    metadata: fromPlain(r.metadata ?? {}),
  });
}

const METHODS = new Set<string>(['get', 'list', 'create', 'update', 'delete']);

/**
 * The validator for the client StorageLayer. Without rules loaded, only the admin credential
 * passes (what firebase-tools does with no ruleset).
 */
export function storageRulesValidator(
  loaded: LoadedRules,
  firestore: () => FirestoreLookup | undefined,
  log: (line: string) => void = (line) => console.log(line),
): RulesValidator {
  return {
    validate: (path, _bucketId, method, variableOverrides, projectId, authorization) => {
      if (isAdminCredential(authorization)) return Promise.resolve(true);
      const ruleset = loaded.ruleset;
      if (!ruleset || !METHODS.has(method)) return Promise.resolve(false);
      const { before, after } = (variableOverrides ?? {}) as {
        before?: RulesResource;
        after?: RulesResource;
      };
      // firebase-tools says "create" for every upload; an upload over an object is an update.
      const effective = (method === 'create' && before ? 'update' : method) as Method;
      const segments = path.split('/').filter((s) => s !== '');
      const identity = identityOf(authorization);
      const auth = identity.kind === 'client' ? identity.auth : null;
      const request = RMap.of({
        auth,
        method: effective,
        path: new RPath(segments),
        time: new RTimestamp(BigInt(Date.now()) * 1_000_000n),
        resource: storageResource(after),
      });
      const lookup = firestore();
      const decision = ruleset.evaluate(
        {
          service: 'firebase.storage',
          path: segments,
          method: effective,
          variables: { request, resource: storageResource(before) },
        },
        {
          firestoreDocument: lookup && ((p) => lookup(projectId, p)),
          debug: (text) => log(`storage rules debug: ${text}`),
        },
        new RequestBudget(SINGLE_DOCUMENT_CALL_LIMIT),
      );
      if (!decision.allowed) {
        log(
          `storage rules: ${effective} ${path} refused. ${denialMessage(decision, ruleset.file.file)}`,
        );
      }
      return Promise.resolve(decision.allowed);
    },
  };
}
