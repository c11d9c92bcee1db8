import { type Static, Type } from '@sinclair/typebox';
import { defineAction } from '../sdk/integration.ts';
import { AddressFamily, Nullable } from './blocklist-schemas.ts';
import { nftablesSettings } from './nftables-settings.ts';
import { listSet } from './set-elements.ts';

export const ListBlockedInput = Type.Object({}, { additionalProperties: false });

export const ListBlockedOutput = Type.Object({
  table: Type.String(),
  blocked: Type.Array(
    Type.Object({
      /** An address, or a prefix (`10.0.0.0/8`) or range (`a-b`) someone added by hand. */
      address: Type.String(),
      family: AddressFamily,
      /** The timeout it was blocked with; null when permanent. */
      timeout_seconds: Nullable(Type.Integer()),
      expires_in_seconds: Nullable(Type.Integer()),
    }),
  ),
});
export type ListBlockedOutput = Static<typeof ListBlockedOutput>;

export const listBlocked = defineAction({
  name: 'list_blocked',
  title: 'List blocked IP addresses',
  description:
    'The addresses in the instance’s nftables sets, with the time left on the ones that expire. ' +
    'Empty when nothing was ever blocked (the table does not exist yet).',
  effect: 'read',
  input: ListBlockedInput,
  output: ListBlockedOutput,
  timeoutMs: 30_000,
  run: async (_input, context) => {
    const settings = nftablesSettings(context.fields);
    const [v4, v6] = await Promise.all([
      listSet(settings, 'ipv4', context.signal),
      listSet(settings, 'ipv6', context.signal),
    ]);
    return {
      table: `${settings.family} ${settings.table}`,
      blocked: [...v4, ...v6].map((e) => ({
        address: e.address,
        family: e.family,
        timeout_seconds: e.timeoutSeconds,
        expires_in_seconds: e.expiresInSeconds,
      })),
    };
  },
});
