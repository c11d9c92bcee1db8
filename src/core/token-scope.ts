/**
 * What an API token may reach beyond its role. A scope is `<area>:<access>`: the area is the API's
 * resource family (the route's OpenAPI tag: `cases`, `alerts`, `playbooks`, …) and the access is
 * `read` (GET) or `write` (any other method; it includes read). `*` stands for every area, or for
 * both accesses. A token without scopes is limited by its role alone; a token with scopes needs both
 * its role and one of its scopes for each request.
 */

export const SCOPE_AREAS = [
  'alerts',
  'assets',
  'audit',
  'cases',
  'dashboard',
  'edl',
  'ingest',
  'integrations',
  'intel',
  'live',
  'playbooks',
  'response',
  'runs',
  'secrets',
  'session',
  'sources',
  'system',
  'tasks',
  'tenants',
  'tokens',
  'users',
  'views',
] as const;
export type ScopeArea = (typeof SCOPE_AREAS)[number];
export type ScopeAccess = 'read' | 'write';

const SCOPE = /^([a-z*]+):(read|write|\*)$/;

/** The reason a scope is malformed, or null when it is one. */
export function scopeProblem(scope: unknown): string | null {
  if (typeof scope !== 'string') return 'a scope is a string such as cases:read';
  const match = SCOPE.exec(scope);
  if (!match) return `"${scope}" is not <area>:<read|write|*> (cases:read, alerts:write, *:read)`;
  const area = match[1]!;
  if (area !== '*' && !(SCOPE_AREAS as readonly string[]).includes(area))
    return `"${area}" is not an area; areas are ${SCOPE_AREAS.join(', ')} or *`;
  return null;
}

/** The scope a request needs: its route's area, read for GET and HEAD, write for the rest. */
export function neededScope(area: string, method: string): `${string}:${ScopeAccess}` {
  return `${area}:${method === 'GET' || method === 'HEAD' ? 'read' : 'write'}`;
}

/** Whether the token's scopes cover `needed` (`write` and `*` cover read). */
export function scopesAllow(scopes: readonly string[], needed: string): boolean {
  const [area, access] = needed.split(':') as [string, ScopeAccess];
  return scopes.some((scope) => {
    const [a, x] = scope.split(':') as [string, string];
    const areaOk = a === '*' || a === area;
    const accessOk = x === '*' || x === access || (access === 'read' && x === 'write');
    return areaOk && accessOk;
  });
}
