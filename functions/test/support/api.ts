// Calls the deployed-shape `api` function through the local stack's functions host, signed in
// with real ID tokens from the stack's Auth emulator.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { signInAs, type SignedIn } from 'emulator';
import { checkReply } from './replyCheck';
import { functionUrl, projectId } from './stack';

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${functionUrl('api')}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  const body = (
    text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text
  ) as T;
  await checkReply(method, path, res.status, res.headers.get('content-type'), body);
  return { status: res.status, body, headers: res.headers };
}

/** A name no other test uses, so tests never see each other's data. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

function authHost(): string {
  const host = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  if (!host) throw new Error('FIREBASE_AUTH_EMULATOR_HOST is not set: run the tests with npm test');
  return host;
}

/** A new user (a fresh email) signed in to the local Auth emulator. */
export function newUser(label = 'user'): Promise<SignedIn> {
  return signInAs(authHost(), projectId(), `${unique(label)}@example.com`);
}

/** The same user signed in again: a fresh token. */
export function signInAgain(email: string): Promise<SignedIn> {
  return signInAs(authHost(), projectId(), email);
}

/** Sets fields on an Auth emulator user through its admin REST API (e.g. disableUser). */
export async function updateAuthUser(uid: string, fields: Record<string, unknown>): Promise<void> {
  const url = `http://${authHost()}/identitytoolkit.googleapis.com/v1/projects/${projectId()}/accounts:update`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer owner' },
    body: JSON.stringify({ localId: uid, ...fields }),
  });
  if (!res.ok) throw new Error(`accounts:update failed: HTTP ${res.status} ${await res.text()}`);
}

/**
 * The same user with `emailVerified` set as asked, signed in again so that the new token says
 * so. Set explicitly: tests must not depend on whether the token helper verifies by default.
 */
export async function withEmailVerified(user: SignedIn, verified = true): Promise<SignedIn> {
  await updateAuthUser(user.uid, { emailVerified: verified });
  return signInAgain(user.email);
}

/** A client address of its own (send it as X-Forwarded-For), so per-address limits are per test. */
export function newAddress(): string {
  return `10.${[...randomBytes(3)].join('.')}`;
}

/** A real token with its claims changed (the emulator's tokens are unsigned, so it stays well-formed). */
export function withClaims(token: string, change: Record<string, unknown>): string {
  const [header, payload] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
    string,
    unknown
  >;
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url')}.`;
}

/**
 * `call`, but a 429 `rate_limited` is waited out as its Retry-After says (at most 20 times): for
 * tests of something else (who may call a route) whose callers make hundreds of requests, faster
 * than the per-caller limit refills. Rate limits themselves are tested with `call`.
 */
export async function callPatiently<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply<T>> {
  let reply = await call<T>(method, path, options);
  for (let tries = 0; reply.status === 429 && tries < 20; tries++) {
    const code = (reply.body as { error?: { code?: string } }).error?.code;
    if (code !== 'rate_limited') break;
    const seconds = Number(reply.headers.get('retry-after')) || 1;
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    reply = await call<T>(method, path, options);
  }
  return reply;
}

/** Creates an organisation through the API, owned by `owner`; resolves with its id. */
export async function createOrg(owner: SignedIn, name = 'Test org'): Promise<string> {
  const orgId = unique('org');
  const reply = await call('POST', '/v1/orgs', { token: owner.idToken, body: { orgId, name } });
  if (reply.status !== 201)
    throw new Error(`creating ${orgId}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return orgId;
}

/** Adds `user` to the organisation with `role`, as `owner`. */
export async function addMember(
  orgId: string,
  owner: SignedIn,
  user: SignedIn,
  role: string,
): Promise<void> {
  const reply = await callPatiently('POST', `/v1/orgs/${orgId}/members`, {
    token: owner.idToken,
    body: { uid: user.uid, role },
  });
  if (reply.status !== 201)
    throw new Error(`adding ${role}: ${reply.status} ${JSON.stringify(reply.body)}`);
}

/** A request whose path is sent byte for byte (no URL normalisation), for hostile paths. */
export function rawCall(
  method: string,
  path: string,
  token?: string,
): Promise<{ status: number; text: string }> {
  const base = new URL(functionUrl('api'));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method,
        path: `${base.pathname}${path}`,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
