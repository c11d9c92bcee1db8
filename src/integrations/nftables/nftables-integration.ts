import { defineIntegration } from '../sdk/integration.ts';
import { blockIp } from './block-ip.ts';
import { listBlocked } from './list-blocked.ts';
import { nft } from './nft-command.ts';
import { DEFAULTS, nftablesSettings } from './nftables-settings.ts';
import { unblockIp } from './unblock-ip.ts';

/**
 * A Linux host's nftables firewall, driven through the `nft` command rather than the SDK's HTTP
 * client: `auth` is none and `baseUrl` unused. Blocked addresses are elements of two sets in a
 * table of Riposte's own, whose chains drop traffic from and to them (see README.md).
 */
export const nftablesIntegration = defineIntegration({
  id: 'nftables',
  name: 'nftables (Linux firewall)',
  version: '1.0.0',
  categories: ['firewall', 'network'],
  docs: 'https://wiki.nftables.org/wiki-nftables/index.php/Sets',
  baseUrl: 'nft://localhost',
  credentials: [
    {
      name: 'mode',
      label: 'Mode',
      secret: false,
      required: false,
      default: DEFAULTS.mode,
      description:
        'local: run nft on the machine Riposte runs on (as root or with CAP_NET_ADMIN). ssh is planned.',
    },
    {
      name: 'family',
      label: 'Table family',
      secret: false,
      required: false,
      default: DEFAULTS.family,
      description: 'inet (IPv4 and IPv6 in one table), ip (IPv4 only) or ip6 (IPv6 only).',
    },
    {
      name: 'table',
      label: 'Table',
      secret: false,
      required: false,
      default: DEFAULTS.table,
      description: 'Created on first block and owned by Riposte: its chains are rewritten on every block.',
    },
    { name: 'set_v4', label: 'IPv4 set', secret: false, required: false, default: DEFAULTS.set_v4 },
    { name: 'set_v6', label: 'IPv6 set', secret: false, required: false, default: DEFAULTS.set_v6 },
    {
      name: 'netns',
      label: 'Network namespace',
      secret: false,
      required: false,
      description: 'Run nft inside this namespace (ip netns exec); empty for the host’s own.',
    },
    {
      name: 'nft_path',
      label: 'nft executable',
      secret: false,
      required: false,
      description:
        'Absolute path; when empty, looked for in /usr/sbin, /sbin, /usr/local/sbin and the bin directories.',
    },
  ],
  auth: { kind: 'none' },
  // Lists the tables: proves nft is there, may talk to the kernel, and the namespace exists.
  testConnection: async (context) => {
    await nft(nftablesSettings(context.fields), ['list', 'tables'], context.signal);
  },
  actions: [blockIp, unblockIp, listBlocked],
});
