import { createContext, useContext } from 'react';

export type Role = 'admin' | 'manager' | 'analyst' | 'viewer';

export interface Principal {
  kind: 'user' | 'token';
  id: string;
  name: string;
  role: Role;
}

const ALL: Role[] = ['admin', 'manager', 'analyst', 'viewer'];
const ANALYST: Role[] = ['admin', 'manager', 'analyst'];
const MANAGER: Role[] = ['admin', 'manager'];
const ADMIN: Role[] = ['admin'];

/**
 * What each role may do, mirroring the server's route table (test/api/role-matrix.test.ts). The console
 * does not offer what a role may not do; the server refuses it anyway.
 */
export const PERMISSIONS = {
  view: ALL,
  triage: ANALYST, // change cases and alerts, comment, answer tasks, decide approvals
  rollback: ANALYST,
  editPlaybooks: ANALYST,
  runPlaybooks: ANALYST,
  testIntegrations: ANALYST,
  manageIntegrations: ADMIN,
  viewAudit: MANAGER,
  viewPolicies: MANAGER,
  managePolicies: ADMIN,
  killSwitch: MANAGER,
  manageUsers: ADMIN,
  manageSources: ADMIN,
  approvalLinks: MANAGER,
  manageTenants: ADMIN, // and only in the main installation: a tenant has no tenants
} as const satisfies Record<string, Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export interface Session {
  principal: Principal;
  /** The tenant this console is served for (its slug), null in the main installation. */
  tenant: string | null;
  can(permission: Permission): boolean;
  logout(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a logged-in console');
  return session;
}

export function canRole(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
