// What the member routes accept.
import { isValidId } from './ids';
import { isRole, ROLES, type Role } from './roles';
import { type Body, type FieldError, type Validated, result, unknownFields } from './validation';

export type MemberRef = { email: string } | { uid: string };

export interface NewMember {
  who: MemberRef;
  role: Role;
}

function readRole(body: Body, errors: FieldError[]): Role | undefined {
  if (body.role === undefined) {
    errors.push({ field: 'role', message: `is required (one of ${ROLES.join(', ')})` });
    return undefined;
  }
  if (!isRole(body.role)) {
    errors.push({ field: 'role', message: `must be one of ${ROLES.join(', ')}` });
    return undefined;
  }
  return body.role;
}

// A practical check, not RFC 5322: Firebase Auth has the final word when the email is looked up.
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export function validateNewMember(body: Body): Validated<NewMember> {
  const errors = unknownFields(body, ['email', 'uid', 'role']);
  const role = readRole(body, errors);
  let who: MemberRef | undefined;
  const { email, uid } = body;
  if (email !== undefined && uid !== undefined) {
    errors.push({ field: 'email', message: 'give either email or uid, not both' });
  } else if (typeof email === 'string' && EMAIL.test(email.trim())) {
    who = { email: email.trim().toLowerCase() };
  } else if (email !== undefined) {
    errors.push({ field: 'email', message: 'is not an email address' });
  } else if (isValidId(uid)) {
    who = { uid };
  } else if (uid !== undefined) {
    errors.push({ field: 'uid', message: 'is not a valid user id' });
  } else {
    errors.push({ field: 'email', message: 'email or uid is required' });
  }
  return result({ who: who ?? { uid: '' }, role: role ?? 'viewer' }, errors);
}

export function validateMemberChange(body: Body): Validated<{ role: Role }> {
  const errors = unknownFields(body, ['role']);
  const role = readRole(body, errors);
  return result({ role: role ?? 'viewer' }, errors);
}
