// Decides, as production does, whether a query can be served by the indexes a database has:
// automatic single-field indexes (collection scope only), single-field settings from
// fieldOverrides (exemptions, collection-group scope), merged equality indexes, or a declared
// composite index. Pure: no I/O, no state.
//
// The rules, from the Firestore documentation ("Index types in Cloud Firestore", "Manage
// indexes", "Queries with range and inequality filters on multiple fields"):
//  - Every field gets ascending, descending and array-contains single-field indexes with
//    collection scope; none with collection-group scope. A field override replaces those
//    settings for its field (and its map subfields, unless they have their own override);
//    an override with no indexes exempts the field.
//  - A query is served by one index whose fields are the equality / array-contains fields (in
//    any order, any direction) followed exactly by the query's ordering: explicit orderBy,
//    then the inequality fields not ordered explicitly (by field path), in the direction of
//    the last explicit order. Each index ends with __name__ in the direction of its last field
//    (ascending after an array-contains field) unless it lists __name__ itself.
//  - Equality queries may instead merge several indexes that each end with the query's
//    ordering ("index merging": multiple == clauses and, optionally, an orderBy). We allow
//    array-contains in a merge as equality-like, and no merge when there is an inequality.
//  - OR / IN / array-contains-any queries are served per disjunction of their disjunctive
//    normal form; `in` and array-contains-any behave like == and array-contains.
//  - Filters and orders on __name__ need no index.
import { INEQUALITY_OPS } from '../query';
import type { Filter, StructuredQuery } from '../types';
import {
  DOCUMENT_ID_FIELD,
  FieldPathError,
  canonicalFieldPath,
  compareFieldPaths,
  parseFieldPath,
} from '../values';
import type {
  CompositeIndexSpec,
  FieldOverrideSpec,
  IndexConfig,
  IndexMode,
  QueryScope,
  SingleFieldIndexSpec,
} from './config';

/** A declared entry of the index file that served (part of) a query. */
export type IndexUse =
  | { kind: 'index'; index: CompositeIndexSpec }
  | { kind: 'fieldOverride'; override: FieldOverrideSpec };

/** The entry to add to firestore.indexes.json, and under which key. */
export interface MissingIndex {
  /** "indexes" for a composite index, "fieldOverrides" for a single-field setting. */
  section: 'indexes' | 'fieldOverrides';
  entry: Record<string, unknown>;
  /** Why the automatic indexes do not serve the query (for the message). */
  reason: string;
}

/**
 * One index a plan reads, as Query Explain's plan summary names it (production's form:
 * `{"query_scope": "Collection", "properties": "(foo ASC, __name__ ASC)"}`).
 */
export interface ExplainedIndex {
  query_scope: 'Collection' | 'Collection group';
  properties: string;
}

export type Plan =
  { ok: true; uses: IndexUse[]; indexes: ExplainedIndex[] } | { ok: false; missing: MissingIndex };

function explained(scope: QueryScope, c: Candidate | undefined): ExplainedIndex {
  const mode = (m: IndexMode): string =>
    m === 'ASCENDING' ? 'ASC' : m === 'DESCENDING' ? 'DESC' : 'CONTAINS';
  const terms = (c?.fields ?? []).map((f) => `${f.fieldPath} ${mode(f.mode)}`);
  terms.push(`${DOCUMENT_ID_FIELD} ${c?.nameDescending ? 'DESC' : 'ASC'}`);
  return {
    query_scope: scope === 'COLLECTION_GROUP' ? 'Collection group' : 'Collection',
    properties: `(${terms.join(', ')})`,
  };
}

/** The shape of one disjunction: which fields it fixes and which it bounds. */
interface Conjunction {
  /** ==, in, is-null, is-nan fields, canonical paths in order of appearance. */
  equalities: string[];
  /** array-contains, array-contains-any fields. */
  contains: string[];
  /** <, <=, >, >=, !=, not-in, is-not-null, is-not-nan fields. */
  inequalities: string[];
}

interface OrderTerm {
  field: string;
  descending: boolean;
}

/** An index available to the query: its fields and the direction of its trailing __name__. */
interface Candidate {
  fields: { fieldPath: string; mode: IndexMode }[];
  nameDescending: boolean;
  use?: IndexUse;
}

/** Past this many disjunctions the query engine refuses the query anyway (limit 30). */
const MAX_SHAPES = 64;

class Unanalysable extends Error {}

function keyOf(path: string | undefined): string {
  if (path === undefined || path === '') throw new Unanalysable('empty field path');
  try {
    return canonicalFieldPath(parseFieldPath(path));
  } catch (err) {
    if (err instanceof FieldPathError) throw new Unanalysable(err.message);
    throw err;
  }
}

