import type { FastifyInstance, RouteOptions } from 'fastify';
import type { RouteAuth } from './route-auth.ts';

interface Operation {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  auth: RouteAuth;
}

const PROBLEM = {
  description:
    'An RFC 9457 problem document with a stable `code`, a `detail` and, for bad input, the `path` of the field',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

function describeAuth(auth: RouteAuth): string {
  if (auth === 'public') return 'No authentication.';
  if (auth === 'source')
    return "The source's ingest token (`Authorization: Bearer`) or an `X-Riposte-Signature` HMAC.";
  if (auth === 'authenticated') return 'Any authenticated user or token.';
  return `Roles: ${auth.join(', ')}.`;
}

/** Collects every route as it registers and builds the OpenAPI 3.1 document from them. */
export class OpenApiCollector {
  readonly #operations: Operation[] = [];

  attach(app: FastifyInstance): void {
    app.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (method === 'HEAD' || route.schema?.hide === true) continue;
        this.#operations.push({
          method: method.toLowerCase(),
          url: route.url,
          schema: (route.schema ?? {}) as Record<string, unknown>,
          auth: route.config?.auth ?? 'public',
        });
      }
    });
  }

  get operations(): readonly Operation[] {
    return this.#operations;
  }

  document(version: string): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const op of this.#operations) {
      const url = op.url.replace(/:(\w+)/g, '{$1}');
      const s = op.schema;
      const parameters: unknown[] = [];
      for (const [where, key] of [
        ['path', 'params'],
        ['query', 'querystring'],
      ] as const) {
        const props =
          (s[key] as { properties?: Record<string, unknown>; required?: string[] } | undefined) ?? undefined;
        for (const [name, schema] of Object.entries(props?.properties ?? {})) {
          parameters.push({
            name,
            in: where,
            required: where === 'path' || (props?.required ?? []).includes(name),
            schema,
          });
        }
      }
      const responses: Record<string, unknown> = {};
      for (const [status, schema] of Object.entries(
        (s.responses as Record<string, unknown> | undefined) ?? {},
      )) {
        responses[status] = {
          description: (schema as { description?: string }).description ?? 'OK',
          content: { 'application/json': { schema } },
        };
      }
      if (Object.keys(responses).length === 0) responses['200'] = { description: 'OK' };
      responses.default = PROBLEM;
      const operation: Record<string, unknown> = {
        summary: s.summary,
        description: [s.description, describeAuth(op.auth)].filter(Boolean).join('\n\n'),
        tags: s.tags,
        parameters,
        responses,
        ...(op.auth === 'public'
          ? { security: [] }
          : op.auth === 'source'
            ? { security: [{ sourceToken: [] }, { signature: [] }] }
            : {}),
      };
      if (s.body)
        operation.requestBody = { required: true, content: { 'application/json': { schema: s.body } } };
      if (s.consumes)
        operation.requestBody = {
          required: true,
          content: Object.fromEntries((s.consumes as string[]).map((c) => [c, { schema: {} }])),
        };
      (paths[url] ??= {})[op.method] = operation;
    }
    return {
      openapi: '3.1.0',
      info: {
        title: 'Riposte API',
        version,
        description: 'Security orchestration, automation and response. Errors are application/problem+json.',
      },
      servers: [{ url: '/' }],
      security: [{ bearer: [] }, { session: [] }],
      paths,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token from `riposte token create`' },
          session: { type: 'apiKey', in: 'cookie', name: 'riposte_session' },
          sourceToken: { type: 'http', scheme: 'bearer', description: "A source's ingest token" },
          signature: { type: 'apiKey', in: 'header', name: 'X-Riposte-Signature' },
        },
        schemas: {
          Problem: {
            type: 'object',
            properties: {
              type: { type: 'string' },
              title: { type: 'string' },
              status: { type: 'integer' },
              code: { type: 'string' },
              detail: { type: 'string' },
              path: { type: 'string' },
              instance: { type: 'string' },
            },
            required: ['type', 'title', 'status', 'code', 'detail'],
          },
        },
      },
    };
  }
}
