// Roles and what each may do. The one place that decides access for every route: a route names
// the permission it needs, and `allows` says whether a role has it.

export const ROLES = ['owner', 'admin', 'editor', 'analyst', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Higher is more powerful. */
const RANK: Record<Role, number> = { owner: 5, admin: 4, editor: 3, analyst: 2, viewer: 1 };

/**
 * What a route may ask for, with the lowest role that has it:
 * - read: see the organisation's data;
 * - readAnalytics: scan counts and timelines;
 * - write: create and change data (equipment, codes, orders);
 * - manage: members, API keys, locations and organisation settings.
 * Granting or removing the owner role is checked separately (`mayAssignRole`).
 */
export const PERMISSIONS = {
  read: 'viewer',
  readAnalytics: 'analyst',
  write: 'editor',
  manage: 'admin',
} as const satisfies Record<string, Role>;
export type Permission = keyof typeof PERMISSIONS;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function atLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

export function allows(role: Role, permission: Permission): boolean {
  return atLeast(role, PERMISSIONS[permission]);
}

/**
 * Whether `actor` may give someone the role `target`, or take away `target`: only an owner
 * touches the owner role; anyone else may hand out at most their own role.
 */
export function mayAssignRole(actor: Role, target: Role): boolean {
  if (target === 'owner') return actor === 'owner';
  return atLeast(actor, target);
}

/**
 * Why `actor` may not move a member from role `from` to role `to` (`null`: remove them), or
 * undefined when they may. `owners` is how many owners the organisation has now.
 */
export function roleChangeProblem(
  actor: Role,
  from: Role,
  to: Role | null,
  owners: number,
): { code: 'permission_denied' | 'conflict'; message: string } | undefined {
  if (!mayAssignRole(actor, from) || (to !== null && !mayAssignRole(actor, to))) {
    return {
      code: 'permission_denied',
      message:
        from === 'owner' || to === 'owner'
          ? 'Only an owner may grant or remove the owner role'
          : `An ${actor} may only manage members up to their own role`,
    };
  }
  if (from === 'owner' && to !== 'owner' && owners <= 1) {
    return {
      code: 'conflict',
      message: 'This is the last owner: make another member owner first',
    };
  }
  return undefined;
}

/**
 * Whether something granted with `granted` (an API key's role, an invitation's) must go when
 * the member who made it ends up with `to` (`null`: removed): they can no longer grant it.
 */
export function outlivesMaker(granted: Role, to: Role | null): boolean {
  return to === null || !mayAssignRole(to, granted);
}
