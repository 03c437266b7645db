// Unit tests of the rules language (emulator/src/rules): parser, evaluator and path matching,
// written from Google's rules reference (types, operators, methods, error behaviour).
import { strict as assert } from 'node:assert';
import { RulesSyntaxError } from '../src/rules/lexer';
import { parseExpression, parseRules } from '../src/rules/parser';
import { Evaluator, RequestBudget, Scope, type EvalHooks } from '../src/rules/evaluator';
import { Ruleset, type RulesRequest } from '../src/rules/engine';
import { LoadedRules } from '../src/rules/loaded';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  RDuration,
  RMap,
  RPartialList,
  RPath,
  RRange,
  RSet,
  RTimestamp,
  RulesError,
  fromPlain,
  type RValue,
} from '../src/rules/values';

const ERROR = Symbol('error');

function evaluate(src: string, vars: Record<string, unknown> = {}, hooks: EvalHooks = {}) {
  const scope = new Scope();
  for (const [k, v] of Object.entries(vars)) scope.set(k, fromPlain(v));
  try {
    return new Evaluator(hooks, new RequestBudget(10)).eval(parseExpression(src), scope);
  } catch (err) {
    if (err instanceof RulesError) return ERROR;
    throw err;
  }
}

function truthy(src: string, vars: Record<string, unknown> = {}): void {
  assert.equal(evaluate(src, vars), true, src);
}

function errors(src: string, vars: Record<string, unknown> = {}): void {
  assert.equal(evaluate(src, vars), ERROR, `${src} should be an error`);
}

describe('rules language: parser', () => {
  it('parses services, nested matches, wildcards, allows and functions', () => {
    const file = parseRules(
      `rules_version = '2';
       service cloud.firestore {
         function signedIn() { return request.auth != null; }
         match /databases/{database}/documents {
           match /users/{userId} {
             allow read, update: if signedIn() && request.auth.uid == userId;
             allow create;
             match /posts/{rest=**} {
               function owner(u) { let id = u; return request.auth.uid == id; }
               allow write: if owner(userId)
             }
           }
         }
       }`,
      'test.rules',
    );
    assert.equal(file.version, '2');
    assert.equal(file.services[0].name, 'cloud.firestore');
    assert.equal(file.services[0].functions[0].name, 'signedIn');
    const users = file.services[0].matches[0].matches[0];
    assert.deepEqual(users.segments, [
      { kind: 'literal', text: 'users' },
      { kind: 'single', name: 'userId' },
    ]);
    assert.deepEqual(users.allows[0].methods, ['read', 'update']);
    assert.equal(users.allows[0].conditionText, 'signedIn() && request.auth.uid == userId');
    assert.equal(users.allows[0].pos.line, 6);
    assert.equal(users.allows[1].condition, undefined);
    const posts = users.matches[0];
    assert.deepEqual(posts.segments[1], { kind: 'rest', name: 'rest' });
    assert.deepEqual(
      posts.functions[0].lets.map((l) => l.name),
      ['id'],
    );
  });

  it('reports syntax errors with file, line and column', () => {
    const src = `rules_version = '2';\nservice cloud.firestore {\n  match /a/{b} {\n    allow read: if (true;\n  }\n}`;
    assert.throws(
      () => parseRules(src, 'bad.rules'),
      (err: unknown) =>
        err instanceof RulesSyntaxError &&
        err.pos.file === 'bad.rules' &&
        err.pos.line === 4 &&
        err.pos.column === 25 &&
        /^bad\.rules:4:25: expected '\)'/.test(err.message),
    );
    assert.throws(
      () => parseRules('service x { match /a { allow fly; } }', 'm.rules'),
      /m\.rules:1:30: unknown method 'fly'/,
    );
    assert.throws(() => parseRules("rules_version = '2';", 'e.rules'), /needs a service block/);
    assert.throws(() => parseRules('service x { match /a/{b c} { } }'), /bad wildcard/);
    // rules_version 2 allows a recursive wildcard anywhere, e.g. for collection groups.
    const group = parseRules('service x { match /{p=**}/c/{d} { allow read; } }');
    assert.deepEqual(group.services[0].matches[0].segments[0], { kind: 'rest', name: 'p' });
  });

  it('parses path literals with $() interpolation and division after operands', () => {
    const p = evaluate('/databases/$(db)/documents/users/$(request.auth.uid)', {
      db: '(default)',
      request: { auth: { uid: 'u1' } },
    });
    assert.ok(p instanceof RPath);
    assert.equal(p.toString(), '/databases/(default)/documents/users/u1');
    const literal = evaluate(
      'exists(/databases/(default)/documents/a/$(x))',
      { x: 'b' },
      {
        document: (path) =>
          path.toString() === '/databases/(default)/documents/a/b' ? true : null,
      },
    );
    assert.equal(literal, true);
    assert.equal(evaluate('10 / 2 / 5'), 1n);
    assert.equal(evaluate('(4) / 2'), 2n);
  });
});

