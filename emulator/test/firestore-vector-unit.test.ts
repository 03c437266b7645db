// Vector indexes in firestore.indexes.json (the Firebase CLI's `vectorConfig` fields) and the
// index check of find_nearest queries (indexes/planner.ts planVectorQuery), from Google's "Search
// with vector embeddings": a vector query needs a vector index on its field and dimension that
// also lists the fields it filters on.
import { strict as assert } from 'node:assert';
import { IndexConfigError, parseIndexConfig } from '../src/firestore/indexes/config';
import { planQuery, planVectorQuery } from '../src/firestore/indexes/planner';
import type { StructuredQuery, Value } from '../src/firestore/types';

const vector = (...xs: number[]): Value => ({
  mapValue: {
    fields: {
      __type__: { stringValue: '__vector__' },
      value: { arrayValue: { values: xs.map((x) => ({ doubleValue: x })) } },
    },
  },
});

function nearest(dimension: number, where?: StructuredQuery['where']): StructuredQuery {
  return {
    from: [{ collectionId: 'beans' }],
    ...(where ? { where } : {}),
    findNearest: {
      vectorField: { fieldPath: 'embedding' },
      queryVector: vector(...Array.from({ length: dimension }, (_, i) => i)),
      distanceMeasure: 'EUCLIDEAN',
      limit: { value: 5 },
    },
  };
}

const colorIs: StructuredQuery['where'] = {
  fieldFilter: { field: { fieldPath: 'color' }, op: 'EQUAL', value: { stringValue: 'red' } },
};

const CONFIG = parseIndexConfig({
  indexes: [
    {
      collectionGroup: 'beans',
      queryScope: 'COLLECTION',
      fields: [{ fieldPath: 'embedding', vectorConfig: { dimension: 3, flat: {} } }],
    },
    {
      collectionGroup: 'beans',
      queryScope: 'COLLECTION',
      fields: [
        { fieldPath: 'color', order: 'ASCENDING' },
        { fieldPath: 'embedding', vectorConfig: { dimension: 3, flat: {} } },
      ],
    },
  ],
});

describe('firestore vector indexes', () => {
  it('reads vectorConfig fields and refuses malformed ones', () => {
    assert.deepEqual(CONFIG.indexes[1].vector, { fieldPath: 'embedding', dimension: 3 });
    assert.deepEqual(CONFIG.indexes[1].fields, [{ fieldPath: 'color', mode: 'ASCENDING' }]);
    const bad =
      (field: object, more: object[] = []) =>
      () =>
        parseIndexConfig({ indexes: [{ collectionGroup: 'c', fields: [...more, field] }] });
    assert.throws(
      bad({ fieldPath: 'e', vectorConfig: { dimension: 0, flat: {} } }),
      IndexConfigError,
    );
    assert.throws(bad({ fieldPath: 'e', vectorConfig: { dimension: 2049, flat: {} } }), /2048/);
    assert.throws(bad({ fieldPath: 'e', vectorConfig: { dimension: 3 } }), /flat/);
    assert.throws(
      bad({ fieldPath: 'e', order: 'ASCENDING', vectorConfig: { dimension: 3, flat: {} } }),
      /alone/,
    );
    assert.throws(
      () =>
        parseIndexConfig({
          indexes: [
            {
              collectionGroup: 'c',
              fields: [
                { fieldPath: 'e', vectorConfig: { dimension: 3, flat: {} } },
                { fieldPath: 'a', order: 'ASCENDING' },
              ],
            },
          ],
        }),
      /last field/,
    );
  });

  it('serves a vector query from the index of its field, dimension and filtered fields', () => {
    const alone = planVectorQuery(nearest(3), CONFIG);
    assert.ok(alone.ok);
    assert.equal(alone.uses.length, 1);
    assert.deepEqual(alone.indexes, [
      { query_scope: 'Collection', properties: '(embedding VECTOR<3>)' },
    ]);
    const filtered = planVectorQuery(nearest(3, colorIs), CONFIG);
    assert.ok(filtered.ok);
    assert.deepEqual(filtered.indexes, [
      { query_scope: 'Collection', properties: '(color ASC, embedding VECTOR<3>)' },
    ]);
  });

  it('names the vector index to add when none serves', () => {
    const other = planVectorQuery(nearest(4), CONFIG);
    assert.equal(other.ok, false);
    assert.ok(!other.ok);
    assert.deepEqual(other.missing.entry, {
      collectionGroup: 'beans',
      queryScope: 'COLLECTION',
      fields: [{ fieldPath: 'embedding', vectorConfig: { dimension: 4, flat: {} } }],
    });
    const unindexedFilter = planVectorQuery(
      nearest(3, {
        fieldFilter: { field: { fieldPath: 'size' }, op: 'EQUAL', value: { integerValue: '1' } },
      }),
      CONFIG,
    );
    assert.ok(!unindexedFilter.ok);
    assert.match(unindexedFilter.missing.reason, /size/);
  });

  it('keeps vector indexes out of ordinary query plans', () => {
    // An equality on color alone is served by the automatic index, not the vector index.
    const plan = planQuery({ from: [{ collectionId: 'beans' }], where: colorIs }, CONFIG);
    assert.ok(plan.ok);
    assert.deepEqual(plan.uses, []);
  });
});
