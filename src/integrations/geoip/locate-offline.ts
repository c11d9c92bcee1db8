import { sharedGeoipDatabases } from './geoip-integration.ts';
import type { GeoipDatabases } from './geoip-databases.ts';
import { parseIp } from './ip-address.ts';
import { specialPurposeRange } from './special-purpose-ranges.ts';

export interface OfflinePlace {
  latitude: number | null;
  longitude: number | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  asn: number | null;
}

/**
 * Where an address is, from the same offline databases as `geoip.lookup_ip`, for Riposte's own
 * actions (sign-in risk). Null for an address that is not one, or a private or reserved one.
 * Coordinates are null unless a city-level database is installed (see README.md).
 */
export function offlineLocator(databases: GeoipDatabases) {
  return async (ip: string): Promise<OfflinePlace | null> => {
    const address = parseIp(ip);
    if (!address || specialPurposeRange(address)) return null;
    const found = await databases.lookup(address);
    return {
      latitude: found.latitude,
      longitude: found.longitude,
      country: found.countryCode,
      asn: found.asn,
    };
  };
}

export const locateOffline = offlineLocator(sharedGeoipDatabases);
