import type { Principal } from '../auth/principal.ts';
import type { Role } from '../core/role.ts';

/**
 * What every route must declare (in `config.auth`): `public` needs nothing, `source` is an ingest
 * endpoint authenticated by the source's own token or signature, a list of roles needs a principal
 * holding one of them. A route without a declaration is refused when it is registered.
 */
export type RouteAuth = 'public' | 'source' | 'authenticated' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  /** Documentation members the OpenAPI collector reads; Fastify ignores them. */
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    consumes?: string[];
    responses?: Record<string, unknown>;
    hide?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const ANY_ROLE: readonly Role[] = ['admin', 'manager', 'analyst', 'viewer'];
export const ANALYST: readonly Role[] = ['admin', 'manager', 'analyst'];
export const MANAGER: readonly Role[] = ['admin', 'manager'];
export const ADMIN: readonly Role[] = ['admin'];
