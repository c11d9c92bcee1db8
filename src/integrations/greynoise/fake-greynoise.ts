import { isIP } from 'node:net';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

/** What GreyNoise knows about one address. */
export interface FakeGreynoiseAddress {
  noise: boolean;
  riot: boolean;
  classification: 'benign' | 'malicious' | 'unknown';
  name: string;
  /** YYYY-MM-DD */
  last_seen: string;
}

export type FakeGreynoiseFault = 'server_error' | 'html' | 'garbage';

export interface FakeGreynoiseOptions {
  /** The one key accepted in the `key` header. */
  apiKey?: string;
  addresses?: Record<string, FakeGreynoiseAddress>;
  /** Lookups allowed before 429. */
  dailyLimit?: number;
  faults?: Record<string, FakeGreynoiseFault>;
}

export interface FakeGreynoise extends FakeServer {
  /** The base URL an instance points at (`…/v3/community`). */
  baseUrl: string;
}

export const FAKE_GREYNOISE_KEY = 'fake-greynoise-key-abcdefghijklmnop';

/**
 * The "not observed" text as many public clients match it. A live answer quoted in 2026 was shorter
 * ("IP not observed scanning the internet."), so the connector keys on the 404 status, never on this text.
 */
export const NOT_OBSERVED = 'IP not observed scanning the internet or contained in RIOT data set.';

const PRIVATE = /^(0\.|10\.|127\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|22[4-9]\.|2[3-5]\d\.)/;

/** A stand-in for the GreyNoise Community API, `GET /v3/community/{ip}`. */
export async function startFakeGreynoise(options: FakeGreynoiseOptions = {}): Promise<FakeGreynoise> {
  const apiKey = options.apiKey ?? FAKE_GREYNOISE_KEY;
  const limit = options.dailyLimit ?? 50;
  let used = 0;

  const community = (request: FakeRequest): FakeReply => {
    if (request.headers['key'] !== apiKey) return { status: 401, json: { message: 'Unauthorized' } };
    if (used >= limit)
      return {
        status: 429,
        json: {
          plan: 'community',
          'rate-limit': `${limit}-lookups/day`,
          plan_url: 'https://greynoise.io/pricing',
          message: `You have hit your daily rate limit of ${limit} requests per day. Please create a free account or upgrade your plan at https://greynoise.io/pricing.`,
        },
      };
    used++;
    const ip = request.params['ip'] ?? '';
    if (isIP(ip) !== 4 || PRIVATE.test(ip))
      return { status: 400, json: { message: 'Request is not a valid routable IPv4 address' } };
    const fault = options.faults?.[ip];
    if (fault) return faultReply(fault);
    const known = options.addresses?.[ip];
    if (!known) return { status: 404, json: { ip, noise: false, riot: false, message: NOT_OBSERVED } };
    return {
      json: {
        ip,
        noise: known.noise,
        riot: known.riot,
        classification: known.classification,
        name: known.name,
        link: `https://viz.greynoise.io/${known.riot && !known.noise ? 'riot' : 'ip'}/${ip}`,
        last_seen: known.last_seen,
        message: 'Success',
      },
    };
  };

  const server = await startFakeServer([['GET', '/v3/community/:ip', community]]);
  return Object.assign(server, { baseUrl: `${server.url}/v3/community` });
}

function faultReply(fault: FakeGreynoiseFault): FakeReply {
  switch (fault) {
    case 'server_error':
      return {
        status: 502,
        text: '<html><body>502 Bad Gateway</body></html>',
        headers: { 'content-type': 'text/html' },
      };
    case 'html':
      return { text: '<html><body>Please sign in</body></html>', headers: { 'content-type': 'text/html' } };
    case 'garbage':
      return { json: { ip: '1.2.3.4', status: 'ok' } };
  }
}
