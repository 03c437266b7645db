// The argument checks every part of the evaluator shares: each failure is a RulesError, so
// `&&`/`||` can absorb it and a statement that raises one denies instead of crashing.
import { RMap, RPath, RSet, RulesError, isList, typeOf, type RValue } from './values';

export function fail(message: string): never {
  throw new RulesError(message);
}

/** Google's runtime refuses a call with the wrong number of arguments before running it. */
export function checkArity(name: string, args: readonly RValue[], count: number): void {
  if (args.length !== count) fail(`Function ${name} takes ${count} arguments`);
}

export function asBool(v: RValue, what = 'Condition'): boolean {
  if (typeof v !== 'boolean') fail(`${what} is not a boolean: ${typeOf(v)}`);
  return v;
}

export function asInt(v: RValue, what = 'Argument'): bigint {
  if (typeof v !== 'bigint') fail(`${what} is not an int: ${typeOf(v)}`);
  return v;
}

export function asNumber(v: RValue, what = 'Argument'): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'number') fail(`${what} is not a number: ${typeOf(v)}`);
  return v;
}

export function asString(v: RValue, what = 'Argument'): string {
  if (typeof v !== 'string') fail(`${what} is not a string: ${typeOf(v)}`);
  return v;
}

export function asMap(v: RValue, what = 'Argument'): RMap {
  if (!(v instanceof RMap)) fail(`${what} is not a map: ${typeOf(v)}`);
  return v;
}

/** Where the rules take "a list or set" (`hasAny`, `union`, …), either one's items. */
export function itemsOf(v: RValue, what = 'Argument'): readonly RValue[] {
  if (isList(v)) return v;
  if (v instanceof RSet) return v.items;
  return fail(`${what} is not a list or set: ${typeOf(v)}`);
}

export function parsePath(s: string): RPath {
  return new RPath(s.split('/').filter((x) => x !== ''));
}

/** A path argument may also be written as a string (`get('/databases/…')`). */
export function asPath(v: RValue): RPath {
  if (v instanceof RPath) return v;
  if (typeof v === 'string') return parsePath(v);
  return fail(`Argument is not a path: ${typeOf(v)}`);
}
