import { Type } from '@sinclair/typebox';
import { invalidField, RiposteError } from '../../core/riposte-error.ts';
import { defineAction, defineIntegration, type IntegrationDefinition } from '../sdk/integration.ts';
import { importAuth } from './openapi-auth.ts';
import { planOperations, type OperationPlan } from './openapi-operations.ts';
import { isObject, OpenApiProblems, pointer, type OpenApiProblem } from './openapi-problems.ts';
import { callOperation } from './openapi-request.ts';
import { parseOpenApiText } from './openapi-text.ts';

export interface OpenApiImportOptions {
  /** The integration id: a lowercase snake slug; actions become `<id>.<operation>`. */
  id: string;
  /** Defaults to the description's `info.title`. */
  name?: string;
}

export interface OpenApiImport {
  integration: IntegrationDefinition;
  /** What was left out or cannot work as described (skipped operations, unusable auth, relative server). */
  warnings: OpenApiProblem[];
}

const SLUG = /^[a-z][a-z0-9_]{0,63}$/;

export const OperationOutput = Type.Object({
  status: Type.Integer({ description: 'the HTTP status' }),
  body: Type.Unknown({ description: 'the JSON answer (text when not JSON, null when empty)' }),
});

function checkHeader(doc: unknown, problems: OpenApiProblems): doc is Record<string, unknown> {
  if (!isObject(doc)) {
    problems.add('', 'an OpenAPI description is an object (a JSON object or a YAML mapping)');
    return false;
  }
  if ('swagger' in doc)
    problems.add('/swagger', 'Swagger 2.0 is not supported: convert the description to OpenAPI 3 first');
  else if (typeof doc['openapi'] !== 'string' || !/^3\.[01]\.\d+$/.test(doc['openapi']))
    problems.add(
      '/openapi',
      `openapi must be a 3.0.x or 3.1.x version, not ${JSON.stringify(doc['openapi'] ?? null)}`,
    );
  const info = doc['info'];
  if (!isObject(info)) problems.add('/info', 'info (title and version) is required');
  else
    for (const key of ['title', 'version'])
      if (typeof info[key] !== 'string' || info[key] === '')
        problems.add(`/info/${key}`, `info.${key} must be a non-empty string`);
  return true;
}

/** `servers[0].url` with its `{variables}` replaced by their defaults; '' when there is none or it is relative. */
function baseUrlOf(
  doc: Record<string, unknown>,
  problems: OpenApiProblems,
  warnings: OpenApiProblem[],
): string {
  const servers = doc['servers'];
  if (servers === undefined) return '';
  if (!Array.isArray(servers)) {
    problems.add('/servers', 'servers must be a list');
    return '';
  }
  const first: unknown = servers[0];
  if (first === undefined) return '';
  if (!isObject(first) || typeof first['url'] !== 'string') {
    problems.add('/servers/0/url', 'a server needs a url');
    return '';
  }
  const variables = isObject(first['variables']) ? first['variables'] : {};
  const url = first['url'].replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    if (isObject(variable) && typeof variable['default'] === 'string') return variable['default'];
    problems.add(
      isObject(variable) ? pointer('servers', 0, 'variables', name, 'default') : '/servers/0/url',
      isObject(variable)
        ? `server variable "${name}" needs a string default`
        : `server variable "${name}" is not declared`,
    );
    return whole;
  });
  if (/^https?:\/\/[^/]/i.test(url)) return url.replace(/\/+$/, '');
  warnings.push({
    pointer: '/servers/0/url',
    message: `"${url}" is not an absolute http(s) URL: set base_url on each instance`,
  });
  return '';
}

function actionOf(plan: OperationPlan) {
  return defineAction({
    name: plan.name,
    title: plan.title,
    description: plan.description,
    effect: plan.effect,
    input: plan.input,
    output: OperationOutput,
    // Only reads are retried by default: a write the vendor may have applied is not repeated blindly.
    ...(plan.effect === 'read' ? {} : { retry: null }),
    run: (input, context) => callOperation(plan, input as Record<string, unknown>, context),
  });
}

/**
 * An integration built from an OpenAPI 3.0 / 3.1 description (a parsed document, or JSON or YAML text):
 * one action per operation. Every problem is reported at once, each at a JSON pointer into the
 * description (`invalid_openapi`, `extra.errors`).
 */
export function importOpenApi(spec: unknown, options: OpenApiImportOptions): OpenApiImport {
  if (!SLUG.test(options.id))
    throw invalidField('/id', 'an integration id is a lowercase snake slug (a-z, 0-9, _)');
  const doc = parseOpenApiText(spec);
  const problems = new OpenApiProblems();
  const warnings: OpenApiProblem[] = [];
  if (!checkHeader(doc, problems)) throw failure(problems);
  const baseUrl = baseUrlOf(doc, problems, warnings);
  const { auth, credentials } = importAuth(doc, problems, warnings);
  const plans = planOperations({ doc, problems, warnings });
  if (problems.list.length > 0) throw failure(problems);
  const info = doc['info'] as Record<string, string>;
  const docs = isObject(doc['externalDocs']) ? doc['externalDocs']['url'] : undefined;
  return {
    integration: defineIntegration({
      id: options.id,
      name: options.name ?? info['title']!,
      version: info['version']!,
      categories: ['openapi'],
      docs: typeof docs === 'string' ? docs : '',
      baseUrl,
      credentials,
      auth,
      actions: plans.map(actionOf),
    }),
    warnings,
  };
}

export function integrationFromOpenApi(spec: unknown, options: OpenApiImportOptions): IntegrationDefinition {
  return importOpenApi(spec, options).integration;
}

function failure(problems: OpenApiProblems): RiposteError {
  const [first] = problems.list;
  const count = problems.list.length;
  return new RiposteError(
    'invalid_openapi',
    `the OpenAPI description has ${count} problem${count === 1 ? '' : 's'}; the first at ${first!.pointer || '(root)'}: ${first!.message}`,
    { path: first!.pointer, extra: { errors: problems.list } },
  );
}
