import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RiposteError } from '../../core/riposte-error.ts';
import type { CacaoIssue } from '../../playbooks/cacao/cacao-issues.ts';
import { CLI_ACTOR, UsageError, withRiposte, type Io } from '../cli-context.ts';

function lines(file: string, issues: readonly CacaoIssue[], kind: string): string {
  return issues.map((issue) => `${file}#${issue.path || '/'}: ${kind}: ${issue.message}\n`).join('');
}

/**
 * `riposte playbook import-cacao FILE… [--strict] [--id ID] [--dry-run]` — each CACAO v2.0 playbook
 * (JSON) becomes a Riposte playbook (a new version when the same CACAO id was imported before).
 * Problems are printed as `FILE#/json/pointer: error|warning: message`; exit 1 when one is refused.
 * With --dry-run nothing is stored and the translated YAML is printed.
 */
export async function playbookImportCacaoCommand(args: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { strict: { type: 'boolean' }, id: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  });
  if (positionals.length === 0) throw new UsageError('playbook import-cacao needs at least one FILE');
  if (values.id !== undefined && positionals.length > 1)
    throw new UsageError('--id names one playbook: give one FILE with it');
  return withRiposte(async (riposte) => {
    let failed = 0;
    for (const file of positionals) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
      }
      try {
        const answer = await riposte.cacao.import(
          {
            document: text,
            profile: values.strict ? 'strict' : 'lenient',
            dryRun: values['dry-run'] === true,
            ...(values.id === undefined ? {} : { id: values.id }),
          },
          CLI_ACTOR,
        );
        io.stderr(lines(file, answer.warnings, 'warning'));
        if (answer.saved === null) io.stdout(answer.source);
        else
          io.stdout(
            `${file}: ${answer.playbookId} version ${answer.saved.playbook.version}${answer.saved.changed ? '' : ' (unchanged)'}${answer.warnings.length > 0 ? `, ${answer.warnings.length} warning(s)` : ''}\n`,
          );
      } catch (error) {
        if (!(error instanceof RiposteError) || !['invalid_playbook', 'conflict'].includes(error.code))
          throw error;
        failed++;
        const errors = (error.extra?.['errors'] ?? [{ path: '', message: error.message }]) as CacaoIssue[];
        io.stdout(lines(file, errors, 'error'));
        io.stderr(lines(file, (error.extra?.['warnings'] ?? []) as CacaoIssue[], 'warning'));
      }
    }
    return failed === 0 ? 0 : 1;
  });
}

/** `riposte playbook export-cacao ID [--version N] [--out FILE]` — the playbook as a CACAO v2.0 document. */
export async function playbookExportCacaoCommand(args: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { version: { type: 'string' }, out: { type: 'string' } },
  });
  const [id] = positionals;
  if (id === undefined || positionals.length > 1)
    throw new UsageError('playbook export-cacao needs one playbook ID');
  const version = values.version === undefined ? undefined : Number(values.version);
  if (version !== undefined && (!Number.isInteger(version) || version < 1))
    throw new UsageError('--version must be a version number (1, 2, …)');
  const document = await withRiposte((riposte) => riposte.cacao.export(id, version));
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (values.out === undefined) io.stdout(text);
  else {
    writeFileSync(values.out, text);
    io.stderr(`${id}: written to ${values.out}\n`);
  }
  return 0;
}
