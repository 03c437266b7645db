// The whole local stack in a child process of the bench, so its memory is measured on its own.
// Prints "ready <firestore> <functions> <auth> <storage>" (host:port each) once it serves;
// answers "peak" on stdin with "peak <bytes>" (the process's peak RSS); stops when stdin ends.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { startStack } = require(path.join(root, 'emulator/lib/src/stack.js'));
const { loadStackConfig } = require(path.join(root, 'emulator/lib/src/config.js'));

// The functions log a JSON line per request on stdout; keep stdout for this protocol only.
const protocol = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;

const stack = await startStack({ ...loadStackConfig(root), anyFreePort: true, runSchedules: false });
const { firestore, functions, auth, storage } = stack.endpoints;
protocol(`ready ${firestore} ${functions} ${auth} ${storage}\n`);

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'peak') protocol(`peak ${process.resourceUsage().maxRSS * 1024}\n`);
});
lines.on('close', async () => {
  await stack.stop();
  process.exit(0);
});
