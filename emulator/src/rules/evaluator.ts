// Evaluates rules expressions. An error (missing field, wrong type, call limit) is a thrown
// RulesError; `&&` and `||` absorb it when the other side alone decides the result
// (`error && false` is false, `error || true` is true), as the rules reference documents.
// Built-in functions live in builtins.ts, the methods of each type in methods/.
import type { Expr, FunctionDecl } from './ast';
import { callGlobal, callNamespaced, NAMESPACES, type BuiltinContext } from './builtins';
import { asBool, asInt, asString, fail } from './coerce';
import type { EvalHooks, RequestBudget } from './hooks';
import { callMethod, partialHas } from './methods';
import {
  RDuration,
  RMap,
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
  isList,
  isType,
  typeOf,
  type RValue,
} from './values';

export { RequestBudget, type EvalHooks } from './hooks';

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

function contains(container: RValue, item: RValue): boolean {
  if (container instanceof RPartialList) return partialHas(container, [item], true);
  if (isList(container)) return container.some((x) => equals(x, item));
  if (container instanceof RSet) return container.has(item);
  if (container instanceof RMap) return container.entries.has(asString(item, 'Map key'));
  return fail(`Operator in cannot be applied to ${typeOf(container)}`);
}

// ---- the evaluator ----

export class Evaluator {
  private depth = 0;
  private readonly builtins: BuiltinContext;

  constructor(hooks: EvalHooks, budget: RequestBudget) {
    this.builtins = { hooks, budget };
  }

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
      return callGlobal(callee.name, args, this.builtins);
    }
    if (callee.kind === 'member') {
      const ns = callee.object;
      if (ns.kind === 'ident' && NAMESPACES.has(ns.name) && !scope.variable(ns.name)) {
        const args = e.args.map((a) => this.eval(a, scope));
        return callNamespaced(ns.name, callee.name, args, this.builtins);
      }
      const receiver = this.eval(callee.object, scope);
      return callMethod(
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
}
