// Unit tests of values.ts, query.ts and aggregation.ts on hand-built decoded documents.
import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import { runAggregation } from '../src/firestore/aggregation';
import { parseDocumentName } from '../src/firestore/paths';
import { QueryError, queryMatches, runStructuredQuery } from '../src/firestore/query';
import type { Document, Filter, StructuredQuery, Value } from '../src/firestore/types';
import {
  canonicalFieldPath,
  compareUtf8,
  compareValues,
  getField,
  parseFieldPath,
  valuesEqual,
} from '../src/firestore/values';

const ROOT = 'projects/p/databases/(default)/documents';

const nul = (): Value => ({ nullValue: 'NULL_VALUE', valueType: 'nullValue' });
const bool = (b: boolean): Value => ({ booleanValue: b, valueType: 'booleanValue' });
const int = (n: number | string | bigint): Value => ({
  integerValue: String(n),
  valueType: 'integerValue',
});
const dbl = (n: number): Value => ({ doubleValue: n, valueType: 'doubleValue' });
const str = (s: string): Value => ({ stringValue: s, valueType: 'stringValue' });
const ts = (seconds: number, nanos = 0): Value => ({
  timestampValue: { seconds: String(seconds), nanos },
  valueType: 'timestampValue',
});
const bytes = (...b: number[]): Value => ({ bytesValue: Buffer.from(b), valueType: 'bytesValue' });
const ref = (path: string): Value => ({
  referenceValue: `${ROOT}/${path}`,
  valueType: 'referenceValue',
});
const geo = (latitude: number, longitude: number): Value => ({
  geoPointValue: { latitude, longitude },
  valueType: 'geoPointValue',
});
const arr = (...values: Value[]): Value => ({ arrayValue: { values }, valueType: 'arrayValue' });
const map = (fields: Record<string, Value>): Value => ({
  mapValue: { fields },
  valueType: 'mapValue',
});
const vec = (...n: number[]): Value =>
  map({ __type__: str('__vector__'), value: arr(...n.map(dbl)) });

function doc(path: string, fields: Record<string, Value> = {}): Document {
  return {
    name: `${ROOT}/${path}`,
    fields,
    createTime: { seconds: '1', nanos: 0 },
    updateTime: { seconds: '1', nanos: 0 },
  };
}

const ids = (docs: Document[]): string[] => docs.map((d) => d.name.slice(ROOT.length + 1));

const field = (fieldPath: string) => ({ fieldPath });
const where = (fieldPath: string, op: string, value: Value): Filter =>
  ({ fieldFilter: { field: field(fieldPath), op, value } }) as Filter;
const unary = (fieldPath: string, op: string): Filter =>
  ({ unaryFilter: { field: field(fieldPath), op } }) as Filter;
const and = (...filters: Filter[]): Filter => ({ compositeFilter: { op: 'AND', filters } });
const or = (...filters: Filter[]): Filter => ({ compositeFilter: { op: 'OR', filters } });
const asc = (fieldPath: string) => ({ field: field(fieldPath), direction: 'ASCENDING' as const });
const desc = (fieldPath: string) => ({ field: field(fieldPath), direction: 'DESCENDING' as const });

function q(extra: Partial<StructuredQuery> = {}, collectionId = 'c'): StructuredQuery {
  return { from: [{ collectionId }], ...extra };
}

