// Evaluates a google.firestore.v1.StructuredQuery over documents in memory with Firestore's
// semantics: collection / collection-group scoping, every filter operator, the implicit orderings
// the backend adds, cursors, offset, limit and projections. Pure: the caller supplies candidates.
import type {
  Cursor,
  Document,
  FieldFilter,
  Filter,
  StructuredQuery,
  UnaryFilter,
  Value,
} from './types';
import {
  DOCUMENT_ID_FIELD,
  FieldPathError,
  canonicalFieldPath,
  compareFieldPaths,
  compareResourceNames,
  compareValues,
  getField,
  isDocumentIdPath,
  isNaNValue,
  isNullValue,
  parseFieldPath,
  typeOrder,
  valueKind,
  valuesEqual,
} from './values';
import { projectFields } from './fields';
import { Code, RpcError } from './errors';
import { CompiledNearest } from './vector';

/** A query the backend would refuse; `code` is the gRPC status to answer with. */
export class QueryError extends RpcError {
  constructor(code: Code, message: string) {
    super(code, message);
    this.name = 'QueryError';
  }
}

/** An INVALID_ARGUMENT QueryError. */
export function invalid(message: string): QueryError {
  return new QueryError(Code.INVALID_ARGUMENT, message);
}

/** Firestore's documented limits on filters. */
export const MAX_DISJUNCTIONS = 30;
export const MAX_IN_VALUES = 30;
export const MAX_NOT_IN_VALUES = 10;

type Predicate = (doc: Document) => boolean;

interface CompiledOrder {
  segments: string[];
  descending: boolean;
  /** Ordering by `__name__`. */
  isName: boolean;
}

interface CompiledCursor {
  values: Value[];
  before: boolean;
}

/** Parses a field path of a query (`what` names the clause); malformed is a QueryError. */
export function parsePath(path: string | undefined, what: string): string[] {
  if (path === undefined || path === '') throw invalid(`${what}: a field path is required`);
  try {
    return parseFieldPath(path);
  } catch (e) {
    if (e instanceof FieldPathError) throw invalid(`${what}: invalid field path: ${e.message}`);
    throw e;
  }
}

/** The filter operators Firestore counts as inequalities (one ordered field per query). */
export const INEQUALITY_OPS: ReadonlySet<string> = new Set([
  'LESS_THAN',
  'LESS_THAN_OR_EQUAL',
  'GREATER_THAN',
  'GREATER_THAN_OR_EQUAL',
  'NOT_EQUAL',
  'NOT_IN',
  'IS_NOT_NULL',
  'IS_NOT_NAN',
]);

/** Builds predicates from filters and collects what the rest of the query needs to know. */
class FilterCompiler {
  /** Fields with an inequality (<, <=, >, >=, !=, not-in, is-not-null, is-not-nan) anywhere. */
  readonly inequalityFields = new Map<string, string[]>();
  /** How often each field operator occurs, and whether an OR does (for combination rules). */
  readonly opCounts = new Map<string, number>();
  hasOr = false;

  count(op: string): number {
    return this.opCounts.get(op) ?? 0;
  }

  compile(filter: Filter): { predicate: Predicate; disjunctions: number } {
    if (filter.compositeFilter !== undefined) {
      const { op, filters = [] } = filter.compositeFilter;
      if (op !== 'AND' && op !== 'OR') {
        throw invalid(`composite filter has an invalid operator: ${String(op)}`);
      }
      if (filters.length === 0) {
        throw invalid('a composite filter must contain at least one filter');
      }
      if (op === 'OR') this.hasOr = true;
      const parts = filters.map((f) => this.compile(f));
      const predicates = parts.map((p) => p.predicate);
      if (op === 'AND') {
        return {
          predicate: (doc) => predicates.every((p) => p(doc)),
          disjunctions: parts.reduce((n, p) => n * p.disjunctions, 1),
        };
      }
      return {
        predicate: (doc) => predicates.some((p) => p(doc)),
        disjunctions: parts.reduce((n, p) => n + p.disjunctions, 0),
      };
    }
    if (filter.fieldFilter !== undefined) return this.compileField(filter.fieldFilter);
    if (filter.unaryFilter !== undefined) return this.compileUnary(filter.unaryFilter);
    throw invalid('a filter must set one of composite_filter, field_filter or unary_filter');
  }

