// Evaluates rules expressions. An error (missing field, wrong type, call limit) is a thrown
// RulesError; `&&` and `||` absorb it when the other side alone decides the result
// (`error && false` is false, `error || true` is true), as the rules reference documents.
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import type { Expr, FunctionDecl } from './ast';
import {
  RDuration,
  RLatLng,
  RMap,
  RMapDiff,
  RPartialList,
  RPath,
  RRange,
  RSet,
  RTimestamp,
  RulesError,
  checkInt,
  compare,
  compareRange,
  equals,
  isBytes,
  isList,
  isType,
  show,
  typeOf,
  type RValue,
} from './values';

/** What an evaluation may reach outside the expression: documents, and a debug sink. */
export interface EvalHooks {
  /** The resource at `path` (a map) or null; `after` = as the request would leave it. */
  document?(path: RPath, after: boolean): RValue;
  /** Storage rules' `firestore.get()`/`firestore.exists()`: a document of our Firestore. */
  firestoreDocument?(path: RPath): RValue;
  debug?(text: string): void;
}

/** Shared by every expression evaluated for one request: the document-access budget. */
export class RequestBudget {
  private readonly seen = new Set<string>();
  constructor(readonly maxCalls: number) {}
  /** Counts one access; the same document read twice counts once. */
  charge(key: string): void {
    if (this.seen.has(key)) return;
    if (this.seen.size >= this.maxCalls) {
      throw new RulesError(
        `Exceeded maximum of ${this.maxCalls} document access calls for this request`,
      );
    }
    this.seen.add(key);
  }
  get used(): number {
    return this.seen.size;
  }
}

export interface Closure {
  decl: FunctionDecl;
  scope: Scope;
}

/** A lexical scope: variables (lazily evaluated, for `let`) and functions. */
export class Scope {
  private readonly vars = new Map<string, () => RValue>();
  private readonly fns = new Map<string, Closure>();
  constructor(readonly parent?: Scope) {}

  set(name: string, value: RValue): this {
    this.vars.set(name, () => value);
    return this;
  }

  setLazy(name: string, compute: () => RValue): void {
    let done = false;
    let value: RValue = null;
    this.vars.set(name, () => {
      if (!done) {
        value = compute();
        done = true;
      }
      return value;
    });
  }

  define(decl: FunctionDecl): void {
    this.fns.set(decl.name, { decl, scope: this });
  }

  variable(name: string): (() => RValue) | undefined {
    return this.vars.get(name) ?? this.parent?.variable(name);
  }

  fn(name: string): Closure | undefined {
    return this.fns.get(name) ?? this.parent?.fn(name);
  }
}

const MAX_CALL_DEPTH = 20;

function isRelation(op: string): op is '<' | '<=' | '>' | '>=' {
  return op === '<' || op === '<=' || op === '>' || op === '>=';
}
const NANOS_PER_SECOND = 1_000_000_000n;
const NAMESPACES = new Set(['math', 'timestamp', 'duration', 'hashing', 'latlng', 'firestore']);

function fail(message: string): never {
  throw new RulesError(message);
}

function asBool(v: RValue, what = 'Condition'): boolean {
  if (typeof v !== 'boolean') fail(`${what} is not a boolean: ${typeOf(v)}`);
  return v;
}

function asInt(v: RValue, what = 'Argument'): bigint {
  if (typeof v !== 'bigint') fail(`${what} is not an int: ${typeOf(v)}`);
  return v;
}

function asNumber(v: RValue, what = 'Argument'): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'number') fail(`${what} is not a number: ${typeOf(v)}`);
  return v;
}

function asString(v: RValue, what = 'Argument'): string {
  if (typeof v !== 'string') fail(`${what} is not a string: ${typeOf(v)}`);
  return v;
}

function asMap(v: RValue, what = 'Argument'): RMap {
  if (!(v instanceof RMap)) fail(`${what} is not a map: ${typeOf(v)}`);
  return v;
}

