import { isIP } from 'node:net';
import type { ObservableType } from '../../core/alert.ts';

/** Indicator types as users write them; each has an OTX path slug (OTX-Python-SDK IndicatorTypes.slug). */
export const OTX_INDICATOR_TYPES = ['ipv4', 'ipv6', 'domain', 'hostname', 'url', 'file', 'cve'] as const;
export type OtxIndicatorType = (typeof OTX_INDICATOR_TYPES)[number];

export const OTX_SLUG: Readonly<Record<OtxIndicatorType, string>> = {
  ipv4: 'IPv4',
  ipv6: 'IPv6',
  domain: 'domain',
  hostname: 'hostname',
  url: 'url',
  file: 'file',
  cve: 'cve',
};

const HASH_TYPES: Readonly<Record<number, ObservableType>> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };

/** The type a value most plausibly is; a name with dots is taken for a domain (say `hostname` to mean one). */
export function inferOtxType(value: string): OtxIndicatorType | null {
  const version = isIP(value);
  if (version === 4) return 'ipv4';
  if (version === 6) return 'ipv6';
  if (/^cve-\d{4}-\d{4,}$/i.test(value)) return 'cve';
  if (/^[0-9a-f]+$/i.test(value) && HASH_TYPES[value.length]) return 'file';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return 'url';
  if (/^[a-z0-9_-]+(\.[a-z0-9_-]+)+\.?$/i.test(value)) return 'domain';
  return null;
}

/** The Riposte observable an OTX indicator is: hostnames count as domains, files by hash length. */
export function observableTypeOf(type: OtxIndicatorType, value: string): ObservableType | null {
  switch (type) {
    case 'ipv4':
    case 'ipv6':
    case 'domain':
    case 'url':
    case 'cve':
      return type;
    case 'hostname':
      return 'domain';
    case 'file':
      return HASH_TYPES[value.length] ?? null;
  }
}
