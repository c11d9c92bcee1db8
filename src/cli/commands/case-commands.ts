import { parseArgs } from 'node:util';
import { CLI_ACTOR, UsageError, withRiposte, type Io } from '../cli-context.ts';

/**
 * `riposte case merge ID --into ID [--note TEXT]` — folds one open case into another
 * (docs/cases.md#merging-cases); prints what moved, one kind per line.
 */
export async function caseMergeCommand(args: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { into: { type: 'string' }, note: { type: 'string' } },
  });
  const [caseId] = positionals;
  if (!caseId || !values.into) throw new UsageError('case merge needs a case ID and --into ID');
  const result = await withRiposte((riposte) =>
    riposte.cases.merge(
      caseId,
      { into: values.into, ...(values.note === undefined ? {} : { note: values.note }) },
      CLI_ACTOR,
    ),
  );
  io.stdout(`merged ${caseId} into ${result.case.id} (${result.case.alertCount} alerts now)\n`);
  for (const [kind, count] of Object.entries(result.moved)) io.stdout(`${kind}\t${count}\n`);
  return 0;
}
