import { BlockList, isIP } from 'node:net';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

export interface FakeRdapDomain {
  name: string;
  registered: Date;
  lastChanged?: Date;
  expires?: Date;
  registrar?: string;
  registrarIanaId?: string;
  status?: string[];
  nameservers?: string[];
}

export interface FakeRdapNetwork {
  /** `192.0.2.0/24` or `2001:db8::/32`. */
  cidr: string;
  name: string;
  handle: string;
  country?: string;
  registrant?: string;
  registered?: Date;
  lastChanged?: Date;
}

export interface FakeRdapOptions {
  domains?: FakeRdapDomain[];
  networks?: FakeRdapNetwork[];
  /** Answers a request instead of the server when it returns a reply (fault injection). */
  intercept?: (request: FakeRequest) => FakeReply | undefined;
  /** After this many requests every further one answers 429 (RFC 7480 §5.5). */
  requestsBeforeLimit?: number;
}

const RDAP = { 'content-type': 'application/rdap+json' };

/**
 * A local RDAP service in two parts, as rdap.org and a registry are: `/domain/{name}` and `/ip/{addr}`
 * answer a 302 to the authoritative server (`/registry/…`), as rdap.org does after reading the IANA
 * bootstrap (RFC 9224), except for TLDs it has no entry for (`.invalid`: 404). The registry answers
 * RFC 9083 domain and IP network objects, and 404 with an RFC 9083 error body.
 */
export async function startFakeRdap(options: FakeRdapOptions = {}): Promise<FakeServer> {
  let base = '';
  let served = 0;
  const domains = new Map((options.domains ?? []).map((d) => [d.name.toLowerCase(), d]));
  const networks = (options.networks ?? []).map((n) => {
    const [address, prefix] = n.cidr.split('/');
    const list = new BlockList();
    list.addSubnet(address!, Number(prefix), isIP(address!) === 6 ? 'ipv6' : 'ipv4');
    return { ...n, list, address: address!, prefix: Number(prefix) };
  });

  const answer = (handler: (request: FakeRequest) => FakeReply) => (request: FakeRequest) => {
    const intercepted = options.intercept?.(request);
    if (intercepted) return intercepted;
    served++;
    if (options.requestsBeforeLimit !== undefined && served > options.requestsBeforeLimit)
      return {
        status: 429,
        headers: { 'retry-after': '60', ...RDAP },
        json: error(429, 'Too Many Requests'),
      };
    return handler(request);
  };

  const server = await startFakeServer([
    [
      'GET',
      '/domain/:name',
      answer((r) =>
        r.params['name']!.toLowerCase().endsWith('.invalid')
          ? {
              status: 404,
              headers: RDAP,
              json: error(404, 'No RDAP server for this TLD in the bootstrap registry'),
            }
          : {
              status: 302,
              headers: { location: `${base}/registry/domain/${encodeURIComponent(r.params['name']!)}` },
              text: '',
            },
      ),
    ],
    [
      'GET',
      '/ip/*',
      answer((r) => ({
        status: 302,
        headers: { location: `${base}/registry/ip/${r.params['rest']}` },
        text: '',
      })),
    ],
    [
      'GET',
      '/registry/domain/:name',
      answer((r) => {
        const domain = domains.get(r.params['name']!.toLowerCase());
        return domain
          ? { headers: RDAP, json: domainObject(domain, base) }
          : {
              status: 404,
              headers: RDAP,
              json: error(404, 'Not Found', `${r.params['name']} is not registered here`),
            };
      }),
    ],
    [
      'GET',
      '/registry/ip/*',
      answer((r) => {
        const address = (r.params['rest'] ?? '').split('/')[0]!;
        const family = isIP(address);
        if (!family)
          return { status: 400, headers: RDAP, json: error(400, 'Bad Request', 'not an IP address') };
        const network = networks.find((n) => n.list.check(address, family === 6 ? 'ipv6' : 'ipv4'));
        return network
          ? { headers: RDAP, json: networkObject(network, family, base) }
          : { status: 404, headers: RDAP, json: error(404, 'Not Found') };
      }),
    ],
  ]);
  base = server.url;
  return server;
}

