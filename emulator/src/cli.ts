#!/usr/bin/env node
// The `local-firebase` command (`start`, `test`, `token`). Everything project-specific comes from
// the caller: firebase.json and .firebaserc in the current folder or above, and the options.
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findProjectRoot, loadStackConfig, NO_PROJECT_ID } from './config';
import { signInAs } from './auth/idTokens';
import { usageSummary, writeUsageReport } from './firestore/indexes/usage';
import { isHttpKind } from './functions/discovery';
import { dnsGuardEnv, installDnsGuard, readRefusedQueries, removeDnsLog } from './shared/dnsGuard';
import { startStack, type RunningStack } from './stack';

const USAGE = `usage: local-firebase start [--project ID] [--import=DIR] [--export-on-exit[=DIR]]
           start the local stack and wait for Ctrl-C; optionally load Firestore data from DIR
           and write it back on exit (DIR defaults to the --import one, else .emulator-data)
       local-firebase test [--project ID] [spec files and mocha options]
           start the stack on free ports, run mocha on the given spec files and those of the
           project's mocha config (.mocharc.*, package.json "mocha"), stop
       local-firebase token [--project ID] --email EMAIL
           print a fresh ID token for EMAIL from the running local Auth emulator, creating the
           user (email verified) if needed (FIREBASE_AUTH_EMULATOR_HOST, else firebase.json's
           auth port)
The project id: --project (an id or a .firebaserc alias), else GCLOUD_PROJECT, else
.firebaserc's default, else ${NO_PROJECT_ID}. Ports, rules, indexes and the functions source
come from firebase.json, found in the current folder or above.`;

/**
 * Takes `--project ID` or `--project=ID` out of `args` (the Firebase CLI's flag), leaving the
 * rest for the command.
 */
function takeProject(args: string[]): { project?: string; rest: string[] } {
  const rest: string[] = [];
  let project: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--project' || arg === '-P') {
      project = args[++i];
      if (!project) throw new Error(`${arg} needs a project id\n${USAGE}`);
    } else if (arg.startsWith('--project=')) {
      project = arg.slice('--project='.length);
    } else {
      rest.push(arg);
    }
  }
  return { project, rest };
}

/** Where `start` and `test` write the rules coverage reports when they stop. */
const RULES_COVERAGE_DIR = 'rules-coverage';

function reportRulesCoverage(root: string, stack: RunningStack): void {
  for (const file of stack.writeRulesCoverage(path.join(root, RULES_COVERAGE_DIR))) {
    console.log(`Rules coverage: ${path.relative(root, file)}`);
  }
}

interface StartFlags {
  importDir?: string;
  exportOnExitDir?: string;
}