const EQUALITY_OPS = new Set(['EQUAL', 'IN', 'IS_NULL', 'IS_NAN']);
const CONTAINS_OPS = new Set(['ARRAY_CONTAINS', 'ARRAY_CONTAINS_ANY']);

function addUnique(list: string[], key: string): string[] {
  return list.includes(key) ? list : [...list, key];
}

function merge(a: Conjunction, b: Conjunction): Conjunction {
  return {
    equalities: b.equalities.reduce(addUnique, a.equalities),
    contains: b.contains.reduce(addUnique, a.contains),
    inequalities: b.inequalities.reduce(addUnique, a.inequalities),
  };
}

const EMPTY: Conjunction = { equalities: [], contains: [], inequalities: [] };

/** The filter in disjunctive normal form, one Conjunction per disjunction. */
function disjunctions(filter: Filter | undefined): Conjunction[] {
  if (filter === undefined) return [EMPTY];
  if (filter.compositeFilter !== undefined) {
    const parts = (filter.compositeFilter.filters ?? []).map(disjunctions);
    if (filter.compositeFilter.op === 'OR') {
      const all = parts.flat();
      if (all.length > MAX_SHAPES) throw new Unanalysable('too many disjunctions');
      return all;
    }
    let acc: Conjunction[] = [EMPTY];
    for (const part of parts) {
      acc = acc.flatMap((a) => part.map((b) => merge(a, b)));
      if (acc.length > MAX_SHAPES) throw new Unanalysable('too many disjunctions');
    }
    return acc;
  }
  const leaf = filter.fieldFilter ?? filter.unaryFilter;
  if (leaf === undefined) throw new Unanalysable('empty filter');
  const key = keyOf(leaf.field?.fieldPath);
  // Filters on the document id are key ranges and lookups: no index needed.
  if (key === DOCUMENT_ID_FIELD) return [EMPTY];
  const op = leaf.op ?? '';
  if (EQUALITY_OPS.has(op)) return [{ ...EMPTY, equalities: [key] }];
  if (CONTAINS_OPS.has(op)) return [{ ...EMPTY, contains: [key] }];
  if (INEQUALITY_OPS.has(op)) return [{ ...EMPTY, inequalities: [key] }];
  throw new Unanalysable(`unknown operator ${op}`);
}

/**
 * The query's full ordering without __name__ (explicit orders, then the inequality fields
 * not ordered explicitly), and the direction of the trailing __name__.
 */
function orderingOf(
  query: StructuredQuery,
  inequalities: string[],
): { terms: OrderTerm[]; nameDescending: boolean } {
  const terms: OrderTerm[] = [];
  let nameDescending: boolean | undefined;
  for (const o of query.orderBy ?? []) {
    const field = keyOf(o.field?.fieldPath);
    const descending = o.direction === 'DESCENDING';
    if (field === DOCUMENT_ID_FIELD) {
      // Nothing after the (unique) document id changes the order.
      nameDescending = descending;
      return { terms, nameDescending };
    }
    terms.push({ field, descending });
  }
  const lastDescending = terms.length > 0 && terms[terms.length - 1].descending;
  const explicit = new Set(terms.map((t) => t.field));
  const implicit = inequalities
    .filter((f) => !explicit.has(f) && f !== DOCUMENT_ID_FIELD)
    .map((f) => ({ f, segments: parseFieldPath(f) }))
    .sort((a, b) => compareFieldPaths(a.segments, b.segments));
  for (const { f } of implicit) terms.push({ field: f, descending: lastDescending });
  return { terms, nameDescending: nameDescending ?? lastDescending };
}

/** The override that governs `field` in `collectionGroup`: its own, else its nearest map parent's. */
function overrideFor(
  config: IndexConfig,
  collectionGroup: string,
  field: string,
): FieldOverrideSpec | undefined {
  const segments = parseFieldPath(field);
  for (let n = segments.length; n > 0; n--) {
    const path = canonicalFieldPath(segments.slice(0, n));
    const o = config.fieldOverrides.find(
      (x) => x.collectionGroup === collectionGroup && x.fieldPath === path && x.indexes,
    );
    if (o) return o;
  }
  return undefined;
}

const AUTOMATIC: SingleFieldIndexSpec[] = [
  { mode: 'ASCENDING', queryScope: 'COLLECTION' },
  { mode: 'DESCENDING', queryScope: 'COLLECTION' },
  { mode: 'CONTAINS', queryScope: 'COLLECTION' },
];

