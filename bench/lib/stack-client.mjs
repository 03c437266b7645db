// Starts bench/lib/stack-server.mjs as a child process and talks to it.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** `env`: extra variables for the stack, e.g. params of the functions. */
export async function startStackProcess(env = {}) {
  const child = spawn(process.execPath, [path.join(here, 'stack-server.mjs')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise((resolve) => waiting.push(resolve));
  const [, firestore, functions, auth, storage] = (await nextLine()).split(' ');
  return {
    firestore,
    functions,
    auth,
    storage,
    async peakRss() {
      child.stdin.write('peak\n');
      return Number((await nextLine()).split(' ')[1]);
    },
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', resolve);
        child.stdin.end();
      }),
  };
}

/** Points firebase-admin (and anything else reading the usual variables) in this process at `stack`. */
export function pointSdksAt(stack, projectId = 'demo-qr-assets') {
  Object.assign(process.env, {
    FIRESTORE_EMULATOR_HOST: stack.firestore,
    FIREBASE_AUTH_EMULATOR_HOST: stack.auth,
    FIREBASE_STORAGE_EMULATOR_HOST: stack.storage,
    GCLOUD_PROJECT: projectId,
    // Without credentials, Google's auth library would probe the metadata server for some.
    METADATA_SERVER_DETECTION: 'none',
  });
}
