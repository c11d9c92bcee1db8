import type { FastifyInstance } from 'fastify';
import { RiposteError } from '../../core/riposte-error.ts';
import type { FeedInput } from '../../intel/feed-refresher.ts';
import { INDICATOR_TYPES, INTEL_FORMATS } from '../../intel/indicator.ts';
import type { Riposte } from '../../riposte.ts';
import { parseLimit } from '../../store/cursor.ts';
import { actorOf } from '../auth-hooks.ts';
import { ADMIN, ANALYST, ANY_ROLE } from '../route-auth.ts';
import { pageQuery } from './route-schemas.ts';

const issue = {
  type: 'object',
  properties: { record: { type: 'string' }, field: { type: 'string' }, problem: { type: 'string' } },
} as const;
const nameParams = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 63 } },
  required: ['name'],
} as const;

function flag(raw: string | undefined, path: string): boolean {
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new RiposteError('validation_failed', `${path} must be true or false`, { path });
}

/** Threat intelligence: file imports, the indicator list, removal by source, scheduled feeds. */
export function intelRoutes(app: FastifyInstance, riposte: Riposte): void {
  const { indicators, feeds } = riposte.intel;

  app.register(async (scope) => {
    // The body is the file as published (CSV or JSON), read as text whatever its content type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: riposte.config.bodyLimit },
      (_request, body, done) => done(null, body),
    );
    scope.post<{
      Querystring: { format?: string; source?: string; ttl?: string; partial?: string };
      Body: string;
    }>(
      '/api/v1/intel/imports',
      {
        config: { auth: ANALYST },
        schema: {
          summary: 'Import a threat-intelligence file (STIX 2.1, MISP, URLhaus, Feodo Tracker, ThreatFox)',
          description:
            'The body is the file. One transaction: a file with malformed records is rejected whole (422, every error with its record and field) unless partial=true, which imports the valid records and lists the skipped ones.',
          tags: ['intel'],
          querystring: {
            type: 'object',
            properties: {
              format: {
                type: 'string',
                enum: [...INTEL_FORMATS],
                description: 'detected from the content when absent',
              },
              source: {
                type: 'string',
                maxLength: 63,
                description: 'the feed or import name; the format by default',
              },
              ttl: {
                type: 'string',
                maxLength: 10,
                description: 'how long indicators without an expiry stay live (30d)',
              },
              partial: { type: 'string', enum: ['true', 'false', '1', '0', ''] },
            },
          },
          responses: {
            200: {
              description: 'Imported',
              type: 'object',
              properties: {
                source: { type: 'string' },
                format: { type: 'string' },
                records: { type: 'integer' },
                indicators: { type: 'integer' },
                created: { type: 'integer' },
                updated: { type: 'integer' },
                expired: { type: 'integer' },
                validUntil: { type: 'string' },
                partial: { type: 'boolean' },
                skippedCount: { type: 'integer' },
                skipped: { type: 'array', items: issue },
                warningCount: { type: 'integer' },
                warnings: { type: 'array', items: issue },
              },
            },
          },
        },
      },
      async (request) => {
        const q = request.query;
        return indicators.import(
          typeof request.body === 'string' ? request.body : '',
          {
            ...(q.format ? { format: q.format } : {}),
            ...(q.source ? { source: q.source } : {}),
            ...(q.ttl ? { ttl: q.ttl } : {}),
            partial: flag(q.partial, 'partial'),
          },
          actorOf(request),
        );
      },
    );
  });

  app.get<{
    Querystring: { type?: string; value?: string; source?: string; cursor?: string; limit?: string };
  }>(
    '/api/v1/intel/indicators',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'List indicators, newest first; look one up by value (canonicalized) and type',
        tags: ['intel'],
        querystring: pageQuery({
          type: { type: 'string', enum: [...INDICATOR_TYPES] },
          value: { type: 'string', maxLength: 4096 },
          source: { type: 'string', maxLength: 63 },
        }),
      },
    },
    async (request) => {
      const { limit, ...rest } = request.query;
      return indicators.list({ ...rest, limit: parseLimit(limit) });
    },
  );

  app.delete<{ Querystring: { source?: string } }>(
    '/api/v1/intel/indicators',
    {
      config: { auth: ADMIN },
      schema: {
        summary: "Remove a source's indicators (and the findings their matches recorded)",
        tags: ['intel'],
        querystring: { type: 'object', properties: { source: { type: 'string', maxLength: 63 } } },
      },
    },
    async (request) => {
      if (!request.query.source)
        throw new RiposteError('validation_failed', 'name the source to remove: ?source=NAME', {
          path: 'source',
        });
      return indicators.deleteSource(request.query.source, actorOf(request));
    },
  );

  app.get(
    '/api/v1/intel/feeds',
    {
      // Feed URLs may carry a provider key in their query string.
      config: { auth: ANALYST },
      schema: { summary: 'Scheduled feeds with the outcome of their last refresh', tags: ['intel'] },
    },
    async () => ({ items: await feeds.list() }),
  );

  app.put<{ Params: { name: string }; Body: FeedInput }>(
    '/api/v1/intel/feeds/:name',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'Create or update a scheduled feed: { url, format, every: "6h", ttl: "30d", partial? }',
        description:
          'The feed is fetched through the outbound HTTP client (SSRF guard) by the worker, first at its next tick.',
        tags: ['intel'],
        params: nameParams,
        body: {
          type: 'object',
          properties: {
            url: { type: 'string', maxLength: 2048 },
            format: { type: 'string', enum: [...INTEL_FORMATS] },
            every: { type: 'string', maxLength: 10 },
            ttl: { type: 'string', maxLength: 10 },
            partial: { type: 'boolean' },
          },
          required: ['url', 'format', 'every'],
          additionalProperties: false,
        },
      },
    },
    async (request) => feeds.put(request.params.name, request.body, actorOf(request)),
  );

  app.delete<{ Params: { name: string } }>(
    '/api/v1/intel/feeds/:name',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'Stop refreshing a feed (its indicators stay until they expire)',
        tags: ['intel'],
        params: nameParams,
      },
    },
    async (request, reply) => {
      await feeds.delete(request.params.name, actorOf(request));
      return reply.code(204).send();
    },
  );
}
