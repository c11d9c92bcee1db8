import { BlockList } from 'node:net';
import { ActionError } from '../../core/action.ts';
import type { BlockableAddress } from './blockable-address.ts';
import { nft } from './nft-command.ts';
import type { NftablesSettings } from './nftables-settings.ts';

/** One element of a blocklist set, as `nft -j list set` shows it. */
export interface SetElement {
  /** An address, a prefix (`10.0.0.0/8`) or a range (`10.0.0.1-10.0.0.9`). */
  address: string;
  family: 'ipv4' | 'ipv6';
  /** The timeout it was added with; null for a permanent element. */
  timeoutSeconds: number | null;
  /** Seconds until the kernel removes it; null for a permanent element. */
  expiresInSeconds: number | null;
}

type Json = Record<string, unknown>;

function invalidJson(detail: string): ActionError {
  return new ActionError('invalid_response', `nft -j printed something unexpected: ${detail}`, {
    retryable: false,
  });
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The address part of an element value: "1.2.3.4", {prefix: {addr, len}} or {range: [a, b]}. */
function addressOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isObject(value) && isObject(value['prefix'])) {
    const { addr, len } = value['prefix'];
    if (typeof addr === 'string' && typeof len === 'number') return `${addr}/${len}`;
  }
  if (isObject(value) && Array.isArray(value['range'])) {
    const [from, to] = value['range'] as unknown[];
    if (typeof from === 'string' && typeof to === 'string') return `${from}-${to}`;
  }
  throw invalidJson(`an element value ${JSON.stringify(value)}`);
}

const seconds = (value: unknown) => (typeof value === 'number' ? value : null);

function element(raw: unknown, family: SetElement['family']): SetElement {
  // With a timeout (or a comment) the value is wrapped: {elem: {val, timeout, expires}}.
  const wrapped = isObject(raw) && isObject(raw['elem']) ? raw['elem'] : null;
  return {
    address: addressOf(wrapped ? wrapped['val'] : raw),
    family,
    timeoutSeconds: wrapped ? seconds(wrapped['timeout']) : null,
    expiresInSeconds: wrapped ? seconds(wrapped['expires']) : null,
  };
}

/** The elements of the set in `nft -j list set` output. */
export function parseSetElements(stdout: string, family: SetElement['family']): SetElement[] {
  let document: unknown;
  try {
    document = JSON.parse(stdout);
  } catch {
    throw invalidJson(stdout.slice(0, 200));
  }
  const items = isObject(document) && Array.isArray(document['nftables']) ? document['nftables'] : null;
  if (!items) throw invalidJson('no nftables array');
  const set = items
    .map((item) => (isObject(item) && isObject(item['set']) ? item['set'] : null))
    .find(Boolean);
  if (!set) throw invalidJson('no set in the listing');
  const elems = set['elem'];
  if (elems === undefined) return [];
  if (!Array.isArray(elems)) throw invalidJson('elem is not an array');
  return elems.map((raw) => element(raw, family));
}

/**
 * The set's elements, or [] when the table or set does not exist yet (nothing was ever blocked).
 */
export async function listSet(
  settings: NftablesSettings,
  family: SetElement['family'],
  signal: AbortSignal,
): Promise<SetElement[]> {
  const set = settings.sets[family];
  if (!set) return [];
  try {
    const stdout = await nft(settings, ['-j', 'list', 'set', settings.family, settings.table, set], signal);
    return parseSetElements(stdout, family);
  } catch (error) {
    if (error instanceof ActionError && error.code === 'not_found') return [];
    throw error;
  }
}

/** The element that makes `address` blocked: itself, or a prefix or range around it; null when none does. */
export function coveringElement(elements: SetElement[], address: BlockableAddress): SetElement | null {
  for (const e of elements) {
    if (e.family !== address.family) continue;
    if (e.address === address.ip) return e;
    const covers = new BlockList();
    const slash = e.address.indexOf('/');
    const dash = e.address.indexOf('-');
    if (slash > 0) covers.addSubnet(e.address.slice(0, slash), Number(e.address.slice(slash + 1)), e.family);
    else if (dash > 0) covers.addRange(e.address.slice(0, dash), e.address.slice(dash + 1), e.family);
    else continue;
    if (covers.check(address.ip, address.family)) return e;
  }
  return null;
}
