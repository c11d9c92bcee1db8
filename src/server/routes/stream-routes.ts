import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LIVE_EVENT_TYPES, type LiveEventType } from '../../live/live-event.ts';
import { invalidField } from '../../core/riposte-error.ts';
import type { Riposte } from '../../riposte.ts';
import { readCookie, SESSION_COOKIE } from '../auth-hooks.ts';
import { LiveStreams, type LiveStreamsOptions } from '../live-streams.ts';
import { ANY_ROLE } from '../route-auth.ts';

function parseTypes(raw: string | undefined): ReadonlySet<LiveEventType> | undefined {
  if (raw === undefined || raw === '') return undefined;
  const types = new Set<LiveEventType>();
  for (const type of raw.split(',')) {
    if (!(LIVE_EVENT_TYPES as readonly string[]).includes(type))
      throw invalidField('/types', `types is a comma-separated list of: ${LIVE_EVENT_TYPES.join(', ')}`);
    types.add(type as LiveEventType);
  }
  return types;
}

/** Whether the credentials the stream was opened with still hold (checked at each heartbeat). */
function credentialsCheck(riposte: Riposte, request: FastifyRequest): () => Promise<boolean> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const session = readCookie(request.headers.cookie, SESSION_COOKIE);
  const role = request.principal?.role;
  return async () => {
    const principal = bearer
      ? await riposte.tokens.principalForToken(bearer)
      : session
        ? await riposte.users.principalForSession(session)
        : undefined;
    return principal !== undefined && principal.role === role;
  };
}

/** GET /api/v1/stream: live updates as Server-Sent Events (docs/console.md § Live updates). */
export function streamRoutes(
  app: FastifyInstance,
  riposte: Riposte,
  options: LiveStreamsOptions = {},
): LiveStreams {
  const streams = new LiveStreams(riposte.live, options);
  // Before the server waits for open connections to finish: end the streams, which never would.
  app.addHook('preClose', async () => streams.closeAll());

  app.get<{ Querystring: { types?: string; max?: string } }>(
    '/api/v1/stream',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'Live updates as Server-Sent Events',
        description: `Events: ${LIVE_EVENT_TYPES.join(', ')}, each with a JSON body naming what changed; a comment line every 15 s. Read what changed through the API. Works with the session cookie (EventSource) or an API token.`,
        tags: ['live'],
        querystring: {
          type: 'object',
          properties: {
            types: { type: 'string', maxLength: 200, description: 'only these event types, comma-separated' },
            max: {
              type: 'string',
              pattern: '^[0-9]{1,5}$',
              description: 'close the stream after this many events (scripts; 0: right after it opens)',
            },
          },
        },
      },
    },
    async (request, reply) => {
      const types = parseTypes(request.query.types);
      const max = request.query.max === undefined ? undefined : Number(request.query.max);
      reply.hijack();
      streams.open(reply.raw, {
        ...(types ? { types } : {}),
        ...(max === undefined ? {} : { max }),
        stillAllowed: credentialsCheck(riposte, request),
      });
    },
  );
  return streams;
}
