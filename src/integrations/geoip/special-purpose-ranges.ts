import { inBlock, parseIp, type IpAddress } from './ip-address.ts';

/**
 * Address blocks that are not on the public internet (IANA's special-purpose registries, RFC 6890 and
 * successors): a lookup would say nothing true about them, so the action answers without one.
 * 2001::/23 is left out: most of it is routed (Teredo, AS112, ORCHID) and the ASN data knows it.
 */
const RANGES: readonly [cidr: string, name: string][] = [
  ['0.0.0.0/8', 'this network'],
  ['10.0.0.0/8', 'private use'],
  ['100.64.0.0/10', 'shared address space (CGNAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link local'],
  ['172.16.0.0/12', 'private use'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation (TEST-NET-1)'],
  ['192.88.99.0/24', 'deprecated 6to4 relay anycast'],
  ['192.168.0.0/16', 'private use'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'documentation (TEST-NET-3)'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'local-use IPv4/IPv6 translation'],
  ['100::/64', 'discard only'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['fc00::/7', 'unique local'],
  ['fe80::/10', 'link local'],
  ['ff00::/8', 'multicast'],
];

const BLOCKS = RANGES.map(([cidr, name]) => {
  const [base, bits] = cidr.split('/') as [string, string];
  return { cidr, name, network: parseIp(base)!, prefix: Number(bits) };
});

/** The special-purpose block holding `address`, or null for a public address. */
export function specialPurposeRange(address: IpAddress): { network: string; name: string } | null {
  const found = BLOCKS.find((b) => inBlock(address, b.network, b.prefix));
  return found ? { network: found.cidr, name: found.name } : null;
}
