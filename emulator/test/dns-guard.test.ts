// `npm test` makes no DNS query for a name outside this machine: the DNS guard refuses and
// records every such query in each process of the run (the stack, which runs the functions, and
// mocha), and `cli.js test` fails the run if any was recorded. These tests check the guard in a
// child process of their own (so its refusals go to their own log, not the run's), and that this
// run's processes carry it.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import dns from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DNS_GUARD_LOG,
  dnsGuardEnv,
  dnsGuardLogFile,
  guardedProcesses,
  isLocalName,
  readRefusedQueries,
} from '../src/shared/dnsGuard';

/** Every way a program asks for a name: node:dns (callback, promises, Resolvers), http, fetch. */
const PROBE = `
const dns = require('node:dns');
const http = require('node:http');
const outcomes = {};
const note = (what) => (err) => { outcomes[what] = err ? err.code : 'answered'; };
const settle = (what, promise) => promise.then(() => note(what)(null), note(what));
Promise.all([
  new Promise((done) => dns.lookup('images.example.com', { all: true }, (e) => done(note('lookup')(e)))),
  settle('promises.lookup', dns.promises.lookup('images.example.com.')),
  settle('Resolver', new dns.promises.Resolver().resolveTxt('example.org')),
  new Promise((done) => new dns.Resolver().resolve4('example.net', (e) => done(note('cb Resolver')(e)))),
  new Promise((done) => http.get('http://images.example.net/a.png').on('error', (e) => done(note('http')(e)))),
  fetch('http://images.example.org/a.png').then(() => note('fetch')(null), (e) => note('fetch')(e.cause)),
  new Promise((done) => dns.lookup('localhost', (e) => done(note('localhost')(e)))),
  settle('ip', dns.promises.lookup('127.0.0.1')),
]).then(() => process.stdout.write(JSON.stringify(outcomes)));
`;

describe('DNS guard of npm test', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dns-guard-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('local names are this machine; every other name is not', () => {
    for (const name of [
      'localhost',
      'LOCALHOST.',
      'api.localhost',
      '127.0.0.1',
      '::1',
      '10.0.0.1',
    ]) {
      assert.equal(isLocalName(name), true, name);
    }
    for (const name of ['example.com', 'localhost.example.com', 'metadata.google.internal', 'a']) {
      assert.equal(isLocalName(name), false, name);
    }
  });

  it('in a guarded process every non-local query is refused at once and recorded', () => {
    const log = path.join(dir, 'refused.jsonl');
    const child = spawnSync(process.execPath, ['-e', PROBE], {
      env: { ...process.env, ...dnsGuardEnv(log, '') },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), {
      lookup: 'ENOTFOUND',
      'promises.lookup': 'ENOTFOUND',
      Resolver: 'ENOTFOUND',
      'cb Resolver': 'ENOTFOUND',
      http: 'ENOTFOUND',
      fetch: 'ENOTFOUND',
      localhost: 'answered',
      ip: 'answered',
    });
    const refused = readRefusedQueries(log);
    assert.deepEqual(refused.map((q) => `${q.api} ${q.name}`).sort(), [
      'dns.Resolver.resolve4 example.net',
      'dns.lookup images.example.com',
      'dns.lookup images.example.net',
      'dns.lookup images.example.org',
      'dns.promises.Resolver.resolveTxt example.org',
      'dns.promises.lookup images.example.com.',
    ]);
    assert.ok(refused.every((q) => q.pid === child.pid));
    assert.ok(
      refused.every((q) => q.stack.length > 0),
      'each says where it came from',
    );
    assert.deepEqual(guardedProcesses(log), [child.pid]);
  });

  it('this run guards mocha and the stack process that runs the functions', () => {
    // Only `cli.js test` (npm test) sets the guard up; plain mocha has no stack either.
    const log = process.env[DNS_GUARD_LOG];
    assert.ok(log, 'DNS_GUARD_LOG is not set: run the tests with `npm test` or `cli.js test`');
    assert.equal(dnsGuardLogFile(), log, 'this process installed the guard from NODE_OPTIONS');
    assert.notEqual(dns.lookup.name, 'lookup', 'dns.lookup is the guard');
    // mocha is a child of cli.js, whose process also hosts the emulators and the functions.
    const guarded = guardedProcesses(log);
    assert.ok(guarded.includes(process.pid), `mocha (${process.pid}) in ${guarded.join(',')}`);
    assert.ok(
      guarded.includes(process.ppid),
      `the stack (${process.ppid}) in ${guarded.join(',')}`,
    );
  });
});