describe('rules language: types and operators', () => {
  it('keeps int and float distinct but compares them by value', () => {
    truthy('1 is int && 1.0 is float && 1 is number && 1.5 is number');
    truthy('1 == 1.0 && 2 > 1.5 && 1 != 2');
    assert.equal(evaluate('7 / 2'), 3n);
    assert.equal(evaluate('-7 / 2'), -3n);
    assert.equal(evaluate('7 % 3'), 1n);
    assert.equal(evaluate('7.0 / 2'), 3.5);
    assert.equal(evaluate('1 + 2 * 3'), 7n);
    errors('1 / 0');
    errors('9223372036854775807 + 1');
    assert.equal(evaluate('int(2.9) + int("40")'), 42n);
    assert.equal(evaluate('float(1)'), 1);
    truthy('float(1) is float');
    assert.equal(evaluate('string(true) + string(3) + string(null)'), 'true3null');
  });

  it('has null, bool, string, bytes, list, map, set, path, timestamp, duration, latlng', () => {
    truthy('null == null && null is null');
    truthy("true is bool && 'a' is string && [1] is list && {'a': 1} is map");
    truthy("'abc'.toUtf8() is bytes && [1, 2].toSet() is set && path('/a/b') is path");
    truthy("timestamp.value(0) is timestamp && duration.value(1, 's') is duration");
    truthy('latlng.value(1.0, 2.0) is latlng');
    truthy("{'a': 1}.diff({'a': 2}) is map_diff");
    errors('!1');
    errors("'a' < 1");
  });

  it('supports in, is, ternary, indexing and ranges', () => {
    truthy("2 in [1, 2, 3] && 'a' in {'a': 1} && !('b' in {'a': 1}) && 1 in [1].toSet()");
    assert.equal(evaluate("x > 1 ? 'big' : 'small'", { x: 2n }), 'big');
    errors("'yes' ? 1 : 2");
    assert.equal(evaluate("'hello'[1]"), 'e');
    assert.equal(evaluate("'hello'[1:3]"), 'el');
    assert.deepEqual(evaluate('[1, 2, 3][1:3]'), [2n, 3n]);
    errors('[1, 2][5]');
    assert.equal(evaluate("{'a': {'b': 4}}['a'].b"), 4n);
    assert.equal(evaluate("path('/a/b/c')[1]"), 'b');
  });

  it('absorbs errors in && and || only where the other side decides (documented)', () => {
    // error && false -> false; error || true -> true; error && true -> error; error || false -> error
    assert.equal(evaluate('m.missing && false', { m: {} }), false);
    assert.equal(evaluate('m.missing || true', { m: {} }), true);
    errors('m.missing && true', { m: {} });
    errors('m.missing || false', { m: {} });
    assert.equal(evaluate('false && m.missing', { m: {} }), false);
    assert.equal(evaluate('true || m.missing', { m: {} }), true);
    errors('true && m.missing', { m: {} });
    errors("1 + 'a' == 2");
    errors('null.x');
    errors('m.missing == null', { m: {} });
  });
});

