// Who is calling, from the `Authorization: Bearer …` header. `owner` is the emulators' admin
// token (firebase-admin and rules-unit-testing's withSecurityRulesDisabled send it): it
// bypasses rules. Any other token is a Firebase ID token whose claims become `request.auth`.
// Tokens are decoded, not verified, exactly as Google's emulators do: the Auth emulator's
// tokens and rules-unit-testing's mock tokens are unsigned (alg "none").
import { RMap, fromPlain, type RValue } from './values';

export type Identity = { kind: 'owner' } | { kind: 'client'; auth: RValue };

/** `request.auth` from an ID token's payload: uid plus every claim under `token`. */
function authFromClaims(claims: Record<string, unknown>): RValue {
  const uid = claims.user_id ?? claims.sub;
  if (typeof uid !== 'string' || uid === '') return null;
  return RMap.of({ uid, token: fromPlain(claims) });
}

function decodePayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length < 2) return undefined;
  try {
    const json: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The identity behind an Authorization header value (absent or unreadable = signed out). */
export function identityOf(authorization: string | undefined): Identity {
  // Firestore's SDKs say `Bearer`, Storage's `Firebase`.
  const m = /^(?:Bearer|Firebase)\s+(.+)$/i.exec(authorization?.trim() ?? '');
  if (!m) return { kind: 'client', auth: null };
  const token = m[1].trim();
  if (token === 'owner') return { kind: 'owner' };
  const claims = decodePayload(token);
  return { kind: 'client', auth: claims ? authFromClaims(claims) : null };
}
