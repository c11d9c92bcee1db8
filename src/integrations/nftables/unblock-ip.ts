import { type Static, Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { defineAction } from '../sdk/integration.ts';
import { addressOrNull, blockableAddress } from './blockable-address.ts';
import { BlocklistPlace, IpField, Nullable } from './blocklist-schemas.ts';
import { nft } from './nft-command.ts';
import { nftablesSettings, setFor } from './nftables-settings.ts';
import { coveringElement, listSet } from './set-elements.ts';

export const UnblockIpInput = Type.Object({ ip: IpField }, { additionalProperties: false });
export type UnblockIpInput = Static<typeof UnblockIpInput>;

export const UnblockIpOutput = Type.Object({
  ...BlocklistPlace,
  /** False when the address was not in the set (never blocked, unblocked already, or expired). */
  removed: Type.Boolean(),
  /** A prefix or range left in the set that still blocks the address; null when traffic flows again. */
  still_blocked_by: Nullable(Type.String()),
});
export type UnblockIpOutput = Static<typeof UnblockIpOutput>;

export const unblockIp = defineAction({
  name: 'unblock_ip',
  title: 'Unblock an IP address',
  description:
    'Removes the address from the instance’s nftables set, so its traffic flows again. Reports a ' +
    'prefix or range in the set that still blocks it.',
  effect: 'write',
  react: 'RA5101',
  input: UnblockIpInput,
  output: UnblockIpOutput,
  timeoutMs: 30_000,
  target: (input) => {
    const address = addressOrNull(input.ip);
    return address && { type: address.family, value: address.ip };
  },
  // Applied when the address is not an element of its own; a prefix around it is not ours to remove.
  alreadyApplied: async (input, context) => {
    const address = blockableAddress(input.ip);
    const settings = nftablesSettings(context.fields);
    setFor(settings, address.family);
    const elements = await listSet(settings, address.family, context.signal);
    return !elements.some((e) => e.address === address.ip);
  },
  run: async (input, context) => {
    const address = blockableAddress(input.ip);
    const settings = nftablesSettings(context.fields);
    const set = setFor(settings, address.family);
    let removed = true;
    try {
      await nft(
        settings,
        ['delete', 'element', settings.family, settings.table, set, `{ ${address.ip} }`],
        context.signal,
      );
    } catch (error) {
      // Not there (never blocked, expired, or no table yet) is the state this action wants.
      if (!(error instanceof ActionError && error.code === 'not_found')) throw error;
      removed = false;
    }
    const still = coveringElement(await listSet(settings, address.family, context.signal), address);
    return {
      ip: address.ip,
      family: address.family,
      table: settings.table,
      set,
      removed,
      still_blocked_by: still?.address ?? null,
    };
  },
});