  private noteInequality(segments: string[]): void {
    this.inequalityFields.set(canonicalFieldPath(segments), segments);
  }

  private compileUnary(f: UnaryFilter): { predicate: Predicate; disjunctions: number } {
    const segments = parsePath(f.field?.fieldPath, 'unary filter');
    const get = (doc: Document): Value | undefined => getField(doc, segments);
    if (f.op !== undefined && INEQUALITY_OPS.has(f.op)) this.noteInequality(segments);
    if (f.op !== undefined) this.opCounts.set(f.op, this.count(f.op) + 1);
    let predicate: Predicate;
    switch (f.op) {
      case 'IS_NULL':
        predicate = (doc) => {
          const v = get(doc);
          return v !== undefined && isNullValue(v);
        };
        break;
      case 'IS_NAN':
        predicate = (doc) => {
          const v = get(doc);
          return v !== undefined && isNaNValue(v);
        };
        break;
      case 'IS_NOT_NULL':
        predicate = (doc) => {
          const v = get(doc);
          return v !== undefined && !isNullValue(v);
        };
        break;
      case 'IS_NOT_NAN':
        // Like `!= NaN`: a missing or null field does not match.
        predicate = (doc) => {
          const v = get(doc);
          return v !== undefined && !isNullValue(v) && !isNaNValue(v);
        };
        break;
      default:
        throw invalid(`unary filter has an invalid operator: ${String(f.op)}`);
    }
    return { predicate, disjunctions: 1 };
  }

  private compileField(f: FieldFilter): { predicate: Predicate; disjunctions: number } {
    const segments = parsePath(f.field?.fieldPath, 'field filter');
    const op = f.op;
    const target = f.value;
    if (target === undefined) throw invalid(`field filter on "${f.field?.fieldPath}" has no value`);
    if (op === undefined || op === 'OPERATOR_UNSPECIFIED') {
      throw invalid(`field filter on "${f.field?.fieldPath}" has no operator`);
    }
    if (INEQUALITY_OPS.has(op)) this.noteInequality(segments);
    this.opCounts.set(op, this.count(op) + 1);
    const isName = isDocumentIdPath(segments);
    const get = (doc: Document): Value | undefined => getField(doc, segments);

    const list = (max: number): Value[] => {
      if (valueKind(target) !== 'arrayValue') {
        throw invalid(`'${op}' requires an array value`);
      }
      const values = target.arrayValue?.values ?? [];
      if (values.length === 0) throw invalid(`'${op}' requires a non-empty array`);
      if (values.length > max) {
        throw invalid(`'${op}' supports up to ${max} comparison values, got ${values.length}`);
      }
      return values;
    };
    const requireReference = (v: Value): void => {
      if (isName && valueKind(v) !== 'referenceValue') {
        throw invalid(`a filter on ${DOCUMENT_ID_FIELD} must compare with a document reference`);
      }
    };

    switch (op) {
      case 'EQUAL':
        requireReference(target);
        return {
          predicate: (doc) => {
            const v = get(doc);
            return v !== undefined && valuesEqual(v, target);
          },
          disjunctions: 1,
        };
      case 'NOT_EQUAL':
        requireReference(target);
        return {
          predicate: (doc) => {
            const v = get(doc);
            return v !== undefined && !isNullValue(v) && !valuesEqual(v, target);
          },
          disjunctions: 1,
        };
      case 'LESS_THAN':
      case 'LESS_THAN_OR_EQUAL':
      case 'GREATER_THAN':
      case 'GREATER_THAN_OR_EQUAL': {
        requireReference(target);
        const accept = RANGE_ACCEPT[op];
        const targetType = typeOrder(target);
        // Range filters only match values of the same type as the bound (ints and doubles are
        // both numbers): `x > 1` never matches a string. NaN is in no range, as a value or as
        // the bound (production: `x >= NaN` and `x <= 1` on a NaN field match nothing).
        const nanBound = isNaNValue(target);
        return {
          predicate: (doc) => {
            const v = get(doc);
            return (
              !nanBound &&
              v !== undefined &&
              typeOrder(v) === targetType &&
              !isNaNValue(v) &&
              accept(compareValues(v, target))
            );
          },
          disjunctions: 1,
        };
      }
      case 'IN': {
        const values = list(MAX_IN_VALUES);
        values.forEach(requireReference);
        return {
          predicate: (doc) => {
            const v = get(doc);
            return v !== undefined && values.some((t) => valuesEqual(v, t));
          },
          disjunctions: values.length,
        };
      }
      case 'NOT_IN': {
        const values = list(MAX_NOT_IN_VALUES);
        values.forEach(requireReference);
        // `not-in [..., null]` matches nothing in production (not-in never matches null, and
        // a null in the list excludes everything else too).
        const hasNull = values.some(isNullValue);
        return {
          predicate: (doc) => {
            const v = get(doc);
            return (
              !hasNull &&
              v !== undefined &&
              !isNullValue(v) &&
              !values.some((t) => valuesEqual(v, t))
            );
          },
          disjunctions: 1,
        };
      }
      case 'ARRAY_CONTAINS': {
        if (isName) throw invalid(`'ARRAY_CONTAINS' cannot be used on ${DOCUMENT_ID_FIELD}`);
        return {
          predicate: (doc) => {
            const v = get(doc);
            return (
              v !== undefined &&
              valueKind(v) === 'arrayValue' &&
              (v.arrayValue?.values ?? []).some((e) => valuesEqual(e, target))
            );
          },
          disjunctions: 1,
        };
      }
      case 'ARRAY_CONTAINS_ANY': {
        if (isName) throw invalid(`'ARRAY_CONTAINS_ANY' cannot be used on ${DOCUMENT_ID_FIELD}`);
        const values = list(MAX_IN_VALUES);
        return {
          predicate: (doc) => {
            const v = get(doc);
            if (v === undefined || valueKind(v) !== 'arrayValue') return false;
            const elements = v.arrayValue?.values ?? [];
            return elements.some((e) => values.some((t) => valuesEqual(e, t)));
          },
          disjunctions: values.length,
        };
      }
      default:
        throw invalid(`field filter has an invalid operator: ${String(op)}`);
    }
  }
}

