/** Roles, from most to least privileged. A route lists the roles it allows. */
export const ROLES = ['admin', 'manager', 'analyst', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Roles allowed to do anything at least as privileged as `role`. */
export function atLeast(role: Role): Role[] {
  return ROLES.slice(0, ROLES.indexOf(role) + 1);
}