describe('rules language: methods and namespaces', () => {
  it('string methods', () => {
    truthy("'Hello'.lower() == 'hello' && 'Hello'.upper() == 'HELLO' && '  x '.trim() == 'x'");
    truthy("'abc'.matches('a.c') && !'abcd'.matches('a.c') && 'abc'.size() == 3");
    assert.deepEqual(evaluate("'a,b,,c'.split(',')"), ['a', 'b', '', 'c']);
    assert.equal(evaluate("'a-b-c'.replace('-', '+')"), 'a+b+c');
    assert.equal(evaluate("'é'.toUtf8().size()"), 2n);
    assert.equal(evaluate("'abc'.toUtf8().toBase64()"), 'YWJj');
    assert.equal(evaluate("'abc'.toUtf8().toHexString()"), '616263');
  });

  it('list and set methods', () => {
    truthy(
      "['a', 'b'].hasAll(['a']) && ['a', 'b'].hasAny(['c', 'b']) && ['a'].hasOnly(['a', 'b'])",
    );
    truthy("!['a', 'c'].hasOnly(['a', 'b']) && !['a'].hasAll(['a', 'z'])");
    assert.equal(evaluate("['a', 'b'].join('/')"), 'a/b');
    assert.deepEqual(evaluate('[1].concat([2, 3])'), [1n, 2n, 3n]);
    assert.deepEqual(evaluate('[1, 2, 1, 3].removeAll([1])'), [2n, 3n]);
    assert.equal(evaluate('[1, 1, 2].toSet().size()'), 2n);
    truthy('[1, 2].toSet() == [2, 1].toSet()');
    truthy(
      '[1, 2].toSet().union([3]).size() == 3 && [1, 2].toSet().intersection([2]) == [2].toSet()',
    );
    truthy('[1, 2].toSet().difference([2]) == [1].toSet() && [1, 2].toSet().hasAll([1])');
  });

  it('map methods and diffs', () => {
    const vars = { before: { a: 1n, b: 2n, c: 3n }, after: { a: 1n, b: 5n, d: 4n } };
    truthy("before.keys().hasAll(['a', 'b', 'c']) && before.values().size() == 3", vars);
    truthy("before.get('zz', 7) == 7 && before.get('a', 7) == 1", vars);
    truthy("{'x': {'y': 1}}.get(['x', 'y'], 0) == 1 && {'x': 1}.get(['x', 'y'], 0) == 0");
    truthy("after.diff(before).addedKeys() == ['c'].toSet()", vars);
    truthy("after.diff(before).removedKeys() == ['d'].toSet()", vars);
    truthy("after.diff(before).changedKeys() == ['b'].toSet()", vars);
    truthy("after.diff(before).unchangedKeys() == ['a'].toSet()", vars);
    truthy("after.diff(before).affectedKeys() == ['b', 'c', 'd'].toSet()", vars);
  });

  it('timestamps, durations, math, hashing and latlng', () => {
    truthy('timestamp.date(2024, 2, 29).month() == 2 && timestamp.date(2024, 2, 29).day() == 29');
    truthy(
      'timestamp.date(2024, 3, 1).dayOfYear() == 61 && timestamp.date(2024, 3, 4).dayOfWeek() == 1',
    );
    truthy(
      'timestamp.value(1500).toMillis() == 1500 && timestamp.value(1500).nanos() == 500000000',
    );
    truthy("timestamp.value(0) + duration.value(2, 'h') == timestamp.value(7200000)");
    truthy("timestamp.value(10000) - timestamp.value(4000) == duration.value(6, 's')");
    truthy('duration.time(1, 2, 3, 4).seconds() == 3723 && duration.time(1, 2, 3, 4).nanos() == 4');
    truthy("duration.abs(duration.value(-3, 'm')) == duration.value(180, 's')");
    truthy("duration.value(1, 'd') > duration.value(23, 'h')");
    truthy("timestamp.value(86400500).time() == duration.value(500, 'ms')");
    truthy(
      'math.abs(-2) == 2 && math.ceil(1.2) == 2 && math.floor(-1.5) == -2 && math.round(2.5) == 3',
    );
    truthy('math.sqrt(16) == 4.0 && math.pow(2, 10) == 1024.0 && math.isNaN(math.sqrt(-1))');
    truthy('math.isInfinite(1.0 / 0)');
    truthy("hashing.crc32('abc') == 891568578 && hashing.crc32c('abc') == 910901175");
    assert.equal(
      Buffer.from(evaluate("hashing.sha256('abc')") as Uint8Array).toString('hex'),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    truthy("hashing.md5('abc'.toUtf8()).toHexString() == '900150983CD24FB0D6963F7D28E17F72'");
    const d = evaluate('latlng.value(0.0, 0.0).distance(latlng.value(0.0, 1.0))') as number;
    assert.ok(Math.abs(d - 111_195) < 100, String(d));
    truthy('latlng.value(1.5, 2.5).latitude() == 1.5 && latlng.value(1.5, 2.5).longitude() == 2.5');
  });

  it('debug() returns its argument and reports it', () => {
    const seen: string[] = [];
    assert.equal(evaluate("debug({'a': 1}).a == 1", {}, { debug: (t) => seen.push(t) }), true);
    assert.deepEqual(seen, ['{"a": 1}']);
  });
});

describe('rules language: rulesets', () => {
  const rules = Ruleset.parse(
    `rules_version = '2';
service cloud.firestore {
  function isSignedIn() { return request.auth != null; }
  match /databases/{database}/documents {
    match /users/{userId} {
      function isOwner() {
        let uid = request.auth.uid;
        return uid == userId;
      }
      allow get: if isSignedIn() && isOwner();
      allow list: if false;
      allow create: if request.resource.data.keys().hasOnly(['name']);
      match /{rest=**} {
        allow read: if rest[0] == 'public';
      }
    }
    match /docs/{doc} {
      allow read: if get(/databases/$(database)/documents/acl/$(doc)).data.open == true;
    }
  }
}`,
    'unit.rules',
  );

  function ask(
    method: RulesRequest['method'],
    path: string,
    vars: Record<string, unknown>,
    hooks: EvalHooks = {},
  ) {
    return rules.evaluate(
      {
        service: 'cloud.firestore',
        method,
        path: `databases/(default)/documents/${path}`.split('/'),
        variables: {
          request: fromPlain(vars.request ?? {}),
          resource: fromPlain(vars.resource ?? null),
        },
      },
      hooks,
      new RequestBudget(10),
    );
  }

  it('binds wildcards, resolves functions with let, and denies with the line', () => {
    assert.equal(ask('get', 'users/u1', { request: { auth: { uid: 'u1' } } }).allowed, true);
    const d = ask('get', 'users/u1', { request: { auth: { uid: 'u2' } } });
    assert.equal(d.allowed, false);
    // {rest=**} also matches zero segments (rules_version 2), so line 14 applies too.
    assert.deepEqual(d.denials, [
      "false for 'get' @ L10: `isSignedIn() && isOwner()`",
      "Index out of range: 0 (at L14:28) for 'get' @ L14: `rest[0] == 'public'`",
    ]);
    const nullAuth = ask('get', 'users/u1', { request: { auth: null } });
    assert.equal(nullAuth.allowed, false);
    assert.equal(ask('list', 'users/u1', { request: { auth: { uid: 'u1' } } }).allowed, false);
  });

  it('recursive wildcards match any depth below', () => {
    assert.equal(ask('get', 'users/u1/public/x', { request: {} }).allowed, true);
    assert.equal(ask('get', 'users/u1/public/x/deeper/y', { request: {} }).allowed, true);
    assert.equal(ask('get', 'users/u1/private/x', { request: {} }).allowed, false);
    // Version 1 (no rules_version): a recursive wildcard needs at least one segment.
    const v1 = Ruleset.parse('service cloud.firestore { match /a/{rest=**} { allow get; } }');
    const at = (path: string[]) =>
      v1.evaluate(
        { service: 'cloud.firestore', method: 'get', path, variables: {} },
        {},
        new RequestBudget(10),
      ).allowed;
    assert.equal(at(['a']), false);
    assert.equal(at(['a', 'b']), true);
    // A path no match block covers is denied with no statement to blame.
    assert.deepEqual(ask('get', 'other/x', {}).denials, []);
  });

  it('evaluation errors deny and are reported', () => {
    const d = ask('create', 'users/u1', { request: {} });
    assert.equal(d.allowed, false);
    assert.match(
      d.denials[0],
      /^Property resource is undefined on object \(at L12:31\) for 'create' @ L12/,
    );
  });

  it('get() reads through the hook and honours the call budget', () => {
    const acl = (open: boolean): EvalHooks => ({
      document: (p) => (p.toString().endsWith('/acl/d1') ? fromPlain({ data: { open } }) : null),
    });
    assert.equal(ask('get', 'docs/d1', {}, acl(true)).allowed, true);
    assert.equal(ask('get', 'docs/d1', {}, acl(false)).allowed, false);
    assert.equal(ask('get', 'docs/d2', {}, acl(true)).allowed, false);
    const budget = new RequestBudget(2);
    const ev = new Evaluator({ document: () => null }, budget);
    const scope = new Scope();
    ev.eval(parseExpression('exists(/a/b) || exists(/a/b) || exists(/a/c)'), scope);
    assert.equal(budget.used, 2);
    assert.throws(() => ev.eval(parseExpression('exists(/a/d)'), scope), /maximum of 2/);
  });

  it('counts every allow statement for coverage', () => {
    const fresh = Ruleset.parse(
      "service cloud.firestore { match /databases/{d}/documents/x/{y} { allow read: if y == 'a'; } }",
    );
    const req = (y: string): RulesRequest => ({
      service: 'cloud.firestore',
      method: 'get',
      path: ['databases', '(default)', 'documents', 'x', y],
      variables: {},
    });
    fresh.evaluate(req('a'), {}, new RequestBudget(10));
    fresh.evaluate(req('b'), {}, new RequestBudget(10));
    const [row] = fresh.coverage();
    assert.deepEqual(row.counts, { evaluations: 2, allowed: 1, denied: 1, errors: 0 });
  });
});

describe('rules language: methods, functions and scopes', () => {
  const rules = Ruleset.parse(
    `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    function loop(n) { return loop(n + 1); }
    match /a/{x} {
      function sameAsX(v) { return v == x; }
      function unused() { let boom = request.nothing; return true; }
      allow read: if sameAsX('r');
      allow write: if x == 'w' && unused();
      match /deep/{y} {
        allow get: if loop(0);
        allow list: if sameAsX('l');
      }
    }
  }
}`,
    'scopes.rules',
  );
  const ask = (method: RulesRequest['method'], path: string) =>
    rules.evaluate(
      {
        service: 'cloud.firestore',
        method,
        path: `databases/(default)/documents/${path}`.split('/'),
        variables: { request: RMap.of({}), resource: null },
      },
      {},
      new RequestBudget(10),
    );

  it('read covers get and list, write covers create, update and delete', () => {
    for (const m of ['get', 'list'] as const) assert.equal(ask(m, 'a/r').allowed, true, m);
    for (const m of ['create', 'update', 'delete'] as const) {
      assert.equal(ask(m, 'a/w').allowed, true, m);
      assert.equal(ask(m, 'a/r').allowed, false, m);
    }
  });

  it('functions see the wildcards of the match they are declared in; let is lazy', () => {
    assert.equal(ask('list', 'a/l/deep/z').allowed, true);
    assert.equal(ask('list', 'a/q/deep/z').allowed, false);
  });

  it('unbounded recursion is an error that denies, not a crash', () => {
    const d = ask('get', 'a/q/deep/z');
    assert.equal(d.allowed, false);
    assert.match(d.denials[0], /Maximum function call depth/);
  });

  it('string() of numbers and paths', () => {
    assert.equal(evaluate('string(1.5) + string(2.0) + string(-3)'), '1.52.0-3');
    assert.equal(evaluate("string(path('/a/b'))"), '/a/b');
  });
});

describe('rules language: lists a query only partly determines', () => {
  const partial = new RPartialList(['a']);
  const run = (src: string) => {
    const scope = new Scope().set('l', partial);
    try {
      return new Evaluator({}, new RequestBudget(10)).eval(parseExpression(src), scope);
    } catch (err) {
      if (err instanceof RulesError) return ERROR;
      throw err;
    }
  };

  it('answers membership of the known items and nothing else', () => {
    assert.equal(run("'a' in l"), true);
    assert.equal(run("l.hasAny(['a', 'z']) && l.hasAll(['a']) && l is list"), true);
    assert.equal(run("'z' in l"), ERROR);
    assert.equal(run("l.hasAll(['a', 'z'])"), ERROR);
    assert.equal(run('l.size() > 0'), ERROR);
    assert.equal(run("l == ['a']"), ERROR);
    assert.equal(run("l != ['a']"), ERROR);
  });
});

describe('rules language: values a query only bounds', () => {
  const run = (src: string, range: RRange) => {
    const scope = new Scope().set('x', range);
    try {
      return new Evaluator({}, new RequestBudget(10)).eval(parseExpression(src), scope);
    } catch (err) {
      if (err instanceof RulesError) return ERROR;
      throw err;
    }
  };
  const below10 = new RRange(undefined, { value: 10n, inclusive: false });
  const from5to10 = new RRange({ value: 5n, inclusive: true }, { value: 10n, inclusive: true });

  it('decides comparisons the bounds settle for every value, and nothing else', () => {
    assert.equal(run('x < 10 && x <= 10 && x < 11.5 && 20 > x', below10), true);
    assert.equal(run('x >= 10', below10), false);
    assert.equal(run('x > 3', below10), ERROR);
    assert.equal(run('x < 9', below10), ERROR);
    assert.equal(run('x >= 5 && x <= 10 && x > 4 && x < 11', from5to10), true);
    assert.equal(run('x < 5', from5to10), false);
    assert.equal(run('x > 10', from5to10), false);
    assert.equal(run('x < 10', from5to10), ERROR);
    assert.equal(run('x == 7', from5to10), ERROR);
    assert.equal(run('x is number', from5to10), true);
    assert.equal(run('x is int', from5to10), ERROR);
    assert.equal(run("x < 'a'", from5to10), ERROR);
  });
});

// Values the glue code builds must round-trip through fromPlain.
describe('rules language: values', () => {
  it('converts plain objects', () => {
    const v = fromPlain({ a: [1, 'x', null], t: new Date(0) }) as RMap;
    assert.deepEqual(v.entries.get('a'), [1n, 'x', null]);
    assert.ok(v.entries.get('t') instanceof RTimestamp);
    const kinds: RValue[] = [new RSet([1n, 1n]), new RDuration(1n)];
    assert.equal((kinds[0] as RSet).items.length, 1);
  });
});

describe('rules language: loading and coverage report', () => {
  const SOURCE = `service cloud.firestore {
  match /databases/{d}/documents/x/{y} {
    allow get: if y == 'a';
    allow list: if false;
  }
}`;
  const get = (y: string): RulesRequest => ({
    service: 'cloud.firestore',
    method: 'get',
    path: ['databases', '(default)', 'documents', 'x', y],
    variables: {},
  });

  it('keeps counting when the same rules are loaded again, and reports every ruleset', () => {
    const logs: string[] = [];
    const loaded = new LoadedRules('Test', (l) => logs.push(l));
    assert.equal(loaded.coverageReport(), undefined);
    loaded.load(SOURCE, 'one.rules').evaluate(get('a'), {}, new RequestBudget(10));
    loaded.load('service cloud.firestore { match /z { allow read; } }', 'two.rules');
    loaded.load(SOURCE, 'one.rules').evaluate(get('b'), {}, new RequestBudget(10));
    assert.throws(() => loaded.load('service {', 'bad.rules'), RulesSyntaxError);
    assert.equal(loaded.ruleset?.file.file, 'one.rules');
    const html = loaded.coverageReport() ?? '';
    assert.match(html, /<h2>1\. one\.rules<\/h2>/);
    assert.match(html, /<h2>2\. two\.rules<\/h2>/);
    assert.match(html, /2 evaluated: 1 allowed, 1 denied, 0 errors/);
    assert.match(html, /<tr class="untested"><td class="n">4<\/td>/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rules-coverage-'));
    try {
      assert.equal(loaded.writeCoverage(path.join(dir, 'sub', 'report.html')), true);
      assert.equal(fs.readFileSync(path.join(dir, 'sub', 'report.html'), 'utf8'), html);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
