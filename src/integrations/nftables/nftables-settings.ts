import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { ActionError } from '../../core/action.ts';

export const NFT_FAMILIES = ['inet', 'ip', 'ip6'] as const;
export type NftFamily = (typeof NFT_FAMILIES)[number];

export const DEFAULTS = {
  mode: 'local',
  family: 'inet',
  table: 'riposte',
  set_v4: 'blocklist_v4',
  set_v6: 'blocklist_v6',
} as const;

export const INSTALL_HINT = 'apt-get update && apt-get install -y nftables';

/** Table and set names go into nft's command line, so only plain identifiers get through. */
const NAME = /^[a-z][a-z0-9_]{0,31}$/;
/** A file name under /run/netns; no slash, and never "." or "..". */
const NETNS = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** An instance's fields, checked and typed; built per call so an edited instance takes effect at once. */
export interface NftablesSettings {
  family: NftFamily;
  table: string;
  /** The set per address family; null where the table's family cannot hold it (`ip` has no IPv6). */
  sets: { ipv4: string | null; ipv6: string | null };
  /** Run nft inside this network namespace (`ip netns exec`). */
  netns: string | null;
  nftPath: string;
  ipPath: string;
}

function invalid(message: string): ActionError {
  return new ActionError('invalid_configuration', message, { retryable: false });
}

/**
 * Where distributions install nft and ip. A fixed list rather than PATH: a service's PATH often
 * lacks the sbin directories, and only config.ts reads the environment. `nft_path` covers the rest.
 */
export const SYSTEM_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/bin', '/bin', '/usr/local/bin'];

export function findExecutable(name: string): string | null {
  for (const dir of SYSTEM_DIRS) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function notInstalled(what: string): ActionError {
  return new ActionError('not_installed', `${what}; install nftables with: ${INSTALL_HINT}`, {
    retryable: false,
  });
}

function name(fields: Readonly<Record<string, string>>, field: keyof typeof DEFAULTS): string {
  const value = fields[field]?.trim() || DEFAULTS[field];
  if (!NAME.test(value))
    throw invalid(`${field} must be a lowercase name of letters, digits and _ (at most 32), got ${value}`);
  return value;
}

function nftPath(fields: Readonly<Record<string, string>>): string {
  const configured = fields['nft_path']?.trim();
  if (!configured) {
    const found = findExecutable('nft');
    if (!found) throw notInstalled(`nft was not found in ${SYSTEM_DIRS.join(', ')}`);
    return found;
  }
  if (!path.isAbsolute(configured)) throw invalid(`nft_path must be an absolute path, got ${configured}`);
  try {
    accessSync(configured, constants.X_OK);
  } catch {
    throw notInstalled(`nft_path ${configured} is not an executable file`);
  }
  return configured;
}

export function nftablesSettings(fields: Readonly<Record<string, string>>): NftablesSettings {
  const mode = fields['mode']?.trim() || DEFAULTS.mode;
  if (mode === 'ssh')
    throw invalid('mode ssh is not implemented yet: run Riposte on the host, or use mode local');
  if (mode !== 'local') throw invalid(`mode must be local (ssh is planned), got ${mode}`);
  const family = fields['family']?.trim() || DEFAULTS.family;
  if (!(NFT_FAMILIES as readonly string[]).includes(family))
    throw invalid(`family must be one of ${NFT_FAMILIES.join(', ')}, got ${family}`);
  const table = name(fields, 'table');
  const setV4 = name(fields, 'set_v4');
  const setV6 = name(fields, 'set_v6');
  if (family === 'inet' && setV4 === setV6) throw invalid('set_v4 and set_v6 must be different sets');
  const netns = fields['netns']?.trim() || null;
  if (netns !== null && !NETNS.test(netns))
    throw invalid(`netns must be a network namespace name (letters, digits, _ . -), got ${netns}`);
  const ipPath = netns === null ? '' : findExecutable('ip');
  if (ipPath === null)
    throw new ActionError(
      'not_installed',
      'netns is set but ip was not found; install it with: apt-get install -y iproute2',
      { retryable: false },
    );
  return {
    family: family as NftFamily,
    table,
    sets: { ipv4: family === 'ip6' ? null : setV4, ipv6: family === 'ip' ? null : setV6 },
    netns,
    nftPath: nftPath(fields),
    ipPath,
  };
}

/** The set an address of this family goes into; refused when the table's family has none for it. */
export function setFor(settings: NftablesSettings, family: 'ipv4' | 'ipv6'): string {
  const set = settings.sets[family];
  if (!set)
    throw new ActionError(
      'invalid_input',
      `the instance's table is family ${settings.family}, which cannot hold ${family} addresses`,
      { retryable: false },
    );
  return set;
}
