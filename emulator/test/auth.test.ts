// Auth through the unmodified firebase-admin SDK, with ID tokens obtained from the emulator's
// Identity Toolkit REST API as a client app would. Runs against FIREBASE_AUTH_EMULATOR_HOST
// when set (the whole stack, or the official emulator); otherwise starts our
// AuthEmulatorServer in-process on a free port.
//
// In emulator mode firebase-admin does not check ID token signatures (emulator tokens are
// unsigned, alg "none"); it still checks audience, issuer, expiry, subject and revocation,
// which is what the "rejected" cases below exercise.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { AuthEmulatorServer } from '../src/auth/server';

const projectId = process.env.GCLOUD_PROJECT ?? 'demo-qr-assets';

interface SignInResponse {
  idToken: string;
  /** Returned by signInWithPassword, not by signInWithCustomToken. */
  localId?: string;
}

function isSignInResponse(body: unknown): body is SignInResponse {
  return (
    typeof body === 'object' &&
    body !== null &&
    'idToken' in body &&
    typeof body.idToken === 'string'
  );
}

/** The firebase-admin error code (e.g. "auth/id-token-expired") of a rejection. */
function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}

/** Re-encodes a JWT with its payload changed, keeping header and signature segments. */
function withPayload(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.');
  const decoded: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  assert.ok(typeof decoded === 'object' && decoded !== null);
  const claims = { ...decoded } as Record<string, unknown>;
  change(claims);
  const encoded = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return [header, encoded, signature].join('.');
}