function assertQueryError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof QueryError, `expected QueryError, got ${String(e)}`);
    assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('firestore values', () => {
  it('orders values across types as Firestore does', () => {
    const ordered: Value[] = [
      nul(),
      bool(false),
      bool(true),
      dbl(NaN),
      dbl(-Infinity),
      int(-5),
      dbl(-0.5),
      int(0),
      dbl(0.5),
      int(1),
      dbl(1.5),
      int('9007199254740993'),
      dbl(Infinity),
      ts(0, 0),
      ts(0, 1),
      ts(10),
      str(''),
      str('A'),
      str('a'),
      str('ab'),
      str('\uFFFD'),
      str('\u{1F600}'),
      bytes(),
      bytes(0),
      bytes(1),
      ref('a/b'),
      ref('a/b/c/d'),
      ref('a-b/c'),
      geo(-10, 50),
      geo(0, -1),
      geo(0, 1),
      arr(),
      arr(int(1)),
      arr(int(1), int(2)),
      arr(int(2)),
      vec(9, 9),
      vec(1, 2, 3),
      map({}),
      map({ a: int(1) }),
      map({ a: int(2) }),
      map({ b: int(0) }),
    ];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const expected = Math.sign(i - j);
        assert.equal(
          compareValues(ordered[i], ordered[j]),
          expected,
          `compare(${JSON.stringify(ordered[i])}, ${JSON.stringify(ordered[j])})`,
        );
      }
    }
  });

  it('compares ints and doubles by value, -0 equal to 0, large ints exactly', () => {
    assert.equal(compareValues(int(1), dbl(1)), 0);
    assert.equal(compareValues(dbl(-0), int(0)), 0);
    assert.equal(compareValues(int('9007199254740993'), dbl(9007199254740992)), 1);
    assert.equal(compareValues(int('-9223372036854775808'), dbl(-9223372036854775808)), 0);
    assert.equal(compareValues(dbl(NaN), dbl(NaN)), 0);
    assert.ok(valuesEqual(int(1), dbl(1)));
    assert.ok(!valuesEqual(dbl(NaN), dbl(NaN)));
    assert.ok(!valuesEqual(int(1), str('1')));
    assert.ok(valuesEqual(map({ a: arr(int(1)) }), map({ a: arr(dbl(1)) })));
    assert.ok(!valuesEqual(map({ a: int(1) }), map({ a: int(1), b: int(1) })));
  });

  it('compares strings by UTF-8 bytes, not UTF-16 code units', () => {
    assert.ok('\uFFFD' > '\u{1F600}'); // JS's own order is wrong here
    assert.equal(compareUtf8('\uFFFD', '\u{1F600}'), -1);
    assert.equal(compareUtf8('abc', 'abd'), -1);
    assert.equal(compareUtf8('ab', 'a'), 1);
  });

  it('tolerates decoded values without valueType and timestamps without fields', () => {
    assert.equal(compareValues({ integerValue: '2' }, { doubleValue: 1.5 }), 1);
    assert.equal(compareValues({ timestampValue: {} as never }, ts(0)), 0);
    assert.equal(compareValues({ geoPointValue: {} as never }, geo(0, 0)), 0);
  });

  it('parses field paths with backticks and escapes', () => {
    assert.deepEqual(parseFieldPath('a.b.c'), ['a', 'b', 'c']);
    assert.deepEqual(parseFieldPath('`a.b`.c'), ['a.b', 'c']);
    assert.deepEqual(parseFieldPath('`x\\`y`.`z\\\\w`'), ['x`y', 'z\\w']);
    assert.deepEqual(parseFieldPath('__name__'), ['__name__']);
    for (const bad of ['', 'a..b', '.a', 'a.', '`a', '`a`b', 'a`b`']) {
      assert.throws(() => parseFieldPath(bad), /field path/, bad);
    }
    assert.equal(canonicalFieldPath(['a', 'b.c', 'x`y']), 'a.`b.c`.`x\\`y`');
  });

  it('reads nested fields and __name__', () => {
    const d = doc('c/1', { a: map({ b: map({ c: int(3) }) }), 'x.y': int(1) });
    assert.deepEqual(getField(d, ['a', 'b', 'c']), int(3));
    assert.deepEqual(getField(d, ['x.y']), int(1));
    assert.equal(getField(d, ['a', 'z']), undefined);
    assert.equal(getField(d, ['a', 'b', 'c', 'd']), undefined);
    assert.equal(getField(d, ['__name__'])?.referenceValue, `${ROOT}/c/1`);
  });
});

