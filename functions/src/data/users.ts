// Firebase Auth users, looked up by email or uid.
import { AppError } from '../domain/errors';
import type { MemberRef } from '../domain/members';
import { auth } from './firebase';

/** The Firebase Auth user behind an email or uid; 404 when there is none. */
export async function findUser(who: MemberRef): Promise<{ uid: string; email: string | null }> {
  try {
    const user =
      'email' in who ? await auth().getUserByEmail(who.email) : await auth().getUser(who.uid);
    return { uid: user.uid, email: user.email ?? null };
  } catch (err) {
    if ((err as { code?: unknown }).code === 'auth/user-not-found') {
      const name = 'email' in who ? `email ${who.email}` : `uid ${who.uid}`;
      throw new AppError(
        'not_found',
        `No user with ${name}: they must sign in to the app once before they can be added`,
      );
    }
    throw err;
  }
}
