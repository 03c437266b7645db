// Who may do what on the Storage emulator besides what the security rules decide.
//
// - Cloud Storage JSON API (the paths @google-cloud/storage uses): always allowed. This is the
//   admin surface; in production it needs service-account credentials and bypasses rules.
// - Firebase API (/v0/..., what the client SDKs and download URLs use): allowed for a valid
//   download token (checked by firebase-tools' StorageLayer before it asks the rules), for the
//   emulator's admin credential ("Bearer owner" / "Firebase owner"), and for requests made by
//   the Google Cloud Node client, i.e. firebase-admin. Everything else is judged by the
//   security rules (./rulesCheck.ts); with no rules loaded it is denied (403).
//
// Why the Google Cloud Node client counts as admin: firebase-admin's getDownloadURL() reads the
// object's Firebase metadata through @google-cloud/storage, which sends no Authorization header
// to an emulator. In production that request carries service-account credentials and succeeds;
// against the official emulator it is judged as an anonymous client and fails under deny-all
// rules (firebase-tools issue #8070, firebase-admin-node issue #2344). We follow production.
import type { IncomingMessage } from 'node:http';

/** The credential firebase-tools' emulators accept as "the project owner". */
export const ADMIN_AUTHORIZATION = 'Bearer owner';

export function isAdminCredential(authorization: string | undefined): boolean {
  return authorization === 'Bearer owner' || authorization === 'Firebase owner';
}

/**
 * True when the request comes from the Google Cloud Node client library (the one firebase-admin
 * wraps). It names itself in x-goog-api-client as "gccl/<version>"; browsers and the Firebase
 * client SDKs do not send that header.
 */
export function isGoogleCloudNodeClient(req: IncomingMessage): boolean {
  const header = req.headers['x-goog-api-client'];
  const value = Array.isArray(header) ? header.join(' ') : (header ?? '');
  return /(^|\s)gccl\//.test(value);
}

/** Gives an unauthenticated Admin SDK request the admin credential (see file comment). */
export function authorizeAdminSdkRequest(req: IncomingMessage): void {
  if (req.headers.authorization === undefined && isGoogleCloudNodeClient(req)) {
    req.headers.authorization = ADMIN_AUTHORIZATION;
  }
}
