// PUT/DELETE /emulator/v1/projects/{project}/databases/{database}/indexConfig: lets a test
// suite give its own database an index configuration (a firestore.indexes.json document), or
// turn checks off for it with {"checks": false}, while every other database stays checked
// against the project's file. DELETE returns the database to the file.
import type * as http from 'node:http';
import { IndexConfigError, parseIndexConfig } from './config';
import type { DatabaseIndexSetting, IndexChecker } from './checker';

const ROUTE = /^\/emulator\/v1\/projects\/([^/]+)\/databases\/([^/]+)\/indexConfig$/;
const MAX_BODY_BYTES = 1024 * 1024;

function reply(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function settingOf(text: string): DatabaseIndexSetting {
  const json: unknown = JSON.parse(text);
  if (typeof json === 'object' && json !== null && 'checks' in json) {
    if (json.checks === false) return 'off';
    throw new IndexConfigError('"checks" may only be false');
  }
  return parseIndexConfig(json);
}

/** Serves the route and returns true, or returns false if the request is for another route. */
export function serveIndexConfigHttp(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  pathname: string,
  checker: IndexChecker,
): boolean {
  const match = ROUTE.exec(pathname);
  if (!match || (req.method !== 'PUT' && req.method !== 'DELETE')) return false;
  const database = `projects/${decodeURIComponent(match[1])}/databases/${decodeURIComponent(match[2])}`;
  if (req.method === 'DELETE') {
    req.resume();
    checker.setDatabase(database, undefined);
    reply(res, 200, {});
    return true;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_BODY_BYTES) chunks.push(c);
  });
  req.on('end', () => {
    if (size > MAX_BODY_BYTES) {
      reply(res, 413, { error: { code: 413, message: 'index configuration over 1 MiB' } });
      return;
    }
    try {
      checker.setDatabase(database, settingOf(Buffer.concat(chunks).toString('utf8')));
      reply(res, 200, {});
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      reply(res, 400, { error: { code: 400, message: `invalid index configuration: ${message}` } });
    }
  });
  return true;
}
