import { Type, type Static } from '@sinclair/typebox';
import { isIP } from 'node:net';
import { ActionError } from '../../core/action.ts';
import type { ObservableType } from '../../core/alert.ts';
import { defineAction, type EnrichmentFinding } from '../sdk/integration.ts';
import { mispHttp, mispPost } from './misp-answer.ts';
import { lookupTable } from '../../core/lookup-table.ts';

const Attribute = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  eventInfo: Type.Union([Type.String(), Type.Null()]),
  type: Type.String(),
  category: Type.String(),
  value: Type.String(),
  toIds: Type.Boolean({ description: 'flagged for detection (to_ids)' }),
  comment: Type.String(),
  timestamp: Type.Union([Type.String({ description: 'ISO 8601' }), Type.Null()]),
  tags: Type.Array(Type.String()),
});

const Output = Type.Object({
  found: Type.Boolean(),
  count: Type.Integer(),
  attributes: Type.Array(Attribute),
  events: Type.Array(Type.String(), { description: 'distinct event ids' }),
  pagesFetched: Type.Integer(),
  /** The last page fetched was full: there may be more. */
  hasMore: Type.Boolean(),
});
type Output = Static<typeof Output>;

export const searchAttributes = defineAction({
  name: 'search_attributes',
  title: 'Search attributes',
  description:
    'MISP attributes whose value matches (exact, or `%` as a wildcard), optionally of one type; paginated by page and limit.',
  effect: 'read',
  cacheTtlSeconds: 600,
  input: Type.Object({
    value: Type.String({ minLength: 1 }),
    type: Type.Optional(Type.String({ description: 'a MISP attribute type: ip-dst, domain, sha256, …' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'page size' })),
    page: Type.Optional(
      Type.Integer({ minimum: 1, default: 1, description: 'first page to fetch (1-based)' }),
    ),
    max_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 1 })),
  }),
  output: Output,
  enrichment: {
    observable: (input) => observableOf(input.value, input.type),
    finding: mispFinding,
  },
  async run(input, context) {
    const http = mispHttp(context);
    const limit = input.limit ?? 100;
    const first = input.page ?? 1;
    const attributes: Static<typeof Attribute>[] = [];
    let pages = 0;
    let full = false;
    for (let page = first; page < first + (input.max_pages ?? 1); page++) {
      const body = await mispPost(http, '/attributes/restSearch', {
        returnFormat: 'json',
        value: input.value,
        ...(input.type ? { type: input.type } : {}),
        limit,
        page,
      });
      const batch = readAttributes(body);
      pages++;
      attributes.push(...batch.map(toAttribute));
      full = batch.length === limit;
      if (!full) break;
    }
    return {
      found: attributes.length > 0,
      count: attributes.length,
      attributes,
      events: [...new Set(attributes.map((a) => a.eventId))],
      pagesFetched: pages,
      hasMore: full,
    };
  },
});

/** `{"response":{"Attribute":[…]}}`; some MISP versions answer an empty search with `{"response":[]}`. */
function readAttributes(body: unknown): Record<string, unknown>[] {
  const response = (body as { response?: unknown } | null)?.response;
  if (Array.isArray(response) && response.length === 0) return [];
  const list = (response as { Attribute?: unknown } | undefined)?.Attribute;
  if (!Array.isArray(list))
    throw new ActionError(
      'invalid_response',
      'MISP /attributes/restSearch answered without response.Attribute',
      {
        retryable: false,
      },
    );
  return list.filter((a): a is Record<string, unknown> => a !== null && typeof a === 'object');
}

function toAttribute(a: Record<string, unknown>): Static<typeof Attribute> {
  const event = (a['Event'] ?? {}) as Record<string, unknown>;
  const seconds = Number(a['timestamp']);
  const tags = Array.isArray(a['Tag']) ? (a['Tag'] as { name?: unknown }[]) : [];
  return {
    id: String(a['id'] ?? ''),
    eventId: String(a['event_id'] ?? event['id'] ?? ''),
    eventInfo: typeof event['info'] === 'string' ? event['info'] : null,
    type: String(a['type'] ?? ''),
    category: String(a['category'] ?? ''),
    value: String(a['value'] ?? ''),
    // Older MISP versions serialise booleans as "1"/"0".
    toIds: a['to_ids'] === true || a['to_ids'] === '1' || a['to_ids'] === 1,
    comment: typeof a['comment'] === 'string' ? a['comment'] : '',
    timestamp: Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : null,
    tags: tags.map((t) => t.name).filter((n): n is string => typeof n === 'string'),
  };
}

/**
 * MISP gives no score. An attribute flagged for detection (`to_ids`) is someone's decision that it is
 * an indicator: malicious (80). Present without it (context, a link, a victim's address): suspicious (40).
 */
export function mispFinding(output: Output): EnrichmentFinding {
  if (!output.found) return { verdict: 'unknown', score: null, summary: 'not in MISP' };
  const flagged = output.attributes.filter((a) => a.toIds).length;
  const where = `${output.count} attribute(s) in ${output.events.length} event(s)`;
  return flagged > 0
    ? { verdict: 'malicious', score: 80, summary: `${where}, ${flagged} flagged to_ids` }
    : { verdict: 'suspicious', score: 40, summary: `${where}, none flagged to_ids` };
}

const BY_MISP_TYPE = lookupTable<ObservableType>({
  domain: 'domain',
  hostname: 'domain',
  url: 'url',
  uri: 'url',
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  email: 'email',
  'email-src': 'email',
  'email-dst': 'email',
  filename: 'filename',
});

/** The observable a search names; null for a wildcard or a value no observable type fits. */
export function observableOf(
  value: string,
  mispType?: string,
): { type: ObservableType; value: string } | null {
  if (value.includes('%')) return null;
  const family = isIP(value);
  if (family) return { type: family === 4 ? 'ipv4' : 'ipv6', value };
  const byType = mispType ? BY_MISP_TYPE[mispType] : undefined;
  if (byType) return { type: byType, value };
  if (/^https?:\/\//i.test(value)) return { type: 'url', value };
  if (/^[a-f0-9]{64}$/i.test(value)) return { type: 'sha256', value: value.toLowerCase() };
  if (/^[a-f0-9]{40}$/i.test(value)) return { type: 'sha1', value: value.toLowerCase() };
  if (/^[a-f0-9]{32}$/i.test(value)) return { type: 'md5', value: value.toLowerCase() };
  if (/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(value)) return { type: 'email', value };
  if (/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/i.test(value))
    return { type: 'domain', value: value.toLowerCase() };
  return null;
}
