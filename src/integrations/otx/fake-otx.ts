import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

/** A pulse as the fake lists it on indicator pages and in the subscribed feed. */
export interface FakeOtxPulse {
  id: string;
  name: string;
  tags?: string[];
  /** Names; rendered as `{id, display_name, target}` objects on indicator pages. */
  malware_families?: string[];
  created: string;
  modified?: string;
  TLP?: string;
  adversary?: string;
}

export interface FakeOtxIndicator {
  pulses: FakeOtxPulse[];
  /** More pulses than listed (OTX counts all, lists some). */
  count?: number;
  validation?: { source: string; message: string; name: string }[];
  false_positive?: unknown[];
  reputation?: number;
}

export type FakeOtxFault = 'server_error' | 'html' | 'garbage';

export interface FakeOtxOptions {
  /** The one key accepted in `X-OTX-API-KEY`. */
  apiKey?: string;
  /** Keyed `<slug>/<value>`, e.g. `IPv4/1.2.3.4`, `domain/example.com`, `url/http://x/`. */
  indicators?: Record<string, FakeOtxIndicator>;
  /** Pulses the key is subscribed to (`/pulses/subscribed`, paginated). */
  subscribed?: FakeOtxPulse[];
  /** Requests allowed before 429. */
  requestLimit?: number;
  faults?: Record<string, FakeOtxFault>;
}

export interface FakeOtx extends FakeServer {
  /** The base URL an instance points at (`…/api/v1`). */
  baseUrl: string;
}

export const FAKE_OTX_KEY = 'fakeotx0123456789abcdef0123456789abcdef0123456789abcdef01234567';

const TYPE_TITLES: Record<string, string> = {
  IPv4: 'IPv4',
  IPv6: 'IPv6',
  domain: 'Domain',
  hostname: 'Hostname',
  url: 'URL',
  cve: 'CVE',
};
/** Slugs whose unknown values still get a page (empty pulse_info); others answer 404. */
const ALWAYS_PAGED = new Set(['IPv4', 'IPv6', 'domain', 'hostname']);

// DRF-style bodies: OTX's API is Django REST Framework (its errors carry "detail"). Not recorded.
const detail = (status: number, text: string, headers?: Record<string, string>): FakeReply => ({
  status,
  json: { detail: text },
  ...(headers ? { headers } : {}),
});

/** A stand-in for OTX DirectConnect v1: indicator `general` pages and the subscribed-pulses feed. */
export async function startFakeOtx(options: FakeOtxOptions = {}): Promise<FakeOtx> {
  const apiKey = options.apiKey ?? FAKE_OTX_KEY;
  const limit = options.requestLimit ?? Number.POSITIVE_INFINITY;
  let used = 0;
  let base = '';

  const guard = (request: FakeRequest): FakeReply | null => {
    const key = request.headers['x-otx-api-key'];
    if (key === undefined) return detail(403, 'Authentication credentials were not provided.');
    if (key !== apiKey) return detail(403, 'Invalid API key.');
    if (used >= limit)
      return detail(429, 'Request was throttled. Expected available in 60 seconds.', { 'retry-after': '60' });
    used++;
    return null;
  };

  const general = (request: FakeRequest): FakeReply => {
    const refused = guard(request);
    if (refused) return refused;
    const slug = request.params['type'] ?? '';
    const value = request.params['value'] ?? '';
    if (request.params['section'] !== 'general' || !(slug in TYPE_TITLES || slug === 'file'))
      return detail(404, 'Not found.');
    const fault = options.faults?.[`${slug}/${value}`];
    if (fault) return faultReply(fault);
    const known = options.indicators?.[`${slug}/${value}`];
    if (!known && !ALWAYS_PAGED.has(slug)) return detail(404, 'Not found.');
    return { json: page(slug, value, known) };
  };

  const subscribed = (request: FakeRequest): FakeReply => {
    const refused = guard(request);
    if (refused) return refused;
    const all = options.subscribed ?? [];
    const size = Math.max(1, Number(request.query.get('limit') ?? '50'));
    const number = Math.max(1, Number(request.query.get('page') ?? '1'));
    const results = all.slice((number - 1) * size, number * size);
    const at = (n: number) => `${base}/api/v1/pulses/subscribed?limit=${size}&page=${n}`;
    return {
      json: {
        results: results.map((p) => ({ ...p, indicators: [] })),
        count: all.length,
        next: number * size < all.length ? at(number + 1) : null,
        previous: number > 1 ? at(number - 1) : null,
      },
    };
  };

  const server = await startFakeServer([
    ['GET', '/api/v1/indicators/:type/:value/:section', general],
    ['GET', '/api/v1/pulses/subscribed', subscribed],
  ]);
  base = server.url;
  return Object.assign(server, { baseUrl: `${server.url}/api/v1` });
}

