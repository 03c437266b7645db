// Real ID tokens from the local Auth emulator for a given email, creating the user if needed:
// behind `npm run token` and the tests' sign-in helper. Uses the emulator's REST API only:
// `Bearer owner` is the emulator's admin credential, and the emulator accepts unsigned custom
// tokens (as firebase-admin makes them when FIREBASE_AUTH_EMULATOR_HOST is set).

const IDENTITY_TOOLKIT = 'identitytoolkit.googleapis.com/v1';
const CUSTOM_TOKEN_AUDIENCE =
  'https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit';

export interface SignedIn {
  uid: string;
  email: string;
  idToken: string;
  refreshToken: string;
}

async function post<T>(url: string, body: unknown, admin = false): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(admin ? { authorization: 'Bearer owner' } : {}),
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T & { error?: { message?: string } };
  if (!res.ok) throw new Error(`Auth emulator: ${json.error?.message ?? `HTTP ${res.status}`}`);
  return json;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An unsigned custom token for `uid`, as the Auth emulator accepts them. */
function unsignedCustomToken(uid: string): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: 'firebase-auth-emulator@example.com',
    sub: 'firebase-auth-emulator@example.com',
    aud: CUSTOM_TOKEN_AUDIENCE,
    iat: now,
    exp: now + 3600,
    uid,
  };
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
}

/** The uid of the user with this email, creating the user (email verified) when there is none. */
export async function ensureUser(
  authHost: string,
  projectId: string,
  email: string,
): Promise<string> {
  const base = `http://${authHost}/${IDENTITY_TOOLKIT}/projects/${encodeURIComponent(projectId)}`;
  const found = await post<{ users?: Array<{ localId: string }> }>(
    `${base}/accounts:lookup`,
    { email: [email] },
    true,
  );
  if (found.users?.[0]) return found.users[0].localId;
  // Verified, as a person who clicked the link would be: creating an organisation needs it.
  // An existing user is left as it is, so a test can make one unverified (accounts:update).
  const created = await post<{ localId: string }>(
    `${base}/accounts`,
    { email, emailVerified: true },
    true,
  );
  return created.localId;
}

/** Signs in as the user with `email` (created if needed) and returns a fresh ID token. */
export async function signInAs(
  authHost: string,
  projectId: string,
  email: string,
): Promise<SignedIn> {
  const uid = await ensureUser(authHost, projectId, email);
  // The API key is not checked by the emulator, but the REST API wants one.
  const reply = await post<{ idToken: string; refreshToken: string }>(
    `http://${authHost}/${IDENTITY_TOOLKIT}/accounts:signInWithCustomToken?key=local-emulator`,
    { token: unsignedCustomToken(uid), returnSecureToken: true },
  );
  return { uid, email, idToken: reply.idToken, refreshToken: reply.refreshToken };
}