describe('firestore query: scope', () => {
  const docs = [
    doc('c/1'),
    doc('c/2'),
    doc('other/1'),
    doc('c/1/c/3'),
    doc('x/y/c/4'),
    doc('x/y/other/5'),
  ];

  it('a collection query returns only direct children', () => {
    assert.deepEqual(ids(runStructuredQuery(ROOT, q(), docs)), ['c/1', 'c/2']);
  });

  it('a collection group query returns the collection at any depth', () => {
    const group = { from: [{ collectionId: 'c', allDescendants: true }] };
    assert.deepEqual(ids(runStructuredQuery(ROOT, group, docs)), [
      'c/1',
      'c/1/c/3',
      'c/2',
      'x/y/c/4',
    ]);
    assert.deepEqual(ids(runStructuredQuery(`${ROOT}/x/y`, group, docs)), ['x/y/c/4']);
  });

  it('a subcollection query is relative to its parent document', () => {
    assert.deepEqual(ids(runStructuredQuery(`${ROOT}/c/1`, q(), docs)), ['c/1/c/3']);
  });

  it('does not confuse similar names, odd paths or prefixes of the parent', () => {
    const tricky = [doc('cc/1'), doc('c/1'), doc('c1/1/c/2'), doc('c/10/c/3'), doc('c/1/c/4')];
    assert.deepEqual(ids(runStructuredQuery(ROOT, q(), tricky)), ['c/1']);
    assert.deepEqual(ids(runStructuredQuery(`${ROOT}/c/1`, q(), tricky)), ['c/1/c/4']);
    const group = { from: [{ collectionId: 'c', allDescendants: true }] };
    assert.deepEqual(ids(runStructuredQuery(`${ROOT}/c/1`, group, tricky)), ['c/1/c/4']);
  });

  it('orders names segment by segment, with any characters in ids', () => {
    const names = [
      'c/a',
      'c/a-b',
      'c/a.b',
      'c/a!',
      'c/\uFFFD',
      'c/\u{1F600}',
      'c/a\u0000',
      'c/A',
      'c/',
    ];
    const scoped = names.slice(0, -1).map((n) => doc(n));
    const group = { from: [{ collectionId: 'c', allDescendants: true }] };
    const nested = [doc('c/a/c/z'), doc('c/a-b/c/z'), ...scoped];
    const result = ids(runStructuredQuery(ROOT, group, nested));
    const bySegments = (a: string, b: string): number => {
      const x = a.split('/');
      const y = b.split('/');
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareUtf8(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    };
    assert.deepEqual(result, [...result].sort(bySegments));
    assert.deepEqual(result.slice(0, 4), ['c/A', 'c/a', 'c/a/c/z', 'c/a\u0000']);
    assert.equal(result[result.length - 1], 'c/\u{1F600}');
  });

  it('a kindless all-descendants query returns everything below the parent', () => {
    const all = { from: [{ allDescendants: true }] };
    assert.deepEqual(ids(runStructuredQuery(`${ROOT}/x/y`, all, docs)), ['x/y/c/4', 'x/y/other/5']);
  });
});

describe('firestore query: filters', () => {
  const docs = [
    doc('c/a', { x: int(1), tags: arr(str('red'), str('blue')) }),
    doc('c/b', { x: dbl(2.5), tags: arr(str('green')) }),
    doc('c/c', { x: str('3') }),
    doc('c/d', { x: nul() }),
    doc('c/e', { x: dbl(NaN) }),
    doc('c/f', { y: int(1) }),
    doc('c/g', { x: int(2), tags: arr(str('red')) }),
    doc('c/h', { x: arr(int(1), int(2)), tags: str('red') }),
  ];
  const run = (filter: Filter, extra: Partial<StructuredQuery> = {}) =>
    ids(runStructuredQuery(ROOT, q({ where: filter, ...extra }), docs));

  it('== matches equal values across int/double and nothing of another type', () => {
    assert.deepEqual(run(where('x', 'EQUAL', dbl(1))), ['c/a']);
    assert.deepEqual(run(where('x', 'EQUAL', str('3'))), ['c/c']);
    assert.deepEqual(run(where('x', 'EQUAL', arr(int(1), int(2)))), ['c/h']);
  });

  it('!= excludes null, missing fields and the value', () => {
    assert.deepEqual(run(where('x', 'NOT_EQUAL', int(1))), ['c/e', 'c/g', 'c/b', 'c/c', 'c/h']);
  });

  it('range filters only match the same type', () => {
    // NaN (c/e) sorts before every number but is in no range (as production has it); the
    // query orders by x first (implicit inequality order).
    assert.deepEqual(run(where('x', 'GREATER_THAN', int(1))), ['c/g', 'c/b']);
    assert.deepEqual(run(where('x', 'GREATER_THAN_OR_EQUAL', int(1))), ['c/a', 'c/g', 'c/b']);
    assert.deepEqual(run(where('x', 'LESS_THAN', int(2))), ['c/a']);
    assert.deepEqual(run(where('x', 'LESS_THAN_OR_EQUAL', dbl(2))), ['c/a', 'c/g']);
    assert.deepEqual(run(where('x', 'GREATER_THAN_OR_EQUAL', dbl(NaN))), []);
    assert.deepEqual(run(where('x', 'LESS_THAN_OR_EQUAL', dbl(NaN))), []);
    assert.deepEqual(run(where('x', 'GREATER_THAN', str(''))), ['c/c']);
  });

  it('in / not-in', () => {
    assert.deepEqual(run(where('x', 'IN', arr(int(2), str('3'), nul()))), ['c/c', 'c/d', 'c/g']);
    assert.deepEqual(run(where('x', 'NOT_IN', arr(int(1), int(2)))), ['c/e', 'c/b', 'c/c', 'c/h']);
    // A null in the list: production matches nothing (system test "supports not-in").
    assert.deepEqual(run(where('x', 'NOT_IN', arr(nul()))), []);
    assert.deepEqual(run(where('x', 'NOT_IN', arr(int(1), nul()))), []);
  });

  it('array-contains / array-contains-any', () => {
    assert.deepEqual(run(where('tags', 'ARRAY_CONTAINS', str('red'))), ['c/a', 'c/g']);
    assert.deepEqual(run(where('tags', 'ARRAY_CONTAINS_ANY', arr(str('green'), str('blue')))), [
      'c/a',
      'c/b',
    ]);
    assert.deepEqual(run(where('x', 'ARRAY_CONTAINS', int(2))), ['c/h']);
  });

  it('unary filters', () => {
    assert.deepEqual(run(unary('x', 'IS_NULL')), ['c/d']);
    assert.deepEqual(run(unary('x', 'IS_NAN')), ['c/e']);
    assert.deepEqual(run(unary('x', 'IS_NOT_NULL')), ['c/e', 'c/a', 'c/g', 'c/b', 'c/c', 'c/h']);
    assert.deepEqual(run(unary('x', 'IS_NOT_NAN')), ['c/a', 'c/g', 'c/b', 'c/c', 'c/h']);
  });

  it('composite AND and OR, nested', () => {
    assert.deepEqual(
      run(or(where('x', 'EQUAL', int(1)), where('y', 'EQUAL', int(1)), unary('x', 'IS_NULL'))),
      ['c/a', 'c/d', 'c/f'],
    );
    assert.deepEqual(
      run(
        and(
          where('tags', 'ARRAY_CONTAINS', str('red')),
          or(where('x', 'EQUAL', int(2)), where('x', 'EQUAL', str('3'))),
        ),
      ),
      ['c/g'],
    );
  });

  it('filters on __name__ compare references', () => {
    assert.deepEqual(run(where('__name__', 'GREATER_THAN', ref('c/f'))), ['c/g', 'c/h']);
    assert.deepEqual(run(where('__name__', 'IN', arr(ref('c/a'), ref('c/z')))), ['c/a']);
  });

  it('rejects invalid filters with INVALID_ARGUMENT', () => {
    const many = arr(...Array.from({ length: 31 }, (_, i) => int(i)));
    assertQueryError(() => run(where('x', 'IN', many)), /up to 30/);
    const eleven = arr(...Array.from({ length: 11 }, (_, i) => int(i)));
    assertQueryError(() => run(where('x', 'NOT_IN', eleven)), /up to 10/);
    assertQueryError(() => run(where('x', 'IN', int(1))), /array/);
    assertQueryError(() => run(where('x', 'IN', arr())), /non-empty/);
    assertQueryError(() => run(where('a..b', 'EQUAL', int(1))), /field path/);
    assertQueryError(() => run(where('__name__', 'EQUAL', str('c/a'))), /reference/);
    const ten = arr(...Array.from({ length: 10 }, (_, i) => int(i)));
    const four = arr(...Array.from({ length: 4 }, (_, i) => int(i)));
    assertQueryError(
      () => run(and(where('x', 'IN', ten), where('tags', 'ARRAY_CONTAINS_ANY', four))),
      /40 disjunctions/,
    );
    assertQueryError(() => runStructuredQuery(ROOT, { from: [] }, docs), /exactly one/);
  });

  it('rejects the operator combinations Firestore does not support', () => {
    const notIn = where('x', 'NOT_IN', arr(int(1)));
    assertQueryError(() => run(and(notIn, where('y', 'IN', arr(int(1))))), /NOT_IN/);
    assertQueryError(
      () => run(and(notIn, where('tags', 'ARRAY_CONTAINS_ANY', arr(int(1))))),
      /NOT_IN/,
    );
    assertQueryError(() => run(and(notIn, where('y', 'NOT_IN', arr(int(2))))), /at most one/);
    assertQueryError(() => run(and(notIn, where('y', 'NOT_EQUAL', int(2)))), /NOT_EQUAL/);
    // The documentation forbids not-in with OR, but production serves it (nodejs-firestore
    // system test "supports OR queries with not-in").
    assert.doesNotThrow(() => run(or(notIn, where('y', 'EQUAL', int(2)))));
    const contains = (v: number) => where('tags', 'ARRAY_CONTAINS', int(v));
    assertQueryError(() => run(and(contains(1), contains(2))), /at most one/);
    assertQueryError(
      () => run(and(contains(1), where('tags', 'ARRAY_CONTAINS_ANY', arr(int(2))))),
      /ARRAY_CONTAINS_ANY/,
    );
    // One array-contains in each branch of an OR is fine; so are IN and NOT_EQUAL together.
    assert.deepEqual(run(or(contains(1), contains(2))), []);
    assert.deepEqual(run(and(where('x', 'IN', arr(int(1))), where('x', 'NOT_EQUAL', int(2)))), [
      'c/a',
    ]);
  });
});

describe('firestore query: ordering, cursors, offset, limit, projection', () => {
  const docs = [
    doc('c/e', { n: int(2), s: str('b') }),
    doc('c/a', { n: int(1), s: str('a') }),
    doc('c/d', { n: int(2), s: str('a') }),
    doc('c/b', { n: dbl(1.5) }),
    doc('c/c', { s: str('z') }),
    doc('c/f', { n: str('x'), s: str('c') }),
  ];
  const run = (extra: Partial<StructuredQuery>) => ids(runStructuredQuery(ROOT, q(extra), docs));

  it('orders by name by default', () => {
    assert.deepEqual(run({}), ['c/a', 'c/b', 'c/c', 'c/d', 'c/e', 'c/f']);
  });

  it('orders by fields, excluding documents without them, ties by name in the last direction', () => {
    assert.deepEqual(run({ orderBy: [asc('n')] }), ['c/a', 'c/b', 'c/d', 'c/e', 'c/f']);
    assert.deepEqual(run({ orderBy: [desc('n')] }), ['c/f', 'c/e', 'c/d', 'c/b', 'c/a']);
    // c/b has no s, so it is not in the result.
    assert.deepEqual(run({ orderBy: [desc('n'), asc('s')] }), ['c/f', 'c/d', 'c/e', 'c/a']);
    assert.deepEqual(run({ orderBy: [asc('n'), desc('__name__')] }), [
      'c/a',
      'c/b',
      'c/e',
      'c/d',
      'c/f',
    ]);
  });

  it('orders by inequality fields implicitly, after explicit orders', () => {
    const filter = where('s', 'GREATER_THAN', str('a'));
    assert.deepEqual(run({ where: filter }), ['c/e', 'c/f', 'c/c']);
    assert.deepEqual(run({ where: filter, orderBy: [desc('n')] }), ['c/f', 'c/e']);
  });

  it('startAt / startAfter / endAt / endBefore, with partial cursors', () => {
    const orderBy = [asc('n')];
    const at = (values: Value[], before: boolean) => ({ values, before });
    assert.deepEqual(run({ orderBy, startAt: at([int(2)], true) }), ['c/d', 'c/e', 'c/f']);
    assert.deepEqual(run({ orderBy, startAt: at([int(2)], false) }), ['c/f']);
    assert.deepEqual(run({ orderBy, startAt: at([int(2), ref('c/d')], false) }), ['c/e', 'c/f']);
    assert.deepEqual(run({ orderBy, endAt: at([int(2)], false) }), ['c/a', 'c/b', 'c/d', 'c/e']);
    assert.deepEqual(run({ orderBy, endAt: at([int(2)], true) }), ['c/a', 'c/b']);
    assert.deepEqual(
      run({ orderBy, startAt: at([dbl(1.5)], true), endAt: at([int(2), ref('c/d')], false) }),
      ['c/b', 'c/d'],
    );
    // Descending: "after" means further along in the descending order.
    assert.deepEqual(run({ orderBy: [desc('n')], startAt: at([int(2)], false) }), ['c/b', 'c/a']);
    // A cursor on __name__ alone.
    assert.deepEqual(run({ startAt: at([ref('c/c')], false) }), ['c/d', 'c/e', 'c/f']);
  });

  it('rejects cursors with more values than orderings or a non-reference __name__', () => {
    assertQueryError(
      () => run({ orderBy: [asc('n')], startAt: { values: [int(1), ref('c/a'), int(3)] } }),
      /orders by only 2/,
    );
    assertQueryError(() => run({ startAt: { values: [str('c/a')] } }), /reference/);
  });

  it('offset and limit apply after cursors', () => {
    assert.deepEqual(run({ offset: 1, limit: { value: 2 } }), ['c/b', 'c/c']);
    assert.deepEqual(run({ offset: 5 }), ['c/f']);
    assert.deepEqual(run({ limit: {} }), []);
    assertQueryError(() => run({ limit: { value: -1 } }), /limit/);
  });

  it('projects selected fields, nested ones too, and empty selects to names only', () => {
    const d = doc('c/1', { a: map({ b: int(1), c: int(2) }), d: int(3), e: int(4) });
    const [p] = runStructuredQuery(ROOT, q({ select: { fields: [field('a.b'), field('d')] } }), [
      d,
    ]);
    assert.deepEqual(p.fields, { a: map({ b: int(1) }), d: int(3) });
    assert.deepEqual(p.updateTime, d.updateTime);
    const [n] = runStructuredQuery(ROOT, q({ select: { fields: [field('__name__')] } }), [d]);
    assert.deepEqual(n.fields, {});
    const [e] = runStructuredQuery(ROOT, q({ select: {} }), [d]);
    assert.deepEqual(e.fields, {});
    const [w] = runStructuredQuery(ROOT, q({ select: { fields: [field('a'), field('a.b')] } }), [
      d,
    ]);
    assert.deepEqual(w.fields, { a: map({ b: int(1), c: int(2) }) });
    assert.deepEqual(d.fields?.a, map({ b: int(1), c: int(2) }), 'stored document untouched');
  });

  it('queryMatches ignores limit and offset but applies cursors', () => {
    const query = q({
      orderBy: [asc('n')],
      startAt: { values: [int(2)], before: true },
      limit: {},
    });
    assert.ok(queryMatches(ROOT, query, docs[0]));
    assert.ok(!queryMatches(ROOT, query, docs[1]));
    assert.ok(!queryMatches(ROOT, query, docs[4]));
  });
});

describe('firestore aggregation', () => {
  const docs = [
    doc('c/a', { n: int(1), d: dbl(0.5) }),
    doc('c/b', { n: int(2), d: int(1) }),
    doc('c/c', { n: str('x') }),
    doc('c/d', {}),
  ];
  const agg = (aggregations: object[], extra: Partial<StructuredQuery> = {}, candidates = docs) =>
    runAggregation(ROOT, { structuredQuery: q(extra), aggregations }, candidates).aggregateFields;

  it('counts, with up_to and limit', () => {
    assert.deepEqual(agg([{ count: {}, alias: 'n' }]), { n: int(4) });
    assert.deepEqual(agg([{ count: { upTo: { value: '2' } }, alias: 'n' }]), { n: int(2) });
    assert.deepEqual(agg([{ count: {}, alias: 'n' }], { limit: { value: 3 } }), { n: int(3) });
  });

  it('sums ints as ints, mixed as doubles, and ignores non-numbers', () => {
    assert.deepEqual(agg([{ sum: { field: field('n') }, alias: 's' }]), { s: int(3) });
    assert.deepEqual(agg([{ sum: { field: field('d') }, alias: 't' }]), { t: dbl(1.5) });
    assert.deepEqual(agg([{ sum: { field: field('missing') }, alias: 'u' }]), { u: int(0) });
  });

  it('aggregates only the documents that have every aggregated field', () => {
    // c/c has n (a string) but no d; c/d has neither: with sum(n) and sum(d) together only c/a
    // and c/b are aggregated, and counted.
    assert.deepEqual(
      agg([
        { sum: { field: field('n') }, alias: 's' },
        { avg: { field: field('d') }, alias: 'a' },
        { count: {}, alias: 'c' },
      ]),
      { s: int(3), a: dbl(0.75), c: int(2) },
    );
    assert.deepEqual(
      agg([
        { count: {}, alias: 'c' },
        { sum: { field: field('n') }, alias: 's' },
      ]),
      { c: int(3), s: int(3) },
    );
    // A field no document has: nothing is aggregated.
    assert.deepEqual(
      agg([
        { sum: { field: field('n') }, alias: 's' },
        { avg: { field: field('missing') }, alias: 'a' },
      ]),
      { s: int(0), a: nul() },
    );
  });

  it('turns an int64 overflow into a double', () => {
    const big = [doc('c/1', { n: int('9223372036854775807') }), doc('c/2', { n: int(1) })];
    const r = agg([{ sum: { field: field('n') }, alias: 's' }], {}, big);
    assert.deepEqual(r, { s: dbl(9223372036854775808) });
  });

  it('averages as doubles, null when nothing is numeric', () => {
    assert.deepEqual(agg([{ avg: { field: field('n') }, alias: 'a' }]), { a: dbl(1.5) });
    assert.deepEqual(agg([{ avg: { field: field('missing') }, alias: 'b' }]), { b: nul() });
  });

  it('names unaliased aggregations and rejects bad ones', () => {
    assert.deepEqual(Object.keys(agg([{ count: {} }, { count: {} }]) ?? {}), [
      'field_1',
      'field_2',
    ]);
    assertQueryError(
      () =>
        agg([
          { count: {}, alias: 'x' },
          { count: {}, alias: 'x' },
        ]),
      /duplicate/,
    );
    assertQueryError(() => agg([]), /at least one/);
    assertQueryError(() => agg([{ sum: {} }]), /field/);
  });
});

describe('firestore numeric document ids (__id<int64>__)', () => {
  const name = (id: string) => `${ROOT}/c/${id}`;

  it('accepts __id<int64>__ and still refuses every other __.*__ id', () => {
    for (const id of [
      '__id7__',
      '__id-2__',
      '__id9223372036854775807__',
      '__id-9223372036854775808__',
    ]) {
      assert.doesNotThrow(() => parseDocumentName(name(id)), id);
    }
    for (const id of ['__id__', '__idx__', '__id9223372036854775808__', '__id1.5__', '__foo__']) {
      assert.throws(() => parseDocumentName(name(id)), /reserved/, id);
    }
  });

  it('sorts numeric ids first, by number, then string ids by UTF-8', () => {
    // The order production gives (nodejs-firestore "sorts query by DocumentId same way as server").
    const expected = [
      '__id-9223372036854775808__',
      '__id-9223372036854775807__',
      '__id-2__',
      '__id7__',
      '__id12__',
      '__id9223372036854775806__',
      '__id9223372036854775807__',
      '12',
      '7',
      'A',
      'Aa',
      '__id',
      '__id1_',
      '_id1__',
      'a',
    ];
    const shuffled = [...expected].reverse();
    const docs = shuffled.map((id) => doc(`c/${id}`, { a: int(1) }));
    const asc = runStructuredQuery(
      ROOT,
      q({ orderBy: [{ field: field('__name__'), direction: 'ASCENDING' }] }),
      docs,
    );
    assert.deepEqual(
      asc.map((d) => d.name.split('/').pop()),
      expected,
    );
    const desc = runStructuredQuery(
      ROOT,
      q({ orderBy: [{ field: field('__name__'), direction: 'DESCENDING' }] }),
      docs,
    );
    assert.deepEqual(
      desc.map((d) => d.name.split('/').pop()),
      [...expected].reverse(),
    );
    // A range on __name__ uses the same order.
    const after = runStructuredQuery(
      ROOT,
      q({
        where: {
          fieldFilter: {
            field: field('__name__'),
            op: 'GREATER_THAN',
            value: { referenceValue: name('__id12__'), valueType: 'referenceValue' },
          },
        },
      }),
      docs,
    );
    assert.deepEqual(
      after.map((d) => d.name.split('/').pop()),
      expected.slice(5),
    );
  });
});
