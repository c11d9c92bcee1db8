import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../sdk/integration.ts';
import { defenderRequest } from './defender-machines.ts';

/**
 * Prevalence of a file in the organisation: `GET /api/files/{sha1}/machines` lists the devices that
 * saw it (Machine.Read.All). Documented limits: SHA-1 only, and a file Defender does not know is an
 * empty list, not a 404.
 */

export const FileMachinesOutput = Type.Object({
  sha1: Type.String(),
  machineCount: Type.Integer({ minimum: 0 }),
  machines: Type.Array(
    Type.Object({
      machineId: Type.String(),
      computerDnsName: Type.Union([Type.String(), Type.Null()]),
      lastSeen: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
export type FileMachinesOutput = Static<typeof FileMachinesOutput>;

/** Machines named in the output; the count covers them all. */
const MAX_LISTED = 100;

export const fileMachines = defineAction({
  name: 'file_machines',
  title: 'List the machines that saw a file',
  description: 'The devices Defender saw a file on (by SHA-1): how widespread it is in the organisation.',
  effect: 'read',
  input: Type.Object(
    {
      sha1: Type.String({ pattern: '^[0-9a-fA-F]{40}$', description: 'SHA-1 (the API takes no other hash)' }),
    },
    { additionalProperties: false },
  ),
  output: FileMachinesOutput,
  cacheTtlSeconds: 300,
  async run(input, context) {
    const sha1 = input.sha1.toLowerCase();
    const response = await defenderRequest(context, { path: `/api/files/${sha1}/machines` });
    const value = response.json<{ value?: unknown } | null>()?.value;
    const machines = (Array.isArray(value) ? value : []).flatMap((raw) => {
      const m = raw as { id?: unknown; computerDnsName?: unknown; lastSeen?: unknown } | null;
      if (typeof m?.id !== 'string') return [];
      return [
        {
          machineId: m.id,
          computerDnsName: typeof m.computerDnsName === 'string' ? m.computerDnsName : null,
          lastSeen: typeof m.lastSeen === 'string' ? m.lastSeen : null,
        },
      ];
    });
    return { sha1, machineCount: machines.length, machines: machines.slice(0, MAX_LISTED) };
  },
});
