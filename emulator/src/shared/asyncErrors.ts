// Keeps one bad request from taking the whole process down.
//
// firebase-tools' emulator apps run on express 4, whose router does not catch promise
// rejections of async route handlers. Some handlers throw after replying to malformed input
// (for example a media upload without `name`), which becomes an unhandled rejection and, on
// Node 20, ends the process: the whole local stack, since it runs in one process. We walk the
// routes of one given app (no global patching) and make every async handler pass its rejection
// to `next`, then end the chain with an error handler that answers in the JSON API's error shape.
// This relies on express 4's router internals (app._router.stack, layer.route.stack,
// layer.handle), which are stable across express 4 releases.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJsonError } from './jsonReply';

type Next = (err?: unknown) => void;
type Handler = (req: IncomingMessage, res: ServerResponse, next: Next) => unknown;

interface LayerLike {
  handle: unknown;
  route?: { stack: unknown };
}

function isLayer(value: unknown): value is LayerLike {
  return typeof value === 'object' && value !== null && 'handle' in value;
}

function stackOf(value: unknown): unknown[] | undefined {
  if ((typeof value === 'object' || typeof value === 'function') && value !== null) {
    if ('stack' in value && Array.isArray(value.stack)) {
      return value.stack;
    }
  }
  return undefined;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    'then' in value &&
    typeof value.then === 'function'
  );
}

function wrapStack(stack: unknown[]): void {
  for (const layer of stack) {
    if (!isLayer(layer)) continue;
    const routeStack = layer.route ? stackOf(layer.route) : undefined;
    const routerStack = stackOf(layer.handle);
    if (routeStack) {
      wrapStack(routeStack);
    } else if (routerStack) {
      // A mounted Router: its own layers hold the handlers.
      wrapStack(routerStack);
    } else if (typeof layer.handle === 'function' && layer.handle.length < 4) {
      // Error handlers (4 parameters) are left alone: express tells them apart by arity.
      const original = layer.handle as Handler;
      const wrapped: Handler = function (this: unknown, req, res, next) {
        const result = original.call(this, req, res, next);
        if (isThenable(result)) {
          result.then(undefined, next);
        }
        return result;
      };
      layer.handle = wrapped;
    }
  }
}

/** Error handler appended to the app: a JSON error unless a response was already sent. */
function jsonErrorHandler(err: unknown, _req: IncomingMessage, res: ServerResponse, _next: Next) {
  if (res.headersSent) {
    return;
  }
  const status =
    typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number'
      ? err.status
      : 500;
  const message = err instanceof Error ? err.message : 'Internal error';
  sendJsonError(res, status >= 400 && status < 600 ? status : 500, message);
}

/**
 * Makes the routes of an express 4 application forward async failures to an error handler.
 * Returns false (and changes nothing) when the app does not look like an express 4 app.
 */
export function forwardAsyncErrors(app: unknown): boolean {
  if (typeof app !== 'function' || !('_router' in app) || !('use' in app)) {
    return false;
  }
  const stack = stackOf(app._router);
  if (!stack || typeof app.use !== 'function') {
    return false;
  }
  wrapStack(stack);
  app.use(jsonErrorHandler);
  return true;
}
