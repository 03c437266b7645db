// Unit tests of the REST transport's pure parts: which method a request is (routes.ts, from the
// google.api.http bindings of firestore.proto), proto3 JSON decoding with its unknown-name check
// (protoJson.ts), and the google.rpc.Code → HTTP status mapping (server.ts).
import { strict as assert } from 'node:assert';
import { Code } from '../src/firestore/errors';
import { decodeJson, encodeJson } from '../src/firestore/transports/rest/protoJson';
import { matchRoute } from '../src/firestore/transports/rest/routes';
import { httpStatusOf } from '../src/firestore/transports/rest/server';

const DB = 'projects/p/databases/(default)';
const V1 = `/v1/${DB}/documents`;

describe('firestore REST routes', () => {
  it('tells documents from collections by the parity of the path', () => {
    assert.deepEqual(matchRoute('GET', `${V1}/c/d`), {
      method: 'GetDocument',
      fromPath: { name: `${DB}/documents/c/d` },
      body: 'none',
    });
    assert.deepEqual(matchRoute('GET', `${V1}/c`), {
      method: 'ListDocuments',
      fromPath: { parent: `${DB}/documents`, collectionId: 'c' },
      body: 'none',
    });
    assert.deepEqual(matchRoute('GET', `${V1}/c/d/sub`)?.fromPath, {
      parent: `${DB}/documents/c/d`,
      collectionId: 'sub',
    });
    assert.equal(matchRoute('POST', `${V1}/c`)?.method, 'CreateDocument');
    assert.equal(matchRoute('POST', `${V1}/c/d`), undefined);
    assert.deepEqual(matchRoute('PATCH', `${V1}/c/d`)?.fromPath, {
      document: { name: `${DB}/documents/c/d` },
    });
    assert.equal(matchRoute('PATCH', `${V1}/c`), undefined);
    assert.equal(matchRoute('DELETE', `${V1}/c/d`)?.method, 'DeleteDocument');
    assert.equal(matchRoute('GET', V1), undefined);
  });

  it('finds the custom verbs on the database or a parent document, and only known ones', () => {
    for (const [verb, method] of [
      ['batchGet', 'BatchGetDocuments'],
      ['beginTransaction', 'BeginTransaction'],
      ['commit', 'Commit'],
      ['rollback', 'Rollback'],
      ['batchWrite', 'BatchWrite'],
    ]) {
      assert.deepEqual(matchRoute('POST', `${V1}:${verb}`), {
        method,
        fromPath: { database: DB },
        body: '*',
      });
      // Not under a document: these name the database.
      assert.equal(matchRoute('POST', `${V1}/c/d:${verb}`), undefined);
    }
    for (const verb of ['runQuery', 'runAggregationQuery', 'partitionQuery', 'listCollectionIds']) {
      assert.deepEqual(matchRoute('POST', `${V1}:${verb}`)?.fromPath, {
        parent: `${DB}/documents`,
      });
      assert.deepEqual(matchRoute('POST', `${V1}/c/d:${verb}`)?.fromPath, {
        parent: `${DB}/documents/c/d`,
      });
      assert.equal(matchRoute('POST', `${V1}/c:${verb}`), undefined);
      assert.equal(matchRoute('GET', `${V1}:${verb}`), undefined);
    }
    // A colon that is no verb belongs to the document id.
    assert.deepEqual(matchRoute('GET', `${V1}/c/a:b`)?.fromPath, { name: `${DB}/documents/c/a:b` });
    // Percent-encoded segments are decoded.
    assert.deepEqual(
      matchRoute('GET', `/v1/projects/p/databases/%28default%29/documents/c/a%20b`)?.fromPath,
      {
        name: `${DB}/documents/c/a b`,
      },
    );
  });
});