/** The single-field indexes `field` has, and the override they come from (if any). */
function singleFieldIndexes(
  config: IndexConfig,
  collectionGroup: string,
  field: string,
): { indexes: SingleFieldIndexSpec[]; override?: FieldOverrideSpec } {
  const override = overrideFor(config, collectionGroup, field);
  if (override?.indexes) return { indexes: override.indexes, override };
  return { indexes: AUTOMATIC };
}

function candidates(
  config: IndexConfig,
  collectionGroup: string,
  scope: QueryScope,
  fields: Set<string>,
): Candidate[] {
  const out: Candidate[] = [];
  // Declared composite indexes first: when one serves the whole query, it is the one used.
  for (const index of config.indexes) {
    if (index.collectionGroup !== collectionGroup || index.queryScope !== scope) continue;
    // A vector index serves find_nearest queries only (vectorPlanner.ts).
    if (index.vector) continue;
    const list = index.fields;
    const last = list[list.length - 1];
    if (last.fieldPath === DOCUMENT_ID_FIELD && list.length > 1) {
      out.push({
        fields: list.slice(0, -1),
        nameDescending: last.mode === 'DESCENDING',
        use: { kind: 'index', index },
      });
    } else {
      out.push({
        fields: list,
        nameDescending: last.mode === 'DESCENDING',
        use: { kind: 'index', index },
      });
    }
  }
  for (const field of fields) {
    const { indexes, override } = singleFieldIndexes(config, collectionGroup, field);
    for (const ix of indexes) {
      if (ix.queryScope !== scope) continue;
      out.push({
        fields: [{ fieldPath: field, mode: ix.mode }],
        nameDescending: ix.mode === 'DESCENDING',
        use: override ? { kind: 'fieldOverride', override } : undefined,
      });
    }
  }
  return out;
}

/**
 * The fields of `needed` (equality and array-contains fields) that `c` serves when used for a
 * query with ordering `terms`, or undefined if it cannot take part: its last fields must be the
 * ordering exactly, and every field before them an equality / array-contains field.
 */
function coverage(
  c: Candidate,
  conj: Conjunction,
  terms: OrderTerm[],
  nameDescending: boolean,
): Set<string> | undefined {
  if (c.nameDescending !== nameDescending) return undefined;
  const k = c.fields.length - terms.length;
  if (k < 0) return undefined;
  for (let j = 0; j < terms.length; j++) {
    const f = c.fields[k + j];
    const mode = terms[j].descending ? 'DESCENDING' : 'ASCENDING';
    if (f.fieldPath !== terms[j].field || f.mode !== mode) return undefined;
  }
  const covered = new Set<string>();
  for (const f of c.fields.slice(0, k)) {
    const ok =
      f.mode === 'CONTAINS'
        ? conj.contains.includes(f.fieldPath)
        : conj.equalities.includes(f.fieldPath);
    if (!ok) return undefined;
    covered.add(f.fieldPath);
  }
  return covered;
}

function usesOf(list: Candidate[]): IndexUse[] {
  const out: IndexUse[] = [];
  for (const c of list) if (c.use && !out.includes(c.use)) out.push(c.use);
  return out;
}

function sameUse(a: IndexUse, b: IndexUse): boolean {
  return a.kind === 'index' && b.kind === 'index'
    ? a.index === b.index
    : a.kind === 'fieldOverride' && b.kind === 'fieldOverride' && a.override === b.override;
}

/** The indexes that serve one disjunction, or undefined if none do. */
function serve(
  conj: Conjunction,
  terms: OrderTerm[],
  nameDescending: boolean,
  all: Candidate[],
): Candidate[] | undefined {
  const needed = [...conj.equalities, ...conj.contains];
  if (needed.length === 0 && terms.length === 0) return []; // the built-in __name__ index
  const usable: { c: Candidate; covers: Set<string> }[] = [];
  for (const c of all) {
    const covers = coverage(c, conj, terms, nameDescending);
    if (covers) usable.push({ c, covers });
  }
  const whole = usable.find((u) => needed.every((f) => u.covers.has(f)));
  if (whole) return [whole.c];
  // Index merging: equality (and array-contains) queries only.
  if (conj.inequalities.length > 0 || needed.length < 2) return undefined;
  const chosen: Candidate[] = [];
  const left = new Set(needed);
  while (left.size > 0) {
    let best: { c: Candidate; gain: number } | undefined;
    for (const u of usable) {
      const gain = [...u.covers].filter((f) => left.has(f)).length;
      if (gain > 0 && (!best || gain > best.gain)) best = { c: u.c, gain };
    }
    if (!best) return undefined;
    chosen.push(best.c);
    for (const f of best.c.fields) left.delete(f.fieldPath);
  }
  return chosen;
}

