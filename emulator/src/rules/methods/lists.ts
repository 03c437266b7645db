// Methods of lists, and of the lists a query only partly determines (RPartialList: only
// `hasAny`/`hasAll` of the items its `array-contains` filters promise are answerable).
import { asString, fail, itemsOf } from '../coerce';
import { RPartialList, RSet, equals, isList, type RValue } from '../values';
import { getter, methodsOf, unary } from './table';

/** `x in partial`, `partial.hasAny/hasAll(xs)`: true when the known items decide it. */
export function partialHas(list: RPartialList, items: readonly RValue[], all: boolean): boolean {
  const known = (x: RValue) => list.known.some((k) => equals(k, x));
  if (all ? items.every(known) : items.some(known)) return true;
  return fail('The query does not determine whether the list contains these items');
}

type List = readonly RValue[];

const has = (l: List, x: RValue) => l.some((y) => equals(x, y));

export const LIST_METHODS = methodsOf<List>({
  size: getter((l) => BigInt(l.length)),
  hasAll: unary((l, xs) => itemsOf(xs).every((x) => has(l, x))),
  hasAny: unary((l, xs) => itemsOf(xs).some((x) => has(l, x))),
  hasOnly: unary((l, xs) => {
    const allowed = itemsOf(xs);
    return l.every((x) => allowed.some((y) => equals(x, y)));
  }),
  join: unary((l, sep) => l.map((x) => asString(x, 'List item')).join(asString(sep))),
  concat: unary((l, other) => {
    if (!isList(other)) fail('concat() needs a list');
    return [...l, ...other];
  }),
  removeAll: unary((l, xs) => {
    const drop = itemsOf(xs);
    return l.filter((x) => !drop.some((y) => equals(x, y)));
  }),
  toSet: getter((l) => new RSet(l)),
});

export const PARTIAL_LIST_METHODS = methodsOf<RPartialList>({
  hasAny: unary((l, xs) => partialHas(l, itemsOf(xs), false)),
  hasAll: unary((l, xs) => partialHas(l, itemsOf(xs), true)),
});
