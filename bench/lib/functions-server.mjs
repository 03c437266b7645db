// The `api` function's Express app alone in a child process, so that its memory is measured on
// its own (the local stack's process also holds the emulators' data). As the Cloud Functions
// runtime does, the whole request body is read into `req.rawBody` before the app runs.
// Env: FIRESTORE_EMULATOR_HOST, FIREBASE_AUTH_EMULATOR_HOST, FIREBASE_STORAGE_EMULATOR_HOST,
// GCLOUD_PROJECT, FIREBASE_CONFIG. Prints "ready <host:port>"; answers "peak" (peak RSS), "rss"
// and "heap" (the largest live heap seen: heapUsed right after a full GC, every 250 ms; needs
// --expose-gc) on stdin with "<word> <bytes>"; stops when stdin ends.
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { createApp } = require(path.join(root, 'functions/lib/src/http/app.js'));

const protocol = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;

// RSS follows V8's lazy heap growth; the live heap says what the code actually holds.
let peakLiveHeap = 0;
const sampler = setInterval(() => {
  globalThis.gc?.();
  peakLiveHeap = Math.max(peakLiveHeap, process.memoryUsage().heapUsed);
}, 250);

const app = createApp();
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    req.rawBody = Buffer.concat(chunks);
    app(req, res);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
protocol(`ready 127.0.0.1:${server.address().port}\n`);

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'peak') protocol(`peak ${process.resourceUsage().maxRSS * 1024}\n`);
  if (line.trim() === 'rss') protocol(`rss ${process.memoryUsage().rss}\n`);
  if (line.trim() === 'heap') protocol(`heap ${peakLiveHeap}\n`);
});
lines.on('close', () => {
  clearInterval(sampler);
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