function singleFieldEntry(
  config: IndexConfig,
  collectionGroup: string,
  field: string,
  mode: IndexMode,
  scope: QueryScope,
): Record<string, unknown> {
  // An override replaces the field's automatic settings, so the entry keeps what it had.
  const { indexes } = singleFieldIndexes(config, collectionGroup, field);
  const list = [...indexes];
  if (!list.some((x) => x.mode === mode && x.queryScope === scope))
    list.push({ mode, queryScope: scope });
  return {
    collectionGroup,
    fieldPath: field,
    indexes: list.map((x) =>
      x.mode === 'CONTAINS'
        ? { arrayConfig: 'CONTAINS', queryScope: x.queryScope }
        : { order: x.mode, queryScope: x.queryScope },
    ),
  };
}

function missingFor(
  config: IndexConfig,
  collectionGroup: string,
  scope: QueryScope,
  conj: Conjunction,
  terms: OrderTerm[],
  nameDescending: boolean,
): MissingIndex {
  const fields: { fieldPath: string; mode: IndexMode }[] = [
    ...conj.equalities.map((f) => ({ fieldPath: f, mode: 'ASCENDING' as IndexMode })),
    ...conj.contains.map((f) => ({ fieldPath: f, mode: 'CONTAINS' as IndexMode })),
    ...terms.map((t) => ({
      fieldPath: t.field,
      mode: (t.descending ? 'DESCENDING' : 'ASCENDING') as IndexMode,
    })),
  ];
  const scopeNote =
    scope === 'COLLECTION_GROUP'
      ? 'collection group queries need indexes with COLLECTION_GROUP scope, which only a field ' +
        'override or a composite index gives'
      : '';
  if (fields.length === 1) {
    const only = fields[0];
    const mode: IndexMode =
      only.mode === 'CONTAINS' ? 'CONTAINS' : nameDescending ? 'DESCENDING' : 'ASCENDING';
    const sameDirection =
      only.mode === 'CONTAINS'
        ? !nameDescending
        : conj.equalities.length === 1 || mode === only.mode;
    if (sameDirection) {
      const override = overrideFor(config, collectionGroup, only.fieldPath);
      const reason =
        scopeNote ||
        (override
          ? `fieldOverrides sets the single-field indexes of "${override.fieldPath}" in ` +
            `"${collectionGroup}" without this one`
          : 'no single-field index serves it');
      return {
        section: 'fieldOverrides',
        entry: singleFieldEntry(config, collectionGroup, only.fieldPath, mode, scope),
        reason,
      };
    }
  }
  const last = fields[fields.length - 1];
  const implied = last.mode === 'DESCENDING';
  const withName =
    implied === nameDescending
      ? fields
      : [
          ...fields,
          {
            fieldPath: DOCUMENT_ID_FIELD,
            mode: (nameDescending ? 'DESCENDING' : 'ASCENDING') as IndexMode,
          },
        ];
  return {
    section: 'indexes',
    entry: {
      collectionGroup,
      queryScope: scope,
      fields: withName.map((f) =>
        f.mode === 'CONTAINS'
          ? { fieldPath: f.fieldPath, arrayConfig: 'CONTAINS' }
          : { fieldPath: f.fieldPath, order: f.mode },
      ),
    },
    reason: scopeNote || 'no declared composite index (or merge of indexes) serves it',
  };
}

/**
 * Whether production could serve `query` with the indexes of `config`. A query this planner
 * cannot make sense of (malformed) is left to the query engine, which refuses it properly.
 */
