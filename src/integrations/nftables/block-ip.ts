import { type Static, Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { defineAction } from '../sdk/integration.ts';
import { addressOrNull, blockableAddress } from './blockable-address.ts';
import { ensureBlocklist } from './blocklist-ruleset.ts';
import { BlocklistPlace, IpField, Nullable } from './blocklist-schemas.ts';
import { nft } from './nft-command.ts';
import { nftablesSettings, setFor } from './nftables-settings.ts';
import { coveringElement, listSet } from './set-elements.ts';

/** A year: long enough for any containment, short enough that a forgotten block still ends. */
export const MAX_TTL_SECONDS = 365 * 24 * 3600;

export const BlockIpInput = Type.Object(
  {
    ip: IpField,
    ttl_seconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_TTL_SECONDS,
        description: 'The kernel removes the block by itself after this long; permanent when absent.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type BlockIpInput = Static<typeof BlockIpInput>;

export const BlockIpOutput = Type.Object({
  ...BlocklistPlace,
  ttl_seconds: Nullable(Type.Integer()),
  /** ISO 8601, when the kernel drops the element; null for a permanent block. */
  expires_at: Nullable(Type.String()),
  /**
   * A prefix or range already in the set that contains the address (added by hand, say): the
   * address is blocked by it and was not added on its own.
   */
  covered_by: Nullable(Type.String()),
});
export type BlockIpOutput = Static<typeof BlockIpOutput>;

export const blockIp = defineAction({
  name: 'block_ip',
  title: 'Block an IP address',
  description:
    'Adds the address to the instance’s nftables set, whose rules drop every packet from and to it ' +
    '(input, forward and output). With ttl_seconds the kernel expires the block by itself.',
  effect: 'destructive',
  react: 'RA3101',
  inverse: 'unblock_ip',
  input: BlockIpInput,
  output: BlockIpOutput,
  timeoutMs: 30_000,
  target: (input) => {
    const address = addressOrNull(input.ip);
    return address && { type: address.family, value: address.ip };
  },
  inverseInput: (input) => ({ ip: input.ip }),
  alreadyApplied: async (input, context) => {
    const address = blockableAddress(input.ip);
    const settings = nftablesSettings(context.fields);
    setFor(settings, address.family);
    return coveringElement(await listSet(settings, address.family, context.signal), address) !== null;
  },
  run: async (input, context) => {
    const address = blockableAddress(input.ip);
    const settings = nftablesSettings(context.fields);
    const set = setFor(settings, address.family);
    const ttl = input.ttl_seconds ?? null;
    const place = { ip: address.ip, family: address.family, table: settings.table, set };
    await ensureBlocklist(settings, context.signal);
    const spec = ttl === null ? `{ ${address.ip} }` : `{ ${address.ip} timeout ${ttl}s }`;
    try {
      // An address already in the set is no error for nft: the element and its timeout stay as they are.
      await nft(settings, ['add', 'element', settings.family, settings.table, set, spec], context.signal);
    } catch (error) {
      // An interval set refuses an address inside one of its prefixes or ranges: it is blocked already.
      if (!(error instanceof ActionError && error.code === 'conflict')) throw error;
      const covering = coveringElement(await listSet(settings, address.family, context.signal), address);
      if (!covering) throw error;
      return { ...place, ttl_seconds: null, expires_at: null, covered_by: covering.address };
    }
    const expiresAt = ttl === null ? null : new Date(Date.now() + ttl * 1000).toISOString();
    return { ...place, ttl_seconds: ttl, expires_at: expiresAt, covered_by: null };
  },
});
