// Applies one write to one document's current state. Pure: it never touches the store, so a
// commit can validate all its writes before anything is applied.
import type { Document, Precondition, Timestamp, Value, Write, WriteResult } from './types';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from './errors';
import {
  applyTransform,
  deleteField,
  documentSize,
  normalizeFields,
  sameFields,
  setField,
} from './fields';
import { parseDocumentName, parseFieldPath, type DatabaseRef } from './paths';
import { compareTimestamps, getFieldFromFields } from './values';

export const MAX_DOCUMENT_BYTES = 1024 * 1024;
/**
 * At most this many field transforms on one document in one commit (quotas page, "Writes and
 * transactions"). There is no limit on the number of writes since 2023-03-29.
 */
export const MAX_TRANSFORMS_PER_DOCUMENT = 500;

/** The outcome of one write: the document's new state and the WriteResult to return. */
export interface AppliedWrite {
  name: string;
  /** The state after the write (undefined = does not exist). */
  after: Document | undefined;
  /** Whether the stored document actually changed. */
  changed: boolean;
  result: WriteResult;
}

function checkPrecondition(
  name: string,
  current: Document | undefined,
  pre: Precondition | undefined,
): void {
  if (!pre) return;
  const kind =
    pre.conditionType ??
    (pre.exists !== undefined ? 'exists' : pre.updateTime ? 'updateTime' : undefined);
  if (kind === 'exists') {
    if (pre.exists && !current) throw notFound(`No document to update: ${name}`);
    if (!pre.exists && current) throw alreadyExists(`Document already exists: ${name}`);
  } else if (kind === 'updateTime') {
    if (!current) throw notFound(`No document to update: ${name}`);
    if (!pre.updateTime || compareTimestamps(current.updateTime, pre.updateTime) !== 0) {
      throw failedPrecondition(
        `The document ${name} was updated at a different time than the precondition requires`,
      );
    }
  }
}

function writeKind(w: Write): 'update' | 'delete' | 'transform' {
  const kind =
    w.operation ??
    (w.update
      ? 'update'
      : w.delete !== undefined
        ? 'delete'
        : w.transform
          ? 'transform'
          : undefined);
  if (!kind) throw invalidArgument('A write must set one of update, delete or transform');
  return kind;
}

/** The document a write targets (validated). */
export function writeTarget(w: Write): string {
  const kind = writeKind(w);
  const name =
    kind === 'update' ? w.update?.name : kind === 'delete' ? w.delete : w.transform?.document;
  return parseDocumentName(name).name;
}

/**
 * Applies one write to `current` at `time`. Throws an RpcError (INVALID_ARGUMENT, NOT_FOUND,
 * ALREADY_EXISTS, FAILED_PRECONDITION) if the write is malformed or its precondition fails.
 */
export function applyWrite(w: Write, current: Document | undefined, time: Timestamp): AppliedWrite {
  const kind = writeKind(w);
  const name = writeTarget(w);
  checkPrecondition(name, current, w.currentDocument);
  if (kind === 'delete') {
    if (w.updateMask || (w.updateTransforms ?? []).length > 0) {
      throw invalidArgument('A delete cannot have an update mask or transforms');
    }
    return { name, after: undefined, changed: current !== undefined, result: {} };
  }

  let fields: Record<string, Value>;
  let transforms = w.updateTransforms ?? [];
  if (kind === 'update') {
    const incoming = normalizeFields(w.update?.fields);
    if (w.updateMask) {
      fields = current?.fields ?? {};
      for (const path of w.updateMask.fieldPaths ?? []) {
        const segs = parseFieldPath(path);
        const v = getFieldFromFields(incoming, segs);
        fields = v !== undefined ? setField(fields, segs, v) : deleteField(fields, segs);
      }
    } else {
      fields = incoming;
    }
  } else {
    if (w.updateMask || transforms.length > 0) {
      throw invalidArgument('A transform write cannot have an update mask or update transforms');
    }
    fields = current?.fields ?? {};
    transforms = w.transform?.fieldTransforms ?? [];
  }

  const transformResults: Value[] = [];
  const seen = new Set<string>();
  for (const t of transforms) {
    const key = parseFieldPath(t.fieldPath).join('\u0000');
    if (seen.has(key)) {
      throw invalidArgument(`Field "${t.fieldPath}" has more than one transform in one write`);
    }
    seen.add(key);
    const r = applyTransform(fields, t, time);
    fields = r.fields;
    transformResults.push(r.result);
  }

  const size = documentSize(name, fields);
  if (size > MAX_DOCUMENT_BYTES) {
    throw invalidArgument(
      `Document "${name}" is too big: ${size} bytes exceeds the maximum of ${MAX_DOCUMENT_BYTES} bytes`,
    );
  }

  const result: WriteResult = {};
  if (transformResults.length > 0) result.transformResults = transformResults;
  if (current && sameFields(current.fields, fields)) {
    // A write that changes nothing keeps the previous update time (per WriteResult docs).
    result.updateTime = current.updateTime;
    return { name, after: current, changed: false, result };
  }
  result.updateTime = time;
  const after: Document = {
    name,
    fields,
    createTime: current?.createTime ?? time,
    updateTime: time,
  };
  return { name, after, changed: true, result };
}

/** How many field transforms a write carries (update transforms or a transform write). */
function transformCount(w: Write): number {
  return (w.updateTransforms ?? []).length + (w.transform?.fieldTransforms ?? []).length;
}

/**
 * The documents a request's writes target (write i targets names[i]). INVALID_ARGUMENT when a
 * write is empty or outside database `db`, or when one document gets more than
 * MAX_TRANSFORMS_PER_DOCUMENT field transforms across the request's writes.
 */
export function requestTargets(writes: Write[], db: DatabaseRef): string[] {
  const names = writes.map((w, i) => {
    if (typeof w !== 'object' || w === null) throw invalidArgument(`Write ${i} is empty`);
    const name = writeTarget(w);
    if (!name.startsWith(`${db.root}/`)) {
      throw invalidArgument(`Write ${i} targets "${name}", which is not in ${db.database}`);
    }
    return name;
  });
  checkTransformCounts(writes, names);
  return names;
}

function checkTransformCounts(writes: Write[], names: string[]): void {
  const perDocument = new Map<string, number>();
  writes.forEach((w, i) => {
    const n = transformCount(w);
    if (n === 0) return;
    const total = (perDocument.get(names[i]) ?? 0) + n;
    perDocument.set(names[i], total);
    if (total > MAX_TRANSFORMS_PER_DOCUMENT) {
      throw invalidArgument(
        `Too many field transforms on document "${names[i]}" in one request: ${total} ` +
          `(the limit is ${MAX_TRANSFORMS_PER_DOCUMENT} per document per commit)`,
      );
    }
  });
}
