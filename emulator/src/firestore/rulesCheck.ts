// Security rules for Firestore: the glue between the RPCs and the rules engine (src/rules).
// The server asks for a RulesCaller per call; it is undefined for `Bearer owner` (admin) and
// when no rules are loaded, and otherwise answers for reads (get, list from query constraints)
// and, through core.commit, for every write of a commit, batch or transaction.
import { Code, RpcError, invalidArgument } from './errors';
import { parseDocumentName, parseParent } from './paths';
import { parseFieldPath } from './values';
import type { Document, Filter, StructuredQuery, Target, Timestamp, Value } from './types';
import { identityOf } from '../rules/auth';
import {
  MULTI_DOCUMENT_CALL_LIMIT,
  SINGLE_DOCUMENT_CALL_LIMIT,
  denialMessage,
  type Decision,
} from '../rules/engine';
import { RequestBudget, type EvalHooks } from '../rules/evaluator';
import type { Method } from '../rules/ast';
import type { LoadedRules } from '../rules/loaded';
import {
  RLatLng,
  RMap,
  RPartialList,
  RPath,
  RRange,
  RTimestamp,
  RulesError,
  compare,
  type Bound,
  type RValue,
} from '../rules/values';

/** One write of a commit as the rules see it: the document before and after it. */
export interface WriteUnderRules {
  name: string;
  before: Document | undefined;
  after: Document | undefined;
}

/** What core.commit needs: a check of all its writes before anything is applied. */
export interface WriteAuthority {
  /** Throws PERMISSION_DENIED unless every write is allowed. */
  authorizeWrites(
    writes: WriteUnderRules[],
    afterOf: (name: string) => Document | undefined,
    time: Timestamp,
  ): void;
}

/** The most `in`-filter combinations a list query is judged by before it is refused. */
const MAX_QUERY_ALTERNATIVES = 100;
/** Stands for "any document" in the path a list request is matched against. */
const ANY_DOCUMENT = '{any document}';
/** Stands for "any ancestors" in a collection group query's path. */
const ANY_ANCESTORS = '{any ancestors}';

// ---- values and documents as the rules see them ----

export function valueToRules(v: Value): RValue {
  if (v.nullValue !== undefined) return null;
  if (v.booleanValue !== undefined) return v.booleanValue;
  if (v.integerValue !== undefined) return BigInt(v.integerValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.timestampValue !== undefined) {
    const ts = v.timestampValue;
    return new RTimestamp(BigInt(ts.seconds ?? 0) * 1_000_000_000n + BigInt(ts.nanos ?? 0));
  }
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.bytesValue !== undefined) return new Uint8Array(v.bytesValue);
  if (v.referenceValue !== undefined) return rulesPath(v.referenceValue);
  if (v.geoPointValue !== undefined) {
    return new RLatLng(v.geoPointValue.latitude ?? 0, v.geoPointValue.longitude ?? 0);
  }
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(valueToRules);
  if (v.mapValue !== undefined) return fieldsToRules(v.mapValue.fields);
  return null;
}

function fieldsToRules(fields: Record<string, Value> | undefined): RMap {
  return new RMap(new Map(Object.entries(fields ?? {}).map(([k, v]) => [k, valueToRules(v)])));
}

/** `projects/p/databases/d/documents/a/b` -> the rules path `/databases/d/documents/a/b`. */
function rulesPath(name: string): RPath {
  return new RPath(name.split('/').slice(2));
}

/** `resource` / `request.resource`: null, or a map with `__name__`, `id` and `data`. */
export function resourceOf(name: string, doc: Document | undefined): RValue {
  if (!doc) return null;
  const path = rulesPath(name);
  return RMap.of({
    __name__: path,
    id: path.segments[path.segments.length - 1],
    data: fieldsToRules(doc.fields),
  });
}

function timestampOf(ts: Timestamp): RTimestamp {
  return new RTimestamp(BigInt(ts.seconds) * 1_000_000_000n + BigInt(ts.nanos));
}

function now(): RTimestamp {
  return new RTimestamp(BigInt(Date.now()) * 1_000_000n);
}

