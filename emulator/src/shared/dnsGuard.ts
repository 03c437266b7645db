// `npm test` must never leave the machine, and the first sign that it would is a DNS query for a
// name that is not this machine. In the processes of a test run (the stack, which also runs the
// functions, and mocha with whatever it spawns) this guard replaces node:dns's lookups: a local
// name (localhost, an IP address) goes through as before; any other is refused with ENOTFOUND
// and appended to a log file, which `cli.js test` reads at the end and fails the run on.
// The processes it cannot patch by hand get it from NODE_OPTIONS=--require (dnsGuardPreload.ts).
import dns from 'node:dns';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';

/** The variable that names the log file, for the preload. */
export const DNS_GUARD_LOG = 'DNS_GUARD_LOG';

/** One refused query, as a line of the log. */
export interface RefusedQuery {
  name: string;
  api: string;
  pid: number;
  /** Where it came from: the first frames outside this file. */
  stack: string[];
}

const INSTALLED = Symbol.for('qr-asset-backend.dnsGuard');

/** Methods that take a host name first: the module's, the promises API's and both Resolvers'. */
const NAME_METHODS = [
  'lookup',
  'resolve',
  'resolve4',
  'resolve6',
  'resolveAny',
  'resolveCaa',
  'resolveCname',
  'resolveMx',
  'resolveNaptr',
  'resolveNs',
  'resolvePtr',
  'resolveSoa',
  'resolveSrv',
  'resolveTxt',
] as const;

/** localhost, *.localhost and IP addresses: answered without a query leaving the machine. */
export function isLocalName(name: unknown): boolean {
  if (typeof name !== 'string') return true; // not a name: let node:dns report its own error
  const lower = name.toLowerCase();
  const bare = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  return bare === 'localhost' || bare.endsWith('.localhost') || isIP(bare) !== 0;
}

function refusal(name: string, api: string): NodeJS.ErrnoException {
  return Object.assign(
    new Error(`${api} ${name}: refused by the test DNS guard (tests never leave the machine)`),
    { code: 'ENOTFOUND', hostname: name, syscall: api },
  );
}

type AnyFunction = (...args: unknown[]) => unknown;

function wrap(
  owner: Record<string, unknown>,
  method: string,
  api: string,
  style: 'callback' | 'promise',
  record: (name: string, api: string) => void,
): void {
  const original = owner[method];
  if (typeof original !== 'function') return;
  const guarded = function (this: unknown, ...args: unknown[]): unknown {
    const name = args[0];
    if (isLocalName(name)) return (original as AnyFunction).apply(this, args);
    record(String(name), api);
    const err = refusal(String(name), api);
    if (style === 'promise') return Promise.reject(err);
    const callback = args[args.length - 1];
    if (typeof callback === 'function') process.nextTick(() => (callback as AnyFunction)(err));
    return undefined;
  };
  owner[method] = guarded;
}

/** Patches node:dns in this process (once); refused names are appended to `logFile`. */
export function installDnsGuard(logFile: string): void {
  const registry = globalThis as Record<symbol, unknown>;
  if (registry[INSTALLED]) return;
  registry[INSTALLED] = logFile;
  const record = (name: string, api: string) => {
    const stack = (new Error().stack ?? '')
      .split('\n')
      .slice(1)
      .map((line) => line.trim())
      .filter((line) => !line.includes(path.basename(__filename)))
      .slice(0, 8);
    const entry: RefusedQuery = { name, api, pid: process.pid, stack };
    appendFileSync(logFile, `${JSON.stringify(entry)}\n`);
  };
  const targets: Array<[Record<string, unknown>, string, 'callback' | 'promise']> = [
    [dns as unknown as Record<string, unknown>, 'dns', 'callback'],
    [dns.Resolver.prototype as unknown as Record<string, unknown>, 'dns.Resolver', 'callback'],
    [dns.promises as unknown as Record<string, unknown>, 'dns.promises', 'promise'],
    [
      dns.promises.Resolver.prototype as unknown as Record<string, unknown>,
      'dns.promises.Resolver',
      'promise',
    ],
  ];
  for (const [owner, prefix, style] of targets) {
    for (const method of NAME_METHODS) wrap(owner, method, `${prefix}.${method}`, style, record);
  }
  // Which processes are guarded, so a test can check that its own and the stack's are.
  appendFileSync(guardedListOf(logFile), `${process.pid}\n`);
}

const guardedListOf = (logFile: string) => `${logFile}.pids`;

/** The ids of the processes whose guard writes `logFile`. */
export function guardedProcesses(logFile: string): number[] {
  try {
    return readFileSync(guardedListOf(logFile), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Removes the log file and the list of guarded processes. */
export function removeDnsLog(logFile: string): void {
  rmSync(logFile, { force: true });
  rmSync(guardedListOf(logFile), { force: true });
}

/** The log file the guard of this process writes, if it is installed. */
export function dnsGuardLogFile(): string | undefined {
  const value = (globalThis as Record<symbol, unknown>)[INSTALLED];
  return typeof value === 'string' ? value : undefined;
}

/** Environment that installs the guard in every Node process started with it. */
export function dnsGuardEnv(
  logFile: string,
  nodeOptions = process.env.NODE_OPTIONS,
): Record<string, string> {
  const preload = path.join(__dirname, 'dnsGuardPreload.js');
  return {
    [DNS_GUARD_LOG]: logFile,
    NODE_OPTIONS: `${nodeOptions ? `${nodeOptions} ` : ''}--require ${JSON.stringify(preload)}`,
  };
}

/** The queries refused so far, from the log file (none if it does not exist). */
export function readRefusedQueries(logFile: string): RefusedQuery[] {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RefusedQuery);
}