/** Parses the Firebase CLI's own data flags, so habits carry over. */
function parseStartFlags(args: string[]): StartFlags {
  const flags: StartFlags = {};
  let exportOnExit: string | true | undefined;
  for (const arg of args) {
    const [name, value] = arg.split(/=(.*)/s, 2);
    if (name === '--import' && value) flags.importDir = path.resolve(value);
    else if (name === '--export-on-exit') exportOnExit = value ? path.resolve(value) : true;
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (exportOnExit === true) {
    flags.exportOnExitDir = flags.importDir ?? path.resolve('.emulator-data');
  } else if (exportOnExit) {
    flags.exportOnExitDir = exportOnExit;
  }
  return flags;
}

function printEndpoints(stack: RunningStack): void {
  const { endpoints, projectId } = stack;
  console.log(`Local Firebase stack for project ${projectId}`);
  console.log(`  Firestore  ${endpoints.firestore}  (FIRESTORE_EMULATOR_HOST)`);
  console.log(`  Storage    http://${endpoints.storage}  (FIREBASE_STORAGE_EMULATOR_HOST)`);
  console.log(`  Auth       http://${endpoints.auth}  (FIREBASE_AUTH_EMULATOR_HOST)`);
  console.log(`  Functions  http://${endpoints.functions}`);
  console.log(
    `  Tasks      http://${endpoints.tasks}  (CLOUD_TASKS_EMULATOR_HOST; queued tasks: http://${endpoints.tasks}/queues)`,
  );
  console.log(`  Hub        http://${stack.env.FIREBASE_EMULATOR_HUB}  (FIREBASE_EMULATOR_HUB)`);
  for (const fn of stack.functions.functions()) {
    const url = isHttpKind(fn.kind) ? `  ${stack.functions.url(fn.name)}` : '';
    console.log(`    ${fn.kind.padEnd(9)} ${fn.name}${url}`);
  }
}

async function start(args: string[]): Promise<number> {
  const { project, rest } = takeProject(args);
  const flags = parseStartFlags(rest);
  const config = loadStackConfig(findProjectRoot(), { project });
  const stack = await startStack({ ...config, ...flags, runSchedules: true });
  if (flags.importDir) console.log(`Firestore data imported from ${flags.importDir}`);
  printEndpoints(stack);
  console.log('Ready: all emulators are running. Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('Stopping…');
  reportRulesCoverage(findProjectRoot(), stack);
  await stack.stop();
  if (flags.exportOnExitDir) console.log(`Firestore data exported to ${flags.exportOnExitDir}`);
  console.log('Stopped.');
  return 0;
}

/**
 * Runs mocha in a child process, so a test that hangs or crashes cannot take the stack down with
 * it. It is this package's mocha (the one the summary reporter is built on); it reads the
 * project's mocha config as usual, and (mocha's rule) adds the spec files given to the config's.
 */
function runMocha(root: string, env: Record<string, string>, args: string[]): Promise<number> {
  const mocha = require.resolve('mocha/bin/mocha.js');
  return new Promise((resolve) => {
    const reporter = path.join(__dirname, 'summaryReporter.js');
    const mochaArgs = [mocha, '--timeout', '30000', '--reporter', reporter, ...args];
    const child = spawn(process.execPath, mochaArgs, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Fails a run in which any process asked DNS for a name that is not this machine. */
function reportDnsQueries(dnsLog: string): boolean {
  const refused = readRefusedQueries(dnsLog);
  removeDnsLog(dnsLog);
  if (refused.length === 0) return true;
  console.error(`DNS: the tests looked up ${refused.length} non-local name(s); none may be:`);
  for (const q of refused)
    console.error(`  ${q.name} (${q.api}, pid ${q.pid})\n    ${q.stack.join('\n    ')}`);
  return false;
}

async function test(args: string[]): Promise<number> {
  const { project, rest } = takeProject(args);
  const root = findProjectRoot();
  // Before the stack starts: the functions run in this process, mocha gets it from NODE_OPTIONS.
  const dnsLog = path.join(os.tmpdir(), `test-dns-${process.pid}.jsonl`);
  installDnsGuard(dnsLog);
  const stack = await startStack({
    ...loadStackConfig(root, { project }),
    anyFreePort: true,
    runSchedules: false,
  });
  printEndpoints(stack);
  try {
    const summary = path.join(os.tmpdir(), `test-summary-${process.pid}.txt`);
    const env = { ...stack.env, TEST_SUMMARY_FILE: summary, ...dnsGuardEnv(dnsLog) };
    let code = await runMocha(root, env, rest);
    if (!reportDnsQueries(dnsLog)) code = code || 1;
    await reportIndexUsage(root, stack);
    reportRulesCoverage(root, stack);
    // The reporter's `tests: N passed, N failed` line, kept for last (CI and people read it).
    const line = await fsp.readFile(summary, 'utf8').catch(() => '');
    await fsp.rm(summary, { force: true });
    if (line) process.stdout.write(line);
    return code;
  } finally {
    await stack.stop();
  }
}

/** After a test run: which declared Firestore indexes the tests used, in a file and one line. */
async function reportIndexUsage(root: string, stack: RunningStack): Promise<void> {
  const report = stack.firestoreIndexUsage();
  if (!report) {
    console.log('firestore indexes: checks were off (FIRESTORE_INDEX_CHECKS=off), no report');
    return;
  }
  const file = path.join(root, 'test-results', 'firestore-index-usage.json');
  await writeUsageReport(file, report);
  console.log(usageSummary(report, path.relative(root, file)));
}

async function token(args: string[]): Promise<number> {
  const { project, rest } = takeProject(args);
  const [flag, email, ...extra] = rest.flatMap((arg) => arg.split(/=(.*)/s, 2).filter(Boolean));
  if (flag !== '--email' || !email || extra.length) {
    console.error(USAGE);
    return 2;
  }
  const config = loadStackConfig(findProjectRoot(), { project });
  const authHost = process.env.FIREBASE_AUTH_EMULATOR_HOST ?? `${config.host}:${config.ports.auth}`;
  try {
    const { idToken } = await signInAs(authHost, config.projectId, email);
    // Only the token on stdout, so TOKEN=$(npm run --silent token -- --email ...) works.
    console.log(idToken);
    return 0;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    console.error(`Could not get a token from the Auth emulator at ${authHost}: ${reason}`);
    console.error(
      'Is the local stack running? Start it with `local-firebase start` (or the script that runs ' +
        'it, such as `npm start`).',
    );
    return 1;
  }
}

function isAddressInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'EADDRINUSE';
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'test':
      return test(rest);
    case 'token':
      return token(rest);
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    if (isAddressInUse(err)) {
      console.error(
        'Another process (perhaps a running `local-firebase start`) holds that port: stop it, or change ' +
          "the port in firebase.json's `emulators` section.",
      );
    }
    process.exit(1);
  },
);
