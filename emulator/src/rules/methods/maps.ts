// Methods of maps and of map diffs (`a.diff(b)`: `left` is the receiver, `right` the argument).
import { asMap, asString } from '../coerce';
import { RMap, RMapDiff, RSet, equals, isList, type RValue } from '../values';
import { getter, methodsOf, unary } from './table';

export const MAP_METHODS = methodsOf<RMap>({
  size: getter((map) => BigInt(map.entries.size)),
  keys: getter((map) => [...map.entries.keys()]),
  values: getter((map) => [...map.entries.values()]),
  diff: unary((map, other) => new RMapDiff(map, asMap(other))),
  get: {
    arity: 2,
    call(map, [key, fallback]: RValue[]) {
      // A list key walks nested maps: map.get(['a', 'b'], default).
      const keys = isList(key) ? key : [key];
      let cur: RValue = map;
      for (const k of keys) {
        const name = asString(k, 'Map key');
        if (!(cur instanceof RMap) || !cur.entries.has(name)) return fallback;
        cur = cur.entries.get(name) ?? null;
      }
      return cur;
    },
  },
});

function keysOf(from: RMap, pred: (k: string) => boolean): RSet {
  return new RSet([...from.entries.keys()].filter(pred));
}

function unchanged({ left, right }: RMapDiff, k: string): boolean {
  return equals(left.entries.get(k) ?? null, right.entries.get(k) ?? null);
}

export const MAP_DIFF_METHODS = methodsOf<RMapDiff>(
  {
    addedKeys: getter(({ left, right }) => keysOf(right, (k) => !left.entries.has(k))),
    removedKeys: getter(({ left, right }) => keysOf(left, (k) => !right.entries.has(k))),
    changedKeys: getter((d) => keysOf(d.left, (k) => d.right.entries.has(k) && !unchanged(d, k))),
    unchangedKeys: getter((d) => keysOf(d.left, (k) => d.right.entries.has(k) && unchanged(d, k))),
    affectedKeys: getter(
      (d) =>
        new RSet([
          ...[...d.left.entries.keys()].filter((k) => !d.right.entries.has(k) || !unchanged(d, k)),
          ...[...d.right.entries.keys()].filter((k) => !d.left.entries.has(k)),
        ]),
    ),
  },
  { arityFirst: 0 },
);