/** Array operators in one conjunction of the filter's disjunctive normal form. */
interface ArrayUse {
  contains: number;
  containsAny: number;
}

/** Array operator counts per disjunction (IN expansions don't change them, so they are skipped). */
function arrayUses(filter: Filter): ArrayUse[] {
  const composite = filter.compositeFilter;
  if (composite !== undefined) {
    const parts = (composite.filters ?? []).map(arrayUses);
    if (composite.op === 'OR') return parts.flat();
    return parts.reduce<ArrayUse[]>(
      (acc, part) =>
        acc.flatMap((a) =>
          part.map((b) => ({
            contains: a.contains + b.contains,
            containsAny: a.containsAny + b.containsAny,
          })),
        ),
      [{ contains: 0, containsAny: 0 }],
    );
  }
  const op = filter.fieldFilter?.op;
  return [
    { contains: op === 'ARRAY_CONTAINS' ? 1 : 0, containsAny: op === 'ARRAY_CONTAINS_ANY' ? 1 : 0 },
  ];
}

/** Operator combinations Firestore documents as unsupported. */
function checkCombinations(where: Filter, filters: FilterCompiler): void {
  const notIn = filters.count('NOT_IN');
  if (notIn > 1) throw invalid("a query may contain at most one 'NOT_IN' filter");
  if (notIn === 1) {
    // The documentation also names OR, but production serves `a == 2 || b not-in [2, 3]`
    // (nodejs-firestore system test "supports OR queries with not-in").
    if (filters.count('IN') > 0 || filters.count('ARRAY_CONTAINS_ANY') > 0) {
      throw invalid("'NOT_IN' cannot be combined with 'IN' or 'ARRAY_CONTAINS_ANY' filters");
    }
    const notEqual =
      filters.count('NOT_EQUAL') + filters.count('IS_NOT_NULL') + filters.count('IS_NOT_NAN');
    if (notEqual > 0) throw invalid("'NOT_IN' cannot be combined with 'NOT_EQUAL' filters");
  }
  for (const use of arrayUses(where)) {
    if (use.contains > 1) {
      throw invalid("a disjunction may contain at most one 'ARRAY_CONTAINS' filter");
    }
    if (use.contains > 0 && use.containsAny > 0) {
      throw invalid("'ARRAY_CONTAINS' cannot be combined with 'ARRAY_CONTAINS_ANY'");
    }
  }
}

