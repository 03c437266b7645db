// Unit tests of the write-path helpers: field paths, names, sizes and transforms.
import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import {
  formatFieldPath,
  parseDocumentName,
  parseFieldPath,
  parseParent,
} from '../src/firestore/paths';
import { applyTransform, documentSize, normalizeValue } from '../src/firestore/fields';
import { applyWrite } from '../src/firestore/commit';
import { DocumentStore } from '../src/firestore/store';
import { MonotonicClock, timestampToRfc3339, toTimestamp } from '../src/firestore/clock';
import {
  TRANSACTION_IDLE_MS,
  TRANSACTION_MAX_MS,
  TransactionManager,
} from '../src/firestore/transactions';
import type { Document, FieldTransform, Value } from '../src/firestore/types';

const ROOT = 'projects/p/databases/(default)/documents';
const T = { seconds: '100', nanos: 0 };

function code(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: number }).code;
  }
  return undefined;
}

function int(n: string): Value {
  return { valueType: 'integerValue', integerValue: n };
}
function dbl(n: number): Value {
  return { valueType: 'doubleValue', doubleValue: n };
}
function transform(
  current: Value | undefined,
  t: Omit<FieldTransform, 'fieldPath'>,
): Value | undefined {
  const fields: Record<string, Value> = current ? { f: current } : {};
  return applyTransform(fields, { fieldPath: 'f', ...t }, T).fields.f;
}