describe('firestore REST proto3 JSON', () => {
  it('decodes to the shapes the core gets over gRPC (oneofs named, longs as strings, bytes as Buffers)', () => {
    const req = decodeJson<{
      transaction: Buffer;
      writes: { update: { fields: Record<string, Record<string, unknown>> }; operation: string }[];
    }>('google.firestore.v1.CommitRequest', {
      database: DB,
      transaction: 'AAH/',
      writes: [
        {
          update: {
            name: `${DB}/documents/c/d`,
            fields: {
              n: { integerValue: 5 },
              t: { timestampValue: '2024-01-01T00:00:00.5Z' },
              z: { nullValue: null },
            },
          },
        },
      ],
    });
    assert.ok(Buffer.isBuffer(req.transaction));
    assert.deepEqual([...req.transaction], [0, 1, 255]);
    assert.equal(req.writes[0].operation, 'update');
    const fields = req.writes[0].update.fields;
    assert.deepEqual(fields.n, { integerValue: '5', valueType: 'integerValue' });
    assert.deepEqual(fields.t, {
      timestampValue: { seconds: '1704067200', nanos: 500000000 },
      valueType: 'timestampValue',
    });
    assert.deepEqual(fields.z, { nullValue: 'NULL_VALUE', valueType: 'nullValue' });
  });

  it('refuses unknown names anywhere in the message, with where they are', () => {
    assert.throws(
      () =>
        decodeJson('google.firestore.v1.RunQueryRequest', {
          structuredQuery: { from: [{ collectionId: 'c', deep: true }] },
        }),
      (err: { code: number; message: string }) =>
        err.code === Code.INVALID_ARGUMENT &&
        /Unknown name "deep" at 'structuredQuery\.from\[0\]'/.test(err.message),
    );
    assert.throws(() => decodeJson('google.firestore.v1.CommitRequest', []), /Expected an object/);
    // snake_case names are accepted as proto3 JSON allows.
    const r = decodeJson<{ structuredQuery: unknown }>('google.firestore.v1.RunQueryRequest', {
      structured_query: { from: [{ collection_id: 'c' }] },
    });
    assert.ok(r.structuredQuery);
  });

  it('encodes the special doubles, bytes and empty messages as Google does', () => {
    assert.deepEqual(
      encodeJson('google.firestore.v1.Value', { doubleValue: NaN, valueType: 'doubleValue' }),
      { doubleValue: 'NaN' },
    );
    assert.deepEqual(encodeJson('google.firestore.v1.Value', { bytesValue: Buffer.from([1, 2]) }), {
      bytesValue: 'AQI=',
    });
    assert.deepEqual(encodeJson('.google.protobuf.Empty', {}), {});
    // `$alt=json;enum-encoding=int` (what google-gax asks for): enums as numbers.
    const order = { orderBy: [{ field: { fieldPath: 'a' }, direction: 'DESCENDING' }] };
    assert.deepEqual(encodeJson('google.firestore.v1.StructuredQuery', order, true), {
      orderBy: [{ field: { fieldPath: 'a' }, direction: 2 }],
    });
    assert.deepEqual(encodeJson('google.firestore.v1.StructuredQuery', order), {
      orderBy: [{ field: { fieldPath: 'a' }, direction: 'DESCENDING' }],
    });
  });

  it('maps google.rpc.Code to HTTP statuses', () => {
    const expected: [Code, number][] = [
      [Code.INVALID_ARGUMENT, 400],
      [Code.FAILED_PRECONDITION, 400],
      [Code.OUT_OF_RANGE, 400],
      [Code.UNAUTHENTICATED, 401],
      [Code.PERMISSION_DENIED, 403],
      [Code.NOT_FOUND, 404],
      [Code.ALREADY_EXISTS, 409],
      [Code.ABORTED, 409],
      [Code.RESOURCE_EXHAUSTED, 429],
      [Code.CANCELLED, 499],
      [Code.INTERNAL, 500],
      [Code.UNIMPLEMENTED, 501],
      [Code.UNAVAILABLE, 503],
      [Code.DEADLINE_EXCEEDED, 504],
    ];
    for (const [code, status] of expected) assert.equal(httpStatusOf(code), status, String(code));
  });
});
