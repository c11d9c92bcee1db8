import { Type, type Static } from '@sinclair/typebox';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import {
  defenderRequest,
  findMachine,
  isIsolated,
  machineActions,
  machineLabel,
  postMachineAction,
  quarantined,
} from './defender-machines.ts';
import { ENTRA_CREDENTIALS } from '../sdk/entra-session.ts';
import { fileMachines } from './file-machines.ts';
import { defenderAlertFeed } from './defender-alert-feed.ts';

const MachineFields = {
  machine: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      description: 'computerDnsName as Defender reports it (exact match)',
    }),
  ),
  machineId: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{40}$', description: 'Defender machine id' })),
  comment: Type.Optional(
    Type.String({ minLength: 1, maxLength: 1000, description: 'Shown with the action in the portal' }),
  ),
};

export const IsolateInput = Type.Object(
  {
    ...MachineFields,
    isolationType: Type.Optional(
      Type.Union([Type.Literal('Full'), Type.Literal('Selective')], { default: 'Full' }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of machine or machineId' },
);
export type IsolateInput = Static<typeof IsolateInput>;

export const ReleaseInput = Type.Object(MachineFields, { additionalProperties: false });
export type ReleaseInput = Static<typeof ReleaseInput>;

export const QuarantineInput = Type.Object(
  { ...MachineFields, sha1: Type.String({ pattern: '^[0-9a-fA-F]{40}$', description: 'SHA-1 of the file' }) },
  { additionalProperties: false },
);
export type QuarantineInput = Static<typeof QuarantineInput>;

export const MachineActionOutput = Type.Object({
  machineId: Type.String(),
  computerDnsName: Type.Union([Type.String(), Type.Null()]),
  /** The machine action Defender created; null when nothing was sent (already in that state). */
  machineActionId: Type.Union([Type.String(), Type.Null()]),
  requested: Type.Boolean(),
});
export type MachineActionOutput = Static<typeof MachineActionOutput>;

const comment = (input: { comment?: string | undefined }, what: string) =>
  input.comment ?? `Riposte: ${what}`;

/**
 * Isolates or releases unless the newest effective isolation action already says so; a pending
 * duplicate that slips past (a crash between the check and the answer) is refused by Defender and
 * read as done.
 */
async function setIsolation(
  context: IntegrationContext,
  input: IsolateInput | ReleaseInput,
  isolate: boolean,
): Promise<MachineActionOutput> {
  const machine = await findMachine(context, input);
  const result = { machineId: machine.id, computerDnsName: machine.computerDnsName };
  if (isIsolated(await machineActions(context, machine.id)) === isolate)
    return { ...result, machineActionId: null, requested: false };
  const created = isolate
    ? await postMachineAction(context, machine, 'isolate', {
        Comment: comment(input, 'isolate machine'),
        IsolationType: (input as IsolateInput).isolationType ?? 'Full',
      })
    : await postMachineAction(context, machine, 'unisolate', { Comment: comment(input, 'release machine') });
  return { ...result, machineActionId: created?.id ?? null, requested: created !== null };
}

async function stopAndQuarantine(
  context: IntegrationContext,
  input: QuarantineInput,
): Promise<MachineActionOutput> {
  const machine = await findMachine(context, input);
  const result = { machineId: machine.id, computerDnsName: machine.computerDnsName };
  if (quarantined(await machineActions(context, machine.id), input.sha1))
    return { ...result, machineActionId: null, requested: false };
  const created = await postMachineAction(context, machine, 'StopAndQuarantineFile', {
    Comment: comment(input, 'stop and quarantine file'),
    Sha1: input.sha1.toLowerCase(),
  });
  return { ...result, machineActionId: created?.id ?? null, requested: created !== null };
}

const machineTarget = (input: IsolateInput | ReleaseInput) => ({
  type: 'host' as const,
  value: machineLabel(input),
});

export const defender = defineIntegration({
  id: 'defender',
  name: 'Microsoft Defender for Endpoint',
  version: '1.0.0',
  categories: ['edr', 'response'],
  docs: 'https://learn.microsoft.com/defender-endpoint/api/machineaction',
  baseUrl: 'https://api.securitycenter.microsoft.com',
  credentials: ENTRA_CREDENTIALS.map((c) =>
    c.name === 'client_id'
      ? {
          ...c,
          description:
            'An app registration granted Machine.Read.All, Machine.Isolate and Machine.StopAndQuarantine (and Alert.Read.All to pull alerts)',
        }
      : c,
  ),
  // The bearer token is the connector's own (client credentials, see entra-session.ts).
  auth: { kind: 'none' },
  // Documented for each of these APIs: 100 calls a minute (and 1,500 an hour).
  rateLimit: { requests: 100, perSeconds: 60 },
  testConnection: async (context) => {
    await defenderRequest(context, { path: '/api/machines', query: { $top: 1 }, accept: [404] });
  },
  actions: [
    defineAction({
      name: 'isolate_machine',
      title: 'Isolate a machine',
      description:
        'Isolates a device from the network (Full, or Selective keeping Outlook/Teams); Defender keeps its own connection.',
      effect: 'destructive',
      input: IsolateInput,
      output: MachineActionOutput,
      // RE&CT has no host-isolation action (checked against RS0003 Containment): no id.
      target: machineTarget,
      inverse: 'release_machine',
      inverseInput: (_input, output) => ({
        machineId: output.machineId,
        comment: 'Riposte: rollback of isolation',
      }),
      alreadyApplied: async (input, context) =>
        isIsolated(await machineActions(context, (await findMachine(context, input)).id)),
      run: (input, context) => setIsolation(context, input, true),
    }),
    defineAction({
      name: 'release_machine',
      title: 'Release a machine from isolation',
      description: 'Undoes the isolation of a device.',
      effect: 'write',
      input: ReleaseInput,
      output: MachineActionOutput,
      target: machineTarget,
      inverse: 'isolate_machine',
      inverseInput: (_input, output) => ({ machineId: output.machineId }),
      alreadyApplied: async (input, context) =>
        !isIsolated(await machineActions(context, (await findMachine(context, input)).id)),
      run: (input, context) => setIsolation(context, input, false),
    }),
    defineAction({
      name: 'stop_and_quarantine_file',
      title: 'Stop and quarantine a file',
      description: 'Stops the processes of a file (by SHA-1) on a device and quarantines the file.',
      effect: 'destructive',
      input: QuarantineInput,
      output: MachineActionOutput,
      react: 'RA3302',
      target: (input) => ({ type: 'file', value: input.sha1.toLowerCase() }),
      // No API restores a quarantined file: no inverse.
      alreadyApplied: async (input, context) =>
        quarantined(await machineActions(context, (await findMachine(context, input)).id), input.sha1),
      run: (input, context) => stopAndQuarantine(context, input),
    }),
    fileMachines,
  ],
  feed: defenderAlertFeed,
});
