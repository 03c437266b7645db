// The host's HTTP surface. Function URLs are the Firebase emulator's:
// `/{project}/{region}/{name}/...`, with the function seeing only the path after its name and the
// request body parsed as the Cloud Functions runtime (functions-framework) parses it, `rawBody`
// included. Host routes start with `/_`, which no project id can, so they never collide:
//   GET  /_functions                -> the loaded functions
//   POST /_schedules/{name}/run     -> runs an onSchedule function now, replies with its outcome

import express, { type NextFunction, type Request, type Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { isHttpKind, type FunctionDef } from './discovery';
import { errorMessage, type InvocationLogger } from './log';

export interface ScheduleOutcome {
  function: string;
  outcome: 'ok' | 'error';
  status: number;
  durationMs: number;
  error?: string;
}

export interface HostRoutes {
  projectId: string;
  find(name: string): FunctionDef | undefined;
  listing(): unknown;
  runSchedule(name: string): Promise<ScheduleOutcome>;
  log: InvocationLogger;
}

const BODY_LIMIT = '32mb'; // Cloud Functions' own request size limit.

function saveRawBody(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = buf;
}

export function createApp(host: HostRoutes): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/_functions', (_req, res) => {
    res.json(host.listing());
  });

  app.post('/_schedules/:name/run', (req, res) => {
    const name = String(req.params.name);
    const def = host.find(name);
    if (!def || def.kind !== 'schedule') {
      res.status(404).json({ error: { code: 404, message: `no scheduled function "${name}"` } });
      return;
    }
    host.runSchedule(name).then(
      (outcome) => res.status(outcome.outcome === 'ok' ? 200 : 500).json(outcome),
      (err: unknown) =>
        res.status(500).json({ function: name, outcome: 'error', error: errorMessage(err) }),
    );
  });

  const parsers = [
    express.json({ limit: BODY_LIMIT, verify: saveRawBody }),
    express.json({ limit: BODY_LIMIT, verify: saveRawBody, type: 'application/cloudevents+json' }),
    express.text({ limit: BODY_LIMIT, verify: saveRawBody }),
    express.urlencoded({ limit: BODY_LIMIT, verify: saveRawBody, extended: true }),
    express.raw({ limit: BODY_LIMIT, verify: saveRawBody, type: '*/*' }),
  ];

  app.all(['/:project/:region/:name', '/:project/:region/:name/*rest'], (req, res, next) => {
    const def = host.find(String(req.params.name));
    const servable = def && isHttpKind(def.kind);
    if (!servable || req.params.project !== host.projectId || req.params.region !== def.region) {
      notFound(req, res);
      return;
    }
    runParsers(parsers, req, res, next, () => invokeHttp(def, req, res, host.log));
  });

  app.use(notFound);
  return app;
}

function notFound(req: Request, res: Response): void {
  res.status(404).json({
    error: { code: 404, message: `no function at ${req.method} ${req.path}`, status: 'NOT_FOUND' },
  });
}

function runParsers(
  parsers: express.RequestHandler[],
  req: Request,
  res: Response,
  next: NextFunction,
  done: () => void,
): void {
  const step = (i: number): void => {
    if (i === parsers.length) return done();
    parsers[i](req, res, (err?: unknown) => (err ? next(err) : step(i + 1)));
  };
  step(0);
}

function invokeHttp(def: FunctionDef, req: Request, res: Response, log: InvocationLogger): void {
  const started = performance.now();
  // The function sees the URL after its name, as in the emulator and in production.
  const prefix = `/${req.params.project}/${req.params.region}/${req.params.name}`;
  const rest = req.url.slice(prefix.length);
  req.url = rest.startsWith('/') ? rest : `/${rest}`;
  let logged = false;
  let timedOut = false;
  const finish = (error?: string): void => {
    if (logged) return;
    logged = true;
    const status = res.statusCode;
    log({
      function: def.name,
      trigger: def.kind,
      outcome: timedOut ? 'timeout' : !error && status < 500 ? 'ok' : 'error',
      status,
      durationMs: Math.round(performance.now() - started),
      error,
    });
  };
  // As in Cloud Functions: at timeoutSeconds the caller gets a 504 at once (the function may go
  // on running; what it sends later is not delivered).
  const timer = setTimeout(() => {
    timedOut = true;
    const error = `function timed out after ${def.timeoutSeconds} s`;
    if (res.headersSent) res.destroy();
    else res.status(504).type('text/plain').send(`Function ${def.name} ${error}`);
    finish(error);
  }, def.timeoutSeconds * 1000);
  res.on('finish', () => {
    clearTimeout(timer);
    finish();
  });
  res.on('close', () => {
    clearTimeout(timer);
    finish(res.writableFinished ? undefined : 'connection closed early');
  });
  Promise.resolve()
    .then(() => def.entry(req, res))
    .catch((err: unknown) => {
      if (!res.headersSent) res.status(500).send('Internal Server Error');
      finish(errorMessage(err));
    });
}
