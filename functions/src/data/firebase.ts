// The Admin SDK handles, created on first use (not at module load, so deploy-time discovery and
// unit tests that never touch Firebase don't initialise anything).
import { getApps, initializeApp, type App } from 'firebase-admin/app';
import { getAuth, type Auth, type DecodedIdToken } from 'firebase-admin/auth';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';

let firestore: Firestore | undefined;

export function adminApp(): App {
  return getApps()[0] ?? initializeApp();
}

export function db(): Firestore {
  if (!firestore) {
    firestore = getFirestore(adminApp());
    // Optional fields left undefined are simply not written, instead of failing the write.
    firestore.settings({ ignoreUndefinedProperties: true });
  }
  return firestore;
}

export function auth(): Auth {
  return getAuth(adminApp());
}

interface TokenVerifier {
  verifyJWT(token: string, isEmulator: boolean): Promise<DecodedIdToken>;
}

/**
 * The ID token's signature and claims, checked locally as `verifyIdToken(token)` does, with no
 * call to Auth. Under the Auth emulator `verifyIdToken` always adds a `getUser` (its tokens are
 * unsigned), which would hide what production pays; there the SDK's own verifier, the first half
 * of `verifyIdToken`, is called directly, so the local stack measures the production path.
 */
export function verifyIdTokenLocally(token: string): Promise<DecodedIdToken> {
  const emulated = process.env.FIREBASE_AUTH_EMULATOR_HOST !== undefined;
  const verifier = (auth() as unknown as { idTokenVerifier?: TokenVerifier }).idTokenVerifier;
  if (!emulated || typeof verifier?.verifyJWT !== 'function') return auth().verifyIdToken(token);
  return verifier.verifyJWT(token, true);
}