function error(errorCode: number, title: string, ...description: string[]) {
  return { rdapConformance: ['rdap_level_0'], errorCode, title, description };
}

function events(list: [string, Date | undefined][]) {
  return list
    .filter((e): e is [string, Date] => e[1] !== undefined)
    .map(([eventAction, date]) => ({ eventAction, eventDate: date.toISOString().replace(/\.\d{3}Z$/, 'Z') }));
}

function vcard(fn: string) {
  return [
    'vcard',
    [
      ['version', {}, 'text', '4.0'],
      ['fn', {}, 'text', fn],
    ],
  ];
}

function domainObject(d: FakeRdapDomain, base: string) {
  const name = d.name.toLowerCase();
  return {
    rdapConformance: [
      'rdap_level_0',
      'icann_rdap_response_profile_0',
      'icann_rdap_technical_implementation_guide_0',
    ],
    objectClassName: 'domain',
    handle: `${name.replace(/\W/g, '').toUpperCase()}-FAKE`,
    ldhName: name.toUpperCase(),
    links: [
      {
        value: `${base}/registry/domain/${name}`,
        rel: 'self',
        href: `${base}/registry/domain/${name}`,
        type: 'application/rdap+json',
      },
    ],
    status: d.status ?? ['client transfer prohibited'],
    entities: [
      {
        objectClassName: 'entity',
        handle: d.registrarIanaId ?? '9999',
        roles: ['registrar'],
        publicIds: [{ type: 'IANA Registrar ID', identifier: d.registrarIanaId ?? '9999' }],
        vcardArray: vcard(d.registrar ?? 'Example Registrar, Inc.'),
      },
    ],
    events: events([
      ['registration', d.registered],
      ['expiration', d.expires],
      ['last changed', d.lastChanged],
      ['last update of RDAP database', new Date()],
    ]),
    secureDNS: { delegationSigned: false },
    nameservers: (d.nameservers ?? ['ns1.example.net', 'ns2.example.net']).map((ns) => ({
      objectClassName: 'nameserver',
      ldhName: ns.toUpperCase(),
    })),
    notices: [{ title: 'Terms of Use', description: ['Service subject to the fake terms of use.'] }],
  };
}

function networkObject(
  n: FakeRdapNetwork & { address: string; prefix: number },
  family: number,
  base: string,
) {
  return {
    rdapConformance: ['rdap_level_0', 'cidr0'],
    objectClassName: 'ip network',
    handle: n.handle,
    startAddress: n.address,
    endAddress: family === 4 ? lastV4(n.address, n.prefix) : `${n.address.replace(/::$/, ':')}:ffff`,
    ipVersion: family === 4 ? 'v4' : 'v6',
    name: n.name,
    type: 'ASSIGNED PA',
    country: n.country ?? 'NL',
    parentHandle: 'PARENT-FAKE',
    status: ['active'],
    cidr0_cidrs: [
      family === 4 ? { v4prefix: n.address, length: n.prefix } : { v6prefix: n.address, length: n.prefix },
    ],
    links: [
      { value: `${base}/registry/ip/${n.address}`, rel: 'self', href: `${base}/registry/ip/${n.address}` },
    ],
    entities: [
      {
        objectClassName: 'entity',
        handle: `${n.handle}-ORG`,
        roles: ['registrant'],
        vcardArray: vcard(n.registrant ?? n.name),
      },
    ],
    events: events([
      ['registration', n.registered],
      ['last changed', n.lastChanged],
    ]),
  };
}

function lastV4(address: string, prefix: number): string {
  const n = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const last = n + 2 ** (32 - prefix) - 1;
  return [24, 16, 8, 0].map((s) => Math.floor(last / 2 ** s) % 256).join('.');
}