const RANGE_ACCEPT: Record<string, (c: number) => boolean> = {
  LESS_THAN: (c) => c < 0,
  LESS_THAN_OR_EQUAL: (c) => c <= 0,
  GREATER_THAN: (c) => c > 0,
  GREATER_THAN_OR_EQUAL: (c) => c >= 0,
};

/** A document with the values of its ordering fields extracted once, for sorting. */
interface Keyed {
  doc: Document;
  keys: Value[];
  /**
   * The name below the parent with '/' turned into U+0000, so that plain string comparison
   * orders names segment-wise; undefined when the name holds U+0000 or surrogates (then the
   * exact comparison is used).
   */
  nameKey: string | undefined;
}

// A name with one of these cannot be compared as a plain string key: U+0000 (the separator
// stand-in), surrogates (UTF-16 order is not UTF-8 order), and numeric ids `__id7__`, which
// sort before string ids by number (see values.ts compareResourceNames).
// eslint-disable-next-line no-control-regex -- matching U+0000 is the point here
const UNSAFE_NAME_KEY = /[\u0000\ud800-\udfff]|(^|\/)__id-?\d/;

/** A validated query, reusable over many candidate sets (Listen re-runs it on every change). */
export class CompiledQuery {
  readonly parent: string;
  readonly collectionId: string;
  readonly allDescendants: boolean;
  /** The full ordering the backend applies: explicit, then inequality fields, then __name__. */
  readonly orderBy: readonly CompiledOrder[];
  private readonly predicate: Predicate;
  private readonly startAt: CompiledCursor | undefined;
  private readonly endAt: CompiledCursor | undefined;
  readonly offset: number;
  readonly limit: number | undefined;
  /** Field paths of the projection, or undefined for whole documents. */
  private readonly projection: string[][] | undefined;
  /** Vector search (find_nearest), which replaces ordering and paging. */
  readonly nearest: CompiledNearest | undefined;

  constructor(parent: string, query: StructuredQuery) {
    this.parent = parent.replace(/\/+$/, '');
    if (query.findNearest !== undefined) {
      // The nearest neighbours are the order and the limit: nothing else may order or page.
      if ((query.orderBy ?? []).length > 0 || query.startAt || query.endAt) {
        throw invalid('find_nearest cannot be combined with order_by, start_at or end_at');
      }
      if ((query.offset ?? 0) !== 0 || query.limit !== undefined) {
        throw invalid('find_nearest cannot be combined with offset or limit (use its own limit)');
      }
      this.nearest = new CompiledNearest(query.findNearest);
    }
    const from = query.from ?? [];
    if (from.length !== 1) {
      throw invalid(`a query must select exactly one collection, got ${from.length}`);
    }
    this.collectionId = from[0].collectionId ?? '';
    this.allDescendants = from[0].allDescendants === true;
    if (this.collectionId.includes('/')) {
      throw invalid(`invalid collection id "${this.collectionId}"`);
    }
    if (this.collectionId === '' && !this.allDescendants) {
      throw invalid('a collection id is required unless all_descendants is set');
    }

    const filters = new FilterCompiler();
    if (query.where !== undefined) {
      const { predicate, disjunctions } = filters.compile(query.where);
      if (disjunctions > MAX_DISJUNCTIONS) {
        throw invalid(
          `the query has ${disjunctions} disjunctions in disjunctive normal form; ` +
            `at most ${MAX_DISJUNCTIONS} are allowed`,
        );
      }
      checkCombinations(query.where, filters);
      this.predicate = predicate;
    } else {
      this.predicate = () => true;
    }

    this.orderBy = normalizeOrderBy(query, filters.inequalityFields);
    this.startAt = compileCursor(query.startAt, this.orderBy, 'start_at');
    this.endAt = compileCursor(query.endAt, this.orderBy, 'end_at');

    const offset = query.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0)
      throw invalid(`offset must be >= 0, got ${offset}`);
    this.offset = offset;
    if (query.limit !== undefined) {
      // A decoded Int32Value omits a zero value.
      const limit = query.limit.value ?? 0;
      if (!Number.isInteger(limit) || limit < 0) throw invalid(`limit must be >= 0, got ${limit}`);
      this.limit = limit;
    }