function permissionDenied(message: string): RpcError {
  return new RpcError(Code.PERMISSION_DENIED, message);
}

// ---- list queries: what the constraints guarantee about every result ----

/** Field values every result of one disjunct of the query must have. */
type Known = Map<string, { path: string[]; value: RValue }>;

/** The tighter of two bounds on one side (`sign` 1 for lower bounds, -1 for upper ones). */
function tighter(x: Bound | undefined, y: Bound | undefined, sign: 1 | -1): Bound | undefined {
  if (!x || !y) return x ?? y;
  let c: number;
  try {
    c = compare(x.value, y.value) * sign;
  } catch {
    return x; // bounds of different types: the query matches nothing anyway
  }
  if (c !== 0) return c > 0 ? x : y;
  return { value: x.value, inclusive: x.inclusive && y.inclusive };
}

/** Both constraints on one field: an exact value wins over a range; two ranges intersect. */
function mergeValue(x: RValue, y: RValue): RValue {
  if (x instanceof RRange && y instanceof RRange) {
    return new RRange(tighter(x.lo, y.lo, 1), tighter(x.hi, y.hi, -1));
  }
  return x instanceof RRange ? y : x;
}

function merge(a: Known, b: Known): Known {
  const out = new Map(a);
  for (const [key, entry] of b) {
    const prior = out.get(key);
    out.set(key, prior ? { path: entry.path, value: mergeValue(prior.value, entry.value) } : entry);
  }
  return out;
}

const RANGE_OPS: Record<string, (v: RValue) => RRange> = {
  LESS_THAN: (v) => new RRange(undefined, { value: v, inclusive: false }),
  LESS_THAN_OR_EQUAL: (v) => new RRange(undefined, { value: v, inclusive: true }),
  GREATER_THAN: (v) => new RRange({ value: v, inclusive: false }),
  GREATER_THAN_OR_EQUAL: (v) => new RRange({ value: v, inclusive: true }),
};

/** The query's filter as alternatives (OR and IN multiply them), each a set of known fields. */
function alternatives(filter: Filter | undefined): Known[] {
  if (!filter) return [new Map()];
  const field = filter.fieldFilter;
  if (field?.field?.fieldPath !== undefined && field.value) {
    const path = parseFieldPath(field.field.fieldPath);
    const key = path.join('\u0000');
    if (field.op === 'EQUAL') {
      return [new Map([[key, { path, value: valueToRules(field.value) }]])];
    }
    if (field.op === 'IN') {
      return (field.value.arrayValue?.values ?? []).map(
        (v) => new Map([[key, { path, value: valueToRules(v) }]]),
      );
    }
    // Every result's value lies in the range (all of a query's ranges on a field intersect).
    const range = field.op ? RANGE_OPS[field.op] : undefined;
    if (range) return [new Map([[key, { path, value: range(valueToRules(field.value)) }]])];
    // Every result's list holds the value (array-contains) or one of the values (-any).
    if (field.op === 'ARRAY_CONTAINS') {
      return [new Map([[key, { path, value: new RPartialList([valueToRules(field.value)]) }]])];
    }
    if (field.op === 'ARRAY_CONTAINS_ANY') {
      return (field.value.arrayValue?.values ?? []).map(
        (v) => new Map([[key, { path, value: new RPartialList([valueToRules(v)]) }]]),
      );
    }
    return [new Map()];
  }
  const unary = filter.unaryFilter;
  if (unary?.op === 'IS_NULL' && unary.field?.fieldPath !== undefined) {
    const path = parseFieldPath(unary.field.fieldPath);
    return [new Map([[path.join('\u0000'), { path, value: null }]])];
  }
  const composite = filter.compositeFilter;
  if (composite) {
    const parts = (composite.filters ?? []).map(alternatives);
    if (composite.op === 'OR') return parts.flat();
    let acc: Known[] = [new Map()];
    for (const p of parts) {
      acc = acc.flatMap((a) => p.map((b) => merge(a, b)));
      if (acc.length > MAX_QUERY_ALTERNATIVES) break;
    }
    return acc;
  }
  return [new Map()];
}

