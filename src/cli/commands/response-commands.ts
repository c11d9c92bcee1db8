import { parseArgs } from 'node:util';
import { CLI_ACTOR, UsageError, withRiposte, type Io } from '../cli-context.ts';

/** `riposte case rollback ID` — undoes the case's containment in reverse order; prints each step's outcome. */
export async function caseRollbackCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [caseId] = positionals;
  if (!caseId) throw new UsageError('case rollback needs a case ID');
  const results = await withRiposte(async (riposte) => {
    await riposte.cases.get(caseId);
    return riposte.response.rollbackCase(caseId, CLI_ACTOR);
  });
  for (const r of results)
    io.stdout(
      `${r.outcome}\t${r.action}\t${r.target ? `${r.target.type} ${r.target.value}` : '-'}\t${r.inverse ?? '-'}${r.detail ? `\t${r.detail}` : ''}\n`,
    );
  if (results.length === 0) io.stderr(`case ${caseId} has nothing to roll back\n`);
  return results.every((r) => r.outcome === 'undone' || r.outcome === 'already') ? 0 : 1;
}

/** `riposte response kill-switch on|off [--reason TEXT]` — pauses or resumes every destructive action. */
export async function killSwitchCommand(args: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { reason: { type: 'string' } },
  });
  const [state] = positionals;
  if (state !== 'on' && state !== 'off' && state !== 'status')
    throw new UsageError('response kill-switch takes on, off or status');
  const result = await withRiposte((riposte) =>
    state === 'status'
      ? riposte.responseRules.killSwitch()
      : riposte.responseRules.setKillSwitch(state === 'on', values.reason ?? null, CLI_ACTOR),
  );
  io.stdout(`${JSON.stringify(result)}\n`);
  return 0;
}
