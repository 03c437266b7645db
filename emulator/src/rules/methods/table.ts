// How a receiver type's methods are described: each by name, with the number of arguments it
// takes, and how a call finds one.
import { checkArity, fail } from '../coerce';
import type { RValue } from '../values';

export interface Method<T> {
  /** How many arguments it takes; absent: not checked (latlng's `latitude()`, `longitude()`). */
  arity?: number;
  call(self: T, args: RValue[]): RValue;
}

export interface MethodsOf<T> {
  methods: ReadonlyMap<string, Method<T>>;
  /**
   * Set for the types whose methods all take this many arguments: the count is checked before
   * the name, so `ts.foo(1)` is an argument-count error rather than "not found".
   */
  arityFirst?: number;
  /** The message for an unknown method, when it is not the common one. */
  notFound?(name: string): string;
}

/** Builds a type's method table (a Map, so `constructor` or `toString` find nothing). */
export function methodsOf<T>(
  methods: Record<string, Method<T>>,
  options: Omit<MethodsOf<T>, 'methods'> = {},
): MethodsOf<T> {
  return { methods: new Map(Object.entries(methods)), ...options };
}

/** A method with no arguments. */
export function getter<T>(call: (self: T) => RValue): Method<T> {
  return { arity: 0, call: (self) => call(self) };
}

/** A method with one argument. */
export function unary<T>(call: (self: T, arg: RValue) => RValue): Method<T> {
  return { arity: 1, call: (self, args) => call(self, args[0]) };
}

export const NOT_FOUND = Symbol('method not found');

/** Calls `name` on `self`; NOT_FOUND when the type has no such method (and no own message). */
export function callFrom<T>(
  type: MethodsOf<T>,
  self: T,
  name: string,
  args: RValue[],
  qualified: string,
): RValue | typeof NOT_FOUND {
  if (type.arityFirst !== undefined) checkArity(qualified, args, type.arityFirst);
  const method = type.methods.get(name);
  if (!method) return type.notFound ? fail(type.notFound(name)) : NOT_FOUND;
  if (method.arity !== undefined) checkArity(qualified, args, method.arity);
  return method.call(self, args);
}