/** A partial document: only the fields the constraints pin down; others are undefined. */
function knownData(known: Known): RMap {
  const root = new Map<string, RValue>();
  for (const { path, value } of known.values()) {
    if (path.length === 1 && path[0] === '__name__') continue;
    let map = root;
    path.forEach((seg, i) => {
      if (i === path.length - 1) {
        map.set(seg, value);
        return;
      }
      const next = map.get(seg);
      // Each RMap holds its Map by reference, so filling `child` later fills the nested map.
      const child = next instanceof RMap ? new Map(next.entries) : new Map<string, RValue>();
      map.set(seg, new RMap(child));
      map = child;
    });
  }
  return new RMap(root);
}

function queryInfo(query: StructuredQuery): RMap {
  const orderBy = new Map<string, RValue>();
  for (const o of query.orderBy ?? []) {
    if (o.field?.fieldPath)
      orderBy.set(o.field.fieldPath, o.direction === 'DESCENDING' ? 'DESC' : 'ASC');
  }
  const limit = query.limit;
  const limitValue = typeof limit === 'object' && limit !== null ? limit.value : limit;
  return RMap.of({
    limit: limitValue === undefined || limitValue === null ? null : BigInt(limitValue),
    offset: query.offset ? BigInt(query.offset) : null,
    orderBy: new RMap(orderBy),
  });
}

// ---- the check ----

export class RulesCaller implements WriteAuthority {
  constructor(
    /** Read at every check: a Listen stream outlives rules reloads. */
    private readonly loaded: LoadedRules,
    private readonly auth: RValue,
    private readonly getDocument: (name: string) => Document | undefined,
  ) {}

  private hooks(projectId: string, afterOf?: (name: string) => Document | undefined): EvalHooks {
    const nameOf = (p: RPath): string => {
      if (
        p.segments[0] !== 'databases' ||
        p.segments[2] !== 'documents' ||
        p.segments.length % 2 !== 1
      ) {
        throw new RulesError(`Not a document path: ${p.toString()}`);
      }
      return `projects/${projectId}/${p.segments.join('/')}`;
    };
    return {
      document: (p, after) => {
        const name = nameOf(p);
        const doc = after && afterOf ? afterOf(name) : this.getDocument(name);
        return resourceOf(name, doc);
      },
      debug: (text) => console.log(`firestore rules debug: ${text}`),
    };
  }

  private decide(
    method: Method,
    name: string,
    variables: { resource: RValue; request: Record<string, RValue> },
    hooks: EvalHooks,
    budget: RequestBudget,
  ): Decision {
    const path = rulesPath(name);
    const request = RMap.of({
      auth: this.auth,
      method,
      path,
      ...variables.request,
    });
    const ruleset = this.loaded.ruleset;
    if (!ruleset) return { allowed: true, denials: [] };
    return ruleset.evaluate(
      {
        service: 'cloud.firestore',
        path: path.segments,
        method,
        variables: { request, resource: variables.resource },
      },
      hooks,
      budget,
    );
  }

  private refuse(decision: Decision): never {
    throw permissionDenied(denialMessage(decision, this.loaded.ruleset?.file.file ?? 'rules'));
  }

  /** Get and BatchGet: every named document must pass `get`. */
  authorizeGets(names: string[]): void {
    if (!this.loaded.ruleset || names.length === 0) return;
    const projectId = parseDocumentName(names[0]).db.projectId;
    const budget = new RequestBudget(
      names.length > 1 ? MULTI_DOCUMENT_CALL_LIMIT : SINGLE_DOCUMENT_CALL_LIMIT,
    );
    const hooks = this.hooks(projectId);
    const time = now();
    for (const n of names) {
      const name = parseDocumentName(n).name;
      const decision = this.decide(
        'get',
        name,
        { resource: resourceOf(name, this.getDocument(name)), request: { time } },
        hooks,
        budget,
      );
      if (!decision.allowed) this.refuse(decision);
    }
  }