    if (query.select !== undefined) {
      this.projection = (query.select.fields ?? [])
        .map((f) => parsePath(f.fieldPath, 'select'))
        .filter((segments) => !isDocumentIdPath(segments));
    }
  }

  /** Whether a document name is in the queried collection (or group) under the parent. */
  inScope(name: string): boolean {
    // Called for every candidate of every query, so it avoids allocating.
    const p = this.parent.length;
    if (name.length <= p + 1 || name.charCodeAt(p) !== 0x2f || !name.startsWith(this.parent)) {
      return false;
    }
    const idSlash = name.lastIndexOf('/');
    if (idSlash <= p || idSlash === name.length - 1) return false;
    const collectionSlash = name.lastIndexOf('/', idSlash - 1);
    if (!this.allDescendants) {
      return (
        collectionSlash === p &&
        idSlash - p - 1 === this.collectionId.length &&
        name.startsWith(this.collectionId, p + 1)
      );
    }
    if (collectionSlash < p) return false;
    // Below the parent the path must alternate collection/document: an even number of segments.
    let segments = 0;
    for (let i = p; i < name.length; i++) if (name.charCodeAt(i) === 0x2f) segments++;
    if (segments % 2 !== 0) return false;
    if (this.collectionId === '') return true;
    return (
      idSlash - collectionSlash - 1 === this.collectionId.length &&
      name.startsWith(this.collectionId, collectionSlash + 1)
    );
  }

  private keyed(doc: Document): Keyed | undefined {
    const keys: Value[] = [];
    for (const order of this.orderBy) {
      const v = getField(doc, order.segments);
      // The backend answers from indexes: a document without an ordering field is not in them.
      if (v === undefined) return undefined;
      keys.push(v);
    }
    const below = doc.name.slice(this.parent.length + 1);
    const nameKey = UNSAFE_NAME_KEY.test(below) ? undefined : below.replaceAll('/', '\u0000');
    return { doc, keys, nameKey };
  }

  private compareKeys(a: Value[], b: Value[]): number {
    for (let i = 0; i < a.length && i < b.length; i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return this.orderBy[i].descending ? -c : c;
    }
    return 0;
  }

  private withinCursors(keys: Value[]): boolean {
    if (this.startAt !== undefined) {
      const c = this.compareKeys(keys, this.startAt.values);
      if (this.startAt.before ? c < 0 : c <= 0) return false;
    }
    if (this.endAt !== undefined) {
      const c = this.compareKeys(keys, this.endAt.values);
      if (this.endAt.before ? c >= 0 : c > 0) return false;
    }
    return true;
  }

  /**
   * Whether a document belongs to the result before offset and limit are applied: it is in
   * scope, passes the filters, has every ordering field and lies between the cursors.
   */
  matches(doc: Document): boolean {
    if (!this.inScope(doc.name) || !this.predicate(doc)) return false;
    const keyed = this.keyed(doc);
    return keyed !== undefined && this.withinCursors(keyed.keys);
  }

  /** Compares two matching documents in the query's order (negative: `a` comes first). */
  compareDocuments(a: Document, b: Document): number {
    const ka = this.keyed(a);
    const kb = this.keyed(b);
    if (ka === undefined || kb === undefined) {
      throw new Error('compareDocuments needs documents that have every ordering field');
    }
    return this.byKeys(ka, kb);
  }

  /** The query's result over `candidates` (any documents, any order; others are ignored). */
  run(candidates: Iterable<Document>): Document[] {
    if (this.nearest) {
      const matching: Document[] = [];
      for (const doc of candidates) {
        if (this.inScope(doc.name) && this.predicate(doc)) matching.push(doc);
      }
      return this.nearest.nearest(matching, compareResourceNames, (d) => this.project(d));
    }
    const rows: Keyed[] = [];
    for (const doc of candidates) {
      if (!this.inScope(doc.name) || !this.predicate(doc)) continue;
      const keyed = this.keyed(doc);
      if (keyed !== undefined && this.withinCursors(keyed.keys)) rows.push(keyed);
    }
    const end = this.limit === undefined ? rows.length : this.offset + this.limit;
    const sorted = end < rows.length / 4 ? this.smallest(rows, end) : rows.sort(this.byKeys);
    return sorted.slice(this.offset, end).map((r) => this.project(r.doc));
  }

  /** Row order; document names compare directly (the common tie-breaker, and the default). */
  private readonly byKeys = (a: Keyed, b: Keyed): number => {
    const orderBy = this.orderBy;
    for (let i = 0; i < orderBy.length; i++) {
      let c: number;
      if (!orderBy[i].isName) c = compareValues(a.keys[i], b.keys[i]);
      else if (a.nameKey !== undefined && b.nameKey !== undefined) {
        c = a.nameKey < b.nameKey ? -1 : a.nameKey > b.nameKey ? 1 : 0;
      } else c = compareResourceNames(a.doc.name, b.doc.name);
      if (c !== 0) return orderBy[i].descending ? -c : c;
    }
    return 0;
  };

  /** The first `k` rows in query order, without sorting them all (pages of a large collection). */
  private smallest(rows: Keyed[], k: number): Keyed[] {
    const top: Keyed[] = [];
    if (k === 0) return top;
    for (const row of rows) {
      if (top.length === k && this.byKeys(row, top[k - 1]) >= 0) continue;
      let lo = 0;
      let hi = top.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.byKeys(top[mid], row) <= 0) lo = mid + 1;
        else hi = mid;
      }
      top.splice(lo, 0, row);
      if (top.length > k) top.pop();
    }
    return top;
  }

  /** Applies the projection: only the selected (possibly nested) fields are kept. */
  project(doc: Document): Document {
    if (this.projection === undefined) return doc;
    const out: Document = { name: doc.name, fields: projectFields(doc.fields, this.projection) };
    if (doc.createTime !== undefined) out.createTime = doc.createTime;
    if (doc.updateTime !== undefined) out.updateTime = doc.updateTime;
    return out;
  }
}