function itemsOf(v: RValue, what = 'Argument'): readonly RValue[] {
  if (isList(v)) return v;
  if (v instanceof RSet) return v.items;
  return fail(`${what} is not a list or set: ${typeOf(v)}`);
}

function asPath(v: RValue): RPath {
  if (v instanceof RPath) return v;
  if (typeof v === 'string') return parsePath(v);
  return fail(`Argument is not a path: ${typeOf(v)}`);
}

export function parsePath(s: string): RPath {
  return new RPath(s.split('/').filter((x) => x !== ''));
}

/** A regular expression that must match the whole string (RE2 syntax is close to JS's). */
function fullRegex(re: string, flags = ''): RegExp {
  try {
    return new RegExp(`^(?:${re})$`, `u${flags}`);
  } catch {
    return fail(`Invalid regular expression: ${re}`);
  }
}

function index(len: number, i: RValue): number {
  const n = Number(asInt(i, 'Index'));
  if (n < 0 || n >= len) fail(`Index out of range: ${n}`);
  return n;
}

function rangeOf(len: number, from: RValue, to: RValue): [number, number] {
  const a = Number(asInt(from, 'Range start'));
  const b = Number(asInt(to, 'Range end'));
  if (a < 0 || b > len || a > b) fail(`Range out of bounds: [${a}:${b}]`);
  return [a, b];
}

// ---- arithmetic ----

function arith(op: '+' | '-' | '*' | '/' | '%', a: RValue, b: RValue): RValue {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    switch (op) {
      case '+':
        return checkInt(a + b);
      case '-':
        return checkInt(a - b);
      case '*':
        return checkInt(a * b);
      case '/':
        if (b === 0n) fail('Division by zero');
        return checkInt(a / b);
      case '%':
        if (b === 0n) fail('Modulo by zero');
        return a % b;
    }
  }
  const numeric = (v: RValue) => typeof v === 'bigint' || typeof v === 'number';
  if (numeric(a) && numeric(b)) {
    const x = Number(a);
    const y = Number(b);
    switch (op) {
      case '+':
        return x + y;
      case '-':
        return x - y;
      case '*':
        return x * y;
      case '/':
        return x / y;
      case '%':
        return x % y;
    }
  }
  if (op === '+') {
    if (typeof a === 'string' && typeof b === 'string') return a + b;
    if (isList(a) && isList(b)) return [...a, ...b];
    if (a instanceof RTimestamp && b instanceof RDuration) return new RTimestamp(a.nanos + b.nanos);
    if (a instanceof RDuration && b instanceof RTimestamp) return new RTimestamp(a.nanos + b.nanos);
    if (a instanceof RDuration && b instanceof RDuration) return new RDuration(a.nanos + b.nanos);
  }
  if (op === '-') {
    if (a instanceof RTimestamp && b instanceof RTimestamp) return new RDuration(a.nanos - b.nanos);
    if (a instanceof RTimestamp && b instanceof RDuration) return new RTimestamp(a.nanos - b.nanos);
    if (a instanceof RDuration && b instanceof RDuration) return new RDuration(a.nanos - b.nanos);
  }
  return fail(`Operator ${op} cannot be applied to ${typeOf(a)} and ${typeOf(b)}`);
}

/** `x in partial`, `partial.hasAny/hasAll(xs)`: true when the known items decide it. */
function partialHas(list: RPartialList, items: readonly RValue[], all: boolean): boolean {
  const known = (x: RValue) => list.known.some((k) => equals(k, x));
  if (all ? items.every(known) : items.some(known)) return true;
  return fail('The query does not determine whether the list contains these items');
}

function contains(container: RValue, item: RValue): boolean {
  if (container instanceof RPartialList) return partialHas(container, [item], true);
  if (isList(container)) return container.some((x) => equals(x, item));
  if (container instanceof RSet) return container.has(item);
  if (container instanceof RMap) return container.entries.has(asString(item, 'Map key'));
  return fail(`Operator in cannot be applied to ${typeOf(container)}`);
}

