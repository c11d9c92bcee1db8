import { type TSchema, Type } from '@sinclair/typebox';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const AddressFamily = Type.Union([Type.Literal('ipv4'), Type.Literal('ipv6')]);

/** Checked further by blockableAddress before anything runs; the schema only bounds its size. */
export const IpField = Type.String({
  minLength: 2,
  maxLength: 64,
  description: 'One IPv4 or IPv6 address (no prefix, no range); IPv6 is stored in its canonical form.',
});

/** Where an address was blocked, for the analyst and the action ledger. */
export const BlocklistPlace = {
  ip: Type.String(),
  family: AddressFamily,
  table: Type.String(),
  set: Type.String(),
};