/**
 * The ordering Firestore really applies: the explicit orderBy, then every inequality field not
 * already ordered (in field-path order), then __name__ unless ordered; implicit entries take the
 * direction of the last explicit one.
 */
function normalizeOrderBy(
  query: StructuredQuery,
  inequalityFields: Map<string, string[]>,
): CompiledOrder[] {
  const result: CompiledOrder[] = [];
  const seen = new Set<string>();
  for (const order of query.orderBy ?? []) {
    const segments = parsePath(order.field?.fieldPath, 'order_by');
    const key = canonicalFieldPath(segments);
    if (seen.has(key)) throw invalid(`order_by contains the field "${key}" more than once`);
    seen.add(key);
    result.push({
      segments,
      descending: order.direction === 'DESCENDING',
      isName: isDocumentIdPath(segments),
    });
  }
  const descending = result.length > 0 && result[result.length - 1].descending;
  const implicit = [...inequalityFields.entries()]
    .filter(([key, segments]) => !seen.has(key) && !isDocumentIdPath(segments))
    .sort((a, b) => compareFieldPaths(a[1], b[1]));
  for (const [key, segments] of implicit) {
    seen.add(key);
    result.push({ segments, descending, isName: false });
  }
  if (!seen.has(DOCUMENT_ID_FIELD)) {
    result.push({ segments: [DOCUMENT_ID_FIELD], descending, isName: true });
  }
  return result;
}

function compileCursor(
  cursor: Cursor | undefined,
  orderBy: readonly CompiledOrder[],
  what: string,
): CompiledCursor | undefined {
  if (cursor === undefined) return undefined;
  const values = cursor.values ?? [];
  if (values.length > orderBy.length) {
    throw invalid(
      `${what} has ${values.length} values but the query orders by only ${orderBy.length} ` +
        `fields (${orderBy.map((o) => canonicalFieldPath(o.segments)).join(', ')})`,
    );
  }
  values.forEach((v, i) => {
    if (isDocumentIdPath(orderBy[i].segments) && valueKind(v) !== 'referenceValue') {
      throw invalid(`${what} value for ${DOCUMENT_ID_FIELD} must be a document reference`);
    }
  });
  return { values, before: cursor.before === true };
}

/** Validates a query without running it; throws QueryError if the backend would reject it. */
export function compileQuery(parent: string, query: StructuredQuery): CompiledQuery {
  return new CompiledQuery(parent, query);
}

/**
 * Runs a structured query. `parent` is `projects/p/databases/d/documents` or a document name;
 * `candidates` are existing documents (any under parent at any depth, in any order).
 */
export function runStructuredQuery(
  parent: string,
  query: StructuredQuery,
  candidates: Iterable<Document>,
): Document[] {
  return new CompiledQuery(parent, query).run(candidates);
}

/** Whether one document would be in the query's result if offset and limit were ignored. */
export function queryMatches(parent: string, query: StructuredQuery, doc: Document): boolean {
  return new CompiledQuery(parent, query).matches(doc);
}