describe('Auth emulator through firebase-admin', function () {
  let server: AuthEmulatorServer | undefined;
  let app: App;
  let restOrigin: string;
  const auth = () => getAuth(app);
  const run = randomUUID().slice(0, 8);

  /** Calls an Identity Toolkit v1 endpoint the way a client SDK does (API key, no auth). */
  async function identityToolkit(method: string, body: object): Promise<Response> {
    return fetch(`${restOrigin}/identitytoolkit.googleapis.com/v1/accounts:${method}?key=any`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async function signIn(method: string, body: object): Promise<SignInResponse> {
    const res = await identityToolkit(method, { ...body, returnSecureToken: true });
    const json: unknown = await res.json();
    assert.equal(res.status, 200, `${method} failed: ${JSON.stringify(json)}`);
    assert.ok(isSignInResponse(json), `${method} returned no idToken`);
    return json;
  }

  before(async function () {
    if (!process.env.FIREBASE_AUTH_EMULATOR_HOST) {
      server = new AuthEmulatorServer({ projectId });
      const port = await server.listen('127.0.0.1', 0);
      process.env.FIREBASE_AUTH_EMULATOR_HOST = `127.0.0.1:${port}`;
    }
    restOrigin = `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`;
    app = initializeApp({ projectId }, `auth-test-${randomUUID()}`);
  });

  after(async function () {
    await deleteApp(app);
    if (server) {
      await server.close();
      delete process.env.FIREBASE_AUTH_EMULATOR_HOST;
    }
  });

  it('creates a user, signs in over REST and verifies the ID token', async function () {
    const email = `owner-${run}@example.com`;
    const user = await auth().createUser({
      email,
      password: 'correct horse battery',
      displayName: 'Asset Owner',
    });
    assert.equal(user.email, email);
    assert.equal((await auth().getUserByEmail(email)).uid, user.uid);

    const session = await signIn('signInWithPassword', {
      email,
      password: 'correct horse battery',
    });
    assert.equal(session.localId, user.uid);

    const decoded = await auth().verifyIdToken(session.idToken);
    assert.equal(decoded.uid, user.uid);
    assert.equal(decoded.email, email);
    assert.equal(decoded.aud, projectId);
    assert.equal(decoded.iss, `https://securetoken.google.com/${projectId}`);
    assert.equal(decoded.firebase.sign_in_provider, 'password');
  });

  it('rejects a wrong password', async function () {
    const email = `wrong-pw-${run}@example.com`;
    await auth().createUser({ email, password: 'right-password' });
    const res = await identityToolkit('signInWithPassword', {
      email,
      password: 'not-the-password',
      returnSecureToken: true,
    });
    const body: unknown = await res.json();
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(body), /INVALID_LOGIN_CREDENTIALS|INVALID_PASSWORD/);
  });

  it('signs in with a custom token and carries its claims', async function () {
    const uid = `custom-${run}`;
    const customToken = await auth().createCustomToken(uid, { role: 'admin', site: 'north' });
    const session = await signIn('signInWithCustomToken', { token: customToken });

    const decoded = await auth().verifyIdToken(session.idToken);
    assert.equal(decoded.uid, uid);
    assert.equal(decoded.role, 'admin');
    assert.equal(decoded.site, 'north');
    assert.equal(decoded.firebase.sign_in_provider, 'custom');
  });

  it('puts custom user claims into new ID tokens', async function () {
    const email = `claims-${run}@example.com`;
    const user = await auth().createUser({ email, password: 'secret-123' });
    await auth().setCustomUserClaims(user.uid, { admin: true });
    const session = await signIn('signInWithPassword', { email, password: 'secret-123' });
    const decoded = await auth().verifyIdToken(session.idToken);
    assert.equal(decoded.admin, true);
  });

  it('rejects tampered, expired, foreign and malformed tokens', async function () {
    const email = `tamper-${run}@example.com`;
    await auth().createUser({ email, password: 'secret-123' });
    const { idToken } = await signIn('signInWithPassword', { email, password: 'secret-123' });

    const foreign = withPayload(idToken, (p) => {
      p.aud = 'some-other-project';
    });
    await assert.rejects(auth().verifyIdToken(foreign), (e: unknown) => {
      return codeOf(e) === 'auth/argument-error';
    });

    const wrongIssuer = withPayload(idToken, (p) => {
      p.iss = 'https://evil.example.com/';
    });
    await assert.rejects(auth().verifyIdToken(wrongIssuer), (e: unknown) => {
      return codeOf(e) === 'auth/argument-error';
    });

    const expired = withPayload(idToken, (p) => {
      p.iat = 1_000_000;
      p.auth_time = 1_000_000;
      p.exp = 1_003_600;
    });
    await assert.rejects(auth().verifyIdToken(expired), (e: unknown) => {
      return codeOf(e) === 'auth/id-token-expired';
    });

    const noSubject = withPayload(idToken, (p) => {
      p.sub = '';
    });
    await assert.rejects(auth().verifyIdToken(noSubject));

    // A token carrying a signature segment is not an emulator token (those are unsigned).
    const [header, payload] = idToken.split('.');
    await assert.rejects(auth().verifyIdToken(`${header}.${payload}.c2lnbmF0dXJl`));

    await assert.rejects(auth().verifyIdToken('not-a-jwt'));
    await assert.rejects(auth().verifyIdToken(`${idToken}x`));
  });

  it('rejects tokens of revoked sessions and deleted users when asked to check', async function () {
    const email = `revoke-${run}@example.com`;
    const user = await auth().createUser({ email, password: 'secret-123' });
    const { idToken } = await signIn('signInWithPassword', { email, password: 'secret-123' });
    assert.equal((await auth().verifyIdToken(idToken, true)).uid, user.uid);

    // Revocation is recorded with one-second precision; make sure it lies after auth_time.
    const authTime = (await auth().verifyIdToken(idToken)).auth_time;
    await waitUntil(() => Math.floor(Date.now() / 1000) > authTime, 3000);
    await auth().revokeRefreshTokens(user.uid);
    await assert.rejects(auth().verifyIdToken(idToken, true), (e: unknown) => {
      return codeOf(e) === 'auth/id-token-revoked';
    });

    await auth().deleteUser(user.uid);
    await assert.rejects(auth().verifyIdToken(idToken, true), (e: unknown) => {
      return codeOf(e) === 'auth/user-not-found';
    });
  });
});

// clear() is a method of the in-process server, so this block always starts its own server on a
// free port, whatever FIREBASE_AUTH_EMULATOR_HOST points at, and talks to it over REST.
describe('AuthEmulatorServer.clear()', function () {
  let server: AuthEmulatorServer;
  let origin: string;

  before(async function () {
    server = new AuthEmulatorServer({ projectId });
    origin = `http://127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  });

  after(() => server.close());

  const call = (method: string, body: object) =>
    fetch(`${origin}/identitytoolkit.googleapis.com/v1/accounts:${method}?key=any`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...body, returnSecureToken: true }),
    });

  it('deletes every account, and the server keeps working', async function () {
    const account = { email: 'clear@example.com', password: 'correct horse battery' };
    assert.equal((await call('signUp', account)).status, 200);
    assert.equal((await call('signInWithPassword', account)).status, 200);

    await server.clear();

    const after = await call('signInWithPassword', account);
    assert.equal(after.status, 400);
    const body = (await after.json()) as { error?: { message?: string } };
    assert.match(body.error?.message ?? '', /EMAIL_NOT_FOUND|INVALID_LOGIN_CREDENTIALS/);
    assert.equal((await call('signUp', account)).status, 200);
  });
});

/** Polls `done` until it is true or `timeoutMs` passes. */
async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
