// Invitations to join an organisation: who may accept one, and what state it is in. The id is
// the bearer of the right to join, together with the invitee's verified email, so it is random
// and long enough that nobody guesses it.
import { randomBytes } from 'node:crypto';
import type { ErrorCode } from './errors';

export type InvitationStatus = 'pending' | 'accepted' | 'revoked';
/** What a reader sees: a pending invitation past its expiry is "expired". */
export type InvitationState = InvitationStatus | 'expired';

/** 192 random bits, base64url: 32 characters that are a valid path id. */
export function newInvitationId(): string {
  return randomBytes(24).toString('base64url');
}

/** Emails are compared trimmed and in lower case, as Firebase Auth stores them. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function invitationState(
  status: InvitationStatus,
  expiresAt: Date,
  now: Date,
): InvitationState {
  return status === 'pending' && expiresAt.getTime() <= now.getTime() ? 'expired' : status;
}

export interface Invitee {
  email: string | null;
  emailVerified: boolean;
}

export interface AcceptProblem {
  code: Extract<ErrorCode, 'permission_denied' | 'gone'>;
  message: string;
  reason: string;
}

/**
 * Why `caller` may not accept an invitation for `email` in state `state`, or undefined when
 * they may. The email is checked first, so someone holding another person's invitation id
 * learns nothing about it, not even whether it expired.
 */
export function acceptProblem(
  invitation: { email: string; state: InvitationState },
  caller: Invitee,
): AcceptProblem | undefined {
  if (!caller.email || normalizeEmail(caller.email) !== invitation.email) {
    return {
      code: 'permission_denied',
      reason: 'other_email',
      message: 'This invitation is for another email address: sign in with the invited one',
    };
  }
  if (!caller.emailVerified) {
    return {
      code: 'permission_denied',
      reason: 'email_not_verified',
      message: 'Verify your email address first, then accept the invitation again',
    };
  }
  switch (invitation.state) {
    case 'expired':
      return {
        code: 'gone',
        reason: 'expired',
        message: 'This invitation has expired: ask for a new one',
      };
    case 'revoked':
      return {
        code: 'gone',
        reason: 'revoked',
        message: 'This invitation was withdrawn: ask for a new one',
      };
    case 'accepted':
      return { code: 'gone', reason: 'accepted', message: 'This invitation was already used' };
    default:
      return undefined;
  }
}
