// The environment a functions module sees, assembled as the Firebase CLI does for the emulator:
// `.env`, then `.env.{projectId}`, then `.env.local` (and `.secret.local` for secrets) from the
// functions package directory, then the host's explicit `env` option; params that still have no
// value get their declared defaults. The host runs functions in-process, so these go into
// process.env; EnvOverlay remembers what it changed so close() can put it back.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Resolves `source` (package dir, or a .js file inside one) to the file to require and its package dir. */
export function resolveSource(source: string): { packageDir: string; mainFile: string } {
  const abs = resolve(source);
  if (statSync(abs).isDirectory()) {
    const pkgPath = join(abs, 'package.json');
    let main = 'index.js';
    if (existsSync(pkgPath)) {
      const pkg: unknown = JSON.parse(readFileSync(pkgPath, 'utf8'));
      if (isRecord(pkg) && typeof pkg.main === 'string') main = pkg.main;
    }
    return { packageDir: abs, mainFile: require.resolve(resolve(abs, main)) };
  }
  let dir = dirname(abs);
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return { packageDir: existsSync(join(dir, 'package.json')) ? dir : dirname(abs), mainFile: abs };
}

/** Parses dotenv text: KEY=value, `export` prefix, # comments, single/double quotes, \n in "". */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re =
    /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:\\.|[^"\\])*"|'[^']*'|[^\n]*?)\s*(?:#.*)?$/gm;
  for (const m of text.matchAll(re)) {
    const raw = m[2];
    let value = raw;
    if (raw.startsWith('"')) {
      value = raw
        .slice(1, -1)
        .replace(/\\n/g, '\n')
        .replace(/\\r/g, '\r')
        .replace(/\\t/g, '\t')
        .replace(/\\(["\\])/g, '$1');
    } else if (raw.startsWith("'")) {
      value = raw.slice(1, -1);
    }
    out[m[1]] = value;
  }
  return out;
}

export function loadEnvFiles(packageDir: string, projectId: string): Record<string, string> {
  const files = ['.env', `.env.${projectId}`, '.env.local', '.secret.local'];
  const env: Record<string, string> = {};
  for (const f of files) {
    const p = join(packageDir, f);
    if (existsSync(p)) Object.assign(env, parseDotenv(readFileSync(p, 'utf8')));
  }
  return env;
}

export class EnvOverlay {
  private readonly previous = new Map<string, string | undefined>();

  set(key: string, value: string): void {
    if (!this.previous.has(key)) this.previous.set(key, process.env[key]);
    process.env[key] = value;
  }

  setIfAbsent(key: string, value: string): void {
    if (process.env[key] === undefined) this.set(key, value);
  }

  restore(): void {
    for (const [key, value] of this.previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    this.previous.clear();
  }
}

/**
 * Gives every declared param without a value its default, as the CLI does when it resolves params
 * non-interactively. `declared` is firebase-functions' `declaredParams` list of the loaded module.
 */
export function applyParamDefaults(declared: unknown, overlay: EnvOverlay): string[] {
  const missing: string[] = [];
  if (!Array.isArray(declared)) return missing;
  for (const param of declared) {
    if (!isRecord(param) || typeof param.name !== 'string') continue;
    if (process.env[param.name] !== undefined) continue;
    const options = isRecord(param.options) ? param.options : {};
    const def = resolveValue(options.default);
    if (def === undefined) {
      missing.push(param.name);
      continue;
    }
    overlay.set(param.name, typeof def === 'string' ? def : JSON.stringify(def));
  }
  return missing;
}

/** A plain value, or a params Expression (anything with value()), evaluated now. */
export function resolveValue(v: unknown): unknown {
  if (isRecord(v) && typeof v.value === 'function') {
    const fn = v.value as () => unknown;
    return fn.call(v);
  }
  return v;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null;
}
