import type { AuthScheme, CredentialField } from '../sdk/integration.ts';
import { isObject, pointer, type OpenApiProblem, type OpenApiProblems } from './openapi-problems.ts';

export interface ImportedAuth {
  auth: AuthScheme;
  credentials: CredentialField[];
  /** Which security scheme it came from (null: none). */
  scheme: string | null;
}

const NONE: ImportedAuth = { auth: { kind: 'none' }, credentials: [], scheme: null };

function secret(name: string, label: string, required: boolean, description: string): CredentialField {
  return { name, label, secret: true, required, description };
}

/** One security scheme as Riposte's auth, or null when Riposte cannot apply it (mutual TLS, digest…). */
function fromScheme(name: string, s: Record<string, unknown>, required: boolean): ImportedAuth | null {
  const from = `from the security scheme "${name}"`;
  if (s['type'] === 'apiKey') {
    const param = String(s['name']);
    const field = secret('api_key', 'API key', required, `${from} (${String(s['in'])} ${param})`);
    if (s['in'] === 'header')
      return {
        auth: { kind: 'header', header: param, field: 'api_key' },
        credentials: [field],
        scheme: name,
      };
    if (s['in'] === 'query')
      return { auth: { kind: 'query', param, field: 'api_key' }, credentials: [field], scheme: name };
    if (s['in'] === 'cookie')
      return {
        auth: { kind: 'header', header: 'cookie', field: 'api_key', prefix: `${param}=` },
        credentials: [field],
        scheme: name,
      };
    return null;
  }
  const httpScheme = typeof s['scheme'] === 'string' ? s['scheme'].toLowerCase() : '';
  // OAuth 2 and OpenID Connect: Riposte does not run the flow; the instance holds a token got elsewhere.
  if (
    (s['type'] === 'http' && httpScheme === 'bearer') ||
    s['type'] === 'oauth2' ||
    s['type'] === 'openIdConnect'
  )
    return {
      auth: { kind: 'header', header: 'authorization', field: 'token', prefix: 'Bearer ' },
      credentials: [secret('token', s['type'] === 'http' ? 'Bearer token' : 'Access token', required, from)],
      scheme: name,
    };
  if (s['type'] === 'http' && httpScheme === 'basic')
    return {
      auth: { kind: 'basic', usernameField: 'username', passwordField: 'password' },
      credentials: [
        { name: 'username', label: 'Username', secret: false, required, description: from },
        secret('password', 'Password', required, from),
      ],
      scheme: name,
    };
  return null;
}

function check(
  name: string,
  s: unknown,
  at: string,
  problems: OpenApiProblems,
): s is Record<string, unknown> {
  if (!isObject(s)) {
    problems.add(at, 'a security scheme must be an object');
    return false;
  }
  const types = ['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'];
  if (typeof s['type'] !== 'string' || !types.includes(s['type'])) {
    problems.add(`${at}/type`, `the type of "${name}" must be one of ${types.join(', ')}`);
    return false;
  }
  if (s['type'] === 'apiKey') {
    if (typeof s['name'] !== 'string' || s['name'] === '')
      problems.add(`${at}/name`, 'an apiKey scheme needs a name');
    if (!['header', 'query', 'cookie'].includes(String(s['in'])))
      problems.add(`${at}/in`, 'an apiKey scheme is in header, query or cookie');
  }
  if (s['type'] === 'http' && typeof s['scheme'] !== 'string')
    problems.add(`${at}/scheme`, 'an http scheme names its scheme (bearer, basic…)');
  return true;
}

/**
 * The instance's authorization: the first scheme the document's top-level `security` asks for that
 * Riposte can apply, else the first applicable one declared. Its credentials are required only when
 * `security` asks for it. One scheme per integration: per-operation `security` is not followed.
 */
export function importAuth(
  doc: Record<string, unknown>,
  problems: OpenApiProblems,
  warnings: OpenApiProblem[],
): ImportedAuth {
  const components = doc['components'];
  const schemes = isObject(components) ? components['securitySchemes'] : undefined;
  if (schemes === undefined) return NONE;
  if (!isObject(schemes)) {
    problems.add('/components/securitySchemes', 'securitySchemes must be an object');
    return NONE;
  }
  const valid = new Map<string, Record<string, unknown>>();
  for (const [name, s] of Object.entries(schemes))
    if (check(name, s, pointer('components', 'securitySchemes', name), problems)) valid.set(name, s);
  const asked = (Array.isArray(doc['security']) ? doc['security'] : []).flatMap((r) =>
    isObject(r) ? Object.keys(r) : [],
  );
  for (const name of [...asked, ...valid.keys()]) {
    const s = valid.get(name);
    const imported = s ? fromScheme(name, s, asked.includes(name)) : null;
    if (imported) return imported;
  }
  if (valid.size > 0)
    warnings.push({
      pointer: '/components/securitySchemes',
      message: `none of ${[...valid.keys()].join(', ')} can be applied (Riposte applies apiKey, http bearer/basic and OAuth tokens): requests go without authorization`,
    });
  return NONE;
}
