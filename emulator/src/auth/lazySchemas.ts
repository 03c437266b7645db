// Makes firebase-tools' Auth emulator start in well under a second instead of ~8 s.
//
// Its createApp() builds the Identity Toolkit API with exegesis, which by default compiles an
// AJV validator for every request and response schema of the whole API up front (~8 s of CPU
// on our 2-core machines, blocking the event loop). exegesis has an option to compile each
// validator on first use instead, lazyCompileValidationSchemas; firebase-tools does not set it.
// Validation itself is unchanged: the same schemas, checked on the same requests.
//
// createApp() calls exegesis-express's middleware() synchronously, before its first await, so
// we swap that export for a wrapper that adds the option, start createApp(), and put the
// original back before any other code can run. node_modules stays untouched.
import { createRequire } from 'node:module';

type MiddlewareFn = (openApiDoc: unknown, options: unknown, ...rest: unknown[]) => unknown;
interface ExegesisExpressModule {
  middleware: MiddlewareFn;
}

function isExegesisExpress(mod: unknown): mod is ExegesisExpressModule {
  return (
    typeof mod === 'object' &&
    mod !== null &&
    'middleware' in mod &&
    typeof mod.middleware === 'function'
  );
}

/** The exegesis-express instance that firebase-tools' auth server.js itself loads. */
function loadExegesisExpress(): ExegesisExpressModule | undefined {
  const fromAuthServer = createRequire(require.resolve('firebase-tools/lib/emulator/auth/server'));
  const mod: unknown = fromAuthServer('exegesis-express');
  return isExegesisExpress(mod) ? mod : undefined;
}

/**
 * Runs `start` (which must call exegesis-express's middleware() synchronously) with lazy schema
 * compilation switched on, and returns what it returns. If exegesis-express is not found in the
 * expected shape, `start` runs unchanged (just slower).
 */
export function withLazySchemaCompilation<T>(start: () => T): T {
  const mod = loadExegesisExpress();
  if (!mod) {
    return start();
  }
  const original = mod.middleware;
  mod.middleware = (openApiDoc, options, ...rest) =>
    original(
      openApiDoc,
      { ...(typeof options === 'object' ? options : {}), lazyCompileValidationSchemas: true },
      ...rest,
    );
  try {
    return start();
  } finally {
    mod.middleware = original;
  }
}