  /**
   * RunQuery, aggregations and Listen queries: `list` must hold for every document the query
   * could return, judged from its constraints alone (rules are not filters).
   */
  authorizeQuery(parentName: string | undefined, query: StructuredQuery | undefined): void {
    if (!this.loaded.ruleset) return;
    const parent = parseParent(parentName);
    const from = query?.from?.[0];
    if (!query || !from?.collectionId) return; // malformed: the query code reports it
    const base = from.allDescendants
      ? `${parent.name}/${ANY_ANCESTORS}/${from.collectionId}`
      : `${parent.name}/${from.collectionId}`;
    let alts: Known[];
    try {
      alts = alternatives(query.where);
    } catch (err) {
      // A filter that does not even parse (bad field path, bad integer): the client's error.
      if (err instanceof RpcError) throw err;
      throw invalidArgument(`Malformed query filter: ${(err as Error).message}`);
    }
    if (alts.length > MAX_QUERY_ALTERNATIVES) {
      throw permissionDenied(
        `The query has more than ${MAX_QUERY_ALTERNATIVES} filter combinations for the rules to check`,
      );
    }
    const hooks = this.hooks(parent.db.projectId);
    const budget = new RequestBudget(SINGLE_DOCUMENT_CALL_LIMIT);
    const time = now();
    const info = queryInfo(query);
    for (const known of alts) {
      // An equality on __name__ pins the document itself.
      const byName = known.get('__name__')?.value;
      const name =
        byName instanceof RPath
          ? `projects/${parent.db.projectId}/${byName.segments.join('/')}`
          : `${base}/${ANY_DOCUMENT}`;
      const resource = RMap.of({ data: knownData(known), __name__: rulesPath(name) });
      const decision = this.decide(
        'list',
        name,
        { resource, request: { time, query: info } },
        hooks,
        budget,
      );
      if (!decision.allowed) this.refuse(decision);
    }
  }

  /** A Listen target: PERMISSION_DENIED's message, or undefined when allowed. */
  listenTargetDenial(target: Target): string | undefined {
    try {
      if (target.documents) this.authorizeGets(target.documents.documents ?? []);
      else if (target.query) this.authorizeQuery(target.query.parent, target.query.structuredQuery);
      return undefined;
    } catch (err) {
      if (err instanceof RpcError && err.code === Code.PERMISSION_DENIED) return err.message;
      throw err;
    }
  }

  authorizeWrites(
    writes: WriteUnderRules[],
    afterOf: (name: string) => Document | undefined,
    time: Timestamp,
  ): void {
    if (!this.loaded.ruleset || writes.length === 0) return;
    const projectId = parseDocumentName(writes[0].name).db.projectId;
    const budget = new RequestBudget(
      writes.length > 1 ? MULTI_DOCUMENT_CALL_LIMIT : SINGLE_DOCUMENT_CALL_LIMIT,
    );
    const hooks = this.hooks(projectId, afterOf);
    const requestTime = timestampOf(time);
    for (const w of writes) {
      const method: Method = !w.after ? 'delete' : !w.before ? 'create' : 'update';
      const decision = this.decide(
        method,
        w.name,
        {
          resource: resourceOf(w.name, w.before),
          request: { time: requestTime, resource: resourceOf(w.name, w.after) },
        },
        hooks,
        budget,
      );
      if (!decision.allowed) this.refuse(decision);
    }
  }
}

/** The Firestore server's rules: which caller is checked, and against what. */
export class FirestoreRules {
  constructor(
    readonly loaded: LoadedRules,
    private readonly getDocument: (name: string) => Document | undefined,
  ) {}

  /**
   * undefined for the admin token (never checked). Any other caller is checked against the
   * rules in force at each request, so a stream opened before rules were loaded is checked
   * once they are; with no rules loaded every check passes.
   */
  callerOf(authorization: string | undefined): RulesCaller | undefined {
    const identity = identityOf(authorization);
    if (identity.kind === 'owner') return undefined;
    return new RulesCaller(this.loaded, identity.auth, this.getDocument);
  }
}
