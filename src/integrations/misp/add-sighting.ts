import { Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { defineAction } from '../sdk/integration.ts';
import { mispHttp, mispPost } from './misp-answer.ts';

const SIGHTING_TYPES = { sighting: '0', false_positive: '1', expiration: '2' } as const;

const Sighting = Type.Object({
  id: Type.Union([Type.String(), Type.Null()]),
  attributeId: Type.Union([Type.String(), Type.Null()]),
  eventId: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
  type: Type.String(),
});

export const addSighting = defineAction({
  name: 'add_sighting',
  title: 'Add a sighting',
  description:
    'Records that a value (every attribute holding it) or one attribute was seen, was a false positive, or expired. ' +
    'Idempotent per step: the sighting source carries the step’s idempotency key, and a sighting with that source ' +
    'is looked for before adding another.',
  effect: 'write',
  input: Type.Object({
    value: Type.Optional(Type.String({ minLength: 1, description: 'sight every attribute with this value' })),
    attribute_id: Type.Optional(
      Type.String({ minLength: 1, description: 'or one attribute, by id or UUID' }),
    ),
    type: Type.Optional(
      Type.Union([Type.Literal('sighting'), Type.Literal('false_positive'), Type.Literal('expiration')], {
        default: 'sighting',
      }),
    ),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 160, default: 'riposte' })),
  }),
  output: Type.Object({
    /** A sighting from an earlier attempt of the same step was found: nothing was added. */
    deduplicated: Type.Boolean(),
    sighting: Type.Union([Sighting, Type.Null()]),
    message: Type.Union([Type.String(), Type.Null()]),
  }),
  async run(input, context) {
    if ((input.value === undefined) === (input.attribute_id === undefined))
      throw new ActionError('invalid_input', 'add_sighting takes either value or attribute_id, not both', {
        retryable: false,
      });
    const http = mispHttp(context);
    const source = sightingSource(input.source ?? 'riposte', context.idempotencyKey);
    const type = SIGHTING_TYPES[input.type ?? 'sighting'];

    // Check before acting: a crash after MISP saved but before the engine recorded it must not sight twice.
    const earlier = readSightings(
      await mispPost(http, '/sightings/restSearch', { returnFormat: 'json', source }),
    );
    const previous = earlier.find((s) => s['source'] === source);
    if (previous) return { deduplicated: true, sighting: toSighting(previous), message: null };

    const path = input.attribute_id
      ? `/sightings/add/${encodeURIComponent(input.attribute_id)}`
      : '/sightings/add';
    const body = await mispPost(http, path, {
      ...(input.value !== undefined ? { value: input.value } : {}),
      source,
      type,
    });
    const answer = (body ?? {}) as Record<string, unknown>;
    // Recent MISP answers with the sighting; older ones with {saved, success, message}.
    const saved = answer['Sighting'] as Record<string, unknown> | undefined;
    if (saved && typeof saved === 'object')
      return { deduplicated: false, sighting: toSighting(saved), message: null };
    if (answer['saved'] === true || answer['success'] === true)
      return {
        deduplicated: false,
        sighting: null,
        message: String(answer['message'] ?? answer['name'] ?? ''),
      };
    throw new ActionError(
      'invalid_response',
      `MISP ${path} answered without a sighting: ${JSON.stringify(body).slice(0, 200)}`,
      {
        retryable: false,
      },
    );
  },
});

/** `riposte [run_1:step:1]`: readable in MISP's sighting list, and unique to the step. */
export function sightingSource(source: string, idempotencyKey: string): string {
  return `${source} [${idempotencyKey}]`.slice(0, 255);
}

/** Sighting search answers a list of `{"Sighting":{…}}`; tolerate the bare objects and `{"response":[…]}` too. */
function readSightings(body: unknown): Record<string, unknown>[] {
  const list = Array.isArray(body) ? body : (body as { response?: unknown } | null)?.response;
  if (!Array.isArray(list))
    throw new ActionError('invalid_response', 'MISP /sightings/restSearch answered without a list', {
      retryable: false,
    });
  return list
    .map((item) => ((item as { Sighting?: unknown })?.Sighting ?? item) as Record<string, unknown>)
    .filter((s) => s !== null && typeof s === 'object');
}

function toSighting(s: Record<string, unknown>) {
  const str = (k: string) => (s[k] === undefined || s[k] === null ? null : String(s[k]));
  return {
    id: str('id'),
    attributeId: str('attribute_id'),
    eventId: str('event_id'),
    source: str('source') ?? '',
    type: str('type') ?? '0',
  };
}