export function planQuery(query: StructuredQuery, config: IndexConfig): Plan {
  const from = query.from ?? [];
  const scope: QueryScope = from[0]?.allDescendants === true ? 'COLLECTION_GROUP' : 'COLLECTION';
  const byName = [explained(scope, undefined)];
  if (from.length !== 1) return { ok: true, uses: [], indexes: byName };
  const collectionGroup = from[0].collectionId ?? '';
  // A query over all collections (no collection id) can only filter and order by __name__.
  if (collectionGroup === '') return { ok: true, uses: [], indexes: byName };
  let shapes: Conjunction[];
  let ordering: { terms: OrderTerm[]; nameDescending: boolean };
  try {
    shapes = disjunctions(query.where);
    const inequalities = shapes.flatMap((s) => s.inequalities);
    ordering = orderingOf(query, [...new Set(inequalities)]);
  } catch (err) {
    if (err instanceof Unanalysable) return { ok: true, uses: [], indexes: byName };
    throw err;
  }
  const uses: IndexUse[] = [];
  const indexes: ExplainedIndex[] = [];
  for (const conj of shapes) {
    // An order on a field the disjunction fixes with == changes nothing.
    const terms = ordering.terms.filter((t) => !conj.equalities.includes(t.field));
    const fields = new Set([...conj.equalities, ...conj.contains, ...terms.map((t) => t.field)]);
    const all = candidates(config, collectionGroup, scope, fields);
    const served = serve(conj, terms, ordering.nameDescending, all);
    if (!served) {
      return {
        ok: false,
        missing: missingFor(config, collectionGroup, scope, conj, terms, ordering.nameDescending),
      };
    }
    for (const u of usesOf(served)) if (!uses.some((x) => sameUse(x, u))) uses.push(u);
    for (const c of served.length === 0 ? [undefined] : served) {
      const e = explained(scope, c);
      if (!indexes.some((x) => x.properties === e.properties)) indexes.push(e);
    }
  }
  return { ok: true, uses, indexes };
}

/** The error message production's FAILED_PRECONDITION would carry, with the entry to add. */
export function missingIndexMessage(missing: MissingIndex, file: string): string {
  const where =
    missing.section === 'indexes'
      ? `the "indexes" array`
      : `the "fieldOverrides" array (replacing any entry there for the same collectionGroup and ` +
        `fieldPath; an override replaces the field's automatic indexes, so the entry lists them too)`;
  return (
    `The query requires an index (${missing.reason}). Add this entry to ${where} of ${file}: ` +
    JSON.stringify(missing.entry)
  );
}

/**
 * Whether production could serve a find_nearest query: it needs a declared vector index on the
 * collection group whose vector field and dimension are the query's and whose other fields are
 * exactly the fields the query filters on ("Search with vector embeddings": create the index
 * with the prefilter fields, then the vector field). Other indexes play no part.
 */
export function planVectorQuery(query: StructuredQuery, config: IndexConfig): Plan {
  const nearest = query.findNearest;
  const from = query.from ?? [];
  if (!nearest || from.length !== 1) return { ok: true, uses: [], indexes: [] };
  const collectionGroup = from[0].collectionId ?? '';
  const scope: QueryScope = from[0].allDescendants === true ? 'COLLECTION_GROUP' : 'COLLECTION';
  let field: string;
  let filtered: string[];
  try {
    field = keyOf(nearest.vectorField?.fieldPath);
    const shapes = disjunctions(query.where);
    filtered = [
      ...new Set(shapes.flatMap((s) => [...s.equalities, ...s.contains, ...s.inequalities])),
    ];
  } catch (err) {
    if (err instanceof Unanalysable) return { ok: true, uses: [], indexes: [] };
    throw err;
  }
  const values = nearest.queryVector?.mapValue?.fields?.value?.arrayValue?.values;
  const dimension = values?.length ?? 0;
  const wanted = new Set(filtered);
  const index = config.indexes.find(
    (i) =>
      i.vector !== undefined &&
      i.collectionGroup === collectionGroup &&
      i.queryScope === scope &&
      i.vector.fieldPath === field &&
      i.vector.dimension === dimension &&
      i.fields.length === wanted.size &&
      i.fields.every((f) => wanted.has(f.fieldPath)),
  );
  if (!index) {
    return {
      ok: false,
      missing: {
        section: 'indexes',
        reason: `a vector search on "${field}" (dimension ${dimension}) needs a vector index${
          filtered.length > 0 ? ` that also lists the filtered fields ${filtered.join(', ')}` : ''
        }`,
        entry: {
          collectionGroup,
          queryScope: scope,
          fields: [
            ...filtered.map((f) => ({ fieldPath: f, order: 'ASCENDING' })),
            { fieldPath: field, vectorConfig: { dimension, flat: {} } },
          ],
        },
      },
    };
  }
  const terms = index.fields.map(
    (f) =>
      `${f.fieldPath} ${f.mode === 'ASCENDING' ? 'ASC' : f.mode === 'DESCENDING' ? 'DESC' : 'CONTAINS'}`,
  );
  terms.push(`${field} VECTOR<${dimension}>`);
  return {
    ok: true,
    uses: [{ kind: 'index', index }],
    indexes: [
      {
        query_scope: scope === 'COLLECTION_GROUP' ? 'Collection group' : 'Collection',
        properties: `(${terms.join(', ')})`,
      },
    ],
  };
}
