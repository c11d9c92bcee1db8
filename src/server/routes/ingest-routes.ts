import type { FastifyInstance } from 'fastify';
import { RiposteError } from '../../core/riposte-error.ts';
import type { Riposte } from '../../riposte.ts';
import type { ServerMetrics } from '../metrics.ts';
import { nameParams } from './route-schemas.ts';

/** Content types an ingest endpoint reads; the normalizer decides how to split the text. */
const ACCEPTED = [
  'application/json',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'text/plain',
  'text/x-log',
  'message/rfc822',
];

const EMPTY = new Uint8Array(0);

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** POST /api/v1/sources/{name}/alerts — acknowledged (202) only after the durable commit. */
export function ingestRoutes(app: FastifyInstance, riposte: Riposte, metrics: ServerMetrics): void {
  app.register(async (scope) => {
    // The body's bytes are what the HMAC covers, and non-JSON formats split text themselves, so this
    // scope parses nothing itself. Kept as bytes: an ingest thread decodes a large body, not this one.
    scope.removeAllContentTypeParsers();
    const asBytes = { parseAs: 'buffer', bodyLimit: riposte.config.bodyLimit } as const;
    const keep = (_request: unknown, body: Buffer | string, done: (e: null, b: Buffer | string) => void) =>
      done(null, body);
    // The accepted types by name, so Fastify finds their parser in its cache by the header alone; the
    // catch-all (any other type) is looked for by parsing the header each time.
    scope.addContentTypeParser(ACCEPTED, asBytes, keep);
    scope.addContentTypeParser('*', asBytes, keep);

    scope.post<{ Params: { name: string }; Body: Buffer | undefined }>(
      '/api/v1/sources/:name/alerts',
      {
        config: { auth: 'source' },
        schema: {
          summary: 'Ingest alerts from a source',
          description:
            'One vendor event, a JSON array of events, or NDJSON (text formats such as CEF, LEEF and Zeek TSV: one record per line). ' +
            'Valid records are stored even when others are rejected; each rejection names its index and the reason.',
          tags: ['ingest'],
          params: nameParams,
          consumes: ACCEPTED,
          responses: {
            202: {
              description: 'Committed',
              type: 'object',
              properties: {
                accepted: { type: 'integer' },
                duplicates: { type: 'integer' },
                rejected: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      index: { type: 'integer' },
                      error: { type: 'string' },
                      code: { type: 'string' },
                      path: { type: 'string' },
                    },
                  },
                },
                alertIds: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const body = request.body ?? EMPTY;
        const signature = request.headers['x-riposte-signature'];
        const source = await riposte.sources.authenticate(
          request.params.name,
          {
            authorization: request.headers.authorization,
            signature: Array.isArray(signature) ? signature[0] : signature,
          },
          body,
        );
        const type = mediaType(request.headers['content-type']);
        if (!ACCEPTED.includes(type) && !type.endsWith('+json')) {
          throw new RiposteError(
            'unsupported_media_type',
            `Content-Type "${type || '(none)'}" is not accepted; send one of ${ACCEPTED.join(', ')}`,
            {
              path: 'Content-Type',
            },
          );
        }
        try {
          const result = await riposte.ingest.ingest(source, body, type, {
            id: source.name,
            type: 'source',
            ip: request.ip,
          });
          metrics.alertsIngested.inc({ source: source.name }, result.accepted);
          metrics.alertsDuplicate.inc({ source: source.name }, result.duplicates);
          metrics.alertsRejected.inc({ source: source.name }, result.rejected.length);
          return reply.code(202).send(result);
        } catch (error) {
          if (error instanceof RiposteError && error.code === 'no_valid_records') {
            const rejected = (error.extra?.rejected as unknown[] | undefined)?.length ?? 0;
            metrics.alertsRejected.inc({ source: source.name }, rejected);
          }
          throw error;
        }
      },
    );
  });
}