function typeTitle(slug: string, value: string): string {
  if (slug !== 'file') return TYPE_TITLES[slug] ?? slug;
  return value.length === 32 ? 'FileHash-MD5' : value.length === 40 ? 'FileHash-SHA1' : 'FileHash-SHA256';
}

/**
 * The `general` section, in the shape of answers recorded in public code (demisto/content's
 * AlienVault_OTX_v2 tests; an `otx.indicator` action's documented example): pulse_info{count, pulses,
 * references, related}, validation[{source, message, name}], false_positive, reputation (IPs).
 */
function page(slug: string, value: string, known: FakeOtxIndicator | undefined): Record<string, unknown> {
  const pulses = known?.pulses ?? [];
  return {
    whois: `http://whois.domaintools.com/${value}`,
    ...(slug === 'IPv4' || slug === 'IPv6' ? { reputation: known?.reputation ?? 0 } : {}),
    indicator: value,
    type: slug === 'file' ? typeTitle(slug, value).replace('FileHash-', '').toLowerCase() : slug,
    type_title: typeTitle(slug, value),
    base_indicator: {},
    pulse_info: {
      count: known?.count ?? pulses.length,
      pulses: pulses.map((p) => ({
        id: p.id,
        name: p.name,
        description: '',
        modified: p.modified ?? p.created,
        created: p.created,
        tags: p.tags ?? [],
        references: [],
        public: 1,
        adversary: p.adversary ?? '',
        targeted_countries: [],
        malware_families: (p.malware_families ?? []).map((name) => ({
          id: name,
          display_name: name,
          target: `/malware/${name}`,
        })),
        attack_ids: [],
        industries: [],
        TLP: p.TLP ?? 'white',
        cloned_from: null,
        export_count: 0,
        upvotes_count: 0,
        downvotes_count: 0,
        votes_count: 0,
        locked: false,
        pulse_source: 'web',
        validator_count: 0,
        comment_count: 0,
        follower_count: 0,
        vote: 0,
        author: {
          username: 'fake_author',
          id: '1',
          avatar_url: '',
          is_subscribed: false,
          is_following: false,
        },
        indicator_type_counts: { [typeTitle(slug, value)]: 1 },
        indicator_count: 1,
        is_author: false,
        is_subscribing: null,
        subscriber_count: 0,
        modified_text: '',
        is_modified: false,
        groups: [],
        in_group: false,
        threat_hunter_scannable: true,
        threat_hunter_has_agents: 1,
        related_indicator_type: typeTitle(slug, value),
        related_indicator_is_active: 1,
      })),
      references: [],
      related: {
        alienvault: { adversary: [], malware_families: [], industries: [] },
        other: { adversary: [], malware_families: [], industries: [] },
      },
    },
    false_positive: known?.false_positive ?? [],
    validation: known?.validation ?? [],
    sections: ['general'],
  };
}

function faultReply(fault: FakeOtxFault): FakeReply {
  switch (fault) {
    case 'server_error':
      return { status: 500, text: '<h1>Server Error (500)</h1>', headers: { 'content-type': 'text/html' } };
    case 'html':
      return {
        text: '<!DOCTYPE html><html><body>LevelBlue OTX</body></html>',
        headers: { 'content-type': 'text/html' },
      };
    case 'garbage':
      return { json: { indicator: 'x', sections: [] } };
  }
}