// ---- timestamps and durations ----

const DURATION_UNITS: Record<string, bigint> = {
  w: 7n * 24n * 3600n * NANOS_PER_SECOND,
  d: 24n * 3600n * NANOS_PER_SECOND,
  h: 3600n * NANOS_PER_SECOND,
  m: 60n * NANOS_PER_SECOND,
  s: NANOS_PER_SECOND,
  ms: 1_000_000n,
  ns: 1n,
};

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function utcDate(t: RTimestamp): Date {
  return new Date(Number(floorDiv(t.nanos, 1_000_000n)));
}

function timestampMethod(t: RTimestamp, name: string): RValue {
  const d = utcDate(t);
  const nanosOfSecond = t.nanos - floorDiv(t.nanos, NANOS_PER_SECOND) * NANOS_PER_SECOND;
  const dayStart = floorDiv(t.nanos, DURATION_UNITS.d) * DURATION_UNITS.d;
  switch (name) {
    case 'year':
      return BigInt(d.getUTCFullYear());
    case 'month':
      return BigInt(d.getUTCMonth() + 1);
    case 'day':
      return BigInt(d.getUTCDate());
    case 'hours':
      return BigInt(d.getUTCHours());
    case 'minutes':
      return BigInt(d.getUTCMinutes());
    case 'seconds':
      return BigInt(d.getUTCSeconds());
    case 'nanos':
      return nanosOfSecond;
    case 'dayOfWeek':
      // ISO: Monday = 1 … Sunday = 7.
      return BigInt(d.getUTCDay() === 0 ? 7 : d.getUTCDay());
    case 'dayOfYear': {
      const jan1 = Date.UTC(d.getUTCFullYear(), 0, 1);
      return BigInt(Math.floor((d.getTime() - jan1) / 86_400_000) + 1);
    }
    case 'date':
      return new RTimestamp(dayStart);
    case 'time':
      return new RDuration(t.nanos - dayStart);
    case 'toMillis':
      return floorDiv(t.nanos, 1_000_000n);
  }
  return fail(`Function not found: timestamp.${name}`);
}

// ---- hashing ----

let crc32cTable: Uint32Array | undefined;

