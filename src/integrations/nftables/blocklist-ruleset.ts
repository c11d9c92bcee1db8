import { nft } from './nft-command.ts';
import type { NftablesSettings } from './nftables-settings.ts';

/** The hooks whose chains drop traffic from and to a blocked address. */
const CHAINS = ['input', 'forward', 'output'] as const;

/**
 * The nft script that makes the instance's table, sets and chains exist. `add` (not `create`)
 * succeeds when they are already there. The chains belong to Riposte: they are flushed and their
 * rules written again in the same transaction, so repeating the script never duplicates a rule
 * and never leaves a moment without them.
 */
export function blocklistRuleset(settings: NftablesSettings): string {
  const { family, table, sets } = settings;
  const lines = [`add table ${family} ${table}`];
  if (sets.ipv4)
    lines.push(`add set ${family} ${table} ${sets.ipv4} { type ipv4_addr; flags interval, timeout; }`);
  if (sets.ipv6)
    lines.push(`add set ${family} ${table} ${sets.ipv6} { type ipv6_addr; flags interval, timeout; }`);
  for (const chain of CHAINS) {
    // Before the usual filter priority (0), so the drop happens whatever other tables accept.
    lines.push(
      `add chain ${family} ${table} ${chain} { type filter hook ${chain} priority -10; policy accept; }`,
      `flush chain ${family} ${table} ${chain}`,
    );
    for (const [match, set] of [
      ['ip', sets.ipv4],
      ['ip6', sets.ipv6],
    ] as const) {
      if (!set) continue;
      for (const direction of ['saddr', 'daddr'])
        lines.push(`add rule ${family} ${table} ${chain} ${match} ${direction} @${set} drop`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Applies the script on every block rather than once per process: a firewall reload (`nft flush
 * ruleset`, firewalld, a reboot) removes the table behind our back, and one nft call is cheap.
 */
export async function ensureBlocklist(settings: NftablesSettings, signal: AbortSignal): Promise<void> {
  await nft(settings, ['-f', '-'], signal, { stdin: blocklistRuleset(settings) });
}
