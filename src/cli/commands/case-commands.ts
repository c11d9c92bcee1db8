import { writeFileSync } from 'node:fs';
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

/**
 * `riposte case report ID [--format markdown|html|pdf] [--out FILE]` — the case's incident report
 * (docs/cases.md#incident-report), on stdout or into a file; a PDF needs --out.
 */
export async function caseReportCommand(args: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string' }, out: { type: 'string' } },
  });
  const [caseId] = positionals;
  if (!caseId) throw new UsageError('case report needs a case ID');
  if (values.format === 'pdf' && !values.out) throw new UsageError('a PDF report needs --out FILE');
  const report = await withRiposte((riposte) =>
    riposte.reports.render(caseId, values.format ?? 'markdown', CLI_ACTOR),
  );
  if (values.out) {
    writeFileSync(values.out, report.body);
    io.stderr(`wrote ${values.out} (${report.body.length} bytes)\n`);
  } else io.stdout(typeof report.body === 'string' ? report.body : report.body.toString('latin1'));
  return 0;
}
