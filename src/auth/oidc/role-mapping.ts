import { ROLES, type Role } from '../../core/role.ts';

/** A group (a value of the roles claim) and the Riposte role it gives. */
export interface RoleMapping {
  value: string;
  role: Role;
}

/**
 * A claim's value by name: the name itself first (`https://example.com/roles`, `cognito:groups`),
 * else a dotted path into objects (Keycloak's `realm_access.roles`).
 */
export function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The groups a roles claim lists: a list of strings, or one string; anything else is none. */
export function groupsOf(claims: Record<string, unknown>, rolesClaim: string): string[] {
  const value = claimAt(claims, rolesClaim);
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The most privileged role any of the groups is mapped to, or undefined when none is. */
export function mappedRole(groups: readonly string[], mapping: readonly RoleMapping[]): Role | undefined {
  const given = new Set(mapping.filter((m) => groups.includes(m.value)).map((m) => m.role));
  return ROLES.find((role) => given.has(role));
}
