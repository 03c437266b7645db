// Methods of sets (`list.toSet()`, `map.keys()` diffs, `union`, …). Arguments may be lists or
// sets.
import { itemsOf } from '../coerce';
import { RSet } from '../values';
import { getter, methodsOf, unary } from './table';

export const SET_METHODS = methodsOf<RSet>({
  size: getter((s) => BigInt(s.items.length)),
  hasAll: unary((s, xs) => itemsOf(xs).every((x) => s.has(x))),
  hasAny: unary((s, xs) => itemsOf(xs).some((x) => s.has(x))),
  hasOnly: unary((s, xs) => {
    const allowed = new RSet(itemsOf(xs));
    return s.items.every((x) => allowed.has(x));
  }),
  union: unary((s, xs) => new RSet([...s.items, ...itemsOf(xs)])),
  intersection: unary((s, xs) => {
    const other = new RSet(itemsOf(xs));
    return new RSet(s.items.filter((x) => other.has(x)));
  }),
  difference: unary((s, xs) => {
    const other = new RSet(itemsOf(xs));
    return new RSet(s.items.filter((x) => !other.has(x)));
  }),
});