function crc32c(data: Uint8Array): number {
  if (!crc32cTable) {
    crc32cTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      crc32cTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of data) crc = crc32cTable[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function hashInput(v: RValue): Uint8Array {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (isBytes(v)) return v;
  return fail(`Hashing needs a string or bytes, got ${typeOf(v)}`);
}

// ---- the evaluator ----

export class Evaluator {
  private depth = 0;

  constructor(
    private readonly hooks: EvalHooks,
    private readonly budget: RequestBudget,
  ) {}

  eval(e: Expr, scope: Scope): RValue {
    try {
      return this.evalNode(e, scope);
    } catch (err) {
      // The innermost expression that failed names the place.
      if (err instanceof RulesError && !err.at) err.at = { line: e.pos.line, column: e.pos.column };
      throw err;
    }
  }

  private evalNode(e: Expr, scope: Scope): RValue {
    switch (e.kind) {
      case 'literal':
        return e.value;
      case 'ident': {
        const v = scope.variable(e.name);
        if (!v) fail(`Variable not found: ${e.name}`);
        return v();
      }
      case 'member': {
        const obj = this.eval(e.object, scope);
        if (obj === null) fail(`Null value error: cannot read '${e.name}' of null`);
        if (obj instanceof RMap) {
          if (!obj.entries.has(e.name)) fail(`Property ${e.name} is undefined on object`);
          return obj.entries.get(e.name) ?? null;
        }
        return fail(`Property ${e.name} is undefined on ${typeOf(obj)}`);
      }
      case 'index':
        return this.indexValue(this.eval(e.object, scope), this.eval(e.index, scope));
      case 'range': {
        const obj = this.eval(e.object, scope);
        const from = this.eval(e.from, scope);
        const to = this.eval(e.to, scope);
        if (typeof obj === 'string') {
          const chars = [...obj];
          const [a, b] = rangeOf(chars.length, from, to);
          return chars.slice(a, b).join('');
        }
        if (isList(obj)) {
          const [a, b] = rangeOf(obj.length, from, to);
          return obj.slice(a, b);
        }
        return fail(`Cannot take a range of ${typeOf(obj)}`);
      }
      case 'call':
        return this.call(e, scope);
      case 'unary': {
        const v = this.eval(e.operand, scope);
        if (e.op === '!') return !asBool(v, 'Operand of !');
        if (typeof v === 'bigint') return checkInt(-v);
        if (typeof v === 'number') return -v;
        if (v instanceof RDuration) return new RDuration(-v.nanos);
        return fail(`Operator - cannot be applied to ${typeOf(v)}`);
      }
      case 'binary':
        return this.binary(e.op, e.left, e.right, scope);
      case 'is':
        return isType(this.eval(e.operand, scope), e.typeName);
      case 'ternary':
        return asBool(this.eval(e.test, scope), 'Ternary condition')
          ? this.eval(e.then, scope)
          : this.eval(e.otherwise, scope);
      case 'list':
        return e.items.map((x) => this.eval(x, scope));
      case 'map': {
        const m = new Map<string, RValue>();
        for (const { key, value } of e.entries) {
          m.set(asString(this.eval(key, scope), 'Map key'), this.eval(value, scope));
        }
        return new RMap(m);
      }
      case 'path': {
        const segs: string[] = [];
        for (const s of e.segments) {
          if ('text' in s) {
            segs.push(s.text);
            continue;
          }
          const v = this.eval(s.expr, scope);
          if (typeof v === 'string') segs.push(v);
          else if (typeof v === 'bigint') segs.push(v.toString());
          else if (v instanceof RPath) segs.push(...v.segments);
          else fail(`Cannot use ${typeOf(v)} in a path`);
        }
        return new RPath(segs);
      }
    }
  }

  /** Evaluates a condition to a boolean (errors propagate as RulesError). */
  condition(e: Expr, scope: Scope): boolean {
    return asBool(this.eval(e, scope));
  }

  private binary(op: string, l: Expr, r: Expr, scope: Scope): RValue {
    if (op === '&&' || op === '||') {
      // The side that alone decides the result wins over an error on the other side.
      const decisive = op === '||';
      let leftError: unknown;
      try {
        const left = asBool(this.eval(l, scope), `Left operand of ${op}`);
        if (left === decisive) return decisive;
      } catch (err) {
        if (!(err instanceof RulesError)) throw err;
        leftError = err;
      }
      const right = asBool(this.eval(r, scope), `Right operand of ${op}`);
      if (leftError !== undefined && right !== decisive) throw leftError;
      return right;
    }
    const a = this.eval(l, scope);
    const b = this.eval(r, scope);
    if ((a instanceof RRange || b instanceof RRange) && isRelation(op)) {
      return compareRange(op, a, b);
    }
    switch (op) {
      case '==':
        return equals(a, b);
      case '!=':
        return !equals(a, b);
      case '<':
        return compare(a, b) < 0;
      case '<=':
        return compare(a, b) <= 0;
      case '>':
        return compare(a, b) > 0;
      case '>=':
        return compare(a, b) >= 0;
      case 'in':
        return contains(b, a);
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
        return arith(op, a, b);
    }
    return fail(`Unknown operator ${op}`);
  }

  private indexValue(obj: RValue, i: RValue): RValue {
    if (obj === null) fail('Null value error: cannot index null');
    if (obj instanceof RMap) {
      const key = asString(i, 'Map key');
      if (!obj.entries.has(key)) fail(`Property ${key} is undefined on object`);
      return obj.entries.get(key) ?? null;
    }
    if (isList(obj)) return obj[index(obj.length, i)];
    if (typeof obj === 'string') {
      const chars = [...obj];
      return chars[index(chars.length, i)];
    }
    if (obj instanceof RPath) return obj.segments[index(obj.segments.length, i)];
    return fail(`Cannot index ${typeOf(obj)}`);
  }

  private call(e: Extract<Expr, { kind: 'call' }>, scope: Scope): RValue {
    const callee = e.callee;
    if (callee.kind === 'ident') {
      const closure = scope.fn(callee.name);
      const args = e.args.map((a) => this.eval(a, scope));
      if (closure) return this.callUser(closure, args);
      return this.global(callee.name, args);
    }
    if (callee.kind === 'member') {
      const ns = callee.object;
      if (ns.kind === 'ident' && NAMESPACES.has(ns.name) && !scope.variable(ns.name)) {
        return this.namespaced(
          ns.name,
          callee.name,
          e.args.map((a) => this.eval(a, scope)),
        );
      }
      const receiver = this.eval(callee.object, scope);
      return this.method(
        receiver,
        callee.name,
        e.args.map((a) => this.eval(a, scope)),
      );
    }
    return fail('Only functions and methods can be called');
  }

  private callUser(closure: Closure, args: RValue[]): RValue {
    const { decl } = closure;
    if (args.length !== decl.params.length) {
      fail(`Function ${decl.name} takes ${decl.params.length} arguments, got ${args.length}`);
    }
    if (this.depth >= MAX_CALL_DEPTH) fail(`Maximum function call depth (${MAX_CALL_DEPTH})`);
    const local = new Scope(closure.scope);
    decl.params.forEach((p, i) => local.set(p, args[i]));
    for (const l of decl.lets) local.setLazy(l.name, () => this.eval(l.value, local));
    this.depth++;
    try {
      return this.eval(decl.body, local);
    } finally {
      this.depth--;
    }
  }

  private arity(name: string, args: RValue[], min: number, max = min): void {
    if (args.length < min || args.length > max) {
      fail(`Function ${name} takes ${min === max ? min : `${min}-${max}`} arguments`);
    }
  }

  private document(name: string, args: RValue[], after: boolean, exists: boolean): RValue {
    this.arity(name, args, 1);
    const path = asPath(args[0]);
    if (!this.hooks.document) fail(`Function ${name} is not available here`);
    this.budget.charge(`${after ? 'after' : 'before'}:${path.toString()}`);
    const doc = this.hooks.document(path, after);
    return exists ? doc !== null : doc;
  }

  private global(name: string, args: RValue[]): RValue {
    switch (name) {
      case 'get':
        return this.document(name, args, false, false);
      case 'exists':
        return this.document(name, args, false, true);
      case 'getAfter':
        return this.document(name, args, true, false);
      case 'existsAfter':
        return this.document(name, args, true, true);
      case 'debug':
        this.arity(name, args, 1);
        this.hooks.debug?.(show(args[0]));
        return args[0];
      case 'int': {
        this.arity(name, args, 1);
        const v = args[0];
        if (typeof v === 'bigint') return v;
        if (typeof v === 'number') {
          if (!Number.isFinite(v)) fail('Cannot convert a non-finite float to int');
          return checkInt(BigInt(Math.trunc(v)));
        }
        if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) return checkInt(BigInt(v.trim()));
        return fail(`Cannot convert ${show(v)} to int`);
      }
      case 'float': {
        this.arity(name, args, 1);
        const v = args[0];
        if (typeof v === 'bigint' || typeof v === 'number') return Number(v);
        if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
        return fail(`Cannot convert ${show(v)} to float`);
      }
      case 'string': {
        this.arity(name, args, 1);
        const v = args[0];
        if (typeof v === 'string') return v;
        if (v === null || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
        if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(1) : String(v);
        if (v instanceof RPath) return v.toString();
        return fail(`Cannot convert ${typeOf(v)} to string`);
      }
      case 'path':
        this.arity(name, args, 1);
        return parsePath(asString(args[0]));
    }
    return fail(`Function not found: ${name}`);
  }

  private namespaced(ns: string, name: string, args: RValue[]): RValue {
    const full = `${ns}.${name}`;
    switch (full) {
      case 'math.abs':
        this.arity(full, args, 1);
        if (typeof args[0] === 'bigint') return checkInt(args[0] < 0n ? -args[0] : args[0]);
        return Math.abs(asNumber(args[0]));
      case 'math.ceil':
      case 'math.floor':
      case 'math.round': {
        this.arity(full, args, 1);
        const x = asNumber(args[0]);
        if (!Number.isFinite(x)) fail(`${full} of a non-finite number`);
        // Rounds half away from zero.
        const f =
          name === 'ceil'
            ? Math.ceil(x)
            : name === 'floor'
              ? Math.floor(x)
              : Math.sign(x) * Math.round(Math.abs(x));
        return checkInt(BigInt(f));
      }
      case 'math.sqrt':
        this.arity(full, args, 1);
        return Math.sqrt(asNumber(args[0]));
      case 'math.pow':
        this.arity(full, args, 2);
        return Math.pow(asNumber(args[0]), asNumber(args[1]));
      case 'math.isInfinite':
        this.arity(full, args, 1);
        return Math.abs(asNumber(args[0])) === Infinity;
      case 'math.isNaN':
        this.arity(full, args, 1);
        return Number.isNaN(asNumber(args[0]));
      case 'timestamp.date': {
        this.arity(full, args, 3);
        const [y, m, d] = args.map((a) => Number(asInt(a)));
        return new RTimestamp(BigInt(Date.UTC(y, m - 1, d)) * 1_000_000n);
      }
      case 'timestamp.value':
        this.arity(full, args, 1);
        return new RTimestamp(asInt(args[0]) * 1_000_000n);
      case 'duration.value': {
        this.arity(full, args, 2);
        const unit = DURATION_UNITS[asString(args[1])];
        if (unit === undefined) fail(`Unknown duration unit: ${show(args[1])}`);
        return new RDuration(asInt(args[0]) * unit);
      }
      case 'duration.time': {
        this.arity(full, args, 4);
        const [h, m, s, ns] = args.map((a) => asInt(a));
        return new RDuration(
          h * DURATION_UNITS.h + m * DURATION_UNITS.m + s * DURATION_UNITS.s + ns,
        );
      }
      case 'duration.abs': {
        this.arity(full, args, 1);
        const d = args[0];
        if (!(d instanceof RDuration)) return fail('duration.abs needs a duration');
        return new RDuration(d.nanos < 0n ? -d.nanos : d.nanos);
      }
      case 'latlng.value': {
        this.arity(full, args, 2);
        const lat = asNumber(args[0]);
        const lng = asNumber(args[1]);
        if (Math.abs(lat) > 90 || Math.abs(lng) > 180) fail('Latitude or longitude out of range');
        return new RLatLng(lat, lng);
      }
      case 'hashing.crc32':
        this.arity(full, args, 1);
        return BigInt(zlib.crc32(hashInput(args[0])));
      case 'hashing.crc32c':
        this.arity(full, args, 1);
        return BigInt(crc32c(hashInput(args[0])));
      case 'hashing.md5':
      case 'hashing.sha256':
        this.arity(full, args, 1);
        return new Uint8Array(createHash(name).update(hashInput(args[0])).digest());
      case 'firestore.get':
      case 'firestore.exists': {
        this.arity(full, args, 1);
        if (!this.hooks.firestoreDocument) fail(`${full} is only available in Storage rules`);
        const path = asPath(args[0]);
        this.budget.charge(`firestore:${path.toString()}`);
        const doc = this.hooks.firestoreDocument(path);
        return name === 'exists' ? doc !== null : doc;
      }
    }
    return fail(`Function not found: ${full}`);
  }

  private method(v: RValue, name: string, args: RValue[]): RValue {
    if (v === null) fail(`Null value error: cannot call ${name}() on null`);
    const m = `${typeOf(v)}.${name}`;
    if (typeof v === 'string') return this.stringMethod(v, name, args, m);
    if (isList(v)) return this.listMethod(v, name, args, m);
    if (v instanceof RPartialList && (name === 'hasAny' || name === 'hasAll')) {
      this.arity(m, args, 1);
      return partialHas(v, itemsOf(args[0]), name === 'hasAll');
    }
    if (v instanceof RSet) return this.setMethod(v, name, args, m);
    if (v instanceof RMap) return this.mapMethod(v, name, args, m);
    if (v instanceof RMapDiff) {
      this.arity(m, args, 0);
      const { left, right } = v;
      const keys = (pred: (k: string) => boolean, from: RMap) =>
        new RSet([...from.entries.keys()].filter(pred));
      const same = (k: string) => equals(left.entries.get(k) ?? null, right.entries.get(k) ?? null);
      switch (name) {
        case 'addedKeys':
          return keys((k) => !left.entries.has(k), right);
        case 'removedKeys':
          return keys((k) => !right.entries.has(k), left);
        case 'changedKeys':
          return keys((k) => right.entries.has(k) && !same(k), left);
        case 'unchangedKeys':
          return keys((k) => right.entries.has(k) && same(k), left);
        case 'affectedKeys':
          return new RSet([
            ...[...left.entries.keys()].filter((k) => !right.entries.has(k) || !same(k)),
            ...[...right.entries.keys()].filter((k) => !left.entries.has(k)),
          ]);
      }
    }
    if (isBytes(v)) {
      this.arity(m, args, 0);
      if (name === 'size') return BigInt(v.length);
      if (name === 'toBase64') return Buffer.from(v).toString('base64');
      if (name === 'toHexString') return Buffer.from(v).toString('hex').toUpperCase();
    }
    if (v instanceof RTimestamp) {
      this.arity(m, args, 0);
      return timestampMethod(v, name);
    }
    if (v instanceof RDuration) {
      this.arity(m, args, 0);
      if (name === 'seconds') return v.nanos / NANOS_PER_SECOND;
      if (name === 'nanos') return v.nanos % NANOS_PER_SECOND;
    }
    if (v instanceof RLatLng) {
      if (name === 'latitude') return v.lat;
      if (name === 'longitude') return v.lng;
      if (name === 'distance') {
        this.arity(m, args, 1);
        const o = args[0];
        if (!(o instanceof RLatLng)) fail('distance() needs a latlng');
        return haversineMeters(v, o);
      }
    }
    if (v instanceof RPath && name === 'bind') {
      this.arity(m, args, 1);
      const bindings = asMap(args[0]);
      return new RPath(
        v.segments.map((s) => {
          const w = /^\{(\w+)\}$/.exec(s);
          const b = w ? bindings.entries.get(w[1]) : undefined;
          return b === undefined ? s : asString(b);
        }),
      );
    }
    return fail(`Function not found error: Name: [${name}] on ${typeOf(v)}`);
  }

  private stringMethod(s: string, name: string, args: RValue[], m: string): RValue {
    switch (name) {
      case 'size':
        this.arity(m, args, 0);
        return BigInt([...s].length);
      case 'lower':
        this.arity(m, args, 0);
        return s.toLowerCase();
      case 'upper':
        this.arity(m, args, 0);
        return s.toUpperCase();
      case 'trim':
        this.arity(m, args, 0);
        return s.trim();
      case 'matches':
        this.arity(m, args, 1);
        return fullRegex(asString(args[0])).test(s);
      case 'split': {
        this.arity(m, args, 1);
        const re = new RegExp(fullRegex(asString(args[0])).source.slice(4, -2), 'u');
        return s.split(re);
      }
      case 'replace': {
        this.arity(m, args, 2);
        const re = new RegExp(fullRegex(asString(args[0])).source.slice(4, -2), 'gu');
        return s.replace(re, asString(args[1]));
      }
      case 'toUtf8':
        this.arity(m, args, 0);
        return new Uint8Array(Buffer.from(s, 'utf8'));
    }
    return fail(`Function not found error: Name: [${name}] on string`);
  }

  private listMethod(l: readonly RValue[], name: string, args: RValue[], m: string): RValue {
    const has = (x: RValue) => l.some((y) => equals(x, y));
    switch (name) {
      case 'size':
        this.arity(m, args, 0);
        return BigInt(l.length);
      case 'hasAll':
        this.arity(m, args, 1);
        return itemsOf(args[0]).every(has);
      case 'hasAny':
        this.arity(m, args, 1);
        return itemsOf(args[0]).some(has);
      case 'hasOnly': {
        this.arity(m, args, 1);
        const allowed = itemsOf(args[0]);
        return l.every((x) => allowed.some((y) => equals(x, y)));
      }
      case 'join':
        this.arity(m, args, 1);
        return l.map((x) => asString(x, 'List item')).join(asString(args[0]));
      case 'concat':
        this.arity(m, args, 1);
        if (!isList(args[0])) fail('concat() needs a list');
        return [...l, ...args[0]];
      case 'removeAll': {
        this.arity(m, args, 1);
        const drop = itemsOf(args[0]);
        return l.filter((x) => !drop.some((y) => equals(x, y)));
      }
      case 'toSet':
        this.arity(m, args, 0);
        return new RSet(l);
    }
    return fail(`Function not found error: Name: [${name}] on list`);
  }

  private setMethod(s: RSet, name: string, args: RValue[], m: string): RValue {
    switch (name) {
      case 'size':
        this.arity(m, args, 0);
        return BigInt(s.items.length);
      case 'hasAll':
        this.arity(m, args, 1);
        return itemsOf(args[0]).every((x) => s.has(x));
      case 'hasAny':
        this.arity(m, args, 1);
        return itemsOf(args[0]).some((x) => s.has(x));
      case 'hasOnly': {
        this.arity(m, args, 1);
        const allowed = new RSet(itemsOf(args[0]));
        return s.items.every((x) => allowed.has(x));
      }
      case 'union':
        this.arity(m, args, 1);
        return new RSet([...s.items, ...itemsOf(args[0])]);
      case 'intersection': {
        this.arity(m, args, 1);
        const other = new RSet(itemsOf(args[0]));
        return new RSet(s.items.filter((x) => other.has(x)));
      }
      case 'difference': {
        this.arity(m, args, 1);
        const other = new RSet(itemsOf(args[0]));
        return new RSet(s.items.filter((x) => !other.has(x)));
      }
    }
    return fail(`Function not found error: Name: [${name}] on set`);
  }

  private mapMethod(map: RMap, name: string, args: RValue[], m: string): RValue {
    switch (name) {
      case 'size':
        this.arity(m, args, 0);
        return BigInt(map.entries.size);
      case 'keys':
        this.arity(m, args, 0);
        return [...map.entries.keys()];
      case 'values':
        this.arity(m, args, 0);
        return [...map.entries.values()];
      case 'diff':
        this.arity(m, args, 1);
        return new RMapDiff(map, asMap(args[0]));
      case 'get': {
        this.arity(m, args, 2);
        // A list key walks nested maps: map.get(['a', 'b'], default).
        const keys = isList(args[0]) ? args[0] : [args[0]];
        let cur: RValue = map;
        for (const k of keys) {
          const key = asString(k, 'Map key');
          if (!(cur instanceof RMap) || !cur.entries.has(key)) return args[1];
          cur = cur.entries.get(key) ?? null;
        }
        return cur;
      }
    }
    return fail(`Function not found error: Name: [${name}] on map`);
  }
}

function haversineMeters(a: RLatLng, b: RLatLng): number {
  const R = 6_371_008.8;
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}
