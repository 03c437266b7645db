// The emulator's own HTTP helpers (not part of the Firestore API), as the official emulator
// serves them on its port: clear a database, load rules, the rules coverage report, per-document
// read counts, per-database index configuration (see ../README.md "One port, several transports").
import type * as http from 'node:http';
import type { FirestoreCore } from '../core';
import type { IndexChecker } from '../indexes/checker';
import { serveIndexConfigHttp } from '../indexes/http';
import { databaseRef } from '../paths';
import type { LoadedRules } from '../../rules/loaded';
import { readRulesBody } from '../../rules/loaded';
import { RulesSyntaxError } from '../../rules/lexer';
import type { HttpRoute } from './http';

const CLEAR = /^\/emulator\/v1\/projects\/([^/]+)\/databases\/([^/]+)\/documents\/?$/;
const READS = /^\/emulator\/v1\/(projects\/[^/]+\/databases\/[^/]+\/documents\/.+):reads$/;
const RULES = /^\/emulator\/v1\/projects\/[^/]+:securityRules$/;
const COVERAGE = /^\/emulator\/v1\/projects\/[^/]+:ruleCoverage\.html$/;

export function emulatorHttpRoute(
  core: FirestoreCore,
  rules: LoadedRules,
  indexes: IndexChecker,
): HttpRoute {
  return (req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean => {
    const send = (code: number, body: string, type = 'application/json'): void => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (serveIndexConfigHttp(req, res, url.pathname, indexes)) return true;
    const reads = READS.exec(url.pathname);
    const clear = CLEAR.exec(url.pathname);
    if (req.method === 'GET' && reads) {
      send(200, JSON.stringify(core.reads.of(decodeURIComponent(reads[1]))));
    } else if (req.method === 'DELETE' && clear) {
      core.clear(databaseRef(clear[1], clear[2]));
      send(200, '{}');
    } else if (req.method === 'GET' && url.pathname === '/') {
      send(200, 'Ok', 'text/plain');
    } else if (req.method === 'PUT' && RULES.test(url.pathname)) {
      readRulesBody(req).then(
        (files) => {
          try {
            const f = files[0];
            rules.load(f.content, f.name ?? 'firestore.rules');
            send(200, '{}');
          } catch (err) {
            const code = err instanceof RulesSyntaxError ? 400 : 500;
            send(code, JSON.stringify({ error: { code, message: (err as Error).message } }));
          }
        },
        (err: Error) => send(400, JSON.stringify({ error: { code: 400, message: err.message } })),
      );
    } else if (req.method === 'GET' && COVERAGE.test(url.pathname)) {
      const report = rules.coverageReport();
      if (report) send(200, report, 'text/html');
      else send(404, JSON.stringify({ error: { code: 404, message: 'No rules loaded' } }));
    } else {
      return false;
    }
    return true;
  };
}
