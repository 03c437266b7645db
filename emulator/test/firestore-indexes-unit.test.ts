// Unit tests of the index planner and the index file parser, written from the Firestore
// documentation: "Index types in Cloud Firestore" (automatic single-field indexes with
// collection scope, ascending / descending / array-contains; none with collection-group scope;
// exemptions; index merging for equality clauses and an optional orderBy; composite indexes
// end with __name__ in the direction of their last field) and "Queries with range and
// inequality filters on multiple fields" (implicit ordering of inequality fields).
import { strict as assert } from 'node:assert';
import { IndexConfigError, parseIndexConfig } from '../src/firestore/indexes/config';
import { indexChecksEnabledByEnv } from '../src/firestore/indexes/checker';
import { missingIndexMessage, planQuery, type Plan } from '../src/firestore/indexes/planner';
import { IndexUsage, usageSummary } from '../src/firestore/indexes/usage';
import type { Filter, FieldOperator, StructuredQuery, UnaryOperator } from '../src/firestore/types';

const V = { valueType: 'integerValue', integerValue: '1' } as const;

function f(field: string, op: FieldOperator): Filter {
  return { fieldFilter: { field: { fieldPath: field }, op, value: V } };
}
function u(field: string, op: UnaryOperator): Filter {
  return { unaryFilter: { field: { fieldPath: field }, op } };
}
function and(...filters: Filter[]): Filter {
  return { compositeFilter: { op: 'AND', filters } };
}
function or(...filters: Filter[]): Filter {
  return { compositeFilter: { op: 'OR', filters } };
}

interface QuerySpec {
  where?: Filter;
  orderBy?: [string, 'asc' | 'desc'][];
  group?: boolean;
  collection?: string;
}

function q(spec: QuerySpec): StructuredQuery {
  return {
    from: [{ collectionId: spec.collection ?? 'cities', allDescendants: spec.group === true }],
    where: spec.where,
    orderBy: (spec.orderBy ?? []).map(([fieldPath, d]) => ({
      field: { fieldPath },
      direction: d === 'desc' ? 'DESCENDING' : 'ASCENDING',
    })),
  };
}

function config(json: unknown) {
  return parseIndexConfig(json);
}
const NONE = config({ indexes: [], fieldOverrides: [] });

function missingEntry(plan: Plan): unknown {
  assert.equal(plan.ok, false, 'expected the query to need an index');
  return plan.ok ? undefined : plan.missing.entry;
}

function composite(scope: string, ...fields: [string, string][]) {
  return {
    collectionGroup: 'cities',
    queryScope: scope,
    fields: fields.map(([fieldPath, mode]) =>
      mode === 'CONTAINS' ? { fieldPath, arrayConfig: 'CONTAINS' } : { fieldPath, order: mode },
    ),
  };
}

