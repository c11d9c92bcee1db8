import { Type, type Static } from '@sinclair/typebox';
import { isIP } from 'node:net';
import { ActionError } from '../../core/action.ts';
import { defineAction, defineIntegration, type EnrichmentFinding } from '../sdk/integration.ts';
import { entityWithRole, eventDate, fetchRdap, statusOf, textOf } from './rdap-object.ts';

/** Younger than this, a domain is "new": phishing and malware domains are mostly used within days. */
export const NEW_DOMAIN_DAYS = 30;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Dates = {
  registered: Nullable(Type.String({ description: 'ISO 8601, the "registration" event' })),
  lastChanged: Nullable(Type.String({ description: 'the "last changed" event' })),
  expires: Nullable(Type.String({ description: 'the "expiration" event' })),
};

const DomainOutput = Type.Object({
  found: Type.Boolean(),
  name: Type.String(),
  handle: Nullable(Type.String()),
  ...Dates,
  ageDays: Nullable(Type.Integer({ description: 'whole days since registration, when it was given' })),
  registrar: Nullable(Type.String()),
  registrarIanaId: Nullable(Type.String()),
  status: Type.Array(Type.String()),
  nameservers: Type.Array(Type.String()),
  server: Type.String({ description: 'the URL that answered (after the bootstrap redirect)' }),
});
type DomainOutput = Static<typeof DomainOutput>;

const IpOutput = Type.Object({
  found: Type.Boolean(),
  address: Type.String(),
  handle: Nullable(Type.String()),
  name: Nullable(Type.String()),
  startAddress: Nullable(Type.String()),
  endAddress: Nullable(Type.String()),
  country: Nullable(Type.String()),
  ...Dates,
  registrar: Nullable(Type.String()),
  registrant: Nullable(Type.String()),
  status: Type.Array(Type.String()),
  nameservers: Type.Array(Type.String()),
  server: Type.String(),
});

const domain = defineAction({
  name: 'domain',
  title: 'Domain registration',
  description:
    'RDAP registration data of a domain: registration, last change and expiry dates, registrar, status, nameservers.',
  effect: 'read',
  cacheTtlSeconds: 24 * 3600,
  input: Type.Object({
    name: Type.String({ pattern: '^(?=.{1,253}\\.?$)([A-Za-z0-9_-]{1,63}\\.)+[A-Za-z0-9-]{2,63}\\.?$' }),
  }),
  output: DomainOutput,
  enrichment: {
    observable: (input) => ({ type: 'domain', value: input.name.toLowerCase() }),
    finding: domainFinding,
  },
  async run(input, { http }) {
    const name = input.name.toLowerCase().replace(/\.$/, '');
    const { object, server } = await fetchRdap(http, `/domain/${encodeURIComponent(name)}`);
    const registered = object ? eventDate(object, 'registration') : null;
    const registrar = object ? entityWithRole(object, 'registrar') : null;
    const nameservers = Array.isArray(object?.['nameservers'])
      ? (object['nameservers'] as Record<string, unknown>[])
      : [];
    return {
      found: object !== null,
      name,
      handle: object ? textOf(object, 'handle') : null,
      registered,
      lastChanged: object ? eventDate(object, 'last changed') : null,
      expires: object ? eventDate(object, 'expiration') : null,
      ageDays: registered ? Math.floor((Date.now() - Date.parse(registered)) / 86_400_000) : null,
      registrar: registrar?.name ?? null,
      registrarIanaId: registrar?.ianaId ?? null,
      status: object ? statusOf(object) : [],
      nameservers: nameservers
        .map((ns) => (typeof ns['ldhName'] === 'string' ? ns['ldhName'].toLowerCase() : null))
        .filter((ns): ns is string => ns !== null),
      server,
    };
  },
});

const ip = defineAction({
  name: 'ip',
  title: 'IP network registration',
  description:
    'RDAP data of the network holding an address: handle, range, name, country, registrant, dates.',
  effect: 'read',
  cacheTtlSeconds: 24 * 3600,
  input: Type.Object({ address: Type.String({ minLength: 2, description: 'an IPv4 or IPv6 address' }) }),
  output: IpOutput,
  async run(input, { http }) {
    if (!isIP(input.address))
      throw new ActionError('invalid_input', `${input.address} is not an IP address`, { retryable: false });
    const { object, server } = await fetchRdap(http, `/ip/${encodeURIComponent(input.address)}`);
    const nameservers = Array.isArray(object?.['nameservers'])
      ? (object['nameservers'] as Record<string, unknown>[])
      : [];
    return {
      found: object !== null,
      address: input.address,
      handle: object ? textOf(object, 'handle') : null,
      name: object ? textOf(object, 'name') : null,
      startAddress: object ? textOf(object, 'startAddress') : null,
      endAddress: object ? textOf(object, 'endAddress') : null,
      country: object ? textOf(object, 'country') : null,
      registered: object ? eventDate(object, 'registration') : null,
      lastChanged: object ? eventDate(object, 'last changed') : null,
      expires: object ? eventDate(object, 'expiration') : null,
      registrar: object ? (entityWithRole(object, 'registrar')?.name ?? null) : null,
      registrant: object ? (entityWithRole(object, 'registrant')?.name ?? null) : null,
      status: object ? statusOf(object) : [],
      nameservers: nameservers.map((ns) => String(ns['ldhName'] ?? '').toLowerCase()).filter(Boolean),
      server,
    };
  },
});

/**
 * RDAP says nothing about malice; it says how old a domain is. Registered less than NEW_DOMAIN_DAYS
 * ago is suspicious (score 50: worth a look, not a block); older, or with no registration date, is
 * unknown — age alone does not make a domain benign.
 */
export function domainFinding(output: DomainOutput): EnrichmentFinding {
  if (!output.found) return { verdict: 'unknown', score: null, summary: 'no RDAP record' };
  if (output.ageDays === null) return { verdict: 'unknown', score: null, summary: 'no registration date' };
  if (output.ageDays < NEW_DOMAIN_DAYS)
    return {
      verdict: 'suspicious',
      score: 50,
      summary: `new domain: registered ${output.ageDays} day(s) ago`,
    };
  return { verdict: 'unknown', score: null, summary: `registered ${output.ageDays} days ago` };
}

export const rdapIntegration = defineIntegration({
  id: 'rdap',
  name: 'RDAP (domain and IP registration data)',
  version: '1.0.0',
  categories: ['enrichment'],
  docs: 'https://www.rfc-editor.org/rfc/rfc9083',
  baseUrl: 'https://rdap.org',
  credentials: [],
  auth: { kind: 'none' },
  // rdap.org asks clients to be gentle; registries behind it rate-limit per source address.
  rateLimit: { requests: 1, perSeconds: 1 },
  async testConnection({ http }) {
    const { object } = await fetchRdap(http, '/domain/example.com');
    if (!object)
      throw new ActionError('invalid_response', 'RDAP has no record of example.com', { retryable: false });
  },
  actions: [domain, ip],
});
