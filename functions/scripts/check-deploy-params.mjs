#!/usr/bin/env node
// Run by `firebase deploy` before the functions are deployed (firebase.json "predeploy"): refuses
// a deploy whose PUBLIC_BASE_URL is unset or points at this machine. That URL is printed into QR
// labels that stay on things for years, so a deploy with the local default would print codes
// nobody can open. Reads the values the CLI will use: functions/.env, then
// functions/.env.<projectId> (.env.local is the local stack's only, never deployed).
//   node check-deploy-params.mjs [functionsDir] [projectId]   (defaults: $RESOURCE_DIR, $GCLOUD_PROJECT)
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir =
  process.argv[2] ??
  process.env.RESOURCE_DIR ??
  path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const projectId = process.argv[3] ?? process.env.GCLOUD_PROJECT ?? '';

/** KEY=value lines of a dotenv file (comments, `export` and quotes allowed). */
function readEnv(file) {
  const values = {};
  if (!existsSync(file)) return values;
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    values[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

/** Why `value` cannot be printed on labels, or undefined when it can. */
export function publicBaseUrlProblem(value) {
  if (!value) return 'is not set';
  let url;
  try {
    url = new URL(value);
  } catch {
    return `is not a URL (${value})`;
  }
  if (url.protocol !== 'https:') return `must be an https URL (got ${value})`;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\./.test(host) ||
    host === '::1' ||
    host === '0.0.0.0'
  ) {
    return `points at this machine (${value})`;
  }
  return undefined;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const env = {
    ...readEnv(path.join(dir, '.env')),
    ...(projectId ? readEnv(path.join(dir, `.env.${projectId}`)) : {}),
  };
  const problem = publicBaseUrlProblem(env.PUBLIC_BASE_URL);
  if (problem) {
    const where = projectId ? `functions/.env.${projectId}` : 'functions/.env';
    console.error(
      `Deploy refused: PUBLIC_BASE_URL ${problem}. QR codes and labels print this URL for years.\n` +
        `Set it in ${where}, e.g. PUBLIC_BASE_URL=https://assets.example.com (your Hosting domain or the api function's URL).`,
    );
    process.exit(1);
  }
  console.log(`PUBLIC_BASE_URL ${env.PUBLIC_BASE_URL}: ok`);
}
