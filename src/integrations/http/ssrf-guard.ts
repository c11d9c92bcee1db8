import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { ActionError } from '../../core/action.ts';

/**
 * Addresses integrations may not reach unless allowed by name: loopback, private, link-local (cloud
 * metadata lives at 169.254.169.254), carrier-grade NAT, unique-local, multicast, unspecified.
 */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['fd00:ec2::', 32],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');

/** `127.0.0.1:8443` or `[::1]:8443`: one port of one address. */
const ADDRESS_PORT = /^(?:\[([0-9a-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/i;

/**
 * Exceptions: `127.0.0.1`, `10.0.0.0/8`, `fake.test` (a host name allows whatever it resolves to), and
 * `127.0.0.1:8443` (only that port, for URLs that name the address itself — the demo allows exactly
 * the ports of its fake vendor servers this way).
 */
export class SsrfGuard {
  readonly #allowed = new BlockList();
  readonly #hosts = new Set<string>();
  readonly #ports = new Set<string>();

  constructor(allow: readonly string[] = []) {
    for (const entry of allow) {
      const withPort = ADDRESS_PORT.exec(entry);
      if (withPort && isIP(withPort[1] ?? withPort[2]!) !== 0) {
        this.#ports.add(`${(withPort[1] ?? withPort[2]!).toLowerCase()}|${Number(withPort[3])}`);
        continue;
      }
      const [address, prefix] = entry.split('/');
      const family = isIP(address ?? '');
      if (family === 0) this.#hosts.add(entry.toLowerCase());
      else if (prefix === undefined) this.#allowed.addAddress(address!, family === 4 ? 'ipv4' : 'ipv6');
      else this.#allowed.addSubnet(address!, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Throws when the address may not be reached (on `port`, when the caller knows it). */
  check(hostname: string, address: string, port?: number): void {
    if (this.#hosts.has(hostname.toLowerCase())) return;
    const family: 'ipv4' | 'ipv6' = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const [judged, judgedFamily]: [string, 'ipv4' | 'ipv6'] = mapped ? [mapped, 'ipv4'] : [address, family];
    if (this.#allowed.check(judged, judgedFamily)) return;
    if (port !== undefined && this.#ports.has(`${judged.toLowerCase()}|${port}`)) return;
    if (FORBIDDEN.check(judged, judgedFamily))
      throw new ActionError(
        'ssrf_blocked',
        `refused to connect to ${hostname} (${address}): private, loopback, link-local and metadata addresses need RIPOSTE_OUTBOUND_ALLOW`,
        { retryable: false },
      );
  }

  /** A `lookup` for sockets: resolves, then refuses the forbidden addresses, so the address checked is the one used. */
  readonly lookup = (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { all: true, family: Number(options.family) || 0 }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      try {
        for (const a of addresses) this.check(hostname, a.address);
      } catch (refused) {
        return callback(refused as Error, '', 0);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
