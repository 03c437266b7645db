// The HTTP/1.1 side of the port: each transport or helper that speaks plain HTTP is a route
// that answers a request it recognises and returns true, or returns false to let the next one
// try. REST (rest/), WebChannel (webchannel/) and the emulator's own helpers (emulatorHttp.ts)
// are routes; what nobody recognises gets Google's 404.
import * as http from 'node:http';
import { Code, codeName } from '../errors';

export type HttpRoute = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean;

function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
  if (!res.headersSent) res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

/**
 * CORS for browser apps, as the official emulator allows (any origin, credentials included):
 * every reply names the caller's origin, and a preflight (OPTIONS with
 * Access-Control-Request-Method) is answered here for every route.
 */
function cors(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('vary', 'Origin');
  if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) {
    return false;
  }
  res.setHeader('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
  const asked = req.headers['access-control-request-headers'];
  res.setHeader(
    'access-control-allow-headers',
    typeof asked === 'string' && asked !== '' ? asked : 'authorization, content-type',
  );
  res.setHeader('access-control-max-age', '3600');
  res.writeHead(204);
  res.end();
  return true;
}

export function createHttpServer(routes: readonly HttpRoute[]): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (cors(req, res)) return;
      for (const route of routes) if (route(req, res, url)) return;
      sendJson(res, 404, {
        error: {
          code: 404,
          message: `Not found: ${req.method} ${url.pathname}`,
          status: codeName(Code.NOT_FOUND),
        },
      });
    } catch (err) {
      sendJson(res, 500, {
        error: { code: 500, message: String(err), status: codeName(Code.INTERNAL) },
      });
    }
  });
}