describe('firestore core units', () => {
  it('parses field paths with backticks and escapes', () => {
    assert.deepEqual(parseFieldPath('a.b_1.`c.d`.`e\\`f`.`g\\\\h`'), [
      'a',
      'b_1',
      'c.d',
      'e`f',
      'g\\h',
    ]);
    for (const bad of ['', 'a.', '.a', 'a..b', 'a-b', '`a', '``', '1a']) {
      assert.equal(
        code(() => parseFieldPath(bad)),
        status.INVALID_ARGUMENT,
        bad,
      );
    }
    assert.equal(formatFieldPath(['a', 'b.c', 'x`y']), 'a.`b.c`.`x\\`y`');
  });

  it('validates document names and parents', () => {
    assert.deepEqual(parseDocumentName(`${ROOT}/c/d/e/f`).segments, ['c', 'd', 'e', 'f']);
    for (const bad of [
      `${ROOT}/c`,
      `${ROOT}`,
      `${ROOT}/c//d`,
      `${ROOT}/c/..`,
      `${ROOT}/c/__x__`,
      'nope',
    ]) {
      assert.equal(
        code(() => parseDocumentName(bad)),
        status.INVALID_ARGUMENT,
        bad,
      );
    }
    assert.equal(parseParent(ROOT).segments.length, 0);
    assert.equal(
      code(() => parseParent(`${ROOT}/c`)),
      status.INVALID_ARGUMENT,
    );
  });

  it('estimates document size per the documented rules', () => {
    // Name: "tasks" (6) + "id" (3) + 16 = 25; field "a" (2) + string "abc" (4) = 6; + 32.
    assert.equal(documentSize(`${ROOT}/tasks/id`, { a: { stringValue: 'abc' } }), 25 + 6 + 32);
    const nested: Record<string, Value> = {
      m: { mapValue: { fields: { b: { booleanValue: true }, n: { nullValue: 'NULL_VALUE' } } } },
      arr: { arrayValue: { values: [int('1'), dbl(2)] } },
    };
    // m: 2 + (2+1) + (2+1) = 8; arr: 4 + 8 + 8 = 20.
    assert.equal(documentSize(`${ROOT}/tasks/id`, nested), 25 + 8 + 20 + 32);
  });

  it('normalizes values and rejects bad ones', () => {
    assert.deepEqual(normalizeValue({ doubleValue: -0 }, 'x'), dbl(0));
    assert.equal(
      code(() => normalizeValue({}, 'x')),
      status.INVALID_ARGUMENT,
    );
    assert.equal(
      code(() => normalizeValue({ arrayValue: { values: [{ arrayValue: { values: [] } }] } }, 'x')),
      status.INVALID_ARGUMENT,
    );
    assert.equal(
      code(() => normalizeValue({ referenceValue: 'c/d' }, 'x')),
      status.INVALID_ARGUMENT,
    );
    assert.equal(
      code(() => normalizeValue({ geoPointValue: { latitude: 91, longitude: 0 } }, 'x')),
      status.INVALID_ARGUMENT,
    );
    let deep: Value = int('1');
    for (let i = 0; i < 21; i++) deep = { mapValue: { fields: { a: deep } } };
    assert.equal(
      code(() => normalizeValue(deep, 'x')),
      status.INVALID_ARGUMENT,
    );
  });

  it('increment: integer arithmetic saturates, doubles win, non-numbers are replaced', () => {
    assert.deepEqual(
      transform(int('9223372036854775800'), { increment: int('100') }),
      int('9223372036854775807'),
    );
    assert.deepEqual(
      transform(int('-9223372036854775800'), { increment: int('-100') }),
      int('-9223372036854775808'),
    );
    assert.deepEqual(transform(int('1'), { increment: dbl(0.5) }), dbl(1.5));
    assert.deepEqual(
      transform({ valueType: 'stringValue', stringValue: 'x' }, { increment: int('2') }),
      int('2'),
    );
    assert.deepEqual(transform(undefined, { increment: dbl(2) }), dbl(2));
    assert.equal(
      code(() => transform(int('1'), { increment: { stringValue: 'x' } })),
      status.INVALID_ARGUMENT,
    );
  });

  it('maximum/minimum: mixed types, equivalence, NaN', () => {
    assert.deepEqual(transform(int('3'), { maximum: dbl(3) }), int('3'));
    assert.deepEqual(transform(int('3'), { maximum: dbl(3.5) }), dbl(3.5));
    assert.deepEqual(transform(dbl(2.5), { minimum: int('1') }), int('1'));
    assert.deepEqual(transform(dbl(0), { minimum: dbl(-0) }), dbl(0));
    assert.ok(Number.isNaN(transform(int('3'), { maximum: dbl(NaN) })?.doubleValue));
    assert.ok(Number.isNaN(transform(dbl(NaN), { minimum: int('1') })?.doubleValue));
    assert.deepEqual(transform(undefined, { minimum: int('7') }), int('7'));
  });

  it('array transforms use numeric equivalence and treat NaN as equal to NaN', () => {
    const arr = (...v: Value[]): Value => ({ valueType: 'arrayValue', arrayValue: { values: v } });
    assert.deepEqual(
      transform(arr(int('1'), dbl(NaN)), {
        appendMissingElements: { values: [dbl(1), dbl(NaN), int('2')] },
      }),
      arr(int('1'), dbl(NaN), int('2')),
    );
    assert.deepEqual(
      transform(arr(int('1'), dbl(1), int('2')), { removeAllFromArray: { values: [dbl(1)] } }),
      arr(int('2')),
    );
    assert.deepEqual(
      transform(int('5'), { appendMissingElements: { values: [int('1')] } }),
      arr(int('1')),
    );
  });

  it('update masks merge nested fields and delete unmentioned ones', () => {
    const current: Document = {
      name: `${ROOT}/c/d`,
      fields: { a: int('1'), m: { mapValue: { fields: { x: int('1'), y: int('2') } } } },
      createTime: { seconds: '1', nanos: 0 },
      updateTime: { seconds: '1', nanos: 0 },
    };
    const r = applyWrite(
      {
        update: { name: `${ROOT}/c/d`, fields: { m: { mapValue: { fields: { x: int('9') } } } } },
        updateMask: { fieldPaths: ['m.x', 'm.y', 'z'] },
      },
      current,
      T,
    );
    assert.deepEqual(r.after?.fields, {
      a: int('1'),
      m: { valueType: 'mapValue', mapValue: { fields: { x: int('9') } } },
    });
    assert.deepEqual(r.after?.createTime, current.createTime);
    assert.equal(
      code(() =>
        applyWrite({ delete: `${ROOT}/c/d`, currentDocument: { exists: true } }, undefined, T),
      ),
      status.NOT_FOUND,
    );
    assert.equal(
      code(() =>
        applyWrite(
          { delete: `${ROOT}/c/d`, currentDocument: { updateTime: { seconds: '2', nanos: 0 } } },
          current,
          T,
        ),
      ),
      status.FAILED_PRECONDITION,
    );
  });

  it('the store answers reads at past times and prunes old versions', () => {
    const store = new DocumentStore(1000);
    const doc = (v: string, t: number): Document => ({
      name: `${ROOT}/c/d`,
      fields: { v: int(v) },
      updateTime: toTimestamp(t),
    });
    store.apply(new Map([[`${ROOT}/c/d`, doc('1', 10)]]), 10);
    store.apply(new Map([[`${ROOT}/c/d`, doc('2', 20)]]), 20);
    store.apply(new Map([[`${ROOT}/c/d`, undefined]]), 30);
    assert.equal(store.get(`${ROOT}/c/d`, 5), undefined);
    assert.equal(store.get(`${ROOT}/c/d`, 15)?.fields?.v.integerValue, '1');
    assert.equal(store.get(`${ROOT}/c/d`, 25)?.fields?.v.integerValue, '2');
    assert.equal(store.get(`${ROOT}/c/d`), undefined);
    assert.deepEqual(store.listDocumentNames(`${ROOT}/c`, true, 25), [
      { name: `${ROOT}/c/d`, exists: true },
    ]);
    store.prune(1025);
    assert.equal(store.oldestReadable(), 25);
    assert.equal(store.get(`${ROOT}/c/d`, 25)?.fields?.v.integerValue, '2');
    store.prune(2000);
    assert.deepEqual(store.collectionIds(ROOT), []);
  });

  it('the clock is monotonic and formats RFC 3339 like proto3 JSON', () => {
    const clock = new MonotonicClock();
    const a = clock.nextCommitTime();
    const r = clock.readNow();
    const b = clock.nextCommitTime();
    assert.ok(a <= r && r < b);
    assert.equal(timestampToRfc3339({ seconds: '0', nanos: 0 }), '1970-01-01T00:00:00Z');
    assert.equal(
      timestampToRfc3339({ seconds: '1', nanos: 120000000 }),
      '1970-01-01T00:00:01.120Z',
    );
    assert.equal(timestampToRfc3339({ seconds: '1', nanos: 1000 }), '1970-01-01T00:00:01.000001Z');
  });

  describe('transaction time limits (quotas page: 270 s, 60 s idle)', () => {
    it('a sweep expires a transaction idle for over 60 s but not one used since', () => {
      const txns = new TransactionManager();
      const idle = txns.begin('db', false);
      const busy = txns.begin('db', false);
      const now = Date.now();
      busy.lastUsed = now + TRANSACTION_IDLE_MS;
      txns.sweep(now + TRANSACTION_IDLE_MS + 1);
      assert.equal(
        code(() => txns.get(Buffer.from(idle.id, 'hex'), 'db')),
        status.INVALID_ARGUMENT,
      );
      assert.equal(txns.get(Buffer.from(busy.id, 'hex'), 'db').id, busy.id);
    });

    it('a transaction in use expires 270 s after it began', () => {
      const txns = new TransactionManager();
      const txn = txns.begin('db', false);
      const id = Buffer.from(txn.id, 'hex');
      // Began 270 s ago and used just now: past the total limit though never idle.
      txn.startedAt = Date.now() - TRANSACTION_MAX_MS - 1;
      txn.lastUsed = Date.now();
      assert.equal(
        code(() => txns.get(id, 'db')),
        status.INVALID_ARGUMENT,
      );
    });

    it('a transaction 269 s old and recently used is still valid', () => {
      const txns = new TransactionManager();
      const txn = txns.begin('db', false);
      txn.startedAt = Date.now() - TRANSACTION_MAX_MS + 1_000;
      assert.equal(txns.get(Buffer.from(txn.id, 'hex'), 'db').id, txn.id);
    });
  });
});
