import { BlockList, isIP } from 'node:net';
import { ActionError } from '../../core/action.ts';

export interface BlockableAddress {
  /** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, `::` compressed) as nft prints it. */
  ip: string;
  family: 'ipv4' | 'ipv6';
}

/** Blocking these would cut the host off from itself or match every peer, never one attacker. */
const SELF = new BlockList();
SELF.addSubnet('0.0.0.0', 8, 'ipv4');
SELF.addSubnet('127.0.0.0', 8, 'ipv4');
SELF.addAddress('255.255.255.255', 'ipv4');
SELF.addAddress('::', 'ipv6');
SELF.addAddress('::1', 'ipv6');

function refuse(message: string): ActionError {
  return new ActionError('invalid_input', message, { retryable: false });
}

/** RFC 5952 form, which is how nft lists IPv6 elements; the WHATWG URL parser produces exactly it. */
function canonicalIpv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/**
 * The one address the input names, canonical, or an `invalid_input` error. Checked before any
 * command runs: the address is put into nft's command line, so only what isIP accepts gets through.
 */
export function blockableAddress(value: unknown): BlockableAddress {
  if (typeof value !== 'string') throw refuse('ip must be a string');
  const text = value.trim();
  const version = isIP(text);
  if (version === 0)
    throw refuse(`${JSON.stringify(value)} is not an IPv4 or IPv6 address (no prefixes or ranges)`);
  if (version === 4) {
    if (SELF.check(text, 'ipv4')) throw refuse(`${text} is this host or every host; it cannot be blocked`);
    return { ip: text, family: 'ipv4' };
  }
  if (text.includes('%')) throw refuse(`${text} has a zone index; give the address without %interface`);
  const ip = canonicalIpv6(text);
  if (ip.startsWith('::ffff:'))
    throw refuse(`${text} is an IPv4-mapped IPv6 address; block the IPv4 address it maps instead`);
  if (SELF.check(ip, 'ipv6')) throw refuse(`${ip} is this host or every host; it cannot be blocked`);
  return { ip, family: 'ipv6' };
}

/** For `target`: the canonical address, or null when the input names none (the run then refuses it). */
export function addressOrNull(value: unknown): BlockableAddress | null {
  try {
    return blockableAddress(value);
  } catch {
    return null;
  }
}
