import type { Role } from '../core/role.ts';

/** Who is calling: a person (by session cookie) or a service account (by API token). */
export interface Principal {
  kind: 'user' | 'token';
  id: string;
  name: string;
  role: Role;
  /** An API token's scopes (src/core/token-scope.ts); absent: the role alone limits it. */
  scopes?: readonly string[];
}
