// Parsing and validation of resource names and field paths, with Firestore's documented limits.
import { invalidArgument } from './errors';
import {
  FieldPathError,
  canonicalFieldPath,
  numericIdOf,
  parseFieldPath as parseFieldPathSyntax,
} from './values';

const MAX_NAME_BYTES = 6 * 1024;
const MAX_SEGMENT_BYTES = 1500;

/** `projects/{p}/databases/{d}` split out of a longer resource name. */
export interface DatabaseRef {
  projectId: string;
  databaseId: string;
  /** `projects/{p}/databases/{d}` */
  database: string;
  /** `projects/{p}/databases/{d}/documents` */
  root: string;
}

export function databaseRef(projectId: string, databaseId: string): DatabaseRef {
  const database = `projects/${projectId}/databases/${databaseId}`;
  return { projectId, databaseId, database, root: `${database}/documents` };
}

/** Parses `projects/{p}/databases/{d}` (the `database` field of requests). */
export function parseDatabase(name: unknown): DatabaseRef {
  if (typeof name !== 'string') throw invalidArgument('database name is required');
  const m = /^projects\/([^/]+)\/databases\/([^/]+)$/.exec(name);
  if (!m) throw invalidArgument(`Invalid database name: "${name}"`);
  return databaseRef(m[1], m[2]);
}

function checkSegment(segment: string, full: string): void {
  if (segment === '') throw invalidArgument(`Resource name "${full}" has an empty path segment`);
  if (segment === '.' || segment === '..') {
    throw invalidArgument(`Resource name "${full}" has an invalid path segment "${segment}"`);
  }
  if (/^__.*__$/.test(segment) && numericIdOf(segment) === undefined) {
    throw invalidArgument(
      `Resource id "${segment}" in "${full}" is reserved (ids must not match __.*__)`,
    );
  }
  if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
    throw invalidArgument(`Resource id in "${full}" is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
}

/** A parsed path under `.../documents`: `segments` alternate collection id, document id, ... */
export interface ResourcePath {
  db: DatabaseRef;
  /** Path segments after `/documents`. */
  segments: string[];
  /** The full name. */
  name: string;
}

/** Parses any name at or below `projects/p/databases/d/documents`. */
export function parseResourcePath(name: unknown, what = 'name'): ResourcePath {
  if (typeof name !== 'string' || name === '') throw invalidArgument(`${what} is required`);
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw invalidArgument(`${what} "${name.slice(0, 100)}..." is longer than 6 KiB`);
  }
  const m = /^projects\/([^/]+)\/databases\/([^/]+)\/documents(?:\/(.*))?$/.exec(name);
  if (!m) throw invalidArgument(`Invalid ${what}: "${name}"`);
  const db = databaseRef(m[1], m[2]);
  const segments = m[3] === undefined ? [] : m[3].split('/');
  for (const s of segments) checkSegment(s, name);
  return { db, segments, name };
}

/** Parses a document name (an even, non-zero number of segments after `/documents`). */
export function parseDocumentName(name: unknown): ResourcePath {
  const p = parseResourcePath(name, 'document name');
  if (p.segments.length === 0 || p.segments.length % 2 !== 0) {
    throw invalidArgument(
      `Invalid document name "${p.name}": a document path needs an even number of segments`,
    );
  }
  return p;
}

/** Parses a query/list parent: the database root or a document name. */
export function parseParent(name: unknown): ResourcePath {
  const p = parseResourcePath(name, 'parent');
  if (p.segments.length % 2 !== 0) {
    throw invalidArgument(
      `Invalid parent "${p.name}": must be the database root or a document name`,
    );
  }
  return p;
}

export function checkCollectionId(id: unknown, context: string): string {
  if (typeof id !== 'string' || id === '') throw invalidArgument('collection id is required');
  if (id.includes('/')) throw invalidArgument(`Invalid collection id "${id}"`);
  checkSegment(id, context);
  return id;
}

/** The name of the collection that holds a document: its name minus the last segment. */
export function parentCollectionOf(docName: string): string {
  return docName.slice(0, docName.lastIndexOf('/'));
}

// ---- field paths ----

/**
 * Parses a field path in Firestore's syntax (see values.ts) for the write path, where a malformed
 * one is the caller's INVALID_ARGUMENT.
 */
export function parseFieldPath(path: unknown): string[] {
  if (typeof path !== 'string' || path === '') throw invalidArgument('Field path is empty');
  try {
    return parseFieldPathSyntax(path);
  } catch (err) {
    if (err instanceof FieldPathError) throw invalidArgument(`Invalid field path: ${err.message}`);
    throw err;
  }
}

/** Renders segments back into canonical field-path syntax. */
export function formatFieldPath(segments: string[]): string {
  return canonicalFieldPath(segments);
}
