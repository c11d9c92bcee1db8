import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import { GeoipDatabases } from './geoip-databases.ts';
import { parseIp } from './ip-address.ts';
import { specialPurposeRange } from './special-purpose-ranges.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const LookupIpInput = Type.Object(
  { ip: Type.String({ minLength: 2, maxLength: 64, description: 'IPv4 or IPv6 address' }) },
  { additionalProperties: false },
);
export type LookupIpInput = Static<typeof LookupIpInput>;

const PublicAddress = Type.Object({
  ip: Type.String(),
  private: Type.Literal(false),
  /** ISO 3166-1 alpha-2; null where the data has no country (unallocated space). */
  country_code: Nullable(Type.String()),
  country: Nullable(Type.String()),
  /** Present only with a city-level database. */
  city: Type.Optional(Type.String()),
  latitude: Type.Optional(Type.Number()),
  longitude: Type.Optional(Type.Number()),
  asn: Nullable(Type.Integer()),
  as_org: Nullable(Type.String()),
  /** The CIDR block the answer holds for. */
  network: Nullable(Type.String()),
});

const PrivateAddress = Type.Object({
  ip: Type.String(),
  private: Type.Literal(true),
  /** The special-purpose block and what it is for (`10.0.0.0/8`, `private use`). */
  network: Type.String(),
  range: Type.String(),
});

export const LookupIpOutput = Type.Union([PublicAddress, PrivateAddress]);
export type LookupIpOutput = Static<typeof LookupIpOutput>;

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** The offline geolocation integration; `databases` is swapped only by tests. */
export function geoipIntegration(databases = new GeoipDatabases()) {
  return defineIntegration({
    id: 'geoip',
    name: 'Offline IP geolocation and ASN',
    version: '1.0.0',
    categories: ['enrichment', 'network'],
    docs: 'https://db-ip.com',
    baseUrl: '',
    credentials: [],
    auth: { kind: 'none' },
    actions: [
      defineAction({
        name: 'lookup_ip',
        title: 'Locate an IP address',
        description:
          'Country, autonomous system and network of an address from databases shipped with Riposte ' +
          '(no network call). Private and reserved addresses answer { private: true } without a lookup. ' +
          'IP geolocation by DB-IP (db-ip.com), AS data by RouteViews, NRO and DB-IP, CC BY 4.0.',
        effect: 'read',
        input: LookupIpInput,
        output: LookupIpOutput,
        retry: null,
        timeoutMs: 30_000,
        async run(input): Promise<LookupIpOutput> {
          const address = parseIp(input.ip);
          if (!address)
            throw new ActionError('bad_request', `"${input.ip}" is not an IPv4 or IPv6 address`, {
              retryable: false,
            });
          const special = specialPurposeRange(address);
          if (special)
            return { ip: address.text, private: true, network: special.network, range: special.name };
          const found = await databases.lookup(address);
          return {
            ip: address.text,
            private: false,
            country_code: found.countryCode,
            country: found.countryCode ? (regionNames.of(found.countryCode) ?? null) : null,
            ...(found.city === null ? {} : { city: found.city }),
            ...(found.latitude === null ? {} : { latitude: found.latitude }),
            ...(found.longitude === null ? {} : { longitude: found.longitude }),
            asn: found.asn,
            as_org: found.asOrg,
            network: found.network,
          };
        },
      }),
    ],
  });
}

/** The databases the built-in instance reads, shared with `locate-offline.ts` so they load once. */
export const sharedGeoipDatabases = new GeoipDatabases();

export const geoip = geoipIntegration(sharedGeoipDatabases);