describe('firestore index planner (documented index rules)', () => {
  describe('served by automatic single-field indexes', () => {
    const served: [string, StructuredQuery][] = [
      ['no filter, no order', q({})],
      ['one equality', q({ where: f('state', 'EQUAL') })],
      ['one range', q({ where: f('population', 'LESS_THAN') })],
      [
        'a range ordered by its field',
        q({ where: f('population', 'GREATER_THAN'), orderBy: [['population', 'desc']] }),
      ],
      ['orderBy one field ascending', q({ orderBy: [['name', 'asc']] })],
      ['orderBy one field descending', q({ orderBy: [['name', 'desc']] })],
      [
        '!= and not-in are ranges on one field',
        q({ where: and(f('a', 'NOT_EQUAL'), f('a', 'NOT_IN')) }),
      ],
      ['array-contains', q({ where: f('regions', 'ARRAY_CONTAINS') })],
      ['array-contains-any', q({ where: f('regions', 'ARRAY_CONTAINS_ANY') })],
      ['in', q({ where: f('country', 'IN') })],
      ['is null / is nan are equalities', q({ where: and(u('a', 'IS_NULL'), u('b', 'IS_NAN')) })],
      [
        'equality ordered by __name__ descending',
        q({ where: f('state', 'EQUAL'), orderBy: [['__name__', 'desc']] }),
      ],
      [
        'equality with orderBy on the same field',
        q({ where: f('state', 'EQUAL'), orderBy: [['state', 'asc']] }),
      ],
      [
        'filters on __name__ only',
        q({ where: f('__name__', 'GREATER_THAN'), orderBy: [['__name__', 'desc']] }),
      ],
      ['a map subfield', q({ where: f('address.city', 'EQUAL') })],
    ];
    for (const [name, query] of served) {
      it(name, () => {
        const plan = planQuery(query, NONE);
        assert.ok(plan.ok);
        assert.deepEqual(plan.uses, []);
        // Query Explain names the automatic index (or the built-in __name__ index) it reads.
        assert.ok(plan.indexes.length > 0);
      });
    }
  });

  describe('index merging (equality clauses)', () => {
    it('equalities on several fields are served by merging single-field indexes', () => {
      const query = q({
        where: and(f('state', 'EQUAL'), f('country', 'EQUAL'), f('capital', 'IN')),
      });
      assert.equal(planQuery(query, NONE).ok, true);
    });

    it('an OR of equalities on different fields is served per disjunction', () => {
      assert.equal(planQuery(q({ where: or(f('a', 'EQUAL'), f('b', 'EQUAL')) }), NONE).ok, true);
    });

    it('equalities plus orderBy merge composite indexes that end with the same ordering', () => {
      const cfg = config({
        indexes: [
          composite('COLLECTION', ['state', 'ASCENDING'], ['rating', 'DESCENDING']),
          composite('COLLECTION', ['country', 'ASCENDING'], ['rating', 'DESCENDING']),
        ],
      });
      const query = q({
        where: and(f('state', 'EQUAL'), f('country', 'EQUAL')),
        orderBy: [['rating', 'desc']],
      });
      const plan = planQuery(query, cfg);
      assert.equal(plan.ok, true);
      assert.equal(plan.ok && plan.uses.length, 2);
      // Not with the ordering reversed: index directions must match.
      const reversed = q({
        where: and(f('state', 'EQUAL'), f('country', 'EQUAL')),
        orderBy: [['rating', 'asc']],
      });
      assert.equal(planQuery(reversed, cfg).ok, false);
    });

    it('no merging with an inequality: it needs one composite index', () => {
      const cfg = config({
        indexes: [
          composite('COLLECTION', ['a', 'ASCENDING'], ['c', 'ASCENDING']),
          composite('COLLECTION', ['b', 'ASCENDING'], ['c', 'ASCENDING']),
        ],
      });
      const query = q({ where: and(f('a', 'EQUAL'), f('b', 'EQUAL'), f('c', 'GREATER_THAN')) });
      assert.deepEqual(
        missingEntry(planQuery(query, cfg)),
        composite('COLLECTION', ['a', 'ASCENDING'], ['b', 'ASCENDING'], ['c', 'ASCENDING']),
      );
    });
  });

  describe('needs a composite index', () => {
    it('equality plus orderBy on another field, until declared', () => {
      const query = q({ where: f('state', 'EQUAL'), orderBy: [['population', 'desc']] });
      const entry = composite('COLLECTION', ['state', 'ASCENDING'], ['population', 'DESCENDING']);
      assert.deepEqual(missingEntry(planQuery(query, NONE)), entry);
      const plan = planQuery(query, config({ indexes: [entry] }));
      assert.equal(plan.ok, true);
      assert.deepEqual(plan.ok && plan.uses.map((x) => x.kind), ['index']);
      // The equality field's direction in the index does not matter.
      const desc = composite('COLLECTION', ['state', 'DESCENDING'], ['population', 'DESCENDING']);
      assert.equal(planQuery(query, config({ indexes: [desc] })).ok, true);
    });

    it('a range on one field ordered by another: the explicit order first, then the range field', () => {
      const query = q({ where: f('population', 'GREATER_THAN'), orderBy: [['name', 'desc']] });
      const right = composite('COLLECTION', ['name', 'DESCENDING'], ['population', 'DESCENDING']);
      assert.deepEqual(missingEntry(planQuery(query, NONE)), right);
      const wrongOrder = composite(
        'COLLECTION',
        ['population', 'DESCENDING'],
        ['name', 'DESCENDING'],
      );
      const wrongDirection = composite(
        'COLLECTION',
        ['name', 'DESCENDING'],
        ['population', 'ASCENDING'],
      );
      assert.equal(planQuery(query, config({ indexes: [wrongOrder, wrongDirection] })).ok, false);
      assert.equal(planQuery(query, config({ indexes: [right] })).ok, true);
    });

    it('ranges on two fields: ordered by field path after the explicit orders', () => {
      const query = q({ where: and(f('zeta', 'LESS_THAN'), f('alpha', 'GREATER_THAN')) });
      assert.deepEqual(
        missingEntry(planQuery(query, NONE)),
        composite('COLLECTION', ['alpha', 'ASCENDING'], ['zeta', 'ASCENDING']),
      );
    });

    it('array-contains with orderBy on another field', () => {
      const query = q({ where: f('regions', 'ARRAY_CONTAINS'), orderBy: [['name', 'asc']] });
      const entry = composite('COLLECTION', ['regions', 'CONTAINS'], ['name', 'ASCENDING']);
      assert.deepEqual(missingEntry(planQuery(query, NONE)), entry);
      assert.equal(planQuery(query, config({ indexes: [entry] })).ok, true);
    });

    it('orderBy on two fields', () => {
      const query = q({
        orderBy: [
          ['state', 'asc'],
          ['population', 'desc'],
        ],
      });
      assert.deepEqual(
        missingEntry(planQuery(query, NONE)),
        composite('COLLECTION', ['state', 'ASCENDING'], ['population', 'DESCENDING']),
      );
    });

    it('in plus orderBy on another field', () => {
      const query = q({ where: f('country', 'IN'), orderBy: [['population', 'asc']] });
      assert.equal(planQuery(query, NONE).ok, false);
    });

    it('an OR whose disjunction has an equality and the query an inequality elsewhere', () => {
      const query = q({ where: or(f('a', 'EQUAL'), f('b', 'GREATER_THAN')) });
      // The query is ordered by b; the disjunction a == 1 then needs (a, b).
      assert.deepEqual(
        missingEntry(planQuery(query, NONE)),
        composite('COLLECTION', ['a', 'ASCENDING'], ['b', 'ASCENDING']),
      );
    });

    it('a __name__ order against the direction of the last field is spelled out', () => {
      const query = q({
        orderBy: [
          ['a', 'asc'],
          ['b', 'asc'],
          ['__name__', 'desc'],
        ],
      });
      const entry = composite(
        'COLLECTION',
        ['a', 'ASCENDING'],
        ['b', 'ASCENDING'],
        ['__name__', 'DESCENDING'],
      );
      assert.deepEqual(missingEntry(planQuery(query, NONE)), entry);
      assert.equal(planQuery(query, config({ indexes: [entry] })).ok, true);
      // Without the explicit __name__, (a, b) implies __name__ ascending and does not serve it.
      const implied = composite('COLLECTION', ['a', 'ASCENDING'], ['b', 'ASCENDING']);
      assert.equal(planQuery(query, config({ indexes: [implied] })).ok, false);
    });
  });

  describe('collection-group scope', () => {
    it('no automatic single-field index has collection-group scope', () => {
      const query = q({ collection: 'members', group: true, where: f('uid', 'EQUAL') });
      assert.deepEqual(missingEntry(planQuery(query, NONE)), {
        collectionGroup: 'members',
        fieldPath: 'uid',
        indexes: [
          { order: 'ASCENDING', queryScope: 'COLLECTION' },
          { order: 'DESCENDING', queryScope: 'COLLECTION' },
          { arrayConfig: 'CONTAINS', queryScope: 'COLLECTION' },
          { order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' },
        ],
      });
      const plan = planQuery(
        query,
        config({ fieldOverrides: [missingEntry(planQuery(query, NONE))] }),
      );
      assert.equal(plan.ok, true);
      assert.deepEqual(plan.ok && plan.uses.map((x) => x.kind), ['fieldOverride']);
    });

    it('a collection-scope composite index does not serve a collection-group query, and back', () => {
      const query = q({ group: true, where: f('a', 'EQUAL'), orderBy: [['b', 'asc']] });
      const coll = composite('COLLECTION', ['a', 'ASCENDING'], ['b', 'ASCENDING']);
      const group = composite('COLLECTION_GROUP', ['a', 'ASCENDING'], ['b', 'ASCENDING']);
      assert.deepEqual(missingEntry(planQuery(query, config({ indexes: [coll] }))), group);
      assert.equal(planQuery(query, config({ indexes: [group] })).ok, true);
      assert.equal(
        planQuery(
          q({ where: f('a', 'EQUAL'), orderBy: [['b', 'asc']] }),
          config({ indexes: [group] }),
        ).ok,
        false,
      );
    });

    it('a collection-group query on __name__ only needs no index', () => {
      assert.equal(planQuery(q({ group: true, orderBy: [['__name__', 'asc']] }), NONE).ok, true);
    });
  });

  describe('exemptions (fieldOverrides)', () => {
    const exempt = config({
      fieldOverrides: [
        { collectionGroup: 'cities', fieldPath: 'description', indexes: [] },
        { collectionGroup: 'cities', fieldPath: 'meta', indexes: [] },
        {
          collectionGroup: 'cities',
          fieldPath: 'meta.kept',
          indexes: [{ order: 'ASCENDING', queryScope: 'COLLECTION' }],
        },
        {
          collectionGroup: 'cities',
          fieldPath: 'asc_only',
          indexes: [{ order: 'ASCENDING', queryScope: 'COLLECTION' }],
        },
        { collectionGroup: 'cities', fieldPath: 'expires', ttl: true },
      ],
    });

    it('an exempted field cannot serve even one equality filter', () => {
      const plan = planQuery(q({ where: f('description', 'EQUAL') }), exempt);
      assert.deepEqual(missingEntry(plan), {
        collectionGroup: 'cities',
        fieldPath: 'description',
        indexes: [{ order: 'ASCENDING', queryScope: 'COLLECTION' }],
      });
      assert.equal(planQuery(q({ orderBy: [['description', 'asc']] }), exempt).ok, false);
    });

    it('an exemption only covers its own collection group', () => {
      assert.equal(
        planQuery(q({ collection: 'other', where: f('description', 'EQUAL') }), exempt).ok,
        true,
      );
    });

    it("a map field's exemption applies to its subfields, unless they have their own", () => {
      assert.equal(planQuery(q({ where: f('meta.x', 'EQUAL') }), exempt).ok, false);
      assert.equal(planQuery(q({ where: f('meta.kept', 'EQUAL') }), exempt).ok, true);
    });

    it('an override with only an ascending index serves ascending but not descending orders', () => {
      assert.equal(planQuery(q({ orderBy: [['asc_only', 'asc']] }), exempt).ok, true);
      assert.equal(planQuery(q({ orderBy: [['asc_only', 'desc']] }), exempt).ok, false);
      assert.equal(planQuery(q({ where: f('asc_only', 'ARRAY_CONTAINS') }), exempt).ok, false);
    });

    it('a TTL-only override leaves the automatic indexes', () => {
      assert.equal(planQuery(q({ where: f('expires', 'LESS_THAN') }), exempt).ok, true);
    });
  });

  it('the message names the file and carries the entry as JSON', () => {
    const plan = planQuery(
      q({ where: f('state', 'EQUAL'), orderBy: [['population', 'asc']] }),
      NONE,
    );
    assert.ok(!plan.ok);
    const message = missingIndexMessage(plan.missing, 'firestore.indexes.json');
    assert.match(message, /^The query requires an index/);
    assert.match(message, /"indexes" array of firestore\.indexes\.json/);
    const json = message.slice(message.indexOf('{'));
    assert.deepEqual(
      JSON.parse(json),
      composite('COLLECTION', ['state', 'ASCENDING'], ['population', 'ASCENDING']),
    );
  });

  describe('the index file', () => {
    it('accepts the Firebase CLI format, field paths with backticks, and an empty file object', () => {
      const cfg = parseIndexConfig({
        indexes: [composite('COLLECTION', ['`a.b`', 'ASCENDING'], ['c', 'CONTAINS'])],
        fieldOverrides: [{ collectionGroup: 'x', fieldPath: 'y', indexes: [] }],
      });
      assert.equal(cfg.indexes[0].fields[0].fieldPath, '`a.b`');
      assert.deepEqual(parseIndexConfig({}), { indexes: [], fieldOverrides: [] });
    });

    const invalid: [string, unknown][] = [
      ['not an object', []],
      ['indexes not an array', { indexes: {} }],
      [
        'a field with both order and arrayConfig',
        {
          indexes: [
            {
              collectionGroup: 'c',
              fields: [{ fieldPath: 'a', order: 'ASCENDING', arrayConfig: 'CONTAINS' }],
            },
          ],
        },
      ],
      [
        'an unknown order',
        { indexes: [{ collectionGroup: 'c', fields: [{ fieldPath: 'a', order: 'UP' }] }] },
      ],
      [
        'an unknown scope',
        {
          indexes: [
            {
              collectionGroup: 'c',
              queryScope: 'DB',
              fields: [{ fieldPath: 'a', order: 'ASCENDING' }],
            },
          ],
        },
      ],
      [
        'a malformed field path',
        { fieldOverrides: [{ collectionGroup: 'c', fieldPath: 'a..b', indexes: [] }] },
      ],
      [
        'a duplicate override',
        {
          fieldOverrides: [
            { collectionGroup: 'c', fieldPath: 'a', indexes: [] },
            { collectionGroup: 'c', fieldPath: 'a', indexes: [] },
          ],
        },
      ],
    ];
    for (const [name, json] of invalid) {
      it(`rejects ${name}`, () => assert.throws(() => parseIndexConfig(json), IndexConfigError));
    }
  });

  it('the usage report counts the queries each declared entry served and names the unused ones', () => {
    const used = composite('COLLECTION', ['state', 'ASCENDING'], ['population', 'ASCENDING']);
    const unused = composite('COLLECTION', ['country', 'ASCENDING'], ['name', 'DESCENDING']);
    const override = {
      collectionGroup: 'cities',
      fieldPath: 'tags',
      indexes: [{ arrayConfig: 'CONTAINS', queryScope: 'COLLECTION_GROUP' }],
    };
    const exemption = { collectionGroup: 'cities', fieldPath: 'notes', indexes: [] };
    const cfg = config({ indexes: [used, unused], fieldOverrides: [override, exemption] });
    const usage = new IndexUsage();
    for (let i = 0; i < 2; i++) {
      const plan = planQuery(
        q({ where: f('state', 'EQUAL'), orderBy: [['population', 'asc']] }),
        cfg,
      );
      assert.ok(plan.ok);
      usage.record(plan.uses);
    }
    const served = planQuery(q({ where: f('state', 'EQUAL') }), cfg);
    assert.ok(served.ok);
    usage.record(served.uses);
    const report = usage.report('firestore.indexes.json', cfg);
    assert.equal(report.queriesChecked, 3);
    assert.deepEqual(report.used, [{ section: 'indexes', entry: used, queries: 2 }]);
    assert.deepEqual(
      report.unused.map((u) => u.entry),
      [unused, override],
    );
    assert.deepEqual(
      report.exemptions.map((u) => u.entry),
      [exemption],
    );
    assert.equal(
      usageSummary(report, 'test-results/x.json'),
      'firestore indexes: 1 of 3 declared entries served the 3 checked queries; unused: ' +
        'index cities(country,name); override cities(tags) (report: test-results/x.json)',
    );
  });

  it('FIRESTORE_INDEX_CHECKS=off (or 0, false) turns the checks off; anything else keeps them on', () => {
    assert.equal(indexChecksEnabledByEnv({}), true);
    assert.equal(indexChecksEnabledByEnv({ FIRESTORE_INDEX_CHECKS: 'on' }), true);
    for (const v of ['off', 'OFF', '0', 'false']) {
      assert.equal(indexChecksEnabledByEnv({ FIRESTORE_INDEX_CHECKS: v }), false);
    }
  });
});
